"""The month's figures (auto rate, glosas by rule/provider, override rate), rule simulation over a
past period, and the page that shows them."""
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import AdjudicationRule, AdjudicationSettings, Lot
from models.adjudication import RuleAction, RuleKind
from models.base import db
from models.enums import GuideType, LotStatus, Role
from services.adjudication import analysis as adjudication
from services.adjudication import figures, simulation
from services.lots import move_lot
from services.tiss.intake import receive
from tests.adjudication.test_flow import add_rule, consulta


def this_month() -> str:
    today = date.today()
    return f"{today.year:04d}-{today.month:02d}"


def test_figures_count_glosas_by_rule_and_override_rate(clinic, make_user):
    db.session.add(AdjudicationSettings(auto_enabled=True, auto_limit=Decimal("100000.00"), sample_percent=0))
    refuse = add_rule(RuleKind.DUPLICATE, name="Duplicidade")
    propose = add_rule(RuleKind.FREQUENCY, action=RuleAction.PROPOSE, name="Retorno",
                       parameters={"count": 1, "days": 30})
    card = clinic.patients[0].card_number
    start = clinic.day - timedelta(days=20)
    clean = receive(clinic.lot_file([consulta(clinic, card, start)], guide_type=GuideType.CONSULTA), "a.xml")
    dup = receive(clinic.lot_file([consulta(clinic, card, start)], guide_type=GuideType.CONSULTA), "b.xml")
    ret = receive(clinic.lot_file([consulta(clinic, card, start + timedelta(days=3)),
                                   consulta(clinic, card, start + timedelta(days=4))],
                                  guide_type=GuideType.CONSULTA), "c.xml")
    assert db.session.get(Lot, clean.lot.id).status == LotStatus.ANALYSED
    assert db.session.get(Lot, dup.lot.id).status == LotStatus.RECEIVED
    clerk = make_user(Role.CLERK)
    lot = db.session.get(Lot, ret.lot.id)
    move_lot(lot, LotStatus.IN_ANALYSIS, clerk)
    first, second = adjudication.pending(lot)
    adjudication.remove(lot, first.id, "Different specialty", clerk)
    adjudication.confirm_all(lot, clerk)

    month = figures.month_figures(this_month())
    assert (month.lots, month.automatic, month.auto_rate) == (3, 1, Decimal("33.3"))
    by_rule = {r.rule: r for r in month.by_rule}
    assert (by_rule[refuse.name].glosas, by_rule[refuse.name].amount) == (1, Decimal("150.00"))
    assert (by_rule[propose.name].confirmed, by_rule[propose.name].removed) == (1, 1)
    assert by_rule[propose.name].override_rate == Decimal("50.0")
    assert month.by_provider == [(clinic.provider.legal_name, 2, Decimal("300.00"))]


def test_simulation_counts_guides_and_money_per_provider(clinic):
    card = clinic.patients[1].card_number
    day = clinic.day - timedelta(days=15)
    for name in ("a.xml", "b.xml"):
        receive(clinic.lot_file([consulta(clinic, card, day)], guide_type=GuideType.CONSULTA), name)
    rule = AdjudicationRule(name="Try duplicates", kind=RuleKind.DUPLICATE, action=RuleAction.REFUSE, active=False)
    db.session.add(rule)
    db.session.commit()
    result = simulation.simulate(simulation.rule_from_form(rule), day - timedelta(days=1), day)
    assert result.guides_read == 2
    assert [(p.provider, p.guides, p.amount) for p in result.providers] == [
        (clinic.provider.legal_name, 1, Decimal("150.00"))]
    outside = simulation.simulate(simulation.rule_from_form(rule), day + timedelta(days=1), day + timedelta(days=9))
    assert outside.guides_read == 0 and outside.providers == []


def test_page_shows_figures_and_simulation_to_admins_only(clinic, client, login_as):
    rule = add_rule(RuleKind.DUPLICATE, name="Duplicidade")
    login_as(Role.ADMIN)
    page = client.get("/admin/adjudication/").get_data(as_text=True)
    assert "Auto-adjudication rate" in page and "Rule simulation" in page
    day = date.today() - timedelta(days=30)
    result = client.get(f"/admin/adjudication/?rule_id={rule.id}&start={day}&end={date.today()}")
    assert result.status_code == 200 and 'id="simulation"' in result.get_data(as_text=True)
    bad = client.get(f"/admin/adjudication/?rule_id={rule.id}&start=x&end=y").get_data(as_text=True)
    assert "at most one year" in bad
    client.get("/logout")


def test_clerk_sees_figures_without_simulation(client, login_as):
    login_as(Role.CLERK)
    page = client.get("/admin/adjudication/?month=13/2020").get_data(as_text=True)
    assert "Auto-adjudication rate" in page and "Rule simulation" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdjudicationRule)) == 0
