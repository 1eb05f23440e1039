
"""The month's figures (auto rate, glosas by rule/provider, override rate), rule simulation over a
past period, and the page that shows them."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AdjudicationRule, AdjudicationSettings, Job, Lot
from models.adjudication import RuleAction, RuleKind
from models.base import db
from models.enums import GuideType, JobState, LotStatus, Role
from services.adjudication import analysis as adjudication
from services.adjudication import figures, simulation, simulation_job
from services.adjudication.errors import AdjudicationError
from services.jobs import store
from services.lot_flow import move_lot
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


def job_of(response) -> Job:
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.get(Job, int(response.headers["Location"].rsplit("job=", 1)[1]))


def test_page_runs_the_simulation_as_a_job_and_shows_its_result(clinic, client, login_as):
    card = clinic.patients[1].card_number
    day = clinic.day - timedelta(days=15)
    for name in ("a.xml", "b.xml"):
        receive(clinic.lot_file([consulta(clinic, card, day)], guide_type=GuideType.CONSULTA), name)
    rule = AdjudicationRule(name="Try duplicates", kind=RuleKind.DUPLICATE, action=RuleAction.REFUSE, active=False)
    db.session.add(rule)
    db.session.commit()
    login_as(Role.ADMIN)
    page = client.get("/admin/adjudication/").get_data(as_text=True)
    assert "Auto-adjudication rate" in page and "Rule simulation" in page
    job = job_of(client.post("/admin/adjudication/simulate", data={
        "rule_id": str(rule.id), "start": str(day - timedelta(days=1)), "end": str(day), "month": this_month()}))
    db.session.refresh(job)
    assert job.kind == simulation_job.KIND and job.state == JobState.DONE and (job.done, job.total) == (2, 2)
    page = client.get(f"/admin/adjudication/?job={job.id}").get_data(as_text=True)
    page = re.sub(r">\s+<", "><", re.sub(r"\s+", " ", page))  # markup as one line, whatever its wrapping
    assert "2 of 2 guides evaluated" in page and 'id="simulation"' in page
    assert f'data-provider="{clinic.provider.legal_name}"><td>{clinic.provider.legal_name}</td>' \
           '<td class="text-right">1</td><td class="text-right">150</td>' in page
    assert "Total (2 guides read)" in page
    bad = client.post("/admin/adjudication/simulate", data={"rule_id": str(rule.id), "start": "x", "end": "y"},
                      follow_redirects=True).get_data(as_text=True)
    assert "at most one year" in bad
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    client.get("/logout")


def test_the_job_counts_guides_chunk_by_chunk(clinic, make_user, monkeypatch):
    monkeypatch.setattr(simulation, "CHUNK", 1)
    card = clinic.patients[1].card_number
    day = clinic.day - timedelta(days=15)
    for name in ("a.xml", "b.xml", "c.xml"):
        receive(clinic.lot_file([consulta(clinic, card, day)], guide_type=GuideType.CONSULTA), name)
    rule = add_rule(RuleKind.DUPLICATE, name="Duplicidade", active=False)
    seen = []
    real = store.progress
    monkeypatch.setattr(store, "progress", lambda job, done, total=None, message=None: (
        seen.append((done, total)), real(job, done, total, message)))
    job = simulation_job.start(rule.id, day, day, make_user(Role.ADMIN))
    db.session.commit()
    db.session.refresh(job)
    assert job.state == JobState.DONE and seen == [(0, 3), (1, 3), (2, 3), (3, 3), (3, 3)]
    result, direct = simulation_job.result_of(job), simulation.simulate(simulation.rule_from_form(rule), day, day)
    assert (result["guides_read"], result["guides"], result["amount"]) == (3, direct.guides, direct.amount)
    assert [(p["provider"], p["guides"], p["amount"]) for p in result["providers"]] == [
        (p.provider, p.guides, p.amount) for p in direct.providers]


def test_only_admins_start_a_simulation(clinic, make_user):
    rule = add_rule(RuleKind.DUPLICATE, name="Duplicidade")
    with pytest.raises(AdjudicationError) as exc:
        simulation_job.start(rule.id, clinic.day, clinic.day, make_user(Role.CLERK))
    assert exc.value.code == "forbidden"
    with pytest.raises(AdjudicationError) as exc:
        simulation_job.start(None, clinic.day, clinic.day, make_user(Role.ADMIN))
    assert exc.value.code == "kind"


def test_clerk_sees_figures_without_simulation(client, login_as):
    login_as(Role.CLERK)
    page = client.get("/admin/adjudication/?month=13/2020").get_data(as_text=True)
    assert "Auto-adjudication rate" in page and "Rule simulation" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdjudicationRule)) == 0
