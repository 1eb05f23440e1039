"""CRUD screens of credentialing: providers, users, links, professionals, locations."""
from flask_babel import lazy_gettext as _l

from views.admin.base import ProviderScopedView, SecureModelView


def _tax_id(view, context, model, name):
    return model.formatted_tax_id


class ProviderView(ProviderScopedView):
    column_list = ("provider_number", "legal_name", "tax_id", "tax_condition", "country", "city", "status")
    column_labels = {
        "provider_number": _l("Provider no."), "legal_name": _l("Legal name"), "tax_id": _l("Tax id"),
        "tax_condition": _l("Tax condition"), "country": _l("Country"), "city": _l("City"), "status": _l("Status"),
        "service_types": _l("Contracted services"), "cbu": _l("CBU"), "bank_agency": _l("Agency"),
        "bank_account": _l("Account"), "bank_name": _l("Bank"), "iibb_rate": _l("Gross income rate (%)"),
    }
    column_formatters = {"tax_id": _tax_id}
    column_searchable_list = ("legal_name", "tax_id", "provider_number")
    column_filters = ("status", "country", "tax_condition", "city")
    column_default_sort = "legal_name"
    form_excluded_columns = ("status", "created_at", "updated_at", "user_links", "professionals", "locations")


class UserView(SecureModelView):
    offers = frozenset({"create", "edit", "export"})
    column_list = ("email", "name", "role", "locale", "is_enabled", "last_login_at")
    column_labels = {
        "email": _l("Email"), "name": _l("Name"), "role": _l("Role"), "locale": _l("Language"),
        "is_enabled": _l("Enabled"), "last_login_at": _l("Last login"), "activated_at": _l("Activated"),
    }
    column_searchable_list = ("email", "name")
    column_filters = ("role", "is_enabled")
    column_default_sort = "email"
    column_details_exclude_list = ("password_hash", "session_version")
    column_export_exclude_list = ("password_hash", "session_version")
    form_excluded_columns = (
        "password_hash", "session_version", "provider_links", "activated_at", "last_login_at",
        "created_at", "updated_at", "active_provider",
    )


class UserProviderView(ProviderScopedView):
    column_list = ("user", "provider", "kind", "status", "requested_at", "decided_at")
    column_labels = {
        "user": _l("User"), "provider": _l("Provider"), "kind": _l("Link type"), "status": _l("Status"),
        "requested_at": _l("Requested"), "decided_at": _l("Decided"),
    }
    column_filters = ("status", "kind")
    column_default_sort = ("requested_at", True)
    form_excluded_columns = ("status", "decided_at", "decided_by", "requested_at")
    form_ajax_refs = {
        "user": {"fields": ("email", "name"), "page_size": 10},
        "provider": {"fields": ("legal_name", "provider_number"), "page_size": 10},
    }


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
