"""The provider's side of money: Mis comprobantes (documents and balance), Mis retenciones,
Demonstrativos de pagamento and Relatórios (report by period, extrato sintético).

Every page works on ``services.visibility.provider_in_view``: a provider user's own provider
(another id → 404); staff may pass ``provider_id`` to see what a provider sees."""
from __future__ import annotations

from flask import abort, request
from flask_admin import expose
from flask_login import current_user

from models import Invoice, PaymentOrder, WithholdingCertificate
from services import analysis, payments, report_files, reports, visibility
from views import documents
from views.admin.base import SecurePage
from views.admin.export import csv_response
from views.admin.pages import period_args
from views.admin.report_downloads import queued_download


def _provider():
    return visibility.provider_in_view(current_user, request.args.get("provider_id"))


class MyDocumentsView(SecurePage):
    """Libramientos / Mis comprobantes (Argentina)."""

    resource = "my_documents"
    provider_menu = True

    @expose("/")
    def index(self):
        provider = _provider()
        docs = reports.documents(provider, request.args.get("after"))
        return self.render("money/my_documents.html", provider=provider, docs=docs,
                           balance=reports.balance(provider), currency=provider.currency)

    @expose("/order/<int:order_id>.pdf")
    def statement_pdf(self, order_id):
        return documents.statement_pdf(self.visible_or_404(PaymentOrder, order_id))

    @expose("/debit-note/<int:invoice_id>.pdf")
    def debit_note_pdf(self, invoice_id):
        invoice = self.visible_or_404(Invoice, invoice_id)
        if not invoice.debited_amount:
            abort(404)
        return documents.debit_note_pdf(invoice)


class MyWithholdingsView(SecurePage):
    """Mis retenciones."""

    resource = "withholding_certificate"
    provider_menu = True

    @expose("/")
    def index(self):
        provider = _provider()
        certs = reports.certificates(provider, request.args.get("after"))
        return self.render("money/my_withholdings.html", provider=provider, certs=certs,
                           currency=provider.currency)

    @expose("/<int:cert_id>.pdf")
    def pdf(self, cert_id):
        return documents.certificate_pdf(self.visible_or_404(WithholdingCertificate, cert_id))


class StatementsView(SecurePage):
    """Demonstrativos de pagamento (Brazil): payment statements and the lots' account analyses."""

    resource = "statements"
    provider_menu = True

    @expose("/")
    def index(self):
        provider = _provider()
        orders = reports.orders(provider, request.args.get("after"))
        return self.render("money/statements.html", provider=provider, orders=orders,
                           analyses=analysis.analysed_lots(current_user, provider, request.args.get("analyses_after")),
                           currency=provider.currency)

    @expose("/<int:order_id>")
    def detail(self, order_id):
        order = self.visible_or_404(PaymentOrder, order_id)
        return self.render("money/statement.html", order=order, line_label=payments.line_label,
                           payment_type=payments.payment_type, currency=order.provider.currency)

    @expose("/<int:order_id>.pdf")
    def pdf(self, order_id):
        return documents.statement_pdf(self.visible_or_404(PaymentOrder, order_id))


class ReportsView(SecurePage):
    """Relatórios (Brazil): report by period and extrato sintético (screen, PDF, CSV)."""

    resource = "reports"
    provider_menu = True

    @expose("/")
    def index(self):
        provider = _provider()
        start, end = period_args()
        fmt = request.args.get("format")
        paged = fmt not in report_files.FORMATS
        if not paged and (queued := queued_download("period", provider, start, end, fmt)) is not None:
            return queued
        rep = reports.period_report(provider, start, end, request.args.get("after") if paged else None,
                                    reports.PERIOD_PAGE if paged else None,
                                    request.args.get("invoices_after") if paged else None)
        if fmt == "pdf":
            return documents.period_report_pdf(rep)
        if fmt == "csv":
            return csv_response(report_files.period_rows(rep), report_files.filename("period", fmt, start, end))
        return self.render("money/report_period.html", rep=rep, start=start, end=end, currency=provider.currency,
                           provider_arg=request.args.get("provider_id"))

    @expose("/extract")
    def extract(self):
        provider = _provider()
        start, end = period_args()
        fmt = request.args.get("format")
        paged = fmt not in report_files.FORMATS
        if not paged and (queued := queued_download("extract", provider, start, end, fmt)) is not None:
            return queued
        ex = reports.extract(provider, start, end, request.args.get("after") if paged else None,
                             reports.EXTRACT_PAGE if paged else None)
        if fmt == "pdf":
            return documents.extract_pdf(ex)
        if fmt == "csv":
            return csv_response(report_files.extract_rows(ex), report_files.filename("extract", fmt, start, end))
        return self.render("money/report_extract.html", ex=ex, start=start, end=end, currency=provider.currency,
                           provider_arg=request.args.get("provider_id"))

