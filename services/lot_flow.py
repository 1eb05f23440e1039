"""A lot's steps as users take them: the lot rules (``services.lots``), then what the automatic
adjudication does at that step (``services.adjudication``).

* a lot issued from the lot builder is glosed by the rules acting at intake, then routed (a clerk, or
  the system's own analysis);
* a lot entering analysis gets the proposing rules' glosas, which the clerk confirms or removes.

The TISS receiver adjudicates the lots it stores itself (``services.tiss.intake``), and the
adjudication moves lots with ``services.lots`` directly: the two packages do not import each other.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from models import Guide, Lot
from models.enums import LotSource, LotStatus
from services import lots
from services.adjudication import analysis as proposals
from services.adjudication.intake import lot_built


def issue_lot(provider, guides: Sequence[Guide], *, competence: str, actor, source: LotSource = LotSource.BUILDER,
              number: str | None = None, description: str | None = None) -> Lot:
    """``services.lots.issue_lot``, then the lot's adjudication."""
    lot = lots.issue_lot(provider, guides, competence=competence, actor=actor, source=source, number=number,
                         description=description)
    lot_built(lot)
    return lot


def send_lots(provider, guides: Sequence[Guide], *, competence: str, actor, source: LotSource = LotSource.BUILDER,
              today: date | None = None) -> lots.SendResult:
    """``services.lots.send_lots``, each lot adjudicated as soon as it is issued (the rules comparing a lot
    with the provider's other lots see the ones issued before it)."""
    return lots.send_lots(provider, guides, competence=competence, actor=actor, issued=lot_built, source=source,
                          today=today)


def move_lot(lot: Lot, target: LotStatus, actor, reason: str | None = None) -> Lot:
    """``services.lots.move_lot``; an analysis that starts gets the proposing rules' glosas."""
    lots.move_lot(lot, target, actor, reason)
    if target == LotStatus.IN_ANALYSIS:
        proposals.propose(lot)
    return lot
