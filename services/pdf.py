"""One way to make PDFs: render a Jinja template from templates/pdf/ and convert it with xhtml2pdf.

User data is autoescaped by Jinja; links to files and URLs are refused so a
template cannot be made to fetch anything.
"""
from __future__ import annotations

import io

from flask import render_template
from xhtml2pdf import pisa

from models.base import utcnow
from services.payer_identity import identity_for


class PdfError(RuntimeError):
    pass


def _no_fetch(uri: str, rel: str | None = None):
    """Resource policy: PDFs embed nothing from disk or network."""
    return None


def html_to_pdf(html: str) -> bytes:
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_no_fetch)
    if result.err:
        raise PdfError(f"xhtml2pdf reported {result.err} error(s)")
    return out.getvalue()


def pdf_context(concerning, **context) -> dict:
    """What every PDF shows besides its own data: the payer's identity in the country of the provider the
    document ``concerning`` (a provider, or a Country) and when it was made (one clock: UTC, shown in the
    reader's time zone by the ``day`` filter)."""
    return {"payer": identity_for(concerning), "generated_at": utcnow(), **context}


def render_pdf(template: str, **context) -> bytes:
    """Render ``templates/pdf/<template>`` (it should extend ``pdf/base.html``) to PDF bytes."""
    return html_to_pdf(render_template(f"pdf/{template}", **context))


def pdf_response(data: bytes, filename: str):
    """The PDF shown inline; ``send_file`` writes any filename safely (RFC 5987)."""
    import io

    from flask import send_file

    response = send_file(io.BytesIO(data), mimetype="application/pdf", download_name=filename, as_attachment=False,
                         etag=False, conditional=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# Long tables ---------------------------------------------------------------
# xhtml2pdf lays out every cell as a paragraph and slows down more than
# linearly with table length (2,000 rows: ~30 s as one table, still ~12 s when
# split). Documents with long detail (payment statements, analysis statements,
# reports) keep their header and summary in the HTML template and hand their
# rows to ``render_pdf(..., tables=[PdfTable(...)])``: the rows are laid out by
# ReportLab's own table (plain strings, no markup, so nothing is interpreted),
# page after page with a repeated header, and appended to the HTML part.
from dataclasses import dataclass, field  # noqa: E402


@dataclass
class PdfColumn:
    title: str
    width: float  # share of the frame width; the shares are normalised
    align: str = "LEFT"  # LEFT or RIGHT


@dataclass
class PdfTable:
    title: str
    columns: list[PdfColumn]
    rows: list[list[str]]
    # Indexes of rows drawn in bold with a rule above (subtotals, totals).
    emphasis: set[int] = field(default_factory=set)


_PAGE_MARGINS = (1.4, 1.6, 1.4, 1.8)  # left, top, right, bottom in cm (as pdf/base.html)


def _fit(text: str, width: float, font: str, size: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def tables_to_pdf(tables: list[PdfTable], *, footer: str, first_page: int, page_label: str) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas as rl_canvas
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    left, top, right, bottom = (v * cm for v in _PAGE_MARGINS)
    frame_width = A4[0] - left - right
    font, bold, size = "Helvetica", "Helvetica-Bold", 7.5

    class NumberedCanvas(rl_canvas.Canvas):
        """Draws "page n / total" once the number of pages is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = first_page - 1 + len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont(font, 8)
                self.setFillColor(colors.HexColor("#666666"))
                self.drawString(left, 0.6 * cm + 0.3 * cm,
                                f"{footer} — {page_label} {first_page - 1 + self._pageNumber} / {total}")
                super().showPage()
            super().save()

    story = []
    heading = ParagraphStyle("h", fontName=bold, fontSize=11, leading=14, spaceAfter=4)
    for table in tables:
        shares = sum(c.width for c in table.columns)
        widths = [frame_width * c.width / shares for c in table.columns]
        # Headers wrap (one row of paragraphs is cheap); body cells are plain strings cut to fit.
        header_style = ParagraphStyle("th", fontName=bold, fontSize=size, leading=size + 1.5)
        header_right = ParagraphStyle("th-right", parent=header_style, alignment=2)
        data = [[Paragraph(escape(c.title), header_right if c.align.upper() == "RIGHT" else header_style)
                 for c in table.columns]]
        for row in table.rows:
            data.append([_fit(str(v if v is not None else ""), w - 6, font, size) for v, w in zip(row, widths)])
        style = [
            ("FONT", (0, 0), (-1, -1), font, size),
            ("FONT", (0, 0), (-1, 0), bold, size),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#777777")),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#cccccc")),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        for i, column in enumerate(table.columns):
            if column.align.upper() == "RIGHT":
                style.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
        for index in table.emphasis:
            style.append(("FONT", (0, index + 1), (-1, index + 1), bold, size))
            style.append(("LINEABOVE", (0, index + 1), (-1, index + 1), 0.75, colors.HexColor("#333333")))
        story.append(Paragraph(escape(table.title), heading))
        story.append(LongTable(data, colWidths=widths, repeatRows=1, style=TableStyle(style)))
        story.append(Spacer(1, 8))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=left, rightMargin=right, topMargin=top,
                            bottomMargin=bottom)
    doc.build(story, canvasmaker=NumberedCanvas)
    return out.getvalue()


# Tables this short are laid out on the document's own pages after its summary: a table of a few rows never
# sits alone on a page of its own.
SHORT_TABLE_ROWS = 60


def render_pdf_with_tables(template: str, tables: list[PdfTable], footer: str = "Liquida", **context) -> bytes:
    """The HTML template (header, summary) followed by ``tables``: inline when short, else appended pages."""
    from flask_babel import gettext
    from pypdf import PdfReader, PdfWriter

    if sum(len(t.rows) for t in tables) <= SHORT_TABLE_ROWS:
        return render_pdf(template, inline_tables=tables, **context)
    head = render_pdf(template, appendix=True, **context)
    head_reader = PdfReader(io.BytesIO(head))
    tail = tables_to_pdf(tables, footer=footer, first_page=len(head_reader.pages) + 1, page_label=gettext("Page"))
    writer = PdfWriter()
    writer.append(head_reader)
    writer.append(PdfReader(io.BytesIO(tail)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
