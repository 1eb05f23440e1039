"""Each rule kind fires and does not fire, at the boundaries of its dates and counts (pure rules)."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from models.rules.adjudication import (
    Facts,
    Line,
    Member,
    Past,
    PlanFacts,
    ProcedureFacts,
    RuleFacts,
    Senha,
    adjudicate,
    check_parameters,
    waiting_days,
)

DAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _locale(app):
    with app.test_request_context(), force_locale("en"):
        yield


def line(guide="G1", item=0, day=DAY, code="10101012", qty="1", unit="150.00", total=None, ben=1, provider=7,
         senha=None, price=Decimal("150.00"), kind="procedure", guide_id=None):
    total = Decimal(total) if total is not None else Decimal(unit) * Decimal(qty)
    return Line(guide, item, provider, ben, day, code, kind, Decimal(qty), Decimal(unit), total, senha, guide_id,
                price)


def rule(kind, **kw):
    return RuleFacts(kw.pop("id", 1), kind, kind, kw.pop("action", "refuse"), kw.pop("parameters", {}), **kw)


def codes(findings):
    return [f.code for f in findings]


def run(kind, lines, **facts):
    return adjudicate(Facts(lines=lines, **facts), [rule(kind, **facts.pop("_rule", {}))])


def test_eligibility_boundaries():
    members = {1: Member(coverage_start=DAY, coverage_end=DAY + timedelta(days=5))}
    assert codes(run("eligibility", [line(day=DAY - timedelta(days=1))], members=members)) == ["1005"]
    assert codes(run("eligibility", [line(day=DAY)], members=members)) == []
    assert codes(run("eligibility", [line(day=DAY + timedelta(days=5))], members=members)) == []
    assert codes(run("eligibility", [line(day=DAY + timedelta(days=6))], members=members)) == ["1006"]
    suspended = {1: Member(suspended_from=DAY, suspended_to=DAY)}
    assert codes(run("eligibility", [line(day=DAY)], members=suspended)) == ["1016"]
    assert codes(run("eligibility", [line(day=DAY + timedelta(days=1))], members=suspended)) == []


def test_waiting_period_boundaries_and_ans_caps():
    members = {1: Member(plan_id=3, coverage_start=DAY)}
    plans = {3: PlanFacts("ambulatory", {9: 30})}
    procedures = {"10101012": ProcedureFacts("10101012", group_id=9, waiting_kind="other")}
    facts = dict(members=members, plans=plans, procedures=procedures)
    last = DAY + timedelta(days=29)
    found = run("waiting_period", [line(day=last)], **facts)
    assert codes(found) == ["1007"] and found[0].amount == Decimal("150.00")
    assert codes(run("waiting_period", [line(day=last + timedelta(days=1))], **facts)) == []
    assert waiting_days(400, "childbirth") == 300 and waiting_days(400, "other") == 180
    assert waiting_days(30, "urgency") == 1


def test_coverage_by_segmentation():
    members = {1: Member(plan_id=3)}
    procedures = {"31309054": ProcedureFacts("31309054", segmentation="hospital")}
    amb = run("coverage", [line(code="31309054")], members=members, plans={3: PlanFacts("ambulatory")},
              procedures=procedures)
    ref = run("coverage", [line(code="31309054")], members=members, plans={3: PlanFacts("reference")},
              procedures=procedures)
    assert codes(amb) == ["1420"] and codes(ref) == []


def test_sex_and_age():
    procedures = {"40901300": ProcedureFacts("40901300", sex="F", min_age=12, max_age=60)}
    born = date(2000, 3, 10)
    assert codes(run("sex_age", [line(code="40901300")], members={1: Member(sex="M", birth_date=born)},
                     procedures=procedures)) == ["1802"]
    assert codes(run("sex_age", [line(code="40901300")], members={1: Member(sex="F", birth_date=born)},
                     procedures=procedures)) == []
    # 12 on the execution date passes; the day before her 12th birthday does not
    child = date(2014, 3, 10)
    assert codes(run("sex_age", [line(code="40901300")], members={1: Member(sex="F", birth_date=child)},
                     procedures=procedures)) == []
    assert codes(run("sex_age", [line(code="40901300", day=DAY - timedelta(days=1))],
                     members={1: Member(sex="F", birth_date=child)}, procedures=procedures)) == ["1803"]


def test_quantity_per_guide_glosses_only_the_excess():
    procedures = {"40304361": ProcedureFacts("40304361", max_quantity=Decimal(2))}
    ok = run("quantity", [line(code="40304361", qty="2", unit="10.00")], procedures=procedures)
    over = run("quantity", [line(code="40304361", qty="3", unit="10.00")], procedures=procedures)
    material = run("quantity", [line(code="70000001", qty="5", unit="1.00", kind="material")],
                   procedures={"70000001": ProcedureFacts("70000001", max_quantity=Decimal(4))})
    assert codes(ok) == [] and codes(over) == ["1820"] and over[0].amount == Decimal("10.00")
    assert codes(material) == ["2009"]


def test_frequency_counts_history_of_every_provider_and_this_lot():
    procedures = {"10101012": ProcedureFacts("10101012", frequency_count=1, frequency_days=30)}
    first = Past(1, "10101012", DAY - timedelta(days=29), 99, 500, Decimal(1))
    assert codes(run("frequency", [line()], procedures=procedures, history=[first])) == ["1823"]
    old = Past(1, "10101012", DAY - timedelta(days=30), 99, 500, Decimal(1))
    assert codes(run("frequency", [line()], procedures=procedures, history=[old])) == []
    # per provider: another provider's consultation does not count
    per = {"10101012": ProcedureFacts("10101012", frequency_count=1, frequency_days=30, frequency_per_provider=True)}
    assert codes(run("frequency", [line()], procedures=per, history=[first])) == []
    # within the lot: the first passes, the second is the return visit
    found = run("frequency", [line("G1"), line("G2", day=DAY + timedelta(days=3))], procedures=procedures)
    assert [(f.guide, f.code) for f in found] == [("G2", "1823")]


def test_frequency_rule_parameters_override_the_catalogue():
    found = adjudicate(Facts(lines=[line("G1"), line("G2", day=DAY + timedelta(days=1))]),
                       [rule("frequency", parameters={"count": 2, "days": 30})])
    assert found == []


def test_duplicate_even_under_another_guide_number():
    billed = Past(1, "10101012", DAY, 55, 800, Decimal(1))
    assert codes(run("duplicate", [line()], history=[billed])) == ["1702"]
    other_day = Past(1, "10101012", DAY - timedelta(days=1), 55, 800, Decimal(1))
    assert codes(run("duplicate", [line()], history=[other_day])) == []
    found = run("duplicate", [line("A"), line("B")])
    assert [(f.guide, f.code) for f in found] == [("B", "1702")]
    # its own guide, seen again at analysis, is no duplicate
    assert codes(run("duplicate", [line(guide_id=800)], history=[billed])) == []


def test_prior_authorization():
    procedures = {"40901300": ProcedureFacts("40901300", requires_authorization=True)}
    senhas = {"S1": Senha("S1", 1, "40901300", Decimal(1), DAY)}
    base = dict(procedures=procedures, senhas=senhas)
    assert codes(run("prior_authorization", [line(code="40901300")], **base)) == ["1403"]
    assert codes(run("prior_authorization", [line(code="40901300", senha="S1")], **base)) == []
    assert codes(run("prior_authorization", [line(code="40901300", senha="S1", ben=2)], **base)) == ["1415"]
    assert codes(run("prior_authorization", [line(code="40901300", senha="S1", day=DAY + timedelta(days=1))],
                     **base)) == ["1405"]
    assert codes(run("prior_authorization", [line(code="40901300", senha="S1", qty="2")], **base)) == ["1408"]
    assert codes(run("prior_authorization", [line(code="10101012")], **base)) == []


def test_contract_price_keeps_the_receivers_codes():
    above = run("contract_price", [line(unit="160.00")])
    assert codes(above) == ["1705"] and above[0].amount == Decimal("10.00")
    assert codes(run("contract_price", [line()])) == []
    assert codes(run("contract_price", [line(price=None)])) == ["1801"]


def test_scope_window_and_cap():
    lines = [line(unit="160.00")]
    assert adjudicate(Facts(lines=lines), [rule("contract_price", provider_id=8)]) == []
    assert adjudicate(Facts(lines=lines), [rule("contract_price", active_to=DAY - timedelta(days=1))]) == []
    assert adjudicate(Facts(lines=lines), [rule("contract_price", procedure_code="99999999")]) == []
    # a full refusal first: nothing left of the item for a later rule
    members = {1: Member(coverage_end=DAY - timedelta(days=1))}
    found = adjudicate(Facts(lines=lines, members=members), [rule("eligibility"), rule("contract_price", id=2)])
    assert codes(found) == ["1006"] and found[0].amount == Decimal("160.00")


def test_payer_code_and_tabela_38_override():
    found = adjudicate(Facts(lines=[line(unit="160.00")]), [rule("contract_price", code="1714", payer_code="P9")])
    assert found[0].code == "1714" and found[0].payer_code == "P9"


def test_parameters_are_checked_per_kind():
    assert check_parameters("frequency", {"count": 1, "days": 30, "per_provider": True}) is None
    assert check_parameters("frequency", {"count": "1"}) == "parameters"
    assert check_parameters("frequency", {"count": 0}) == "parameters"
    assert check_parameters("quantity", {"days": 3}) == "parameters"
    assert check_parameters("nope", {}) == "kind"
    assert check_parameters("sex_age", {"sex": "X"}) == "parameters"
