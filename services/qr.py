"""Read the AFIP QR code printed on an invoice PDF.

The first page is rendered with pypdfium2 (PDFium, Chrome's PDF engine) and
scanned with zxing-cpp; both ship as self-contained wheels (no system
packages). The rendered bitmap is capped so a PDF declaring a huge page cannot
exhaust memory.
"""
from __future__ import annotations

import logging

from models.rules.afip_qr import AfipQr, QrError, parse_qr_url

log = logging.getLogger(__name__)

MAX_SIDE_PX = 2600  # longest side of the rendered page
SCALES = (2.0, 3.5)  # 144 dpi first, then finer for small codes


def _render_first_page(data: bytes, scale: float):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        if len(pdf) == 0:
            return None
        page = pdf[0]
        width, height = page.get_size()  # points
        longest = max(width, height, 1)
        scale = min(scale, MAX_SIDE_PX / longest)
        bitmap = page.render(scale=scale)
        return bitmap.to_pil()
    finally:
        pdf.close()


def read_qr_texts(data: bytes) -> list[str]:
    """Texts of the QR codes found on the first page (empty when none or the PDF cannot be read)."""
    import zxingcpp

    for scale in SCALES:
        try:
            image = _render_first_page(data, scale)
        except Exception as exc:  # a broken PDF is an upload without a QR, never a crash
            log.info("PDF could not be rendered for QR reading: %s", exc)
            return []
        if image is None:
            return []
        found = [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode) if r.text]
        if found:
            return found
    return []


def read_afip_qr(data: bytes) -> AfipQr | None:
    """The AFIP/ARCA invoice QR of ``data`` (a PDF), or None."""
    for text in read_qr_texts(data):
        try:
            return parse_qr_url(text)
        except QrError:
            continue
    return None
