"""CRUD screens of credentialing: providers, users, links, professionals, locations.

Providers are registered through the strict rules of ``models.rules.providers``
(plus duplicate checks in ``services.providers``); status, account and link
decisions are buttons on the details pages that go through ``models.workflow``
and ``services.accounts``.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from forms.accounts import DecisionForm, ReasonForm
from models.base import db
from models.enums import Country, LinkStatus, ProviderStatus, TaxCondition, TaxIdKind
from models.permissions import can, may_manage_account
from models.rules.providers import ProviderDraft, check_provider
from models.values import int_arg
from models.workflow import TransitionError, allowed_targets, transition
from services import accounts, visibility
from services.providers import check_new_or_changed, enum_values
from views.admin.base import ProviderScopedView, SecureModelView


def _tax_id(view, context, model, name):
    return model.formatted_tax_id


def _enum_value(value):
    return getattr(value, "value", value)


class _PostedRowMixin:
    def _get_posted(self):
        """The row named by the posted ``id`` (provider scoping applies through get_one)."""
        row_id = request.form.get("id", type=int_arg)
        return self.get_one(str(row_id)) if row_id is not None else None


class ProviderView(_PostedRowMixin, ProviderScopedView):
    column_list = ("provider_number", "legal_name", "tax_id", "tax_condition", "country", "city", "status")
    column_labels = {
        "provider_number": _l("Provider no."), "legal_name": _l("Legal name"), "tax_id": _l("Tax id"),
        "tax_condition": _l("Tax condition"), "country": _l("Country"), "city": _l("City"), "status": _l("Status"),
        "service_types": _l("Contracted services"), "cbu": _l("CBU"), "bank_agency": _l("Agency"),
        "bank_account": _l("Account"), "bank_name": _l("Bank"), "iibb_rate": _l("Gross income rate (%)"),
        "tax_id_kind": _l("Tax id type"), "bank_code": _l("Bank code"), "iss_rate": _l("ISS rate (%)"),
        "email": _l("Email"), "phone": _l("Phone"), "address": _l("Address"), "state": _l("State / province"),
        "postal_code": _l("Postal code"), "cnes": _l("CNES"),
    }
    column_formatters = {"tax_id": _tax_id}
    column_searchable_list = ("legal_name", "tax_id", "provider_number")
    column_filters = ("status", "country", "tax_condition", "city")
    column_default_sort = "legal_name"
    form_excluded_columns = ("status", "created_at", "updated_at", "user_links", "professionals", "locations")
    form_columns = (
        "legal_name", "country", "tax_id_kind", "tax_id", "tax_condition", "provider_number", "service_types",
        "email", "phone", "address", "city", "state", "postal_code", "cnes",
        "cbu", "bank_code", "bank_name", "bank_agency", "bank_account", "iibb_rate", "iss_rate",
    )
    # Typed ids may carry punctuation (30-50001091-2): the rules normalise them, so no column-length check here.
    form_overrides = {
        "country": SelectField, "tax_id_kind": SelectField, "tax_condition": SelectField,
        "tax_id": StringField, "cbu": StringField, "bank_agency": StringField, "bank_account": StringField,
    }
    form_args = {
        "country": {"choices": Country.choices, "coerce": _enum_value},
        "tax_id_kind": {"choices": TaxIdKind.choices, "coerce": _enum_value},
        "tax_condition": {"choices": TaxCondition.choices, "coerce": _enum_value},
        "tax_id": {"description": _l("CUIT (Argentina), CNPJ or CPF (Brazil); with or without punctuation."),
                   "validators": [DataRequired(), Length(max=30)]},
        "cbu": {"description": _l("Argentina: 22 digits."), "validators": [Optional(), Length(max=40)]},
        "bank_agency": {"validators": [Optional(), Length(max=10)]},
        "bank_account": {"validators": [Optional(), Length(max=20)]},
        "bank_code": {"description": _l("Brazil: 3-digit bank code (COMPE).")},
    }
    details_template = "admin/providers/provider_details.html"

    def _draft(self, form) -> ProviderDraft:
        data = form.data
        return ProviderDraft(
            legal_name=data.get("legal_name"), country=data.get("country"), tax_id_kind=data.get("tax_id_kind"),
            tax_id=data.get("tax_id"), tax_condition=data.get("tax_condition"),
            provider_number=data.get("provider_number"), cbu=data.get("cbu"), bank_code=data.get("bank_code"),
            bank_agency=data.get("bank_agency"), bank_account=data.get("bank_account"), cnes=data.get("cnes"),
            iibb_rate=data.get("iibb_rate"), iss_rate=data.get("iss_rate"),
            service_type_countries=[s.country for s in (data.get("service_types") or [])],
        )

    def validate_form(self, form) -> bool:
        ok = super().validate_form(form)
        if not hasattr(form, "tax_id"):  # delete form
            return ok
        if request.method != "POST":  # a form just opened is clean: nothing typed, nothing to refuse yet
            return ok
        provider_id = request.args.get("id", type=int_arg) if request.endpoint.endswith("edit_view") else None
        _clean, errors = check_new_or_changed(self._draft(form), provider_id)
        for name, message in errors.items():
            if name in form:
                # Ours replaces Flask-Admin's terse unique-check message ("Already exists.").
                kept = [] if name == "provider_number" else list(form[name].errors)
                form[name].errors = kept + [str(message)]
            else:
                flash(str(message), "error")
        return ok and not errors

    def on_model_change(self, form, model, is_created):
        # validate_form checked everything (duplicates included); store the normalised values.
        # A concurrent duplicate still fails on the unique constraints and rolls back.
        draft = self._draft(form)
        clean, errors = check_provider(draft, require_bank=is_created)
        if errors:
            raise ValidationError("; ".join(str(m) for m in errors.values()))
        for key, value in {**clean, **enum_values(draft)}.items():
            setattr(model, key, value)
        super().on_model_change(form, model, is_created)

    # Suspend / reactivate through the workflow ---------------------------------------------
    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            model = kwargs["model"]
            kwargs["status_targets"] = allowed_targets(model, current_user)
            kwargs["reason_form"] = ReasonForm()
            kwargs["may_create_login"] = can(current_user, "create", "user")
        return super().render(template, **kwargs)

    @expose("/status/", methods=["POST"])
    def status_view(self):
        provider = self._get_posted()
        if provider is None:
            abort(404)
        try:
            target = ProviderStatus(request.form.get("target", ""))
        except ValueError:
            abort(400)
        form = ReasonForm()
        if not form.validate():
            abort(400)
        try:
            transition(provider, target, current_user, form.reason.data)
            db.session.commit()
            flash(_("Provider %(name)s is now: %(status)s.", name=provider.legal_name, status=target.label), "success")
        except TransitionError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        return redirect(self.get_url(".details_view", id=provider.id))


class UserView(_PostedRowMixin, SecureModelView):
    offers = frozenset({"create", "edit", "export"})
    column_list = ("email", "name", "role", "locale", "is_enabled", "activated_at", "last_login_at")
    column_labels = {
        "email": _l("Email"), "name": _l("Name"), "role": _l("Role"), "locale": _l("Language"),
        "is_enabled": _l("Enabled"), "last_login_at": _l("Last login"), "activated_at": _l("Activated"),
    }
    column_searchable_list = ("email", "name")
    column_filters = ("role", "is_enabled")
    column_default_sort = "email"
    column_details_exclude_list = ("password_hash", "session_version")
    column_export_exclude_list = ("password_hash", "session_version")
    # Enabling, activation and passwords are account actions on the details page (audited events).
    form_excluded_columns = (
        "password_hash", "session_version", "provider_links", "activated_at", "last_login_at",
        "created_at", "updated_at", "active_provider", "is_enabled",
    )
    details_template = "admin/providers/user_details.html"

    def on_model_change(self, form, model, is_created):
        # Who may give which role is checked by services.accounts when the change is flushed.
        if is_created:
            model.email = accounts.normalise_email(model.email)
            with db.session.no_autoflush:  # the new row itself is not a duplicate
                taken = accounts.find_user(model.email) is not None
            if taken:
                raise ValidationError(accounts.AccountError("email_taken").message)
        super().on_model_change(form, model, is_created)

    def on_form_prefill(self, form, id):
        """The edit form opens only for an account the user manages (403 page otherwise)."""
        accounts.check_may_manage(current_user, self.get_one(id).role)

    def after_model_change(self, form, model, is_created):
        if is_created:
            accounts.send_activation(model)
            db.session.commit()
            flash(_("We emailed %(email)s a link to activate the account (valid for 72 hours).", email=model.email),
                  "info")

    def render(self, template, **kwargs):
        if template == self.details_template:
            kwargs["reason_form"] = ReasonForm()
            model = kwargs.get("model")
            kwargs["may_manage"] = model is not None and may_manage_account(current_user, model.role, "activate")
        return super().render(template, **kwargs)

    @expose("/account/", methods=["POST"])
    def account_view(self):
        """Resend activation, trigger a password reset, deactivate or reactivate (permission 'activate')."""
        if not can(current_user, "activate", "user"):
            abort(403)
        user = self._get_posted()
        if user is None:
            abort(404)
        form = ReasonForm()
        what = request.form.get("do", "")
        if not form.validate() or what not in {"resend", "reset", "deactivate", "reactivate"}:
            abort(400)
        try:
            if what == "resend":
                if user.activated_at is not None:
                    flash(_("This account is already active."), "warning")
                elif accounts.staff_resend_activation(current_user, user):
                    flash(_("A new activation link was sent to %(email)s.", email=user.email), "success")
                else:
                    flash(_("The email could not be sent. Try again later."), "error")
            elif what == "reset":
                if accounts.staff_password_reset(current_user, user):
                    flash(_("A password reset link was sent to %(email)s.", email=user.email), "success")
                else:
                    flash(_("The email could not be sent. Try again later."), "error")
            else:
                accounts.set_enabled(current_user, user, what == "reactivate", form.reason.data)
                flash(_("The account was reactivated.") if what == "reactivate"
                      else _("The account was deactivated and its sessions ended."), "success")
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            flash(error.message, "error")
        return redirect(self.get_url(".details_view", id=user.id))


class UserProviderView(_PostedRowMixin, ProviderScopedView):
    column_list = ("user", "provider", "kind", "status", "requested_at", "decided_at")
    column_labels = {
        "user": _l("User"), "provider": _l("Provider"), "kind": _l("Link type"), "status": _l("Status"),
        "requested_at": _l("Requested"), "decided_at": _l("Decided"), "decided_by": _l("Decided by"),
    }
    column_filters = ("status", "kind")
    column_default_sort = ("requested_at", True)
    form_excluded_columns = ("status", "decided_at", "decided_by", "requested_at")
    form_ajax_refs = {
        "user": {"fields": ("email", "name"), "page_size": 10},
        "provider": {"fields": ("legal_name", "provider_number"), "modes": {"provider_number": "exact"},
                     "page_size": 10},
    }
    details_template = "admin/providers/link_details.html"

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            targets = [t.value for t in allowed_targets(kwargs["model"], current_user)]
            kwargs["decision_form"] = DecisionForm() if targets else None
            kwargs["decision_targets"] = targets
        return super().render(template, **kwargs)

    @expose("/decide/", methods=["POST"])
    def decide_view(self):
        link = self._get_posted()
        if link is None:
            abort(404)
        form = DecisionForm()
        if not form.validate():
            flash(_("Choose approve or reject."), "error")
        else:
            try:
                accounts.decide_link(link, form.decision.data == "approve", current_user, form.reason.data)
                db.session.commit()
                flash(_("Link approved.") if link.status == LinkStatus.APPROVED else _("Link rejected."), "success")
            except TransitionError as exc:
                db.session.rollback()
                flash(exc.message, "error")
        return redirect(self.get_url(".details_view", id=link.id))

    @action("approve", _l("Approve"), _l("Approve the selected link requests?"))
    def action_approve(self, ids):
        if not can(current_user, "approve", "user_provider"):
            abort(403)
        done = 0
        keys = [k for k in map(visibility.parse_id, ids) if k is not None]
        for link in self.get_query().filter(self.model.id.in_(keys)).all():
            if link.status != LinkStatus.PENDING:
                continue
            try:
                accounts.decide_link(link, True, current_user)
                done += 1
            except TransitionError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                return
        db.session.commit()
        flash(_("%(count)s link requests approved.", count=done), "success")

    def is_action_allowed(self, name: str) -> bool:
        if name == "approve":
            return can(current_user, "approve", "user_provider")
        return super().is_action_allowed(name)


class ProfessionalView(ProviderScopedView):
    column_list = ("name", "council", "council_number", "council_state", "cbo", "provider")
    column_labels = {
        "name": _l("Name"), "council": _l("Council"), "council_number": _l("Council no."),
        "council_state": _l("State"), "cbo": _l("CBO"), "provider": _l("Provider"),
    }
    column_searchable_list = ("name", "council_number")
    column_default_sort = "name"


class ServiceLocationView(ProviderScopedView):
    column_list = ("name", "cnes", "provider")
    column_labels = {"name": _l("Location"), "cnes": _l("CNES"), "provider": _l("Provider")}
    column_searchable_list = ("name",)
    column_default_sort = "name"
