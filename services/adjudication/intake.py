"""Adjudication at intake: the receiver's one call. Rules acting "refuse at intake" glose the
guide's items there; the receiver answers the glosas per guide and stores them."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from models import AdjudicationFinding, Glosa
from models.adjudication import FindingStatus
from models.base import db
from models.rules.adjudication import Finding, Line
from services.adjudication import engine, routing
from services.adjudication.analysis import lines_of_lot
from services.adjudication.codes import glosa_code_row


@dataclass(frozen=True)
class IntakeFacts:
    """What the receiver read: the provider, the guides (``services.tiss.message.GuideData``),
    card number → beneficiary id, and each guide's contracted prices (guide index → code → price)."""

    provider_id: int
    guides: list
    beneficiary_ids: Mapping[str, int]
    prices: Mapping[int, Mapping]


def lines_of(facts: IntakeFacts) -> list[Line]:
    lines = []
    for guide in facts.guides:  # what is the guide's looked up once for its items
        prices, beneficiary_id = facts.prices.get(guide.index, {}), facts.beneficiary_ids.get(guide.card_number)
        lines += [Line(guide.number, position, facts.provider_id, beneficiary_id,
                       item.execution_date or guide.execution_date, item.code, getattr(item.kind, "value", item.kind),
                       item.quantity, item.unit_price, item.total, guide.authorization_number,
                       contracted_price=prices.get(item.code))
                  for position, item in enumerate(guide.items)]
    return lines


def adjudicate_lot(facts: IntakeFacts) -> list[Finding]:
    """Findings of the rules that act at intake on a received lot (before it is stored)."""
    return engine.run(lines_of(facts), engine.load_rules("refuse"))


def record_applied(lot, rows: list[tuple[Finding, int, int, int]]) -> None:
    """Keep each glosa applied at intake as a finding (finding, guide id, item id, glosa id): the
    dashboard counts them per rule and provider."""
    for finding, guide_id, item_id, glosa_id in rows:
        db.session.add(AdjudicationFinding(
            provider_id=lot.provider_id, lot_id=lot.id, guide_id=guide_id, guide_item_id=item_id,
            rule_id=finding.rule_id, code=finding.code, amount=finding.amount, reason=finding.message,
            status=FindingStatus.APPLIED, glosa_id=glosa_id))


def lot_built(lot) -> list[Finding]:
    """A lot the lot builder issued from guides already in the database: the rules acting at intake
    glose its items as the receiver does, then the lot is routed."""
    lines, item_ids, guide_ids = lines_of_lot(lot)
    findings = engine.run(lines, engine.load_rules("refuse"), exclude_lot_id=lot.id)
    glosas = []
    for finding in findings:
        glosa = Glosa(provider_id=lot.provider_id, lot_id=lot.id, guide_id=guide_ids[finding.guide],
                      guide_item_id=item_ids[(finding.guide, finding.item)],
                      code_id=glosa_code_row(finding.payer_code or finding.code).id, amount=finding.amount,
                      reason=finding.message)
        db.session.add(glosa)
        glosas.append((finding, glosa))
    db.session.flush()
    lot_received(lot, [(f, g.guide_id, g.guide_item_id, g.id) for f, g in glosas])
    return findings


def lot_received(lot, applied: list[tuple[Finding, int, int, int]]) -> None:
    """After the receiver stored ``lot``: keep the glosas applied at intake, then route the lot
    (auto-adjudication or a clerk)."""
    record_applied(lot, applied)
    routing.route(lot, glosed=bool(applied))
