"""Payment orders for many providers at once: the same amounts and withholdings as one order at a time,
invoices entered, every row audited, nothing paid twice."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AuditLog, Invoice, Job, PaymentOrder
from models.base import db
from models.enums import AuditAction, InvoiceStatus, JobState, PaymentOrderStatus, Role, TaxCondition
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


def job_of(response) -> Job:
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.get(Job, int(response.headers["Location"].rsplit("job=", 1)[1]))


def test_desk_bulk_form_runs_a_job_and_links_its_orders(client, login, money_setup, staff, monkeypatch):
    providers = [_ri_provider(f"Clínica Lote {i} SRL") for i in range(3)]
    for p in providers:
        invoice_for(p, status=InvoiceStatus.ACCEPTED)
    db.session.commit()
    login(staff["clerk"])
    job = job_of(client.post("/admin/payment-desk/bulk", data={
        "provider": [str(p.id) for p in providers[:2]] + ["x"], "payment_date": "2026-03-10"}))
    db.session.refresh(job)
    assert job.kind == bulk_orders.KIND and job.state == JobState.DONE and (job.done, job.total) == (2, 2)
    assert payables.payables(providers[2]).all and not payables.payables(providers[0]).all
    page = client.get(f"/admin/payment-desk/?job={job.id}").get_data(as_text=True)
    assert "2 of 2 providers" in page and "2 payment orders created for 2 documents." in page
    for order_id in job.result["order_ids"]:
        assert f'href="/admin/payment-desk/order/{order_id}"' in page
    monkeypatch.setattr(bulk_orders, "ORDER_LINKS", 1)  # a job of more orders than the line links
    page = client.get(f"/admin/payment-desk/?job={job.id}").get_data(as_text=True)
    links = page.split('id="job-orders"', 1)[1].split("</p>", 1)[0]
    assert links.count('data-order="') == 1 and "and 1 more, in the open orders below." in links
    orders = db.session.scalars(sa.select(PaymentOrder).where(PaymentOrder.id.in_(job.result["order_ids"]))).all()
    assert {o.provider_id for o in orders} == {providers[0].id, providers[1].id}
    assert f"/admin/payment-desk/?job={job.id}" in client.get(f"/admin/jobs/{job.id}").get_data(as_text=True)
    r = client.post("/admin/payment-desk/bulk", data={"provider": [str(providers[2].id)], "payment_date": "x"},
                    follow_redirects=True)
    assert r.status_code == 200 and "Enter a valid date (dd/mm/yyyy)." in r.get_data(as_text=True)
    r = client.post("/admin/payment-desk/bulk", data={"provider": [str(providers[2].id)], "payment_date": ""},
                    follow_redirects=True)
    assert "This field is required." in r.get_data(as_text=True)
    r = client.post("/admin/payment-desk/bulk", data={"payment_date": "2026-03-10"}, follow_redirects=True)
    assert "Select at least one provider" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_the_job_counts_providers_and_a_rerun_creates_no_second_order(money_setup, staff, monkeypatch):
    monkeypatch.setattr(bulk_orders, "JOB_CHUNK", 2)
    providers = [_ri_provider(f"Clínica Job {i} SRL") for i in range(5)]
    for p in providers[:4]:  # the last one has nothing to pay
        invoice_for(p, status=InvoiceStatus.ACCEPTED)
    db.session.commit()
    job = bulk_orders.start([p.id for p in providers], ON, staff["clerk"])
    db.session.commit()  # inline: the job runs now
    db.session.refresh(job)
    assert job.state == JobState.DONE and (job.done, job.total) == (5, 5)
    assert len(job.result["order_ids"]) == 4 and job.result["documents"] == 4

    def orders() -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(PaymentOrder).where(
            PaymentOrder.provider_id.in_([p.id for p in providers])))

    assert orders() == 4
    bulk_orders.orders_task.apply(args=(job.id,))  # delivered twice: a finished job does nothing
    # A worker lost after its chunks committed: the broker hands the job out again from the start.
    job.state, job.done, job.finished_at = JobState.RUNNING, 0, None
    db.session.commit()
    bulk_orders.orders_task.apply(args=(job.id,))
    db.session.refresh(job)
    assert job.state == JobState.DONE and orders() == 4


def test_orders_made_by_the_job_are_audited_as_the_clerk(money_setup, staff):
    provider = _ri_provider("Clínica Auditada Job SRL")
    invoice = invoice_for(provider, status=InvoiceStatus.ACCEPTED, amount="300000.00")
    db.session.commit()
    job = bulk_orders.start([provider.id], ON, staff["clerk"])
    db.session.commit()
    db.session.refresh(job)
    order_id = job.result["order_ids"][0]
    rows = db.session.scalars(sa.select(AuditLog).where(sa.or_(
        sa.and_(AuditLog.entity == "payment_order", AuditLog.entity_id == order_id),
        sa.and_(AuditLog.entity == "invoice", AuditLog.entity_id == invoice.id,
                AuditLog.action == AuditAction.TRANSITION)))).all()
    assert {r.entity for r in rows} == {"payment_order", "invoice"}
    assert {r.actor_id for r in rows} == {staff["clerk"].id}


def test_a_provider_user_cannot_start_the_job(money_setup, staff, make_user):
    provider = _ri_provider("Clínica Sin Permiso SRL")
    db.session.commit()
    with pytest.raises(bulk_orders.BulkOrderError) as exc:
        bulk_orders.start([provider.id], ON, make_user(Role.PROVIDER, providers=[provider]))
    assert exc.value.code == "forbidden_create"
