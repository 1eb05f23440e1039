"""The report by period, the extrato sintético and the NF values report as files (PDF or CSV): what a
download answers at once for a short period and what a job (``services.report_exports``) writes for a long
one, the same bytes. Their rows go through ``services.pdf.PdfTable`` (an HTML table of 2,400 lots took
xhtml2pdf 129 s)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from models import Provider, User
from models.enums import Country
from services import nf_report, reports
from services.csv_export import csv_lines
from services.formatting import day, money
from services.pdf import PdfColumn, PdfTable, pdf_context, render_pdf_with_tables

FORMATS = ("pdf", "csv")


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


def nf_pdf(rows: list[nf_report.NfRow], totals: dict, provider: Provider | None, start: date, end: date) -> bytes:
    """Every lot of the period (of ``provider``, or of every provider the reader may see) with its values."""
    currency = provider.currency if provider else "BRL"
    every = provider is None  # a column with each lot's provider
    cols = [PdfColumn(_("Protocol"), 0.7), *([PdfColumn(_("Provider"), 1.6)] if every else []),
            PdfColumn(_("Lot"), 1.3 if every else 2.9), PdfColumn(_("Competence"), 0.7), PdfColumn(_("Sent on"), 0.8),
            PdfColumn(_("Status"), 1.1), PdfColumn(_("Guides"), 0.5, "RIGHT"),
            PdfColumn(_("Value presented"), 1.0, "RIGHT"), PdfColumn(_("Glosa"), 0.9, "RIGHT"),
            PdfColumn(_("Value released"), 1.0, "RIGHT")]
    body = []
    for r in rows:
        cur = r.lot.provider.currency
        body.append([str(r.lot.protocol_number or ""), *([r.lot.provider.legal_name] if every else []),
                     r.lot.description, r.lot.competence_label, day(r.lot.sent_at), r.lot.status.label, str(r.guides),
                     money(r.presented, cur), "—" if r.glosa is None else money(r.glosa, cur),
                     _("awaiting analysis") if r.released is None else money(r.released, cur)])
    body.append([_("Total"), *([""] * (len(cols) - 5)), str(totals["guides"]), money(totals["presented"], currency),
                 money(totals["glosa"], currency), money(totals["released"], currency)])
    return render_pdf_with_tables("nf_report.html", [PdfTable(_("Lots"), cols, body, {len(body) - 1})],
                                  footer=_("Values report for issuing the invoice (NF)"),
                                  **pdf_context(provider or Country.BR, provider=provider, start=start, end=end))


NAMES = {"period": "report", "extract": "extract", "nf": "valores-nf"}


def filename(report: str, fmt: str, start: date, end: date) -> str:
    return f"{NAMES[report]}-{start}-{end}.{fmt}"


def build(report: str, provider: Provider | None, start: date, end: date, fmt: str, reader: User) -> bytes:
    """The whole report (every lot, invoice or guide of the period) as ``fmt``; ``reader``: whose lots the
    NF report lists (every provider's they may see, when ``provider`` is None)."""
    if report == "nf":
        rows = nf_report.nf_report(reader, start, end, provider=provider)
        return nf_pdf(rows, nf_report.nf_totals(rows), provider, start, end)
    if report == "period":
        rep = reports.period_report(provider, start, end)
        return period_pdf(rep) if fmt == "pdf" else "".join(csv_lines(period_rows(rep))).encode()
    ex = reports.extract(provider, start, end)
    return extract_pdf(ex) if fmt == "pdf" else "".join(csv_lines(extract_rows(ex))).encode()
