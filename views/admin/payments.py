"""CRUD screens of payments: orders (libramientos) and withholding certificates."""
from flask_babel import lazy_gettext as _l

from views.admin.base import ProviderScopedView


class PaymentOrderView(ProviderScopedView):
    """Orders are assembled by the payment service and move through the workflow."""

    offers = frozenset({"export"})
    column_list = (
        "number", "provider", "payment_date", "gross_amount", "deductions_amount", "net_amount", "method", "status")
    column_labels = {
        "number": _l("Order no."), "provider": _l("Provider"), "payment_date": _l("Payment date"),
        "gross_amount": _l("Gross"), "deductions_amount": _l("Deductions"), "net_amount": _l("Net"),
        "method": _l("Method"), "status": _l("Status"), "provider.legal_name": _l("Provider"),
    }
    column_searchable_list = ("provider.legal_name",)
    column_search_modes = {"provider.legal_name": "name"}
    column_filters = ("status", "payment_date", "method")
    column_default_sort = ("payment_date", True)
    column_sortable_list = ("payment_date",)


class WithholdingCertificateView(ProviderScopedView):
    offers = frozenset({"export"})
    column_list = ("number", "issued_at", "provider", "tax", "regime_code", "base_amount", "amount")
    column_labels = {
        "number": _l("Certificate no."), "issued_at": _l("Date"), "provider": _l("Retained party"),
        "tax": _l("Tax"), "regime_code": _l("Regime"), "base_amount": _l("Taxable base"),
        "amount": _l("Amount withheld"),
    }
    column_filters = ("tax", "issued_at")
    column_default_sort = ("issued_at", True)


class PaymentOrderLineView(ProviderScopedView):
    offers = frozenset({"export"})
    column_list = ("order", "kind", "invoice", "lot", "appeal", "amount")
    column_labels = {
        "order": _l("Order no."), "kind": _l("Kind"), "invoice": _l("Invoice"), "lot": _l("Lot"),
        "appeal": _l("Appeal"), "amount": _l("Amount"),
    }
    column_filters = ("kind",)
    column_default_sort = ("id", True)
    column_sortable_list = ("id",)


class PaymentDeductionView(ProviderScopedView):
    offers = frozenset({"export"})
    column_list = ("order", "kind", "code", "description", "base_amount", "rate", "amount")
    column_labels = {
        "order": _l("Order no."), "kind": _l("Kind"), "code": _l("Code"), "description": _l("Description"),
        "base_amount": _l("Taxable base"), "rate": _l("Rate (%)"), "amount": _l("Amount"),
    }
    column_filters = ("kind", "code")
    column_default_sort = ("id", True)
