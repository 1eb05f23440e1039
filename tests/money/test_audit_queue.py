"""The account-audit desk pages its lots and its invoices by seeking (50 at a time, every one reachable),
each table keeping its place while the other moves."""
from __future__ import annotations

import re

from models.enums import InvoiceStatus, LotStatus, Role
from services import analysis
from tests.helpers import argentine_provider, every_page, invoice_for
from tests.money.test_query_counts import _br_provider, _lot


def shown(html: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="(\d+)"', html)


def test_every_lot_in_analysis_is_reachable_page_after_page(client, login_as):
    provider, items = _br_provider("Clínica Fila Ltda")
    made = [_lot(provider, items, 1, LotStatus.IN_ANALYSIS) for _ in range(analysis.QUEUE_PAGE + 3)]
    login_as(Role.CLERK)
    first = client.get("/admin/account-audit/?status=in_analysis").get_data(as_text=True)
    first_ids = shown(first, "data-lot")
    assert len(first_ids) == analysis.QUEUE_PAGE
    more = re.search(r'id="more-lots" rel="next"\s+href="([^"]+)"', first)
    assert more, "a link to the next lots"
    second = client.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
    second_ids = shown(second, "data-lot")
    assert 'id="more-lots"' not in second and "First page" in second
    newest_first = sorted(made, key=lambda lot: lot.protocol_number, reverse=True)
    assert first_ids + second_ids == [str(lot.id) for lot in newest_first][:len(first_ids) + len(second_ids)]
    assert {str(lot.id) for lot in made} <= set(first_ids + second_ids)


def test_invoices_waiting_for_debits_page_oldest_first(make_user):
    clerk = make_user(Role.CLERK)
    provider = argentine_provider("Prestador Fila SA")
    made = [invoice_for(provider, status=InvoiceStatus.IN_AUDIT) for _ in range(5)]
    seen = [invoice.id for invoice in every_page(lambda cursor: analysis.invoice_queue(clerk, cursor, size=2))]
    mine = [invoice_id for invoice_id in seen if invoice_id in {i.id for i in made}]
    assert mine == [i.id for i in sorted(made, key=lambda i: (i.last_movement_at, i.id))]
    assert len(seen) == len(set(seen))  # none twice


def test_sent_and_audited_invoices_merge_in_waiting_order_page_after_page(make_user):
    """Each status is read on its own index range and the ranges merged: interleaved waiting times, ties on
    the time (the id decides), other statuses in between, every page the next ones, none twice or left out."""
    from datetime import datetime, timedelta

    from models.base import db

    clerk = make_user(Role.CLERK)
    provider = argentine_provider("Prestador Mezcla SA")
    start = datetime(2020, 1, 1)
    statuses = [InvoiceStatus.SENT, InvoiceStatus.ACCEPTED, InvoiceStatus.IN_AUDIT, InvoiceStatus.REJECTED]
    made = []
    for n in range(14):
        invoice = invoice_for(provider, status=statuses[n % 4])
        invoice.last_movement_at = start + timedelta(minutes=n // 3)  # three by three on the same minute
        made.append(invoice)
    db.session.commit()
    waiting = sorted((i for i in made if i.status in analysis.DEBITABLE), key=lambda i: (i.last_movement_at, i.id))
    seen = [invoice.id for invoice in every_page(lambda cursor: analysis.invoice_queue(clerk, cursor, size=3))]
    assert [i for i in seen if i in {w.id for w in made}] == [w.id for w in waiting]
    assert len(seen) == len(set(seen))


def test_who_may_not_debit_sees_no_invoice_queue(make_user):
    invoice_for(argentine_provider("Prestador Oculto SA"), status=InvoiceStatus.IN_AUDIT)
    assert analysis.invoice_queue(make_user(Role.CREDENTIALING)).rows == []


def test_an_unreadable_cursor_reads_as_the_first_page(client, login_as):
    invoice_for(argentine_provider("Prestador Cursor SA"), status=InvoiceStatus.IN_AUDIT)
    login_as(Role.CLERK)
    for bad in ("x", "2026-13-40~1", "%00", "9" * 200):
        response = client.get("/admin/account-audit/", query_string={"lots_after": bad, "invoices_after": bad})
        assert response.status_code == 200
