"""Login, logout and the provider switcher."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from extensions import limiter
from forms.auth import LoginForm
from models.audit import record_event
from models.base import db, utcnow
from models.users import User
from services import accounts, throttle
from views.safety import safe_next

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    """Sessions carry ``id:session_version``; a password change ends older sessions."""
    try:
        raw_id, raw_version = user_id.split(":")
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != raw_version or not user.is_active:
        return None
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.login_ip_limit, methods=["POST"], deduct_when=throttle.failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    hint = None
    if form.validate_on_submit():
        email = form.email.data
        user = find_user(email)
        if throttle.is_locked(email):
            # Locked: refused whatever the password, and without checking it.
            record_event("user", user.id if user else None, "login_refused_locked", email=email[:254])
            db.session.commit()
            form.email.errors.append(_locked_message())
            return render_template("auth/login.html", form=form, hint="locked"), 429
        if user is not None and user.check_password(form.password.data) and user.is_active:
            throttle.clear_failures(email)
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            record_event("user", user.id, "login")
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
        right_password = user is not None and user.check_password(form.password.data)
        record_event("user", user.id if user else None, "login_failed", email=email[:254])
        if right_password and not user.is_enabled:
            form.email.errors.append(_("This account is deactivated. Contact the payer's staff."))
        elif right_password and user.activated_at is None:
            form.email.errors.append(_("This account is not activated yet: follow the link we emailed you."))
            hint = "activation"
        else:
            form.password.errors.append(_("Wrong email or password."))
            if throttle.register_failure(email):
                record_event("user", user.id if user else None, "locked", email=email[:254])
                form.email.errors.append(_locked_message())
                hint = "locked"
        db.session.commit()
    return render_template("auth/login.html", form=form, hint=hint)


def _locked_message() -> str:
    from flask import current_app

    return _("Too many failed attempts: this account is locked for %(minutes)s minutes. "
             "Try again later or reset your password.", minutes=current_app.config.get("LOGIN_LOCKOUT_MINUTES", 15))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/switch-provider", methods=["POST"])
@login_required
def switch_provider():
    """A user linked to several providers picks the one everything follows."""
    accounts.switch_provider(current_user, request.form.get("provider_id"))
    db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("admin.index"))
