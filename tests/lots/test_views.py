"""The guide editor, lot builder, billing by period, lot tracking and reports through HTTP."""
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import Guide, Lot
from models.base import db
from models.enums import GuideStatus, GuideType, LotStatus, Role
from services.lot_flow import issue_lot


def start_builder(client, clinic, guide_type="sp_sadt"):
    label = f"{clinic.month.month:02d}/{clinic.month.year}"
    r = client.post("/admin/lot-builder/", data={"guide_type": guide_type, "competence": label})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/lot-builder/search"), r.get_data(True)


def test_builder_full_flow_and_pdf(client, login, clinic, provider_user):
    login(provider_user)
    good = [clinic.guide() for _ in range(3)]
    pending = clinic.guide(status=GuideStatus.PENDING)
    other_type = clinic.guide(GuideType.CONSULTA)
    db.session.commit()
    r = client.get("/admin/lot-builder/")
    assert r.status_code == 200 and 'value="sp_sadt"' in r.get_data(True)
    start_builder(client, clinic)
    page = client.get("/admin/lot-builder/search").get_data(True)
    for g in good + [pending]:
        assert f'data-guide="{g.number}"' in page
    assert f'data-guide="{other_type.number}"' not in page
    assert 'data-occurrence="1402"' in page
    shown = [g.id for g in good + [pending]]
    r = client.post("/admin/lot-builder/select", data={"shown": shown, "guide": shown})
    assert r.status_code == 302
    page = client.get("/admin/lot-builder/search").get_data(True)
    assert "cannot be included" in page and pending.number in page
    review = client.get("/admin/lot-builder/review").get_data(True)
    assert 'id="review-count">3<' in review
    r = client.post("/admin/lot-builder/send", data={"guide": [g.id for g in good[:2]]})
    assert r.status_code == 302 and "/summary?lots=" in r.headers["Location"]
    summary = client.get(r.headers["Location"]).get_data(True)
    lot = db.session.scalars(sa.select(Lot).where(Lot.provider_id == clinic.provider.id)).one()
    assert f"data-protocol>{lot.protocol_number}<" in summary and 'id="sum-guides">2<' in summary
    assert len(lot.guides) == 2 and lot.total_amount == Decimal("198.10")
    pdf = client.get(r.headers["Location"].replace("/summary?", "/summary.pdf?"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    # A double submit (same form again) creates no second lot and lands on the same protocol.
    again = client.post("/admin/lot-builder/send", data={"guide": [g.id for g in good[:2]]})
    assert db.session.scalar(sa.select(sa.func.count(Lot.id)).where(Lot.provider_id == clinic.provider.id)) == 1
    assert again.status_code == 302


def test_double_submit_with_the_old_session_lands_on_the_same_lot(client, login, clinic, provider_user):
    login(provider_user)
    guides = [clinic.guide() for _ in range(2)]
    db.session.commit()
    start_builder(client, clinic)
    ids = [g.id for g in guides]
    client.post("/admin/lot-builder/select", data={"shown": ids, "guide": ids})
    with client.session_transaction() as s:
        old = dict(s)
    first = client.post("/admin/lot-builder/send", data={"guide": ids})
    with client.session_transaction() as s:  # the second tab still shows the old page
        s.update(old)
    second = client.post("/admin/lot-builder/send", data={"guide": ids})
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Lot.id)).where(Lot.provider_id == clinic.provider.id)) == 1


def test_builder_ignores_other_providers_guides(client, login, clinic, provider_user):
    from tests.lots.conftest import Clinic

    other = Clinic("Outra Ltda")
    foreign = other.guide()
    db.session.commit()
    login(provider_user)
    start_builder(client, clinic)
    client.post("/admin/lot-builder/select", data={"shown": [foreign.id], "guide": [foreign.id]})
    r = client.post("/admin/lot-builder/send", data={"guide": [foreign.id]})
    assert foreign.lot_id is None
    assert db.session.scalar(sa.select(sa.func.count(Lot.id))) == 0 or r.status_code == 302


def test_bad_competence_message(client, login, clinic, provider_user):
    login(provider_user)
    r = client.post("/admin/lot-builder/", data={"guide_type": "sp_sadt", "competence": "13/2025"})
    assert r.status_code == 200 and "Enter the competence as MM/YYYY." in r.get_data(True)


