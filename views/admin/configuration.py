"""CRUD screens of configuration: payer settings, tables and rules."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField, SelectMultipleField

from models import PayerIdentity
from models.enums import Country, TaxCondition
from views.admin.base import ProviderScopedView, SecureModelView
from views.admin.labels import enum_choices


def _country(value):
    return Country(getattr(value, "value", value))


def _identities(view, context, model, name):
    return Markup("<br>").join(
        Markup("{}: {} — {} {}").format(i.country.label, i.legal_name, i.tax_id_label, i.formatted_tax_id)
        for i in model.identities)


class PayerSettingsView(SecureModelView):
    """The payer and, inline, its identity in each country it operates in (one row per country)."""

    offers = frozenset({"edit"})
    column_list = ("name", "country", "identities", "tiss_version", "auto_approve_links")
    column_details_list = ("name", "country", "identities", "tiss_version", "auto_approve_links",
                           "max_guides_per_lot")
    column_formatters = {"identities": _identities}
    column_formatters_detail = {"identities": _identities}
    column_labels = {
        "name": _l("Name"), "country": _l("Home country"), "identities": _l("Identity per country"),
        "tiss_version": _l("TISS version"), "auto_approve_links": _l("Auto-approve exact links"),
        "max_guides_per_lot": _l("Maximum guides per lot"),
    }
    form_overrides = {"country": SelectField}
    form_args = {"country": {"choices": Country.choices, "coerce": _country}}
    inline_models = [(PayerIdentity, {
        "form_overrides": {"country": SelectField},
        "form_args": {"country": {"choices": Country.choices, "coerce": _country}},
        "form_columns": ("id", "country", "legal_name", "tax_id", "tax_condition", "ans_registry", "address",
                         "signer_name", "signer_position"),
        "column_labels": {
            "country": _l("Country"), "legal_name": _l("Legal name"), "tax_id": _l("CUIT / CNPJ"),
            "tax_condition": _l("IVA condition"), "ans_registry": _l("ANS registry"), "address": _l("Address"),
            "signer_name": _l("Signer of certificates"), "signer_position": _l("Signer's position"),
        },
    })]


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
