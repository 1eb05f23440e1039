"""Login, logout and the provider switcher."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from extensions import limiter
from forms.auth import LoginForm
from models.audit import record_event
from models.base import db, utcnow
from services import accounts, sessions, throttle
from views.safety import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.login_ip_limit, methods=["POST"], deduct_when=throttle.failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    hint = None
    if form.validate_on_submit():
        email = form.email.data
        user = accounts.find_user(email)
        if throttle.is_locked(email):
            # Locked: refused whatever the password, and without checking it.
            record_event("user", user.id if user else None, "login_refused_locked", email=email[:254])
            db.session.commit()
            form.email.errors.append(_locked_message())
            return render_template("auth/login.html", form=form, hint="locked"), 429
        # One password hash is checked whether or not the account exists: the time taken tells nothing.
        right_password = accounts.password_matches(user, form.password.data)
        if right_password and user.is_active:
            throttle.clear_failures(email)
            sessions.start(user, remember=bool(form.remember.data))
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            record_event("user", user.id, "login")
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
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
    """Ends this browser's session on the server: its session and remember-me cookies stop working."""
    record_event("user", current_user.id, "logout")
    sessions.end(current_user)
    logout_user()
    db.session.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/switch-provider", methods=["POST"])
@login_required
def switch_provider():
    """A user linked to several providers picks the one everything follows."""
    accounts.switch_provider(current_user, request.form.get("provider_id"))
    db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("admin.index"))
