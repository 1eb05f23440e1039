"""The back office at /admin/: every screen, grouped in menus by job."""
from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

import models as m
from views.admin.billing import AuthorizationView, BeneficiaryView
from views.admin.configuration import (
    AuditLogView,
    GlosaCodeView,
    PayerSettingsView,
    PaymentCalendarView,
    PriceTableItemView,
    PriceTableView,
    RejectionReasonView,
    ServiceTypeView,
    WithholdingRuleView,
)
from views.admin.dashboard import DashboardView
from views.admin.lots import AppealView, GlosaView, GuideView, LotView, TissSubmissionView
from views.admin.payments import PaymentOrderView, WithholdingCertificateView
from views.invoices import InvoicesView, InvoiceWizardView
from views.admin.providers import (
    ProfessionalView,
    ProviderView,
    ServiceLocationView,
    UserProviderView,
    UserView,
)

BILLING = _l("Billing")
LOTS = _l("Lots")
PAYMENTS = _l("Payments")
PROVIDERS = _l("Providers")
CONFIGURATION = _l("Configuration")


def build_admin(app) -> Admin:
    admin = Admin(
        app,
        name="Liquida",
        index_view=DashboardView(name=_l("Home"), url="/admin"),
        theme=Bootstrap4Theme(base_template="liquida/base.html", swatch=app.config["FLASK_ADMIN_SWATCH"], fluid=True),
    )
    screens = [
        (AuthorizationView, m.Authorization, _l("Authorizations"), BILLING),
        (BeneficiaryView, m.Beneficiary, _l("Beneficiaries"), BILLING),
        (LotView, m.Lot, _l("Lots"), LOTS),
        (GuideView, m.Guide, _l("Guides"), LOTS),
        (TissSubmissionView, m.TissSubmission, _l("XML submissions"), LOTS),
        (GlosaView, m.Glosa, _l("Glosas"), LOTS),
        (AppealView, m.Appeal, _l("Appeals"), LOTS),
        (PaymentOrderView, m.PaymentOrder, _l("Payment orders"), PAYMENTS),
        (WithholdingCertificateView, m.WithholdingCertificate, _l("Withholding certificates"), PAYMENTS),
        (ProviderView, m.Provider, _l("Providers"), PROVIDERS),
        (UserView, m.User, _l("Users"), PROVIDERS),
        (UserProviderView, m.UserProvider, _l("Provider links"), PROVIDERS),
        (ProfessionalView, m.Professional, _l("Professionals"), PROVIDERS),
        (ServiceLocationView, m.ServiceLocation, _l("Service locations"), PROVIDERS),
        (PayerSettingsView, m.PayerSettings, _l("Payer settings"), CONFIGURATION),
        (ServiceTypeView, m.ServiceType, _l("Service types"), CONFIGURATION),
        (PriceTableView, m.PriceTable, _l("Price tables"), CONFIGURATION),
        (PriceTableItemView, m.PriceTableItem, _l("Price table items"), CONFIGURATION),
        (GlosaCodeView, m.GlosaCode, _l("Glosa codes"), CONFIGURATION),
        (RejectionReasonView, m.RejectionReason, _l("Rejection reasons"), CONFIGURATION),
        (WithholdingRuleView, m.WithholdingRule, _l("Withholding rules"), CONFIGURATION),
        (PaymentCalendarView, m.PaymentCalendarEntry, _l("Payment calendar"), CONFIGURATION),
        (AuditLogView, m.AuditLog, _l("Audit log"), CONFIGURATION),
    ]
    # IOMA invoices: custom pages (listing with tabs, review, wizard) instead of a raw model view.
    admin.add_view(InvoicesView(name=_l("Invoices"), category=BILLING, endpoint="invoice", url="/admin/invoice"))
    admin.add_view(InvoiceWizardView(name=_l("New invoice"), category=BILLING, endpoint="invoice_wizard",
                                     url="/admin/invoice-wizard"))
    for view_cls, model, name, category in screens:
        admin.add_view(view_cls(model, m.db, name=name, category=category, endpoint=model.__tablename__))
    return admin
