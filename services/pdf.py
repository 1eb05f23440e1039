"""One way to make PDFs: render a Jinja template from templates/pdf/ and convert it with xhtml2pdf.

User data is autoescaped by Jinja; links to files and URLs are refused so a
template cannot be made to fetch anything.
"""
from __future__ import annotations

import io

from flask import render_template
from xhtml2pdf import pisa


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


def render_pdf(template: str, **context) -> bytes:
    """Render ``templates/pdf/<template>`` (it should extend ``pdf/base.html``) to PDF bytes."""
    return html_to_pdf(render_template(f"pdf/{template}", **context))


def pdf_response(data: bytes, filename: str):
    from flask import Response

    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "X-Content-Type-Options": "nosniff"},
    )
