"""Rules and facts from the database, set-based: whatever the lot's size, one query per kind of
fact (members, plans, catalogue, history, senhas), never one per guide."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from models import (
    AdjudicationFinding,
    AdjudicationRule,
    Beneficiary,
    Guide,
    GuideItem,
    HealthPlan,
    PlanWaitingPeriod,
    PriorAuthorization,
    Procedure,
    ProcedureGroup,
)
from models.adjudication import FindingStatus
from models.base import db
from models.chunk_memo import once
from models.enums import COUNTRY_LOCALES, Country
from models.rules import adjudication as rules
from models.rules.adjudication import Facts, Finding, Line, Member, Past, PlanFacts, ProcedureFacts, RuleFacts, Senha

# Value above the contract (1705) and procedure not contracted (1801) glose at intake even before
# an admin writes any rule: they were the receiver's checks before the engine.
DEFAULT_RULES = (RuleFacts(None, str(_l("Contracted price")), "contract_price", "refuse"),)
_ORDER = {kind: position for position, kind in enumerate(rules.KINDS)}


def _value(x):
    return getattr(x, "value", x)


def load_rules(action: str | None = None, *, kinds: Iterable[str] | None = None,
               rule_ids: Iterable[int] | None = None) -> list[RuleFacts]:
    """Active rules (of ``action``), in the kinds' order; the built-in price rule when none of its kind."""
    if kinds is None and rule_ids is None:
        return once(("rules", action), lambda: _load_rules(action, None, None))
    return _load_rules(action, kinds, rule_ids)


def _load_rules(action: str | None, kinds: Iterable[str] | None, rule_ids: Iterable[int] | None) -> list[RuleFacts]:
    query = sa.select(AdjudicationRule).where(AdjudicationRule.active.is_(True))
    if rule_ids is not None:
        query = sa.select(AdjudicationRule).where(AdjudicationRule.id.in_(list(rule_ids)))
    out = [RuleFacts(
        id=r.id, name=r.name, kind=_value(r.kind), action=_value(r.action), parameters=r.parameters or {},
        procedure_code=r.procedure_code, group_id=r.group_id, provider_id=r.provider_id, plan_id=r.plan_id,
        code=r.glosa_code, payer_code=r.payer_code, active_from=r.active_from, active_to=r.active_to,
    ) for r in db.session.scalars(query)]
    if rule_ids is None and not any(r.kind == "contract_price" for r in out):
        out.extend(DEFAULT_RULES)
    if action is not None:
        out = [r for r in out if r.action == action]
    if kinds is not None:
        wanted = set(kinds)
        out = [r for r in out if r.kind in wanted]
    return sorted(out, key=lambda r: (_ORDER[r.kind], r.id or 0))


def load_facts(lines: list[Line], active: list[RuleFacts], *, exclude_lot_id: int | None = None) -> Facts:
    """The facts ``active`` rules need about ``lines``: only the kinds present are queried."""
    facts = Facts(lines=lines)
    if not lines or not active:
        return facts
    kinds = {r.kind for r in active}
    member_ids = sorted({line.beneficiary_id for line in lines if line.beneficiary_id})
    codes = sorted({line.code for line in lines})
    needs_members = kinds & {"eligibility", "waiting_period", "coverage", "sex_age"} or any(r.plan_id for r in active)
    if needs_members and member_ids:
        facts.members, facts.plans = _members_and_plans(member_ids, with_plans=bool(kinds & {"waiting_period",
                                                                                                "coverage"}))
    if kinds - {"eligibility", "duplicate", "contract_price"} or any(r.group_id for r in active):
        facts.procedures = {row[0]: ProcedureFacts(
            row[0], row[1], _value(row[2]), _value(row[3]) or "other", row[4], row[5], row[6], bool(row[7]), row[8],
            row[9], row[10], bool(row[11]),
        ) for row in db.session.execute(_statements().procedures, {"codes": codes})}
    if kinds & {"frequency", "duplicate"} and member_ids:
        facts.history = _history(lines, active, facts.procedures, member_ids, codes, exclude_lot_id)
    authorizing = any(r.kind == "prior_authorization" and r.parameters.get("all") for r in active) or any(
        p.requires_authorization for p in facts.procedures.values())
    if "prior_authorization" in kinds and authorizing:  # no senha to look up when no procedure needs one
        numbers = sorted({line.authorization_number for line in lines if line.authorization_number})
        facts.senhas = {row[0]: Senha(*row) for row in db.session.execute(
            _statements().senhas, {"numbers": numbers})} if numbers else {}
    return facts


@dataclass(frozen=True)
class _Statements:
    members: sa.Select
    members_with_plans: sa.Select
    procedures: sa.Select
    senhas: sa.Select
    history: sa.Select
    history_except_lot: sa.Select


