"""The PDF documents of the money end: analysis statement, payment statement, certificate,
debit note, period report and extrato sintético. Header and summary come from
``templates/pdf/*.html``; long detail rows go through ``services.pdf.PdfTable``."""
from __future__ import annotations

from flask_babel import gettext as _

from models import Invoice, Lot, PaymentOrder, WithholdingCertificate
from services import analysis, payments, report_files, reports
from services.formatting import money, number
from services.pdf import PdfColumn, PdfTable, pdf_context, pdf_response, render_pdf, render_pdf_with_tables


def analysis_tables(st: analysis.LotStatement, currency: str) -> list[PdfTable]:
    cols = [
        PdfColumn(_("Guide / item"), 3.2), PdfColumn(_("Qty executed"), 0.9, "RIGHT"),
        PdfColumn(_("Informed"), 1.1, "RIGHT"), PdfColumn(_("Processed"), 1.1, "RIGHT"),
        PdfColumn(_("Glosa"), 1.0, "RIGHT"), PdfColumn(_("Released"), 1.1, "RIGHT"), PdfColumn(_("Glosa codes"), 1.2),
    ]
    rows, emphasis = [], set()
    for g in st.guides:
        for r in g.items:
            rows.append([f"{g.guide.number} · {r.item.code} {r.item.description}",
                         number(r.item.executed_quantity if r.item.executed_quantity is not None else r.item.quantity),
                         money(r.totals.informed, currency), money(r.totals.processed, currency),
                         money(r.totals.glosa, currency), money(r.totals.released, currency),
                         ", ".join(f"{x.code.code}" for x in r.glosas)])
        emphasis.add(len(rows))
        rows.append([_("Guide %(number)s - %(patient)s", number=g.guide.number, patient=g.guide.beneficiary.name), "",
                     money(g.totals.informed, currency), money(g.totals.processed, currency),
                     money(g.totals.glosa, currency), money(g.totals.released, currency), ""])
    emphasis.add(len(rows))
    t = st.totals
    rows.append([_("Protocol total"), "", money(t.informed, currency), money(t.processed, currency),
                 money(t.glosa, currency), money(t.released, currency), ""])
    return [PdfTable(_("Items"), cols, rows, emphasis)]


def analysis_pdf(lot: Lot):
    st = analysis.statement(lot)
    currency = lot.provider.currency
    glosas = [x for g in st.guides for r in g.items for x in r.glosas]
    data = render_pdf_with_tables("analysis_statement.html", analysis_tables(st, currency),
                                  footer=_("Account analysis statement"), **pdf_context(lot.provider, st=st, lot=lot,
                                                                                  currency=currency, glosas=glosas))
    return pdf_response(data, f"analysis-{lot.protocol_number}.pdf")


def statement_tables(order: PaymentOrder) -> list[PdfTable]:
    currency = order.provider.currency
    cols = [PdfColumn(_("Type"), 0.7), PdfColumn(_("Document"), 4.0), PdfColumn(_("Amount"), 1.3, "RIGHT")]
    rows = [[payments.payment_type(line), payments.line_label(line), money(line.amount, currency)]
            for line in order.lines]
    rows.append([_("Gross"), "", money(order.gross_amount, currency)])
    return [PdfTable(_("Protocols and invoices paid"), cols, rows, {len(rows) - 1})]


def statement_pdf(order: PaymentOrder):
    data = render_pdf_with_tables("payment_statement.html", statement_tables(order),
                                  footer=_("Payment statement"),
                                  **pdf_context(order.provider, order=order, currency=order.provider.currency))
    return pdf_response(data, f"payment-statement-{order.number:08d}.pdf")


def certificate_pdf(cert: WithholdingCertificate):
    data = render_pdf("certificate.html", **pdf_context(cert.provider, cert=cert, order=cert.deduction.order,
                                                 currency=cert.provider.currency))
    return pdf_response(data, f"certificate-{cert.number:08d}.pdf")


def debit_note_pdf(invoice: Invoice):
    data = render_pdf("debit_note.html", **pdf_context(invoice.provider, invoice=invoice,
                                                       debits=analysis.invoice_debits(invoice),
                                                       currency=invoice.provider.currency))
    return pdf_response(data, f"debit-note-{invoice.display_number}.pdf")


def period_report_pdf(rep: reports.PeriodReport):
    return pdf_response(report_files.period_pdf(rep), f"report-{rep.start}-{rep.end}.pdf")


def extract_pdf(ex: reports.Extract):
    return pdf_response(report_files.extract_pdf(ex), f"extract-{ex.start}-{ex.end}.pdf")

