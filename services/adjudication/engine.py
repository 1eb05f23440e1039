"""Rules and facts from the database, set-based: whatever the lot's size, one query per kind of
fact (members, plans, catalogue, history, senhas), never one per guide."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
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
    member_ids = {line.beneficiary_id for line in lines if line.beneficiary_id}
    codes = {line.code for line in lines}
    needs_members = kinds & {"eligibility", "waiting_period", "coverage", "sex_age"} or any(r.plan_id for r in active)
    if needs_members and member_ids:
        facts.members, facts.plans = _members_and_plans(member_ids, with_plans=bool(kinds & {"waiting_period",
                                                                                                "coverage"}))
    if kinds - {"eligibility", "duplicate", "contract_price"} or any(r.group_id for r in active):
        facts.procedures = {row.code: ProcedureFacts(
            row.code, row.group_id, _value(row.segmentation), _value(row.waiting_kind) or "other", row.sex,
            row.min_age, row.max_age, bool(row.requires_authorization), row.max_quantity, row.frequency_count,
            row.frequency_days, bool(row.frequency_per_provider),
        ) for row in db.session.execute(
            sa.select(Procedure.code, Procedure.group_id, ProcedureGroup.segmentation, ProcedureGroup.waiting_kind,
                      Procedure.sex, Procedure.min_age, Procedure.max_age, Procedure.requires_authorization,
                      Procedure.max_quantity, Procedure.frequency_count, Procedure.frequency_days,
                      Procedure.frequency_per_provider)
            .outerjoin(ProcedureGroup, ProcedureGroup.id == Procedure.group_id).where(Procedure.code.in_(codes)))}
    if kinds & {"frequency", "duplicate"} and member_ids:
        facts.history = _history(lines, active, facts.procedures, member_ids, codes, exclude_lot_id)
    authorizing = any(r.kind == "prior_authorization" and r.parameters.get("all") for r in active) or any(
        p.requires_authorization for p in facts.procedures.values())
    if "prior_authorization" in kinds and authorizing:  # no senha to look up when no procedure needs one
        numbers = {line.authorization_number for line in lines if line.authorization_number}
        facts.senhas = {row.number: Senha(row.number, row.beneficiary_id, row.procedure_code, row.quantity,
                                          row.valid_to)
                        for row in db.session.execute(
                            sa.select(PriorAuthorization.number, PriorAuthorization.beneficiary_id,
                                      PriorAuthorization.procedure_code, PriorAuthorization.quantity,
                                      PriorAuthorization.valid_to)
                            .where(PriorAuthorization.number.in_(numbers)))} if numbers else {}
    return facts


def _members_and_plans(ids: set[int], *, with_plans: bool) -> tuple[dict[int, Member], dict[int, PlanFacts]]:
    """The lot's beneficiaries and, joined in the same query, their plans' segmentation and carências."""
    columns = [Beneficiary.id, Beneficiary.sex, Beneficiary.birth_date, Beneficiary.health_plan_id,
               Beneficiary.coverage_start, Beneficiary.coverage_end, Beneficiary.suspended_from,
               Beneficiary.suspended_to]
    query = sa.select(*columns)
    if with_plans:
        query = (sa.select(*columns, HealthPlan.segmentation, PlanWaitingPeriod.group_id, PlanWaitingPeriod.days)
                 .outerjoin(HealthPlan, HealthPlan.id == Beneficiary.health_plan_id)
                 .outerjoin(PlanWaitingPeriod, PlanWaitingPeriod.plan_id == HealthPlan.id))
    members: dict[int, Member] = {}
    segmentation: dict[int, str] = {}
    waiting: dict[int, dict[int, int]] = defaultdict(dict)
    for row in db.session.execute(query.where(Beneficiary.id.in_(ids))):
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
    start, end = min(dated) - timedelta(days=max(days)), max(dated)
    day = sa.func.coalesce(GuideItem.execution_date, Guide.execution_date)
    query = (sa.select(Guide.beneficiary_id, GuideItem.code, day, Guide.provider_id, Guide.id, GuideItem.quantity)
             .join(GuideItem, GuideItem.guide_id == Guide.id)
             .where(Guide.beneficiary_id.in_(member_ids), Guide.execution_date.between(start, end),
                    Guide.lot_id.is_not(None), GuideItem.code.in_(codes)))
    if exclude_lot_id is not None:
        query = query.where(Guide.lot_id != exclude_lot_id)
    # an item the rules glosed whole (a refused return visit) was not a service the payer accepted
    query = query.where(~sa.exists().where(
        AdjudicationFinding.guide_item_id == GuideItem.id, AdjudicationFinding.amount >= GuideItem.total_amount,
        AdjudicationFinding.status.in_((FindingStatus.APPLIED, FindingStatus.CONFIRMED))))
    return [Past(b, c, d if isinstance(d, date) else date.fromisoformat(str(d)[:10]), p, g, q)
            for b, c, d, p, g, q in db.session.execute(query)]


def run(lines: list[Line], active: list[RuleFacts], *, exclude_lot_id: int | None = None) -> list[Finding]:
    """Every finding of ``active`` rules on ``lines`` (facts loaded here)."""
    if not lines or not active:
        return []
    return rules.adjudicate(load_facts(lines, active, exclude_lot_id=exclude_lot_id), active)