@cache
def _statements() -> _Statements:
    """The fact queries, built once with bound parameters: building a select per lot cost more than
    running it (a lot's facts are ~2 ms in PostgreSQL and were ~8 ms in SQLAlchemy)."""
    member, plan, waiting = Beneficiary.__table__.c, HealthPlan.__table__.c, PlanWaitingPeriod.__table__.c
    procedure, group = Procedure.__table__.c, ProcedureGroup.__table__.c
    senha, guide, item = PriorAuthorization.__table__.c, Guide.__table__.c, GuideItem.__table__.c
    finding = AdjudicationFinding.__table__.c
    columns = [member.id, member.sex, member.birth_date, member.health_plan_id, member.coverage_start,
               member.coverage_end, member.suspended_from, member.suspended_to]
    ids = member.id.in_(sa.bindparam("ids", expanding=True))
    day = sa.func.coalesce(item.execution_date, guide.execution_date)
    history = (
        sa.select(guide.beneficiary_id, item.code, day, guide.provider_id, guide.id, item.quantity)
        .select_from(Guide.__table__.join(GuideItem.__table__, item.guide_id == guide.id))
        .where(guide.beneficiary_id.in_(sa.bindparam("ids", expanding=True)),
               guide.execution_date.between(sa.bindparam("start"), sa.bindparam("end")),
               guide.lot_id.is_not(None), item.code.in_(sa.bindparam("codes", expanding=True)),
               # an item the rules glosed whole (a refused return visit) was not a service the payer accepted
               ~sa.exists().where(finding.guide_item_id == item.id, finding.amount >= item.total_amount,
                                  finding.status.in_((FindingStatus.APPLIED.value, FindingStatus.CONFIRMED.value)))))
    return _Statements(
        members=sa.select(*columns).where(ids),
        members_with_plans=sa.select(*columns, plan.segmentation, waiting.group_id, waiting.days)
        .select_from(Beneficiary.__table__.outerjoin(HealthPlan.__table__, plan.id == member.health_plan_id)
                     .outerjoin(PlanWaitingPeriod.__table__, waiting.plan_id == plan.id)).where(ids),
        procedures=sa.select(procedure.code, procedure.group_id, group.segmentation, group.waiting_kind, procedure.sex,
                             procedure.min_age, procedure.max_age, procedure.requires_authorization,
                             procedure.max_quantity, procedure.frequency_count, procedure.frequency_days,
                             procedure.frequency_per_provider)
        .select_from(Procedure.__table__.outerjoin(ProcedureGroup.__table__, group.id == procedure.group_id))
        .where(procedure.code.in_(sa.bindparam("codes", expanding=True))),
        senhas=sa.select(senha.number, senha.beneficiary_id, senha.procedure_code, senha.quantity, senha.valid_to)
        .where(senha.number.in_(sa.bindparam("numbers", expanding=True))),
        history=history,
        history_except_lot=history.where(guide.lot_id != sa.bindparam("lot")),
    )


def _members_and_plans(ids: list[int], *, with_plans: bool) -> tuple[dict[int, Member], dict[int, PlanFacts]]:
    """The lot's beneficiaries and, joined in the same query, their plans' segmentation and carências."""
    statements = _statements()
    members: dict[int, Member] = {}
    segmentation: dict[int, str] = {}
    waiting: dict[int, dict[int, int]] = defaultdict(dict)
    for row in db.session.execute(statements.members_with_plans if with_plans else statements.members, {"ids": ids}):
        members[row[0]] = Member(*row[1:8])
        if with_plans and row[3] is not None and row[8] is not None:
            segmentation[row[3]] = _value(row[8])
            if row[9] is not None:
                waiting[row[3]][row[9]] = row[10]
    return members, {plan_id: PlanFacts(seg, waiting.get(plan_id, {})) for plan_id, seg in segmentation.items()}


def _history(lines, active, procedures, member_ids, codes, exclude_lot_id) -> list[Past]:
    """Items already in a lot (any provider) of these beneficiaries and codes, in the window the
    frequency and duplicate rules look at: one query on (beneficiary, execution date)."""
    days = [1]
    for rule in active:
        if rule.kind == "frequency":
            days.append(int(rule.parameters.get("days") or 0))
    days.extend(p.frequency_days or 0 for p in procedures.values())
    dated = [line.execution_date for line in lines if line.execution_date]
    if not dated:
        return []
    params = {"ids": member_ids, "codes": codes, "start": min(dated) - timedelta(days=max(days)), "end": max(dated)}
    statements = _statements()
    if exclude_lot_id is None:
        rows = db.session.execute(statements.history, params)
    else:
        rows = db.session.execute(statements.history_except_lot, {**params, "lot": exclude_lot_id})
    return [Past(b, c, d if isinstance(d, date) else date.fromisoformat(str(d)[:10]), p, g, q)
            for b, c, d, p, g, q in rows]


def run(lines: list[Line], active: list[RuleFacts], *, exclude_lot_id: int | None = None) -> list[Finding]:
    """Every finding of ``active`` rules on ``lines`` (facts loaded here). Their messages become glosa
    reasons a Brazilian provider reads and the TISS answer carries: written in Portuguese, whichever
    screen, job or language started the run (guides are TISS's, Brazil's)."""
    if not lines or not active:
        return []
    facts = load_facts(lines, active, exclude_lot_id=exclude_lot_id)
    with force_locale(COUNTRY_LOCALES[Country.BR]):
        return rules.adjudicate(facts, active)
