"""Cancelamento de guia (TISS CANCELA_GUIA): a provider withdraws billing guides, or a whole lot,
that the payer has not started to analyse.

- A guide is cancelled through the workflow (``guide`` machine: permission, provider scope,
  a suspended provider refused, the reason kept in the audit log). A guide in a lot still
  Recebido leaves it first (the lot total follows); when it was the lot's last guide the
  lot itself is cancelled (estorno). A cancelled guide cannot be billed again.
- A lot is cancelled as "Estornar" does (``services.lots.reverse_lot``): its guides are
  released, not cancelled, and may be sent in a new lot.
- Once the lot is in analysis (or has a processing date) nothing is cancelled: "em processamento".

Each request gets a TISS ``dm_statusCancelamento``; rows are found through
``services.visibility``, so another provider's guide or lot answers as nonexistent.
Checks run for every request before the first write; functions flush, the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from models import Guide, Lot, Provider
from models.base import db
from models.enums import GuideStatus, LotStatus
from models.permissions import can, can_submit
from models.workflow import TransitionError, transition
from services import lots as lot_service
from services.visibility import visible

# dm_statusCancelamento
CANCELLED, NOT_CANCELLED, NO_GUIDE, IN_PROCESS, NO_LOT, NO_PROTOCOL = "1", "2", "3", "4", "5", "6"
# dm_tipoGuia: 1 solicitação, 2 faturamento, 3 recurso de glosa; only billing guides are cancelled here
BILLING_GUIDE = "2"


@dataclass
class GuideRequest:
    kind: str                      # dm_tipoGuia
    number: str                    # numeroGuiaPrestador
    operator_number: str | None = None
    protocol: str | None = None    # numeroProtocolo of the lot holding it, when given


@dataclass
class Outcome:
    status: str                    # dm_statusCancelamento
    message: str
    protocol: int | None = None
    operator_number: str | None = None


def _reason() -> str:
    return _("Cancelled by the provider (TISS CANCELA_GUIA).")


def _protocol_matches(lot: Lot | None, protocol: str | None) -> bool:
    return not protocol or (lot is not None and str(lot.protocol_number) == protocol.strip())


def _locked(lot: Lot) -> bool:
    return lot.status != LotStatus.RECEIVED or lot.processing_date is not None


def _find_guide(actor, provider_id: int, number: str) -> Guide | None:
    query = sa.select(Guide).where(Guide.provider_id == provider_id, Guide.number == (number or "").strip())
    return db.session.scalar(visible(query, actor, "guide"))


def _plan_guide(actor, provider_id: int, request: GuideRequest) -> tuple[Outcome, Guide | None]:
    """The outcome a request will get, and the guide to cancel (None when nothing is to be done)."""
    if request.kind != BILLING_GUIDE:
        return Outcome(NOT_CANCELLED, _("Only billing guides (tipoGuia 2) are cancelled here.")), None
    guide = _find_guide(actor, provider_id, request.number)
    if guide is None or (request.operator_number and guide.operator_number
                         and guide.operator_number != request.operator_number.strip()):
        return Outcome(NO_GUIDE, _("Guide %(number)s was not found.", number=request.number)), None
    lot = guide.lot if guide.lot_id is not None else None
    protocol = lot.protocol_number if lot is not None else None
    if not _protocol_matches(lot, request.protocol):
        return Outcome(NO_PROTOCOL, _("Guide %(number)s is not in protocol %(protocol)s.",
                                      number=guide.number, protocol=request.protocol),
                       protocol, guide.operator_number), None
    if guide.status == GuideStatus.CANCELLED:
        return Outcome(CANCELLED, _("Guide %(number)s was already cancelled.", number=guide.number),
                       protocol, guide.operator_number), None
    if lot is not None and _locked(lot):
        return Outcome(IN_PROCESS, _("Guide %(number)s is in protocol %(protocol)s, already in analysis.",
                                     number=guide.number, protocol=protocol), protocol, guide.operator_number), None
    return Outcome(CANCELLED, _("Guide %(number)s cancelled.", number=guide.number),
                   protocol, guide.operator_number), guide


def _require(actor, provider_id: int, resource: str) -> None:
    """May ``actor`` cancel the provider's ``resource`` rows at all? (TransitionError before any write)."""
    if not can(actor, "cancel", resource) or (actor.is_provider and provider_id not in actor.linked_provider_ids):
        raise TransitionError("forbidden")
    if actor.is_provider and not can_submit(actor, db.session.get(Provider, provider_id)):
        raise TransitionError("suspended")


def cancel_guides(actor, provider_id: int, requests: list[GuideRequest]) -> list[Outcome]:
    """Cancel each requested guide the provider may still withdraw; one outcome per request, in order.

    Raises ``TransitionError`` (nothing written) when the actor may not cancel at all (no
    permission, a suspended provider).
    """
    _require(actor, provider_id, "guide")
    planned = [_plan_guide(actor, provider_id, request) for request in requests]
    done: set[int] = set()
    for _outcome, guide in planned:
        if guide is None or guide.id in done:
            continue
        done.add(guide.id)
        lot = guide.lot if guide.lot_id is not None else None
        if lot is not None:
            remaining = db.session.scalar(sa.select(sa.func.count()).where(Guide.lot_id == lot.id))
            if remaining <= 1:
                lot_service.reverse_lot(lot, actor, _reason())
            else:
                lot_service.remove_guide(lot, guide, actor)
        transition(guide, GuideStatus.CANCELLED, actor, _reason())
    return [outcome for outcome, _guide in planned]


def cancel_lot(actor, provider_id: int, lot_number: str, protocol: str | None = None) -> Outcome:
    """Cancel (estorno) the provider's active lot ``lot_number``; its guides are released."""
    _require(actor, provider_id, "lot")
    query = sa.select(Lot).where(Lot.provider_id == provider_id, Lot.number == (lot_number or "").strip(),
                                 Lot.status != LotStatus.CANCELLED)
    lot = db.session.scalar(visible(query, actor, "lot"))
    if lot is None:
        return Outcome(NO_LOT, _("Lot %(number)s was not found.", number=lot_number))
    if not _protocol_matches(lot, protocol):
        return Outcome(NO_PROTOCOL, _("Lot %(number)s is not protocol %(protocol)s.", number=lot.number,
                                      protocol=protocol), lot.protocol_number)
    if _locked(lot):
        return Outcome(IN_PROCESS, _("Lot %(number)s (protocol %(protocol)s) is already in analysis.",
                                     number=lot.number, protocol=lot.protocol_number), lot.protocol_number)
    lot_service.reverse_lot(lot, actor, _reason())
    return Outcome(CANCELLED, _("Lot %(number)s cancelled.", number=lot.number), lot.protocol_number)
