"""CRUD screens of the IOMA flow: invoices, authorizations, beneficiaries."""
from flask_babel import lazy_gettext as _l

from models.rules.invoices import voucher_name
from views.admin.base import ProviderScopedView, SecureModelView


def _voucher(view, context, model, name):
    return voucher_name(model.voucher_type)


class InvoiceRecordView(ProviderScopedView):
    """Invoices are created by the wizard and move through the workflow, never edited raw. Not in any
    menu: the Invoices page (the six tabs) is the one invoice list; this screen serves details and export."""

    offers = frozenset({"export"})
    column_formatters = {"voucher_type": _voucher}
    column_formatters_detail = {"voucher_type": _voucher}

    def is_visible(self) -> bool:
        return False

    column_list = (
        "authorization", "authorization.service_type", "last_movement_at", "period_label",
        "voucher_type", "display_number", "amount", "provider", "status",
    )
    column_labels = {
        "authorization": _l("Procedure no."), "authorization.service_type": _l("Service"),
        "last_movement_at": _l("Last movement"), "period_label": _l("Period"), "voucher_type": _l("Type"),
        "display_number": _l("Invoice"), "amount": _l("Amount"), "provider": _l("Provider"),
        "status": _l("Status"), "cae": _l("CAE"), "invoice_date": _l("Invoice date"),
        "authorization.number": _l("Procedure no."), "provider.legal_name": _l("Provider"),
    }
    column_searchable_list = ("cae", "authorization.number", "provider.legal_name")
    column_search_modes = {"cae": "exact", "authorization.number": "exact", "provider.legal_name": "name"}
    column_filters = ("status", "billing_type", "period_year", "period_month", "invoice_date", "voucher_type")
    column_default_sort = ("last_movement_at", True)
    column_sortable_list = ("last_movement_at", "invoice_date")
    column_details_exclude_list = ("qr_data", "version_id")
    column_export_list = (
        "id", "provider.legal_name", "authorization.number", "voucher_type", "point_of_sale", "number",
        "cae", "cae_due_date", "period_month", "period_year", "invoice_date", "amount", "status",
    )


class AuthorizationView(ProviderScopedView):
    column_list = (
        "number", "provider", "beneficiary", "service_type", "authorized_total", "valid_from", "valid_to", "status")
    column_labels = {
        "number": _l("Procedure no."), "provider": _l("Provider"), "beneficiary": _l("Beneficiary"),
        "service_type": _l("Service type"), "authorized_total": _l("Authorized total"),
        "valid_from": _l("Valid from"), "valid_to": _l("Valid to"), "status": _l("Status"),
        "beneficiary.name": _l("Beneficiary name"), "beneficiary.card_number": _l("Card number"),
        "service_type.name": _l("Service type"),
    }
    column_searchable_list = ("number", "beneficiary.name", "beneficiary.card_number")
    column_search_modes = {"number": "exact", "beneficiary.name": "name", "beneficiary.card_number": "exact"}
    column_filters = ("status", "valid_from", "valid_to", "service_type.name")
    column_default_sort = ("number", True)
    column_sortable_list = ("number",)
    form_ajax_refs = {
        "provider": {"fields": ("legal_name", "provider_number"), "modes": {"provider_number": "exact"},
                     "page_size": 10},
        "beneficiary": {"fields": ("name", "card_number"), "modes": {"card_number": "exact"}, "page_size": 10},
    }
    inline_models = None


class BeneficiaryView(SecureModelView):
    column_list = ("card_number", "name", "affiliation_type", "document", "plan", "health_plan", "sex",
                   "birth_date", "coverage_start", "coverage_end", "suspended_from", "suspended_to", "active")
    column_labels = {
        "card_number": _l("Card number"), "name": _l("Name"), "affiliation_type": _l("Affiliation type"),
        "document": _l("Document"), "plan": _l("Plan"), "active": _l("Active"), "health_plan": _l("Plan (ANS)"),
        "sex": _l("Sex"), "birth_date": _l("Birth date"), "coverage_start": _l("Included on"),
        "coverage_end": _l("Excluded on"), "suspended_from": _l("Suspended from"), "suspended_to": _l("Suspended to"),
    }
    column_searchable_list = ("card_number", "name", "document")
    column_search_modes = {"card_number": "exact", "name": "name", "document": "exact"}
    column_filters = ("affiliation_type", "active", "plan")
    column_default_sort = "card_number"
    column_sortable_list = ("card_number",)


class AuthorizationOrderView(ProviderScopedView):
    column_list = ("authorization", "description", "professional", "ordered_at")
    column_labels = {
        "authorization": _l("Procedure no."), "description": _l("Service order"),
        "professional": _l("Professional"), "ordered_at": _l("Date"), "authorization.number": _l("Procedure no."),
    }
    column_searchable_list = ("authorization.number", "description")
    column_default_sort = ("ordered_at", True)
    form_ajax_refs = {"authorization": {"fields": ("number",), "modes": {"number": "exact"}, "page_size": 10}}


class AttachmentView(ProviderScopedView):
    """Files are uploaded through the wizard and appeals; this screen lists them."""

    offers = frozenset({"export"})
    column_list = ("invoice", "kind", "original_name", "size", "uploaded_by", "uploaded_at")
    column_labels = {
        "invoice": _l("Invoice"), "kind": _l("Kind"), "original_name": _l("File"), "size": _l("Size (bytes)"),
        "uploaded_by": _l("Uploaded by"), "uploaded_at": _l("Uploaded"),
    }
    column_filters = ("kind", "uploaded_at")
    column_default_sort = ("uploaded_at", True)
    column_details_exclude_list = ("stored_name",)
    column_export_exclude_list = ("stored_name",)
