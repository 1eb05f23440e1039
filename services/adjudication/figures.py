"""The month's adjudication figures: auto-adjudication rate, glosas by rule and by provider, and
each rule's override rate (proposals the clerks removed). Grouped queries over one month."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from models import AdjudicationFinding, AdjudicationRule, LotAdjudication, Provider
from models.adjudication import FindingStatus
from models.base import db
from models.values import Competence

GLOSED = (FindingStatus.APPLIED, FindingStatus.CONFIRMED)


@dataclass
class RuleFigure:
    rule: str
    glosas: int = 0
    amount: Decimal = Decimal("0.00")
    confirmed: int = 0
    removed: int = 0

    @property
    def override_rate(self) -> Decimal | None:
        decided = self.confirmed + self.removed
        return (Decimal(self.removed) * 100 / decided).quantize(Decimal("0.1")) if decided else None


@dataclass
class MonthFigures:
    competence: str
    lots: int = 0
    automatic: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    by_rule: list[RuleFigure] = field(default_factory=list)
    by_provider: list[tuple[str, int, Decimal]] = field(default_factory=list)

    @property
    def auto_rate(self) -> Decimal | None:
        return (Decimal(self.automatic) * 100 / self.lots).quantize(Decimal("0.1")) if self.lots else None


def month_figures(competence: str) -> MonthFigures:
    first, last = Competence.parse(competence).bounds
    start, end = datetime.combine(first, datetime.min.time()), datetime.combine(last, datetime.max.time())
    out = MonthFigures(competence)
    for reason, automatic, count in db.session.execute(
            sa.select(LotAdjudication.reason, LotAdjudication.automatic, sa.func.count())
            .where(LotAdjudication.created_at.between(start, end))
            .group_by(LotAdjudication.reason, LotAdjudication.automatic)):
        out.lots += count
        out.automatic += count if automatic else 0
        out.by_reason[reason or ""] = out.by_reason.get(reason or "", 0) + count
    in_month = AdjudicationFinding.created_at.between(start, end)
    rules: dict[str, RuleFigure] = {}
    for name, status, count, amount in db.session.execute(
            sa.select(sa.func.coalesce(AdjudicationRule.name, AdjudicationFinding.code), AdjudicationFinding.status,
                      sa.func.count(), sa.func.coalesce(sa.func.sum(AdjudicationFinding.amount), 0))
            .outerjoin(AdjudicationRule, AdjudicationRule.id == AdjudicationFinding.rule_id).where(in_month)
            .group_by(sa.func.coalesce(AdjudicationRule.name, AdjudicationFinding.code), AdjudicationFinding.status)):
        row = rules.setdefault(name, RuleFigure(name))
        status = FindingStatus(status)
        if status in GLOSED:
            row.glosas += count
            row.amount += Decimal(str(amount)).quantize(Decimal("0.01"))
        if status == FindingStatus.CONFIRMED:
            row.confirmed += count
        if status == FindingStatus.REMOVED:
            row.removed += count
    out.by_rule = sorted(rules.values(), key=lambda r: (-r.amount, r.rule))
    out.by_provider = [(name, count, Decimal(str(amount)).quantize(Decimal("0.01"))) for name, count, amount in
                       db.session.execute(
                           sa.select(Provider.legal_name, sa.func.count(),
                                     sa.func.coalesce(sa.func.sum(AdjudicationFinding.amount), 0))
                           .join(Provider, Provider.id == AdjudicationFinding.provider_id)
                           .where(in_month, AdjudicationFinding.status.in_(GLOSED))
                           .group_by(Provider.legal_name).order_by(sa.func.sum(AdjudicationFinding.amount).desc())
                           .limit(50))]
    return out
