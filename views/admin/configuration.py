"""CRUD screens of configuration: payer settings, tables and rules."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField

from models.enums import TaxCondition
from views.admin.base import ProviderScopedView, SecureModelView
from views.admin.labels import enum_choices


class PayerSettingsView(SecureModelView):
    offers = frozenset({"edit"})
    column_list = ("name", "country", "cuit", "ans_registry", "tiss_version", "auto_approve_links")
    column_labels = {
        "name": _l("Name"), "country": _l("Country"), "cuit": _l("CUIT"), "ans_registry": _l("ANS registry"),
        "tiss_version": _l("TISS version"), "auto_approve_links": _l("Auto-approve exact links"),
    }


class ServiceTypeView(SecureModelView):
    column_list = ("code", "name", "country", "guide_type", "requires_attendance_sheet")
    column_labels = {
        "code": _l("Code"), "name": _l("Name"), "country": _l("Country"), "guide_type": _l("Guide type"),
        "requires_attendance_sheet": _l("Requires attendance sheet"),
    }
    column_searchable_list = ("code", "name")
    column_default_sort = "code"


class PriceTableView(ProviderScopedView):
    column_list = ("name", "provider", "valid_from", "valid_to", "currency")
    column_labels = {
        "name": _l("Name"), "provider": _l("Provider"), "valid_from": _l("Valid from"),
        "valid_to": _l("Valid to"), "currency": _l("Currency"),
    }
    column_searchable_list = ("name",)
    form_excluded_columns = ("items",)


class PriceTableItemView(ProviderScopedView):
    column_list = ("table", "code", "description", "kind", "unit_price")
    column_labels = {
        "table": _l("Price table"), "code": _l("Code"), "description": _l("Description"),
        "kind": _l("Kind"), "unit_price": _l("Unit value"), "table.name": _l("Price table"),
    }
    column_searchable_list = ("code", "description")
    column_filters = ("kind", "table.name")
    column_default_sort = "code"


class GlosaCodeView(SecureModelView):
    column_list = ("code", "description", "group", "source", "active")
    column_labels = {
        "code": _l("Code"), "description": _l("Description"), "group": _l("Group"),
        "source": _l("Source"), "active": _l("Active"),
    }
    column_searchable_list = ("code", "description")
    column_filters = ("source", "active")
    column_default_sort = "code"


class RejectionReasonView(SecureModelView):
    column_list = ("code", "name", "active")
    column_labels = {"code": _l("Code"), "name": _l("Reason"), "active": _l("Active")}
    column_default_sort = "code"


def _tax_conditions(view, context, model, name):
    return ", ".join(TaxCondition(value).label for value in model.tax_conditions or [])


class WithholdingRuleView(SecureModelView):
    column_list = (
        "country", "tax", "regime_code", "description", "rate", "non_taxable_minimum", "valid_from", "active")
    column_labels = {
        "country": _l("Country"), "tax": _l("Tax"), "regime_code": _l("Regime"), "description": _l("Description"),
        "rate": _l("Rate (%)"), "non_taxable_minimum": _l("Non-taxable minimum"), "valid_from": _l("Valid from"),
        "active": _l("Active"),
    }
    column_filters = ("country", "tax", "active")
    column_default_sort = "tax"
    column_formatters = {"tax_conditions": _tax_conditions}
    form_overrides = {"tax_conditions": SelectMultipleField}
    form_args = {"tax_conditions": {"choices": enum_choices(TaxCondition)}}


class PaymentCalendarView(SecureModelView):
    column_list = ("received_until", "payment_date")
    column_labels = {"received_until": _l("Received until"), "payment_date": _l("Payment date")}
    column_default_sort = ("received_until", True)
