"""The demo payer: fixed identifiers, idempotent loading, and every menu page renders for every demo user."""
import re

import pytest
import sqlalchemy as sa

import models as m
from models.base import db
from models.enums import GuideStatus, InvoiceStatus, LotStatus, Role
from models.rules.tax_ids import is_valid_cnpj, is_valid_cuit
from seed.demo import load_demo

DEMO_USERS = ["admin@example.org", "clerk@example.org", "credentialing@example.org", "supervisor@example.org",
              "provider@example.org", "provider2@example.org"]


def one(query):
    return db.session.scalars(query).one()


def test_demo_loads_once():
    assert load_demo() is True
    users = db.session.scalar(sa.select(sa.func.count()).select_from(m.User))
    assert load_demo() is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(m.User)) == users


def test_fixed_identifiers(demo):
    payer = one(sa.select(m.PayerSettings))
    assert (payer.cuit, payer.ans_registry) == ("30710000006", "419999")
    for email in DEMO_USERS:
        assert demo[email].check_password("demo-password-1")
    roles = {demo[e].role for e in DEMO_USERS}
    assert roles == set(Role)

    ar = one(sa.select(m.Provider).where(m.Provider.tax_id == "20267565393"))
    assert ar.formatted_tax_id == "20-26756539-3"
    assert ar.tax_condition.value == "monotributista"
    assert [s.code for s in ar.service_types] == ["CUIDADOR_DOMICILIARIO"]
    assert demo["provider@example.org"].linked_provider_ids == [ar.id]
    auth = one(sa.select(m.Authorization).where(m.Authorization.number == "100001"))
    assert auth.provider_id == ar.id and auth.status.value == "active"

    br = one(sa.select(m.Provider).where(m.Provider.tax_id == "11222333000181"))
    assert br.provider_number == "PRV0002"
    assert demo["provider2@example.org"].linked_provider_ids == [br.id]
    consult = one(sa.select(m.PriceTableItem).join(m.PriceTable)
                  .where(m.PriceTable.provider_id == br.id, m.PriceTableItem.code == "10101012"))
    assert str(consult.unit_price) == "150.00"
    cards = set(db.session.scalars(sa.select(m.Beneficiary.card_number)))
    assert {f"8000000000{i:02d}" for i in range(1, 51)} <= cards
    unbilled = db.session.scalar(sa.select(sa.func.count()).select_from(m.Guide).where(
        m.Guide.provider_id == br.id, m.Guide.lot_id.is_(None), m.Guide.status == GuideStatus.AUTHORIZED))
    assert unbilled >= 10


def test_realistic_volume_and_every_status(demo):
    providers = db.session.scalars(sa.select(m.Provider)).all()
    assert len(providers) >= 20
    for p in providers:
        assert is_valid_cuit(p.tax_id) if p.tax_id_kind.value == "CUIT" else is_valid_cnpj(p.tax_id)
    invoice_statuses = set(db.session.scalars(sa.select(m.Invoice.status).where(
        m.Invoice.provider_id == demo["provider@example.org"].current_provider_id)))
    assert invoice_statuses == set(InvoiceStatus)
    lot_statuses = set(db.session.scalars(sa.select(m.Lot.status)))
    assert {LotStatus.RECEIVED, LotStatus.IN_ANALYSIS, LotStatus.ANALYSED, LotStatus.RELEASED,
            LotStatus.PAID} <= lot_statuses
    for lot in db.session.scalars(sa.select(m.Lot)):
        assert lot.total_amount == sum(g.total_amount for g in lot.guides)
        for guide in lot.guides:
            assert guide.total_amount == sum(i.total_amount for i in guide.items)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(m.PaymentOrder)) >= 3


@pytest.mark.parametrize("email", DEMO_USERS)
def test_every_menu_page_renders(demo, demo_login, client, email):
    demo_login(email)
    index = client.get("/admin/")
    assert index.status_code == 200
    links = sorted(set(re.findall(r'href="(/admin/[a-z_]+/)"', index.get_data(as_text=True))))
    assert links
    for link in links:
        page = client.get(link)
        assert page.status_code == 200, link
        body = page.get_data(as_text=True)
        for detail in sorted(set(re.findall(r'href="(/admin/[a-z_]+/details/\?id=\d+)', body)))[:2]:
            assert client.get(detail).status_code == 200, detail
        if f'href="{link}new/' in body:
            assert client.get(link + "new/").status_code == 200, link


def test_demo_withholdings_carry_their_rule_and_paying_issues_the_certificate(demo):
    from datetime import date

    from models.enums import DeductionKind, PaymentMethod, PaymentOrderStatus, Tax
    from services import payments

    withholdings = db.session.scalars(sa.select(m.PaymentDeduction).where(
        m.PaymentDeduction.kind == DeductionKind.WITHHOLDING)).all()
    assert withholdings and all(d.rule is not None for d in withholdings)
    for d in withholdings:
        assert (d.certificate is not None) == (d.order.status == PaymentOrderStatus.PAID)

    # The Brazilian order awaiting approval: approved and paid, it issues provider2's ISS certificate.
    order = one(sa.select(m.PaymentOrder).where(m.PaymentOrder.status == PaymentOrderStatus.PENDING_APPROVAL))
    payments.approve(order, demo["supervisor@example.org"])
    certificates = payments.mark_paid(order, demo["clerk@example.org"], date.today(), PaymentMethod.TRANSFER)
    assert [(c.tax, c.amount, c.provider_id) for c in certificates] == [
        (Tax.ISS, order.deductions_amount, demo["provider2@example.org"].current_provider_id)]
