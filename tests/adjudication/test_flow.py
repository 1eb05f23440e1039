"""Rules act at intake (glosas in the protocol answer), propose at analysis (confirm / remove with a
reason), route clean lots to automatic analysis with four-eyes kept, and change through the admin screens."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import (
    AdjudicationFinding,
    AdjudicationRule,
    AdjudicationSettings,
    Glosa,
    Lot,
    LotAdjudication,
    WatchedProvider,
)
from models.adjudication import FindingStatus, RuleAction, RuleKind
from models.base import db
from models.enums import GuideType, LotStatus, Role
from models.workflow import TransitionError
from services.adjudication import analysis as adjudication
from services.adjudication import routing
from services.adjudication.errors import AdjudicationError
from services.lot_flow import move_lot
from services.tiss.intake import receive


def add_rule(kind, action=RuleAction.REFUSE, **kw):
    rule = AdjudicationRule(name=kw.pop("name", f"Rule {kind.value}"), kind=kind, action=action, **kw)
    db.session.add(rule)
    db.session.commit()
    return rule


def consulta(clinic, card, day=None, number=None):
    day = day or clinic.day
    item = clinic.item("10101012")
    item.execution_date = day
    return clinic.guide(GuideType.CONSULTA, items=[item], card=card, execution_date=day, emission_date=day,
                        number=number)


def test_frequency_rule_refuses_the_return_visit_at_intake(clinic):
    add_rule(RuleKind.FREQUENCY, procedure_code="10101012", parameters={"count": 1, "days": 30, "per_provider": True})
    card = clinic.patients[0].card_number
    start = clinic.day - timedelta(days=40)
    first = receive(clinic.lot_file([consulta(clinic, card, start)], guide_type=GuideType.CONSULTA), "a.xml")
    assert first.accepted and first.glosas == []
    second_guide = consulta(clinic, card, start + timedelta(days=29))
    second = receive(clinic.lot_file([second_guide], guide_type=GuideType.CONSULTA), "b.xml")
    assert second.accepted
    assert [(g["guide"], g["code"], g["amount"], g["rule"]) for g in second.as_json()["glosas"]] == [
        (second_guide.number, "1823", "150.00", "Rule frequency")]
    glosa = db.session.scalar(sa.select(Glosa).where(Glosa.lot_id == second.lot.id))
    assert glosa.code.code == "1823" and glosa.amount == Decimal("150.00")
    finding = db.session.scalar(sa.select(AdjudicationFinding).where(AdjudicationFinding.lot_id == second.lot.id))
    assert finding.status == FindingStatus.APPLIED and finding.glosa_id == glosa.id
    # day 30 after the first is outside the window
    third = receive(clinic.lot_file([consulta(clinic, card, start + timedelta(days=30))],
                                    guide_type=GuideType.CONSULTA), "c.xml")
    assert third.accepted and third.glosas == []


def test_duplicate_under_another_guide_number_is_1702(clinic):
    add_rule(RuleKind.DUPLICATE)
    card = clinic.patients[1].card_number
    receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "a.xml")
    again = receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "b.xml")
    assert [g["code"] for g in again.glosas] == ["1702"]


def test_without_rules_a_clean_lot_has_no_glosas_and_1705_still_comes_from_the_engine(clinic):
    plain = receive(clinic.lot_file(), "a.xml")
    assert plain.accepted and plain.glosas == []
    item = clinic.item("10101012", unit_price="160.00")
    above = receive(clinic.lot_file([clinic.guide(GuideType.CONSULTA, items=[item])], guide_type=GuideType.CONSULTA),
                    "b.xml")
    assert [(g["code"], g["amount"]) for g in above.glosas] == [("1705", "10.00")]


def test_rule_created_through_the_admin_screen_takes_effect(clinic, client, login_as):
    login_as(Role.ADMIN)
    bad = client.post("/admin/adjudication_rule/new/", data={
        "name": "Bad", "kind": "frequency", "action": "refuse", "parameters": '{"count": "x"}', "active": "y"},
        follow_redirects=True)
    assert "do not fit the rule kind" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdjudicationRule)) == 0
    response = client.post("/admin/adjudication_rule/new/", data={
        "name": "Sem duplicidade", "kind": "duplicate", "action": "refuse", "parameters": "{}", "active": "y"})
    assert response.status_code == 302
    card = clinic.patients[2].card_number
    receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "a.xml")
    again = receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "b.xml")
    assert [(g["code"], g["rule"]) for g in again.glosas] == [("1702", "Sem duplicidade")]
    rule = db.session.scalar(sa.select(AdjudicationRule))
    client.post(f"/admin/adjudication_rule/edit/?id={rule.id}", data={
        "name": "Sem duplicidade", "kind": "duplicate", "action": "refuse", "parameters": "{}"})
    db.session.expire_all()
    assert db.session.get(AdjudicationRule, rule.id).active is False
    third = receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "c.xml")
    assert third.glosas == []


def test_proposals_at_analysis_confirm_and_remove_with_reason(clinic, make_user):
    rule = add_rule(RuleKind.DUPLICATE, action=RuleAction.PROPOSE, name="Duplicidade (analise)")
    card = clinic.patients[0].card_number
    receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "a.xml")
    intake = receive(clinic.lot_file([consulta(clinic, card), consulta(clinic, clinic.patients[1].card_number)],
                                     guide_type=GuideType.CONSULTA), "b.xml")
    assert intake.glosas == [], "proposing rules do not glose at intake"
    clerk = make_user(Role.CLERK)
    lot = db.session.get(Lot, intake.lot.id)
    move_lot(lot, LotStatus.IN_ANALYSIS, clerk)
    proposals = adjudication.pending(lot)
    assert [(p.code, p.amount, p.rule_id) for p in proposals] == [("1702", Decimal("150.00"), rule.id)]
    with pytest.raises(AdjudicationError):
        adjudication.remove(lot, proposals[0].id, " ", clerk)
    adjudication.remove(lot, proposals[0].id, "Second visit was on another service", clerk)
    assert adjudication.pending(lot) == []
    removed = db.session.get(AdjudicationFinding, proposals[0].id)
    assert removed.status == FindingStatus.REMOVED and removed.decided_by_id == clerk.id
    from models import AuditLog
    assert db.session.scalar(sa.select(AuditLog.reason).where(
        AuditLog.entity == "adjudication_finding", AuditLog.entity_id == removed.id).order_by(AuditLog.id.desc())
        .limit(1)) == "Second visit was on another service"
    # back to analysis later: a removed proposal is not proposed again
    adjudication.propose(lot)
    assert adjudication.pending(lot) == []


def test_confirm_all_turns_proposals_into_glosas(clinic, make_user):
    add_rule(RuleKind.DUPLICATE, action=RuleAction.PROPOSE)
    card = clinic.patients[0].card_number
    receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "a.xml")
    intake = receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "b.xml")
    clerk = make_user(Role.CLERK)
    lot = db.session.get(Lot, intake.lot.id)
    move_lot(lot, LotStatus.IN_ANALYSIS, clerk)
    assert adjudication.confirm_all(lot, clerk) == 1
    glosa = db.session.scalar(sa.select(Glosa).where(Glosa.lot_id == lot.id))
    assert glosa.code.code == "1702" and glosa.amount == Decimal("150.00")
    supervisor = make_user(Role.SUPERVISOR)
    with pytest.raises(AdjudicationError):
        adjudication.confirm_all(lot, supervisor)


def settings(**kw):
    row = AdjudicationSettings(auto_enabled=True, auto_limit=Decimal("100000.00"), sample_percent=0)
    for key, value in kw.items():
        setattr(row, key, value)
    db.session.add(row)
    db.session.commit()
    return row


def test_clean_lot_is_analysed_by_the_system_and_released_by_a_supervisor(clinic, make_user):
    settings()
    intake = receive(clinic.lot_file(), "a.xml")
    lot = db.session.get(Lot, intake.lot.id)
    assert lot.status == LotStatus.ANALYSED
    assert lot.analysed_by.email == routing.SYSTEM_EMAIL
    assert routing.routing_of(lot).automatic is True
    # four-eyes: the system analysed, a supervisor releases
    supervisor = make_user(Role.SUPERVISOR)
    move_lot(lot, LotStatus.RELEASED, supervisor)
    assert lot.status == LotStatus.RELEASED and lot.released_by_id == supervisor.id


def test_system_user_cannot_release_what_it_analysed(clinic):
    settings()
    lot = db.session.get(Lot, receive(clinic.lot_file(), "a.xml").lot.id)
    with pytest.raises(TransitionError):
        move_lot(lot, LotStatus.RELEASED, routing.system_user())


@pytest.mark.parametrize("why", ["above_limit", "watched", "findings", "sampled"])
def test_lots_that_go_to_a_clerk_say_why(clinic, why):
    settings(auto_limit=Decimal("1.00") if why == "above_limit" else Decimal("100000.00"),
             sample_percent=100 if why == "sampled" else 0)
    if why == "watched":
        db.session.add(WatchedProvider(provider_id=clinic.provider.id, reason="audit"))
        db.session.commit()
    guides = None
    if why == "findings":
        guides = [clinic.guide(GuideType.CONSULTA, items=[clinic.item("10101012", unit_price="160.00")])]
    data = clinic.lot_file(guides, guide_type=GuideType.CONSULTA if guides else GuideType.SP_SADT)
    lot = db.session.get(Lot, receive(data, "a.xml").lot.id)
    assert lot.status == LotStatus.RECEIVED
    row = db.session.scalar(sa.select(LotAdjudication).where(LotAdjudication.lot_id == lot.id))
    assert row.automatic is False and row.reason == why


def test_sampling_is_reproducible_from_the_protocol():
    draws = [routing.drawn(n, 10) for n in range(1, 2001)]
    assert draws == [routing.drawn(n, 10) for n in range(1, 2001)]
    assert 150 < sum(draws) < 250, "about 10% drawn"
    assert not any(routing.drawn(n, 0) for n in range(100)) and all(routing.drawn(n, 100) for n in range(100))


def test_a_disabled_system_account_sends_lots_to_clerks(clinic):
    settings()
    routing.system_user().is_enabled = False
    db.session.commit()
    lot = db.session.get(Lot, receive(clinic.lot_file(), "a.xml").lot.id)
    assert lot.status == LotStatus.RECEIVED and routing.routing_of(lot).reason == "disabled"


def test_analysis_page_shows_automatic_glosas_and_confirms_them(clinic, client, make_user, login):
    add_rule(RuleKind.DUPLICATE, action=RuleAction.PROPOSE, name="Duplicidade proposta")
    card = clinic.patients[0].card_number
    receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "a.xml")
    intake = receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "b.xml")
    clerk = make_user(Role.CLERK)
    lot = db.session.get(Lot, intake.lot.id)
    move_lot(lot, LotStatus.IN_ANALYSIS, clerk)
    db.session.commit()
    login(clerk)
    page = client.get(f"/admin/account-audit/lot/{lot.id}").get_data(as_text=True)
    assert 'id="automatic-glosas"' in page and "Duplicidade proposta" in page and "automatic" in page
    finding = adjudication.pending(lot)[0]
    row = page[page.index(f'data-finding="{finding.id}"'):]
    row = row[:row.index("</tr>")]
    assert f">{finding.guide.number}</a>" in row and finding.guide_item.code in row  # numbers, not ids
    refused = client.post(f"/admin/account-audit/lot/{lot.id}/automatic/{finding.id}/remove", data={"reason": ""},
                          follow_redirects=True)
    assert "Say why the automatic glosa is removed." in refused.get_data(as_text=True)
    client.post(f"/admin/account-audit/lot/{lot.id}/automatic/confirm")
    assert db.session.scalar(sa.select(Glosa.amount).where(Glosa.lot_id == lot.id)) == Decimal("150.00")
    assert 'data-action="confirm-automatic"' not in client.get(f"/admin/account-audit/lot/{lot.id}").get_data(
        as_text=True)


def test_cli_json_line_lists_the_glosas_with_their_rule(app, clinic, tmp_path):
    import json

    add_rule(RuleKind.DUPLICATE, name="Cobrança em duplicidade")
    card = clinic.patients[0].card_number
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_bytes(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA))
    again = consulta(clinic, card)
    second.write_bytes(clinic.lot_file([again], guide_type=GuideType.CONSULTA))
    result = app.test_cli_runner().invoke(args=["tiss", "import", str(first), str(second), "--readers", "0"])
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert result.exit_code == 0 and "glosas" not in lines[0]
    assert [{k: g[k] for k in ("guide", "code", "amount", "rule")} for g in lines[1]["glosas"]] == [
        {"guide": again.number, "code": "1702", "amount": "150.00", "rule": "Cobrança em duplicidade"}]


def test_a_received_lot_has_its_totals_kept_with_the_intake_glosas(clinic):
    """The receiver writes guides and items in bulk (COPY on PostgreSQL), then the rules' glosas:
    ``lot_total`` follows every statement."""
    from services.analysis_totals import computed_lot_totals, lot_totals

    add_rule(RuleKind.DUPLICATE)
    card = clinic.patients[0].card_number
    receive(clinic.lot_file([consulta(clinic, card)], guide_type=GuideType.CONSULTA), "a.xml")
    again = receive(clinic.lot_file([consulta(clinic, card), consulta(clinic, clinic.patients[1].card_number)],
                                    guide_type=GuideType.CONSULTA), "b.xml")
    kept = lot_totals([again.lot.id])[again.lot.id]
    assert kept == computed_lot_totals([again.lot.id])[again.lot.id]
    assert (kept.informed, kept.glosa, kept.released) == (Decimal("300.00"), Decimal("150.00"), Decimal("150.00"))


def test_glosa_reasons_are_written_in_portuguese_whoever_received_the_lot(clinic):
    from flask_babel import force_locale

    add_rule(RuleKind.ELIGIBILITY)
    patient = clinic.patients[2]
    patient.coverage_end = clinic.day - timedelta(days=1)
    db.session.commit()
    with force_locale("es_AR"):  # a clerk or a provider working in Spanish sent it
        intake = receive(clinic.lot_file([consulta(clinic, patient.card_number)], guide_type=GuideType.CONSULTA),
                         "a.xml")
    day = patient.coverage_end.strftime("%d/%m/%Y")
    assert [g["code"] for g in intake.glosas] == ["1006"]
    assert db.session.scalar(sa.select(Glosa.reason).where(Glosa.lot_id == intake.lot.id)) == (
        f"Atendimento após o desligamento do beneficiário ({day}).")
