"""A TISS recurso de glosa (RECURSO_GLOSA) → an appeal on the appeal desk (``services.appeals``).

TISS names what is appealed by protocol, guide number, item position (``sequencialItem``,
the item's place in the guide as the lot export numbers them) and glosa code; the desk
appeals glosa rows with an amount. This module finds the glosas a recurso means and hands
them to ``appeals.create_appeal`` — the same checks as the provider's appeal page
(appealable lot, amounts within what is left of each glosa, a justification). A recurso of
a whole protocol or guide appeals what is left of each glosa of that code.

Refusals come back as ``RecursoError`` with the Tabela 38 code the answer carries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from models import Appeal, Guide
from models.base import to_money
from models.permissions import can
from models.rules.appeals import JUSTIFICATION_MAX
from services import appeals
from services.tiss.inquiries import NOT_FOUND, lot_by_protocol

INVALID = "2901"              # REVISÃO DE GLOSA INVÁLIDA
NO_JUSTIFICATION = "2903"     # PEDIDO DE REVISÃO SEM JUSTIFICATIVA
ALREADY_APPEALED = "2904"     # MAIS DE UM RECURSO DE GLOSA PARA A MESMA GUIA/PROTOCOLO
BAD_GUIDE = "2906"            # NÚMERO DA GUIA INVÁLIDO


class RecursoError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class ItemClaim:
    sequence: int
    procedure: str
    glosa_code: str
    amount: Decimal
    justification: str


@dataclass
class GuideClaim:
    number: str
    complete: list[tuple[str, str]] = field(default_factory=list)   # (glosa code, justification)
    items: list[ItemClaim] = field(default_factory=list)


@dataclass
class RecursoRequest:
    protocol: str
    lot_number: str
    protocol_claim: tuple[str, str] | None = None                    # (glosa code, justification)
    guides: list[GuideClaim] = field(default_factory=list)


def _justification(texts: list[str]) -> str:
    """One justification for the appeal: the distinct texts, joined (the request itself is kept whole
    in the history)."""
    text = "; ".join(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    return text if len(text) <= JUSTIFICATION_MAX else text[:JUSTIFICATION_MAX - 1] + "…"


def lodge(actor, request: RecursoRequest) -> Appeal:
    """Create the appeal the recurso describes (flushes; the caller commits)."""
    if not can(actor, "create", "appeal"):
        raise RecursoError(INVALID, _("You are not allowed to appeal glosas."))
    lot = lot_by_protocol(actor, request.protocol)
    if lot is None:
        raise RecursoError(NOT_FOUND, _("Protocol %(protocol)s was not found.", protocol=request.protocol))
    if (request.lot_number or "").strip() != lot.number:
        raise RecursoError(INVALID, _("Protocol %(protocol)s is lot %(lot)s, not %(other)s.",
                                      protocol=lot.protocol_number, lot=lot.number, other=request.lot_number))
    available = appeals.appealable_glosas(lot)
    guides = {g.number: g for g in lot.guides}
    amounts: dict[int, Decimal] = {}
    texts: list[str] = []

    def take(rows, code: str, amount: Decimal | None, what: str) -> None:
        rows = [a for a in rows if a.glosa.code.code == code]
        if not rows:
            raise RecursoError(INVALID, _("%(what)s has no glosa %(code)s.", what=what, code=code))
        left = amount
        for row in rows:
            free = row.available - amounts.get(row.glosa.id, Decimal("0.00"))
            part = free if left is None else min(free, left)
            if part > 0:
                amounts[row.glosa.id] = amounts.get(row.glosa.id, Decimal("0.00")) + part
                left = None if left is None else left - part
        if left is not None and left > 0:
            raise RecursoError(INVALID, _("%(what)s: the amount appealed exceeds what is left of glosa %(code)s.",
                                          what=what, code=code))

    if request.protocol_claim is not None:
        code, text = request.protocol_claim
        take(available, code, None, _("Protocol %(protocol)s", protocol=lot.protocol_number))
        texts.append(text)
    touched: set[int] = set()
    for claim in request.guides:
        guide: Guide | None = guides.get(claim.number.strip())
        if guide is None:
            raise RecursoError(BAD_GUIDE, _("Guide %(number)s is not in protocol %(protocol)s.",
                                            number=claim.number, protocol=lot.protocol_number))
        touched.add(guide.id)
        of_guide = [a for a in available if a.glosa.guide_id == guide.id]
        for code, text in claim.complete:
            take(of_guide, code, None, _("Guide %(number)s", number=guide.number))
            texts.append(text)
        items = sorted(guide.items, key=lambda i: i.id)
        for item_claim in claim.items:
            position = item_claim.sequence - 1
            item = items[position] if 0 <= position < len(items) else None
            what = _("Guide %(number)s item %(sequence)s", number=guide.number, sequence=item_claim.sequence)
            if item is None or item.code != item_claim.procedure.strip():
                raise RecursoError(INVALID, _("%(what)s is not procedure %(code)s.", what=what,
                                              code=item_claim.procedure))
            take([a for a in of_guide if a.glosa.guide_item_id == item.id], item_claim.glosa_code,
                 to_money(item_claim.amount), what)
            texts.append(item_claim.justification)
    amounts = {glosa_id: amount for glosa_id, amount in amounts.items() if amount > 0}
    if not amounts:
        raise RecursoError(ALREADY_APPEALED, _("What this recurso asks was already appealed."))
    only_guide = (next(g for g in lot.guides if g.id in touched)
                  if len(touched) == 1 and request.protocol_claim is None else None)
    try:
        return appeals.create_appeal(lot, actor, _justification(texts), amounts, guide=only_guide)
    except appeals.AppealError as exc:
        raise RecursoError(NO_JUSTIFICATION if exc.field == "justification" else INVALID, exc.message) from exc
