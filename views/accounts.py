"""Public account pages: "Registrate", activation, "Olvidé mi contraseña", reset, change password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from extensions import limiter
from forms.accounts import ChangePasswordForm, ChoosePasswordForm, ConfirmForm, EmailForm, RegisterForm
from models.base import db
from services import accounts, sessions
from services.accounts import ACTIVATION, RESET, TokenError

bp = Blueprint("accounts", __name__)

# Pages that send email: a per-address limit keeps them from being used to flood mailboxes.
MAIL_LIMIT = "10 per 15 minutes"


def _invalid_link(error: TokenError, purpose: str):
    """Nothing changed: explain why and offer a new link."""
    form = EmailForm()
    action = url_for("accounts.resend_activation" if purpose == ACTIVATION else "accounts.forgot_password")
    return render_template("accounts/invalid_link.html", error=error, purpose=purpose, form=form, action=action), 400


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        accounts.register(form.first_name.data, form.last_name.data, form.email.data, form.password.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, kind="register")
    return render_template("accounts/register.html", form=form)


@bp.route("/activate/<token>", methods=["GET", "POST"])
def activate(token: str):
    try:
        user = accounts.read_token(token, ACTIVATION)
    except TokenError as error:
        return _invalid_link(error, ACTIVATION)
    # Staff-created logins choose their password here; self-registered users confirm with one click
    # (a POST, so mail scanners fetching the link do not activate the account).
    if user.password_hash is None:
        form = ChoosePasswordForm()
        if form.validate_on_submit() and form.check_passwords(user.email, user.name):
            accounts.activate(user, form.password.data)
            db.session.commit()
            flash(_("Your account is active. Log in with your email and password."), "success")
            return redirect(url_for("auth.login"))
    else:
        form = ConfirmForm()
        if form.validate_on_submit():
            accounts.activate(user)
            db.session.commit()
            flash(_("Your account is active. Log in with your email and password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("accounts/activate.html", form=form, user=user)


@bp.route("/activate/resend", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def resend_activation():
    form = EmailForm()
    if form.validate_on_submit():
        accounts.resend_activation(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, kind="activation")
    return render_template("accounts/email_form.html", form=form, kind="activation")


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, kind="reset")
    return render_template("accounts/email_form.html", form=form, kind="reset")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = accounts.read_token(token, RESET)
    except TokenError as error:
        return _invalid_link(error, RESET)
    form = ChoosePasswordForm()
    if form.validate_on_submit() and form.check_passwords(user.email, user.name):
        accounts.reset_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password was changed and every other session was closed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("accounts/reset_password.html", form=form, user=user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("Wrong password."))
        elif form.check_passwords(current_user.email, current_user.name):
            user = current_user._get_current_object()
            accounts.change_password(user, form.password.data)
            # The other sessions carry the old session version and end; this browser gets a new one.
            login_user(user, remember=sessions.renew(user).remember)
            db.session.commit()
            flash(_("Your password was changed. Your other sessions were closed."), "success")
            return redirect(url_for("admin.index"))
    return render_template("accounts/change_password.html", form=form)
