"""Account pages inside the back office: the provider's "Vincular con Cliente/Proveedor",
credentialing's "New provider login" and the administrator's mail outbox."""
from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from extensions import limiter
from forms.accounts import PROVIDER_SEARCH, LinkForm, ProviderLoginForm
from models.base import db
from models.enums import LinkKind, LinkStatus
from models.providers import Provider, UserProvider
from models.values import int_arg
from services import accounts
from views.admin.base import SecurePage


def _link_key() -> str:
    return f"link-user-{current_user.get_id()}"


class LinkRequestView(SecurePage):
    """A provider user links the account to a client/provider by tax id + provider number."""

    resource, action = "user_provider", "create"

    def is_accessible(self) -> bool:
        return super().is_accessible() and current_user.is_provider

    @expose("/", methods=["GET", "POST"])
    @limiter.limit("20 per hour", key_func=_link_key, methods=["POST"])
    def index(self):
        form = LinkForm()
        if form.validate_on_submit():
            try:
                link = accounts.request_link(current_user, LinkKind(form.kind.data), form.tax_id.data,
                                             form.provider_number.data)
                db.session.commit()
                if link.status == LinkStatus.APPROVED:
                    flash(_("You are now linked to %(name)s.", name=link.provider.legal_name), "success")
                else:
                    flash(_("Your request to link to %(name)s was sent; the payer's staff will approve it.",
                            name=link.provider.legal_name), "info")
                return redirect(url_for(".index"))
            except accounts.AccountError as error:
                db.session.commit()  # keeps the audited refusal
                target = form[error.field] if error.field in form else form.provider_number
                target.errors = list(target.errors) + [error.message]
        links = db.session.scalars(
            select(UserProvider).where(UserProvider.user_id == current_user.id).order_by(UserProvider.requested_at)
        ).all()
        return self.render("admin/accounts/links.html", form=form, links=links)


class ProviderLoginView(SecurePage):
    """Credentialing creates a login for a provider's staff: the activation email lets them choose a password."""

    resource, action = "user", "create"

    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = ProviderLoginForm()
        preselected = request.args.get("provider_id", type=int_arg)
        if request.method == "GET" and preselected and (provider := db.session.get(Provider, preselected)):
            form.providers.data = [provider]
        if form.validate_on_submit():
            try:
                user = accounts.create_provider_login(form.email.data, form.name.data, form.providers.data,
                                                      form.locale.data)
                db.session.commit()
                flash(_("Login created; we emailed %(email)s the activation link (valid for 72 hours).",
                        email=user.email), "success")
                return redirect(url_for("user.details_view", id=user.id))
            except accounts.AccountError as error:
                db.session.rollback()
                form[error.field].errors = list(form[error.field].errors) + [error.message]
        return self.render("admin/accounts/provider_login.html", form=form)

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        return provider_lookup()


def provider_lookup():
    """The provider search of a form's picker (``forms.accounts.PROVIDER_SEARCH``): ``[[id, label], ...]``, as
    Flask-Admin's widget expects, at most 50 a call."""
    if request.args.get("name") != PROVIDER_SEARCH.name:
        abort(404)
    offset = max(0, request.args.get("offset", 0, type=int_arg))
    limit = min(max(1, request.args.get("limit", 10, type=int_arg)), 50)
    found = PROVIDER_SEARCH.get_list(request.args.get("query", ""), offset, limit)
    return jsonify([PROVIDER_SEARCH.format(provider) for provider in found])


OUTBOX_NAME = re.compile(r"^[\w.-]+\.eml$")
URL = re.compile(r"https?://[^\s<>\"']+")


def _linkify(text: str) -> Markup:
    """Escape an email body and make its http(s) links clickable."""
    out, last = [], 0
    for match in URL.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(Markup('<a href="{0}" class="outbox-link">{0}</a>').format(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


class OutboxView(SecurePage):
    """Administrators read the emails written to the outbox folder (when no SMTP server is set)."""

    resource = "outbox"
    page_size = 100

    def _folder(self) -> Path:
        return Path(current_app.config["MAIL_OUTBOX"])

    def _read(self, path: Path):
        with path.open("rb") as handle:
            return BytesParser(policy=policy.default).parse(handle)

    @expose("/")
    def index(self):
        folder = self._folder()
        files = sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True)[: self.page_size] \
            if folder.is_dir() else []
        rows = []
        for path in files:
            message = self._read(path)
            rows.append({"name": path.name, "to": message["To"], "subject": message["Subject"],
                         "date": message["Date"], "language": message["Content-Language"]})
        return self.render("admin/accounts/outbox.html", rows=rows, folder=str(folder),
                           smtp=bool(current_app.config.get("MAIL_SERVER")))

    @expose("/<filename>")
    def message(self, filename: str):
        if not OUTBOX_NAME.match(filename):
            abort(404)
        folder = self._folder().resolve()
        path = (folder / filename).resolve()
        if path.parent != folder or not path.is_file():
            abort(404)
        message = self._read(path)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        return self.render("admin/accounts/outbox_message.html", name=filename, message=message,
                           body=_linkify(body))
