"""Adjudication at analysis start: rules acting "propose at analysis" pre-fill glosas the clerk
confirms in one click or removes one by one with a reason (audited, counted per rule)."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import AdjudicationFinding, Glosa, Guide, GuideItem, Lot
from models.adjudication import FindingStatus
from models.base import db, utcnow
from models.permissions import can
from models.rules.adjudication import Line
from services import analysis as account
from services.adjudication import engine
from services.adjudication.codes import glosa_code_row
from services.adjudication.errors import AdjudicationError
from services.pricing import price_map


def lines_of_lot(lot: Lot) -> tuple[list[Line], dict[tuple[str, int], int], dict[str, int]]:
    """The lot's items as lines (one query), item id by (guide number, position), guide id by number."""
    rows = db.session.execute(
        sa.select(Guide.id, Guide.number, Guide.beneficiary_id, Guide.execution_date, Guide.authorization_number,
                  GuideItem.id, GuideItem.code, GuideItem.kind, GuideItem.quantity, GuideItem.unit_price,
                  GuideItem.total_amount, GuideItem.execution_date)
        .join(GuideItem, GuideItem.guide_id == Guide.id).where(Guide.lot_id == lot.id)
        .order_by(Guide.number, GuideItem.id)).all()
    prices = price_map(lot.provider_id, max((r[3] for r in rows if r[3]), default=None))
    lines, item_ids, guide_ids, position = [], {}, {}, {}
    for g_id, number, ben, day, senha, i_id, code, kind, qty, unit, total, i_day in rows:
        index = position[number] = position.get(number, -1) + 1
        item_ids[(number, index)], guide_ids[number] = i_id, g_id
        lines.append(Line(number, index, lot.provider_id, ben, i_day or day, code, getattr(kind, "value", kind),
                          qty, unit, total, senha, g_id, prices.get(code)))
    return lines, item_ids, guide_ids


def propose(lot: Lot) -> list[AdjudicationFinding]:
    """Run the proposing rules on ``lot`` (analysis starts); pairs (item, rule) already decided are
    not proposed again, pending ones are replaced."""
    decided = set(db.session.execute(
        sa.select(AdjudicationFinding.guide_item_id, AdjudicationFinding.rule_id)
        .where(AdjudicationFinding.lot_id == lot.id,
               AdjudicationFinding.status.in_((FindingStatus.CONFIRMED, FindingStatus.REMOVED)))).all())
    db.session.execute(sa.delete(AdjudicationFinding).where(
        AdjudicationFinding.lot_id == lot.id, AdjudicationFinding.status == FindingStatus.PROPOSED))
    lines, item_ids, guide_ids = lines_of_lot(lot)
    out = []
    for finding in engine.run(lines, engine.load_rules("propose"), exclude_lot_id=lot.id):
        item_id = item_ids[(finding.guide, finding.item)]
        if (item_id, finding.rule_id) in decided:
            continue
        row = AdjudicationFinding(provider_id=lot.provider_id, lot_id=lot.id, guide_id=guide_ids[finding.guide],
                                  guide_item_id=item_id, rule_id=finding.rule_id,
                                  code=finding.payer_code or finding.code, amount=finding.amount,
                                  reason=finding.message, status=FindingStatus.PROPOSED)
        db.session.add(row)
        out.append(row)
    db.session.flush()
    return out


def pending(lot: Lot) -> list[AdjudicationFinding]:
    return list(db.session.scalars(
        sa.select(AdjudicationFinding).where(AdjudicationFinding.lot_id == lot.id,
                                             AdjudicationFinding.status == FindingStatus.PROPOSED)
        .options(selectinload(AdjudicationFinding.rule), selectinload(AdjudicationFinding.guide),
                 selectinload(AdjudicationFinding.guide_item)).order_by(AdjudicationFinding.id)))


def _require(actor, action: str) -> None:
    if not can(actor, action, "adjudication_finding") or not can(actor, "create", "glosa"):
        raise AdjudicationError("forbidden")


def confirm_all(lot: Lot, actor) -> int:
    """Every pending automatic glosa of ``lot`` becomes a glosa (capped at what is left of its item)."""
    _require(actor, "confirm")
    confirmed = 0
    for finding in pending(lot):
        item = db.session.get(GuideItem, finding.guide_item_id)
        code = glosa_code_row(finding.code)
        if item.processed_amount is None:
            account.start_values(lot)
        glosed = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Glosa.amount), 0))
                                   .where(Glosa.guide_item_id == item.id))
        left = item.processed_amount - Decimal(str(glosed))
        amount = min(finding.amount, left)
        if amount > 0:
            glosa = account.add_glosa(item, amount, code, finding.reason, actor)
            finding.glosa_id = glosa.id
        finding.status, finding.decided_by_id, finding.decided_at = FindingStatus.CONFIRMED, actor.id, utcnow()
        confirmed += 1
    db.session.flush()
    return confirmed


def remove(lot: Lot, finding_id, reason: str | None, actor) -> AdjudicationFinding:
    """The clerk disagrees with one automatic glosa: it is not applied; the reason is audited."""
    _require(actor, "remove")
    if lot.status not in account.EDITABLE:
        raise AdjudicationError("not_editable")
    reason = (reason or "").strip()
    if not reason:
        raise AdjudicationError("reason", "reason")
    finding = db.session.get(AdjudicationFinding, finding_id) if str(finding_id).isdigit() else None
    if finding is None or finding.lot_id != lot.id or finding.status != FindingStatus.PROPOSED:
        raise AdjudicationError("not_pending")
    finding.status, finding.removal_reason = FindingStatus.REMOVED, reason[:1000]
    finding.decided_by_id, finding.decided_at = actor.id, utcnow()
    finding._audit_reason = reason
    db.session.flush()
    return finding
