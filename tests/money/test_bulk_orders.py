"""Payment orders for many providers at once: the same amounts and withholdings as one order at a time,
invoices entered, every row audited, nothing paid twice."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AuditLog, Invoice, PaymentOrder
from models.base import db
from models.enums import AuditAction, InvoiceStatus, PaymentOrderStatus, Role, TaxCondition
from services import bulk_orders, payables, payments
from tests.helpers import invoice_for
from tests.money.test_query_counts import _br_provider, _lot

ON = date(2026, 3, 10)


def _ri_provider(name: str):
    from seed import factories as f

    return f.make_provider(name, tax_condition=TaxCondition.RESPONSABLE_INSCRIPTO, service_codes=("KINESIOLOGIA",),
                           iibb_rate=Decimal("2.5000"), cbu="2850590940090418135201")


def _deductions(order: PaymentOrder) -> list[tuple]:
    return sorted(((d.kind.value, d.code, d.rule_id, d.base_amount, d.rate, d.amount) for d in order.deductions),
                  key=str)


def test_bulk_orders_match_one_at_a_time(money_setup, staff):
    from models.enums import LotStatus

    clerk = staff["clerk"]
    twins = []
    for _ in range(2):  # the same documents twice: one paid by create_order, one by the bulk
        ar = _ri_provider("Clínica Par SRL")
        invoice_for(ar, status=InvoiceStatus.ACCEPTED, amount="200000.00")
        invoice_for(ar, status=InvoiceStatus.ACCEPTED, amount="50000.00", debited_amount=Decimal("1000.00"))
        br, items = _br_provider("Clínica Par Ltda")
        _lot(br, items, 3, LotStatus.RELEASED, money_setup["1705"])
        twins.append((ar, br))
    db.session.commit()
    one_by_one = [payments.create_order(p, [x.key for x in payables.payables(p).all], ON, clerk)
                  for p in twins[0]]
    result = bulk_orders.create_orders([p.id for p in twins[1]], ON, clerk)
    db.session.commit()
    assert len(result.order_ids) == 2 and result.documents == 3
    bulk = {o.provider_id: o for o in db.session.scalars(sa.select(PaymentOrder).where(
        PaymentOrder.id.in_(result.order_ids)))}
    for single, provider in zip(one_by_one, twins[1], strict=True):
        order = bulk[provider.id]
        assert order.status == PaymentOrderStatus.DRAFT and order.payment_date == ON
        assert (order.gross_amount, order.deductions_amount, order.net_amount) == (
            single.gross_amount, single.deductions_amount, single.net_amount)
        assert _deductions(order) == _deductions(single) and order.deductions  # Ganancias/IIBB, ISS
        assert sorted(line.amount for line in order.lines) == sorted(line.amount for line in single.lines)
        assert payables.payables(provider).all == []
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.provider_id == twins[1][0].id)).all()
    assert {i.status for i in invoices} == {InvoiceStatus.ENTERED}
    assert all(i.version_id == 2 for i in invoices)


def test_bulk_orders_are_audited(money_setup, staff):
    clerk = staff["clerk"]
    provider = _ri_provider("Clínica Auditada SRL")
    invoice = invoice_for(provider, status=InvoiceStatus.ACCEPTED, amount="300000.00")
    db.session.commit()
    order_id = bulk_orders.create_orders([provider.id], ON, clerk).order_ids[0]
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditLog).where(sa.or_(
        sa.and_(AuditLog.entity == "payment_order", AuditLog.entity_id == order_id),
        sa.and_(AuditLog.entity == "invoice", AuditLog.entity_id == invoice.id,
                AuditLog.action == AuditAction.TRANSITION),
        AuditLog.entity.in_(("payment_order_line", "payment_deduction"))))).all()
    by_entity = {r.entity: r for r in rows}
    assert by_entity["payment_order"].action == AuditAction.CREATE
    assert by_entity["payment_order"].changes["gross_amount"] == "300000.00"
    assert by_entity["invoice"].changes == {"status": ["accepted", "entered"]}
    assert by_entity["payment_order_line"].changes["invoice_id"] == invoice.id
    assert "payment_deduction" in by_entity


def test_bulk_refusals(money_setup, staff, make_user):
    provider = _ri_provider("Clínica Nada SRL")
    db.session.commit()
    with pytest.raises(bulk_orders.BulkOrderError) as exc:
        bulk_orders.create_orders([provider.id], ON, staff["clerk"])  # nothing payable
    assert exc.value.code == "selection"
    with pytest.raises(bulk_orders.BulkOrderError) as exc:
        bulk_orders.create_orders([provider.id], ON, make_user(Role.PROVIDER, providers=[provider]))
    assert exc.value.code == "forbidden_create"
    invoice_for(provider, status=InvoiceStatus.ACCEPTED)
    db.session.commit()
    bulk_orders.create_orders([provider.id], ON, staff["clerk"])
    db.session.commit()
    with pytest.raises(bulk_orders.BulkOrderError):  # already in an order: nothing payable twice
        bulk_orders.create_orders([provider.id], ON, staff["clerk"])


def test_desk_bulk_form(client, login, money_setup, staff):
    providers = [_ri_provider(f"Clínica Lote {i} SRL") for i in range(3)]
    for p in providers:
        invoice_for(p, status=InvoiceStatus.ACCEPTED)
    db.session.commit()
    login(staff["clerk"])
    r = client.post("/admin/payment-desk/bulk", data={"provider": [str(p.id) for p in providers[:2]] + ["x"],
                                                      "payment_date": "2026-03-10"}, follow_redirects=True)
    assert "2 payment orders created for 2 documents." in r.get_data(as_text=True)
    assert payables.payables(providers[2]).all and not payables.payables(providers[0]).all
    r = client.post("/admin/payment-desk/bulk", data={"provider": [str(providers[2].id)], "payment_date": "x"},
                    follow_redirects=True)
    assert r.status_code == 200 and "This field is required." in r.get_data(as_text=True)
