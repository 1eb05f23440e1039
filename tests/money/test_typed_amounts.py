"""Money typed on the payment desk and the lot analysis is read in the user's locale, as in the wizard."""
from decimal import Decimal

from models import Glosa, PaymentOrder
from models.base import db
from tests.money.test_views import _released_lot


def test_payment_desk_takes_1234_50_as_typed_in_es_AR(client, login, br_lot, money_setup, staff):
    _released_lot(br_lot, staff, money_setup)
    staff["clerk"].locale = "es_AR"
    db.session.commit()
    login(staff["clerk"])
    form = {"doc": [f"lot:{br_lot.id}"], "payment_date": "2026-03-10", "action": "create",
            "adjustment_kind": "credit", "adjustment_code": "08", "adjustment_description": "Ajuste"}
    for typed in ("NaN", "Infinity", "1E+20", "-5", "1,234"):
        desk = f"/admin/payment-desk/new/{br_lot.provider_id}"
        refused = client.post(desk, data={**form, "adjustment_amount": typed})
        assert 'is-invalid" id="adjustment_amount"' in refused.get_data(as_text=True), typed
        assert db.session.scalars(db.select(PaymentOrder)).first() is None, typed
    page = client.get(f"/admin/payment-desk/new/{br_lot.provider_id}").get_data(as_text=True)
    assert 'placeholder="1234,50"' in page
    r = client.post(f"/admin/payment-desk/new/{br_lot.provider_id}", data={**form, "adjustment_amount": "1.234,50"})
    assert r.status_code == 302, r.get_data(as_text=True)
    order = db.session.scalars(db.select(PaymentOrder)).one()
    assert order.net_amount == Decimal("310.40") + Decimal("1234.50")  # gross 320, ISS 9.60, credit 1.234,50


def test_executed_quantity_and_glosa_read_in_pt_BR(client, login, br_lot, money_setup, staff):
    staff["clerk"].locale = "pt_BR"
    db.session.commit()
    login(staff["clerk"])
    client.post(f"/admin/account-audit/lot/{br_lot.id}/status", data={"target": "in_analysis"})
    item = br_lot.guides[0].items[0]
    for typed in ("NaN", "1E+3", "0,00001"):
        client.post(f"/admin/account-audit/lot/{br_lot.id}/item/{item.id}/quantity", data={"executed_quantity": typed})
        db.session.refresh(item)
        assert item.executed_quantity is None or item.executed_quantity.is_finite(), typed
    glosa = f"/admin/account-audit/lot/{br_lot.id}/item/{item.id}/glosa"
    client.post(glosa, data={"amount": "1.000,00", "code_id": money_setup["1705"].id, "reason": "acima"})
    assert not item_glosas(item)  # a thousand: above the item's processed value, refused
    client.post(glosa, data={"amount": "12,50", "code_id": money_setup["1705"].id, "reason": "acima"})
    assert [g.amount for g in item_glosas(item)] == [Decimal("12.50")]


def item_glosas(item):
    return db.session.scalars(db.select(Glosa).where(Glosa.guide_item_id == item.id)).all()
