"""Credentialing's screen for providers' web-service logins: issue, rotate (the new password is shown once),
revoke, and when each login was last used. Provider users see their own login (never a password)."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from forms.tiss_ws import TissWsLoginForm
from models import TissWsCredential
from models.base import db
from models.permissions import can
from services.tiss import credentials
from services.visibility import get_visible
from views.admin.accounts import provider_lookup
from views.admin.base import ProviderScopedView, SecurePage

RESOURCE = "tiss_ws_credential"


def _status_formatter(view, context, model, name):
    if model.revoked_at is not None:
        return Markup('<span class="badge badge-danger" data-status="revoked">{}</span>').format(_("Revoked"))
    return Markup('<span class="badge badge-success" data-status="active">{}</span>').format(_("Active"))


def _actions_formatter(view, context, model, name):
    buttons = []
    token = Markup('<input type="hidden" name="csrf_token" value="{}">').format(context["csrf_token"]())
    if can(current_user, "rotate", RESOURCE):
        label = _("Issue a new password") if model.revoked_at else _("Rotate password")
        buttons.append(Markup('<form method="post" action="{}" class="d-inline">{}<button class="btn btn-sm '
                              'btn-outline-primary" data-action="rotate">{}</button></form>').format(
            url_for("tiss_ws_login.rotate", credential_id=model.id), token, label))
    if can(current_user, "revoke", RESOURCE) and model.revoked_at is None:
        buttons.append(Markup('<form method="post" action="{}" class="d-inline">{}<button class="btn btn-sm '
                              'btn-outline-danger" data-action="revoke">{}</button></form>').format(
            url_for("tiss_ws_login.revoke", credential_id=model.id), token, _("Revoke")))
    return Markup(" ").join(buttons)


class TissWsCredentialView(ProviderScopedView):
    """Web-service logins: one per provider, with its last use."""

    offers = frozenset({"export"})
    list_template = "admin/tiss_ws/list.html"
    column_list = ("provider", "login", "status", "created_at", "issued_by", "rotated_at", "revoked_at",
                   "last_used_at", "last_used_ip", "actions")
    column_details_list = ("provider", "login", "status", "created_at", "issued_by", "rotated_at", "revoked_at",
                           "revoked_by", "last_used_at", "last_used_ip")
    column_export_list = ("provider", "login", "created_at", "rotated_at", "revoked_at", "last_used_at",
                          "last_used_ip")
    column_labels = {
        "provider": _l("Provider"), "login": _l("Login"), "status": _l("Status"), "created_at": _l("Issued"),
        "issued_by": _l("Issued by"), "rotated_at": _l("Password changed"), "revoked_at": _l("Revoked"),
        "revoked_by": _l("Revoked by"), "last_used_at": _l("Last use"), "last_used_ip": _l("Last address"),
        "actions": _l("Actions"),
    }
    column_formatters = {"status": _status_formatter, "actions": _actions_formatter}
    column_searchable_list = ("login",)
    column_filters = ("login",)
    column_default_sort = ("login", False)

    @property
    def can_issue(self) -> bool:
        return can(current_user, "create", RESOURCE)


class TissWsLoginView(SecurePage):
    """Issue a provider's web-service login; rotate and revoke post here (the list's buttons)."""

    resource, action = RESOURCE, "create"

    def _password_page(self, credential: TissWsCredential, password: str):
        response = make_response(self.render("admin/tiss_ws/password.html", credential=credential,
                                             password=password, md5=credentials.md5_hex(password),
                                             endpoint=url_for("tiss_ws.call", service="tissLoteGuias",
                                                              _external=True)))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = TissWsLoginForm()
        if form.validate_on_submit():
            try:
                credential, password = credentials.issue(form.provider.data, form.login.data, current_user)
                db.session.commit()
                return self._password_page(credential, password)
            except credentials.CredentialError as error:
                db.session.rollback()
                target = form[error.field] if error.field in form else form.provider
                target.errors = list(target.errors) + [error.message]
        return self.render("admin/tiss_ws/issue.html", form=form)

    def _credential(self, credential_id: int) -> TissWsCredential:
        credential = get_visible(TissWsCredential, credential_id, current_user, RESOURCE)
        if credential is None:
            abort(404)
        return credential

    @expose("/<int:credential_id>/rotate", methods=("POST",))
    def rotate(self, credential_id: int):
        credential = self._credential(credential_id)
        try:
            password = credentials.rotate(credential, current_user)
        except credentials.CredentialError as error:
            db.session.rollback()
            abort(403, error.message)
        db.session.commit()
        return self._password_page(credential, password)

    @expose("/<int:credential_id>/revoke", methods=("POST",))
    def revoke(self, credential_id: int):
        credential = self._credential(credential_id)
        try:
            credentials.revoke(credential, current_user)
            db.session.commit()
            flash(_("Login %(login)s revoked: its calls are refused from now on.", login=credential.login), "success")
        except credentials.CredentialError as error:
            db.session.rollback()
            if error.code == "forbidden":
                abort(403)
            flash(error.message, "warning")
        return redirect(url_for("tiss_ws_credential.index_view"))

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        return provider_lookup()
