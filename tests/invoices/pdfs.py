"""PDFs for tests: a plain page, or an invoice carrying an AFIP QR code (drawn with reportlab)."""
from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen import canvas

from models.rules.afip_qr import build_qr_url


def make_pdf(text: str = "Planilla de asistencia", qr_text: str | None = None, qr_size: int = 110) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 780, text)
    if qr_text:
        widget = QrCodeWidget(qr_text)
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, page, 72, 72)
    page.save()
    return buffer.getvalue()


def invoice_pdf(cuit: str, voucher_type: int, point_of_sale: int, number: int, invoice_date, amount, cae: str,
                host: str = "www.afip.gob.ar") -> bytes:
    url = build_qr_url({
        "invoice_date": invoice_date.isoformat(), "cuit": cuit, "point_of_sale": point_of_sale,
        "voucher_type": voucher_type, "number": number, "amount": str(amount), "cae": cae,
    }, host=host)
    return make_pdf(f"Factura {point_of_sale:05d}-{number:08d}", qr_text=url)
