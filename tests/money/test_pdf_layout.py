"""PDF layout: a short table shares the summary's page, column headers wrap instead of being cut, statuses
read as their label (no "(5)")."""
import io

import pypdfium2 as pdfium
import sqlalchemy as sa

from models import Lot, PaymentOrder
from models.base import db
from services.pdf import SHORT_TABLE_ROWS, PdfColumn, PdfTable, tables_to_pdf


def pages(data: bytes) -> list[str]:
    return [page.get_textpage().get_text_range() for page in pdfium.PdfDocument(io.BytesIO(data))]


def test_a_short_statement_table_shares_the_first_page(demo, demo_login, client):
    demo["provider2@example.org"].locale = "pt_BR"
    demo_login("provider2@example.org")
    order = db.session.scalar(sa.select(PaymentOrder).where(
        PaymentOrder.provider_id == demo["provider2@example.org"].current_provider_id).limit(1))
    text = pages(client.get(f"/admin/statements/{order.id}.pdf").data)
    assert len(text) == 1 and "Protocolos e faturas pagos" in text[0] and "Bruto" in text[0]


def test_analysis_headers_are_whole_and_the_status_is_its_label(demo, demo_login, client):
    demo["clerk@example.org"].locale = "es_AR"
    demo_login("clerk@example.org")
    lot = db.session.scalar(sa.select(Lot).where(Lot.protocol_number.is_not(None)).limit(1))
    [text] = pages(client.get(f"/admin/account-audit/lot/{lot.id}/statement.pdf").data)
    words = " ".join(text.split())
    assert "Cant. realizada" in words and "Códigos de glosa" in words and "…" not in words
    assert lot.status.label in words and f"({lot.status.tiss_code})" not in words


def test_long_tables_keep_whole_headers_on_their_own_pages(app):
    columns = [PdfColumn("Guía / ítem", 3.2), PdfColumn("Cant. realizada", 0.6, "RIGHT"),
               PdfColumn("Códigos de glosa", 0.6)]
    rows = [[f"Guía {i}", "1", "1705"] for i in range(SHORT_TABLE_ROWS + 40)]
    with app.test_request_context():
        text = pages(tables_to_pdf([PdfTable("Ítems", columns, rows)], footer="Informe", first_page=2,
                                   page_label="Página"))
    first = " ".join(text[0].split())
    assert "Cant. realizada" in first and "Códigos de glosa" in first and "Cant. real…" not in first
    assert len(text) >= 2 and "Página 2 /" in text[0]
