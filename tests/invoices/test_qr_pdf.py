"""Reading the QR code from real PDFs (rendered with PDFium, decoded with zxing-cpp)."""
from datetime import date
from decimal import Decimal

from services.qr import read_afip_qr, read_qr_texts
from tests.invoices.pdfs import invoice_pdf, make_pdf


def test_reads_afip_qr_from_generated_invoice_pdf():
    data = invoice_pdf("20267565393", 11, 2, 85, date(2026, 4, 10), Decimal("29663.00"), "71110383321640")
    qr = read_afip_qr(data)
    assert qr is not None
    assert (qr.cuit, qr.voucher_type, qr.point_of_sale, qr.number, qr.amount, qr.cae) == (
        "20267565393", 11, 2, 85, Decimal("29663.00"), "71110383321640")


def test_reads_arca_host_and_small_codes():
    data = invoice_pdf("20267565393", 11, 3, 7, date(2026, 4, 10), "10.00", "71110383321640", host="www.arca.gob.ar")
    assert read_afip_qr(data).number == 7
    small = make_pdf("tiny", qr_text="https://www.afip.gob.ar/fe/qr/?p=e30=", qr_size=60)
    assert read_qr_texts(small)  # found (not an AFIP payload, so read_afip_qr says None)
    assert read_afip_qr(small) is None


def test_pdf_without_qr_or_broken_pdf():
    assert read_afip_qr(make_pdf("no code here")) is None
    assert read_afip_qr(b"%PDF-1.4\ngarbage\n%%EOF") is None
    assert read_afip_qr(b"") is None


def test_other_qr_codes_are_ignored():
    assert read_afip_qr(make_pdf("x", qr_text="https://example.org/hello")) is None
