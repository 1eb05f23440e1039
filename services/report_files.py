"""The report by period and the extrato sintético as files (PDF or CSV): what a download answers at once
for a short period and what a job (``services.report_exports``) writes for a long one, the same bytes."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from models import Provider
from services import reports
from services.csv_export import csv_lines
from services.formatting import day, money
from services.pdf import PdfColumn, PdfTable, pdf_context, render_pdf_with_tables

FORMATS = ("pdf", "csv")
MIMETYPES = {"pdf": "application/pdf", "csv": "text/csv"}


def period_pdf(rep: reports.PeriodReport) -> bytes:
    currency = rep.provider.currency
    cols = [PdfColumn(_("Protocol"), 1.0), PdfColumn(_("Lot"), 0.8), PdfColumn(_("Competence"), 1.1),
            PdfColumn(_("Status"), 1.6), PdfColumn(_("Informed"), 1.1, "RIGHT"), PdfColumn(_("Glosa"), 1.0, "RIGHT"),
            PdfColumn(_("Released"), 1.1, "RIGHT"), PdfColumn(_("Paid on"), 0.9)]
    rows = [[str(line.lot.protocol_number or ""), line.lot.number, line.lot.competence_label, line.lot.status.label,
             money(line.totals.informed, currency), money(line.totals.glosa, currency),
             money(line.totals.released, currency), day(line.paid_on)] for line in rep.lots]
    rows.append([_("Total"), "", "", "", money(rep.totals.informed, currency), money(rep.totals.glosa, currency),
                 money(rep.totals.released, currency), ""])
    tables = [PdfTable(_("Lots"), cols, rows, {len(rows) - 1})] if rep.lots else []
    return render_pdf_with_tables("period_report.html", tables, footer=_("Report by period"),
                                  **pdf_context(rep.provider, rep=rep, currency=currency))


def period_rows(rep: reports.PeriodReport) -> list[list]:
    rows = [["protocol", "lot", "competence", "status", "informed", "processed", "glosa", "released", "paid_on"]]
    rows += [[line.lot.protocol_number, line.lot.number, line.lot.competence, line.lot.status.label,
              line.totals.informed, line.totals.processed, line.totals.glosa, line.totals.released,
              line.paid_on.isoformat() if line.paid_on else ""] for line in rep.lots]
    rows += [["invoice", i.display_number, i.period_label, i.status.label, i.amount, "", i.debited_amount,
              i.net_amount, ""] for i in rep.invoices]
    return rows


def extract_pdf(ex: reports.Extract) -> bytes:
    currency = ex.provider.currency
    cols = [PdfColumn(_("Patient"), 2.4), PdfColumn(_("Card"), 1.3), PdfColumn(_("Guide"), 1.0),
            PdfColumn(_("Protocol"), 0.8), PdfColumn(_("Date"), 0.9), PdfColumn(_("Informed"), 1.1, "RIGHT"),
            PdfColumn(_("Glosa"), 1.0, "RIGHT"), PdfColumn(_("Released"), 1.1, "RIGHT")]
    rows = [[line.patient, line.card, line.guide, str(line.protocol or ""), day(line.day),
             money(line.totals.informed, currency), money(line.totals.glosa, currency),
             money(line.totals.released, currency)] for line in ex.lines]
    rows.append([_("Gross total"), "", "", "", "", money(ex.totals.informed, currency),
                 money(ex.totals.glosa, currency), money(ex.totals.released, currency)])
    return render_pdf_with_tables("extract.html", [PdfTable(_("Patients"), cols, rows, {len(rows) - 1})],
                                  footer=_("Summary statement"), **pdf_context(ex.provider, ex=ex, currency=currency))


def extract_rows(ex: reports.Extract) -> list[list]:
    rows = [["patient", "card", "guide", "protocol", "date", "informed", "glosa", "released"]]
    rows += [[x.patient, x.card, x.guide, x.protocol, x.day.isoformat() if x.day else "",
              x.totals.informed, x.totals.glosa, x.totals.released] for x in ex.lines]
    rows.append([_("Gross total"), "", "", "", "", ex.totals.informed, ex.totals.glosa, ex.totals.released])
    return rows


def filename(report: str, fmt: str, start: date, end: date) -> str:
    return f"{'report' if report == 'period' else 'extract'}-{start}-{end}.{fmt}"


def build(report: str, provider: Provider, start: date, end: date, fmt: str) -> bytes:
    """The whole report (every lot, invoice or guide of the period) as ``fmt``."""
    if report == "period":
        rep = reports.period_report(provider, start, end)
        return period_pdf(rep) if fmt == "pdf" else "".join(csv_lines(period_rows(rep))).encode()
    ex = reports.extract(provider, start, end)
    return extract_pdf(ex) if fmt == "pdf" else "".join(csv_lines(extract_rows(ex))).encode()