def test_clerk_cannot_build_lots(client, login_as):
    login_as(Role.CLERK)
    assert client.get("/admin/lot-builder/").status_code == 403


def test_guide_editor_add_and_remove_items(client, login, clinic, provider_user):
    login(provider_user)
    guide = clinic.guide(lines=[(clinic.items["40304361"], 1)])
    db.session.commit()
    page = client.get(f"/admin/guide-edit/{guide.id}?q=ser").get_data(True)
    assert 'data-price-item="70000001"' in page
    seringa = clinic.items["70000001"]
    fee = clinic.items["60000732"]
    r = client.post(f"/admin/guide-edit/{guide.id}/items?q=ser", data={"price_item_id": seringa.id, "quantity": "4"})
    assert r.status_code == 302 and "q=ser" in r.headers["Location"]
    r = client.post(f"/admin/guide-edit/{guide.id}/items", data={"price_item_id": fee.id, "quantity": "1",
                                                                 "unit_price": "45,00"})
    db.session.refresh(guide)
    assert guide.total_amount == Decimal("75.40")  # 25 + 4×1.35 + 45
    bad = client.post(f"/admin/guide-edit/{guide.id}/items?q=ser", data={"price_item_id": seringa.id, "quantity": "0"})
    assert bad.status_code == 400 and "Enter a quantity greater than zero." in bad.get_data(True)
    item = next(i for i in guide.items if i.code == "70000001")
    client.post(f"/admin/guide-edit/{guide.id}/items/{item.id}/delete")
    db.session.refresh(guide)
    assert guide.total_amount == Decimal("70.00")
    r = client.post(f"/admin/guide-edit/{guide.id}", data={
        "execution_date": (clinic.month + timedelta(days=5)).isoformat(), "execution_time": "10:15",
        "executing_team": "Dr. A; Enf. B", "professional_id": "", "location_id": ""})
    assert r.status_code == 302
    db.session.refresh(guide)
    assert guide.executing_team == "Dr. A; Enf. B"


def test_guide_in_lot_is_locked(client, login, clinic, provider_user):
    login(provider_user)
    guide = clinic.guide()
    issue_lot(clinic.provider, [guide], competence=clinic.competence, actor=provider_user)
    db.session.commit()
    page = client.get(f"/admin/guide-edit/{guide.id}").get_data(True)
    assert 'id="guide-locked"' in page
    r = client.post(f"/admin/guide-edit/{guide.id}/items", data={"price_item_id": clinic.items["70000001"].id,
                                                                 "quantity": "1"})
    assert r.status_code == 400
    db.session.refresh(guide)
    assert len(guide.items) == 3


def test_tracking_reverse_and_lock(client, login, clinic, provider_user, make_user):
    login(provider_user)
    guides = [clinic.guide() for _ in range(2)]
    lot = issue_lot(clinic.provider, guides, competence=clinic.competence, actor=provider_user)
    db.session.commit()
    listing = client.get(f"/admin/lot-tracking/?protocol={lot.protocol_number}").get_data(True)
    assert f'data-lot="{lot.id}"' in listing
    detail = client.get(f"/admin/lot-tracking/{lot.id}").get_data(True)
    assert 'id="reverse-lot"' in detail and "data-remove-guide" in detail
    assert client.get(f"/admin/lot-tracking/{lot.id}/resume?format=pdf").data.startswith(b"%PDF")
    assert client.get(f"/admin/lot-tracking/{lot.id}/protocol.pdf").data.startswith(b"%PDF")
    # Processing starts: the provider's buttons go, and the server refuses a crafted POST.
    lot.processing_date = date.today()
    db.session.commit()
    detail = client.get(f"/admin/lot-tracking/{lot.id}").get_data(True)
    assert 'id="reverse-lot"' not in detail and 'id="lot-locked"' in detail
    r = client.post(f"/admin/lot-tracking/{lot.id}/reverse", data={"reason": "refazer"}, follow_redirects=True)
    assert "The lot is locked" in r.get_data(True)
    db.session.refresh(lot)
    assert lot.status == LotStatus.RECEIVED and len(lot.guides) == 2
    lot.processing_date = None
    db.session.commit()
    r = client.post(f"/admin/lot-tracking/{lot.id}/reverse", data={"reason": "refazer"})
    db.session.refresh(lot)
    assert lot.status == LotStatus.CANCELLED
    stored = db.session.scalars(sa.select(Guide).where(Guide.id.in_([g.id for g in guides])))
    assert all(g.lot_id is None for g in stored)


