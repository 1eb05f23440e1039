"""The back office at /admin/: every screen, grouped in menus by job."""
from __future__ import annotations

from flask import render_template, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import models as m
from services.visibility import awaiting_link
from views.admin import menu_cache
from views.admin.accounts import LinkRequestView, OutboxView, ProviderLoginView
from views.admin.adjudication import (
    AdjudicationFindingView,
    AdjudicationRuleView,
    AdjudicationSettingsView,
    HealthPlanView,
    PlanWaitingPeriodView,
    PriorAuthorizationView,
    ProcedureGroupView,
    ProcedureView,
    WatchedProviderView,
)
from views.admin.adjudication_pages import AdjudicationPageView
from views.admin.appeals import AppealDeskView, MyAppealsView
from views.admin.audit import AccountAuditView
from views.admin.audit_log import AuditLogView
from views.admin.billing import (
    AttachmentView,
    AuthorizationOrderView,
    AuthorizationView,
    BeneficiaryView,
    InvoiceRecordView,
)
from views.admin.configuration import (
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
from views.admin.invoice_wizard import InvoiceWizardView
from views.admin.invoices import InvoiceListView
from views.admin.jobs import JobsView
from views.admin.labels import use_our_words_first
from views.admin.lot_pages import BillingRunView, GuideEditView, LotBuilderView, LotTrackingView, NfReportView
from views.admin.lots import AppealItemView, AppealView, GlosaView, GuideItemView, GuideView, LotView
from views.admin.payment_desk import PaymentDeskView
from views.admin.payments import (
    PaymentDeductionView,
    PaymentOrderLineView,
    PaymentOrderView,
    WithholdingCertificateView,
)
from views.admin.provider_money import MyDocumentsView, MyWithholdingsView, ReportsView, StatementsView
from views.admin.providers import (
    ProfessionalView,
    ProviderView,
    ServiceLocationView,
    UserProviderView,
    UserView,
)
from views.admin.tiss import TissHistoryView, TissUploadView
from views.admin.tiss_ws import TissWsCredentialView, TissWsLoginView
from views.headers import csp_nonce

BILLING = _l("Billing")
LOTS = _l("Lots")
PAYMENTS = _l("Payments")
PROVIDERS = _l("Providers")
CONFIGURATION = _l("Configuration")
AUDIT = _l("Audit and appeals")
MY_ACCOUNT = _l("My account")
TOP = None  # an entry of its own in the menu bar (the provider's pages)
HIDDEN = None  # reached from other pages, not from the menu

# Guided pages (wizards, desks, reports): (view, menu name, menu, endpoint, url). Menus list
# them first, then the CRUD screens of the same menu. Who sees an entry: the permission matrix
# (role and country, models/permissions.py) and the view's ``provider_menu`` (staff or provider menus).
# Argentine provider: Facturación (Nueva factura, Facturas), Libramientos / Mis comprobantes, Mis
# retenciones, Mi cuenta. Brazilian provider: Lotes (Novo lote, Acompanhar lotes, Enviar XML, Histórico
# de envios), Demonstrativos, Recursos de glosa, Relatórios, Minha conta.
PAGES = [
    (InvoiceWizardView, _l("New invoice"), BILLING, "invoice_wizard", "/admin/invoice-wizard"),
    (InvoiceListView, _l("Invoices"), BILLING, "invoice", "/admin/invoice"),
    (LotBuilderView, _l("New lot"), LOTS, "lot_builder", "/admin/lot-builder"),
    (LotTrackingView, _l("Follow lots"), LOTS, "lot_tracking", "/admin/lot-tracking"),
    (BillingRunView, _l("Bill services by period"), LOTS, "billing_run", "/admin/billing-run"),
    (TissUploadView, _l("Send TISS XML"), LOTS, "tiss", "/admin/tiss"),
    (AccountAuditView, _l("Account audit"), AUDIT, "account_audit", "/admin/account-audit"),
    (AppealDeskView, _l("Appeals desk"), AUDIT, "appeals_desk", "/admin/appeals-desk"),
    (NfReportView, _l("Values report for the NF"), LOTS, "nf_report", "/admin/nf-report"),
    (GuideEditView, _l("Edit guide"), HIDDEN, "guide_edit", "/admin/guide-edit"),
    (PaymentDeskView, _l("Payment desk"), PAYMENTS, "payment_desk", "/admin/payment-desk"),
    (MyDocumentsView, _l("Payment orders / My documents"), TOP, "provider_money", "/admin/provider-money"),
    (StatementsView, _l("Statements"), TOP, "statements", "/admin/statements"),
    (MyAppealsView, _l("Glosa appeals"), TOP, "my_appeals", "/admin/my-appeals"),
    (ReportsView, _l("Reports"), TOP, "reports", "/admin/reports"),
    (MyWithholdingsView, _l("My withholdings"), TOP, "my_withholdings", "/admin/my-withholdings"),
    (LinkRequestView, _l("Link to a client/provider"), MY_ACCOUNT, "my_links", "/admin/my-links"),
    (ProviderLoginView, _l("New provider login"), PROVIDERS, "provider_login", "/admin/provider-login"),
    (TissWsLoginView, _l("New web-service login"), PROVIDERS, "tiss_ws_login", "/admin/tiss-ws-login"),
    (OutboxView, _l("Outbox"), CONFIGURATION, "outbox", "/admin/outbox"),
    (AdjudicationPageView, _l("Adjudication"), CONFIGURATION, "adjudication", "/admin/adjudication"),
    (JobsView, _l("Background jobs"), MY_ACCOUNT, "jobs", "/admin/jobs"),
]

# CRUD screens of every entity: (view, model, menu name, menu); endpoint = table name, except
# the invoice register, whose table name serves the invoice listing above.
ENDPOINTS = {m.Invoice: "invoice_record"}
SCREENS = [
    (InvoiceRecordView, m.Invoice, _l("Invoice register"), BILLING),
    (AuthorizationView, m.Authorization, _l("Authorizations"), BILLING),
    (AuthorizationOrderView, m.AuthorizationOrder, _l("Service orders"), BILLING),
    (AttachmentView, m.Attachment, _l("Attachments"), BILLING),
    (BeneficiaryView, m.Beneficiary, _l("Beneficiaries"), BILLING),
    (LotView, m.Lot, _l("Lots"), LOTS),
    (GuideView, m.Guide, _l("Guides"), LOTS),
    (GuideItemView, m.GuideItem, _l("Guide items"), LOTS),
    (TissHistoryView, m.TissSubmission, _l("History of sent files"), LOTS),
    (GlosaView, m.Glosa, _l("Glosas"), AUDIT),
    (AppealView, m.Appeal, _l("Appeals"), AUDIT),
    (AppealItemView, m.AppealItem, _l("Appeal items"), AUDIT),
    (PaymentOrderView, m.PaymentOrder, _l("Payment orders"), PAYMENTS),
    (PaymentOrderLineView, m.PaymentOrderLine, _l("Payment order lines"), PAYMENTS),
    (PaymentDeductionView, m.PaymentDeduction, _l("Withholdings and deductions"), PAYMENTS),
    (WithholdingCertificateView, m.WithholdingCertificate, _l("Withholding certificates"), PAYMENTS),
    (ProviderView, m.Provider, _l("Providers"), PROVIDERS),
    (UserView, m.User, _l("Users"), PROVIDERS),
    (UserProviderView, m.UserProvider, _l("Provider links"), PROVIDERS),
    (ProfessionalView, m.Professional, _l("Professionals"), PROVIDERS),
    (ServiceLocationView, m.ServiceLocation, _l("Service locations"), PROVIDERS),
    (TissWsCredentialView, m.TissWsCredential, _l("Web-service logins"), PROVIDERS),
    (PayerSettingsView, m.PayerSettings, _l("Payer settings"), CONFIGURATION),
    (ServiceTypeView, m.ServiceType, _l("Service types"), CONFIGURATION),
    (PriceTableView, m.PriceTable, _l("Price tables"), CONFIGURATION),
    (PriceTableItemView, m.PriceTableItem, _l("Price table items"), CONFIGURATION),
    (GlosaCodeView, m.GlosaCode, _l("Glosa codes"), CONFIGURATION),
    (RejectionReasonView, m.RejectionReason, _l("Rejection reasons"), CONFIGURATION),
    (WithholdingRuleView, m.WithholdingRule, _l("Withholding rules"), CONFIGURATION),
    (PaymentCalendarView, m.PaymentCalendarEntry, _l("Payment calendar"), CONFIGURATION),
    (AuditLogView, m.AuditLog, _l("Audit log"), CONFIGURATION),
    # Adjudication (rules as data)
    (AdjudicationRuleView, m.AdjudicationRule, _l("Adjudication rules"), CONFIGURATION),
    (AdjudicationSettingsView, m.AdjudicationSettings, _l("Auto-adjudication"), CONFIGURATION),
    (WatchedProviderView, m.WatchedProvider, _l("Providers under watch"), CONFIGURATION),
    (HealthPlanView, m.HealthPlan, _l("Plans"), CONFIGURATION),
    (PlanWaitingPeriodView, m.PlanWaitingPeriod, _l("Waiting periods"), CONFIGURATION),
    (ProcedureGroupView, m.ProcedureGroup, _l("Procedure groups"), CONFIGURATION),
    (ProcedureView, m.Procedure, _l("Procedure catalogue"), CONFIGURATION),
    (PriorAuthorizationView, m.PriorAuthorization, _l("Prior authorizations (senhas)"), BILLING),
    (AdjudicationFindingView, m.AdjudicationFinding, _l("Automatic glosas"), LOTS),
]


def build_admin(app) -> Admin:
    admin = Admin(
        app,
        name="Liquida",
        index_view=DashboardView(name=_l("Home"), url="/admin"),
        theme=Bootstrap4Theme(base_template="liquida/base.html", swatch=app.config["FLASK_ADMIN_SWATCH"], fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    for view_cls, name, category, endpoint, url in PAGES:
        admin.add_view(view_cls(name=name, category=category, endpoint=endpoint, url=url))
    for view_cls, model, name, category in SCREENS:
        endpoint = ENDPOINTS.get(model, model.__tablename__)
        admin.add_view(view_cls(model, m.db, name=name, category=category, endpoint=endpoint))
    app.before_request(pending_link_gate)
    app.jinja_env.globals["cached_menu"] = menu_cache.menu
    use_our_words_first()
    return admin


# What a provider user without an approved link may open: its own account pages and the link request.
UNLINKED_BLUEPRINTS = frozenset({"my_links", "auth", "accounts", "i18n", "health", "static"})
UNLINKED_ENDPOINTS = frozenset({"admin.index", "admin.static", "root", None})


def pending_link_gate():
    """A provider user with no approved link sees no provider data: every other page answers a
    friendly "your link is pending" page (deny by default, whatever the page would have shown)."""
    if not awaiting_link(current_user):
        return None
    if request.endpoint in UNLINKED_ENDPOINTS or request.endpoint.split(".")[0] in UNLINKED_BLUEPRINTS:
        return None
    return render_template("admin/link_pending.html"), 403