def test_clerk_records_receipt_and_moves_status(client, login, clinic, provider_user, make_user):
    lot = issue_lot(clinic.provider, [clinic.guide()], competence=clinic.competence, actor=provider_user)
    db.session.commit()
    clerk = make_user(Role.CLERK)
    login(clerk)
    client.post(f"/admin/lot-tracking/{lot.id}/receipt", data={"physical_received_at": date.today().isoformat()})
    client.post(f"/admin/lot-tracking/{lot.id}/move", data={"target": "in_analysis"})
    db.session.refresh(lot)
    assert lot.physical_received_at == date.today() and lot.status == LotStatus.IN_ANALYSIS
    assert lot.processing_date == date.today()


def test_other_provider_cannot_see_lot(client, login, clinic, provider_user, make_user):
    from tests.lots.conftest import Clinic

    lot = issue_lot(clinic.provider, [clinic.guide()], competence=clinic.competence, actor=provider_user)
    stranger = make_user(Role.PROVIDER, providers=[Clinic("Estranha Ltda").provider])
    db.session.commit()
    login(stranger)
    assert client.get(f"/admin/lot-tracking/{lot.id}").status_code == 404
    assert client.post(f"/admin/lot-tracking/{lot.id}/reverse", data={"reason": "x"}).status_code == 404
    assert f'data-lot="{lot.id}"' not in client.get("/admin/lot-tracking/").get_data(True)


def test_billing_by_period(client, login, clinic, provider_user):
    login(provider_user)
    a, b = clinic.guide(GuideType.CONSULTA, day=2), clinic.guide(day=3)
    later = clinic.guide(day=4)
    pending = clinic.guide(status=GuideStatus.PENDING, day=5)
    db.session.commit()
    start, end = clinic.month.isoformat(), (clinic.month + timedelta(days=27)).isoformat()
    page = client.get(f"/admin/billing-run/?start={start}&end={end}").get_data(True)
    for g in (a, b, later):
        assert f'data-guide="{g.number}"' in page
    assert f'data-guide="{pending.number}"' not in page  # only released (authorized) guides
    r = client.post("/admin/billing-run/", data={"start": start, "end": end, "guide": [a.id, b.id]})
    assert r.status_code == 302
    lots = db.session.scalars(sa.select(Lot).where(Lot.provider_id == clinic.provider.id)).all()
    assert sorted(lot.guide_type.value for lot in lots) == ["consulta", "sp_sadt"]
    db.session.refresh(later)
    assert later.lot_id is None  # unchecked: stays for later


def test_billing_period_must_be_one_month(client, login, clinic, provider_user):
    login(provider_user)
    r = client.get("/admin/billing-run/?start=2025-01-20&end=2025-02-10")
    assert "The period must fall within one month" in r.get_data(True)


def test_nf_report_screen_and_pdf(client, login, clinic, provider_user):
    login(provider_user)
    issue_lot(clinic.provider, [clinic.guide(), clinic.guide()], competence=clinic.competence, actor=provider_user)
    db.session.commit()
    today = date.today().isoformat()
    page = client.get(f"/admin/nf-report/?start={today}&end={today}").get_data(True)
    assert 'id="nf-presented"' in page and "198.10" in page
    pdf = client.get(f"/admin/nf-report/?start={today}&end={today}&format=pdf")
    assert pdf.data.startswith(b"%PDF")


def test_a_lost_session_keeps_the_lot_builder_selection(app, client, login, clinic, provider_user):
    login(provider_user)
    guides = [clinic.guide() for _ in range(2)]
    db.session.commit()
    start_builder(client, clinic)
    ids = [g.id for g in guides]
    client.post("/admin/lot-builder/select", data={"shown": ids, "guide": ids})
    fresh = app.test_client()
    login(provider_user, fresh)
    review = fresh.get("/admin/lot-builder/review").get_data(as_text=True)
    assert all(g.number in review for g in guides)
