"""Account audit (análise de conta): glosas on guide items and invoice debits, and lot totals.

Every function works inside the caller's transaction (flushes, never commits)
and raises ``AnalysisError`` (a ``CodedError``) before writing anything
when the input breaks a rule of ``models.rules.analysis``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Glosa, GlosaCode, Guide, GuideItem, Invoice, Lot
from models.base import db, to_money
from models.enums import InvoiceStatus, LotStatus
from models.errors import CodedError, NotFound
from models.permissions import can
from models.rules import analysis as rules
from models.rules.analysis import Totals
from models.values import parse_money, parse_quantity
from models.workflow import transition
from services import keyset
from services.analysis_totals import guide_totals, lot_totals
from services.visibility import parse_id, visible

EDITABLE = (LotStatus.IN_ANALYSIS,)
DEBITABLE = (InvoiceStatus.SENT, InvoiceStatus.IN_AUDIT)
QUEUE_PAGE = 50  # rows per page of the account-audit desk's lots and invoices
# Providers read a lot's analysis (demonstrativo) once the payer has finished it.
PROVIDER_VISIBLE = frozenset({LotStatus.ANALYSED, LotStatus.RELEASED, LotStatus.PAID, LotStatus.CLOSED_UNPAID})


class AnalysisError(CodedError):
    MESSAGES = {
        "required": _l("This field is required."),
        "negative": _l("The executed quantity cannot be negative."),
        "above_billed": _l("The executed quantity cannot exceed the quantity billed."),
        "not_positive": _l("The amount must be greater than zero."),
        "above_processed": _l("Glosas cannot exceed the processed value of the item."),
        "above_invoice": _l("Debits cannot exceed the invoice amount."),
        "code": _l("Choose a glosa code from the list."),
        "not_editable": _l("Only a lot in analysis can be changed."),
        "forbidden_debit": _l("You are not allowed to debit invoices."),
        "not_debitable": _l("Only an invoice under review can be debited."),
    }


def _fail(code: str, field: str | None = None):
    raise AnalysisError(code, field)


# Loading ---------------------------------------------------------------------
def lots_query(user):
    """Lots whose analysis ``user`` may read (a provider: its own, once analysed)."""
    query = visible(select(Lot), user, "lot")
    return query.where(Lot.status.in_(PROVIDER_VISIBLE)) if user.is_provider else query


def lot_queue(user, status: LotStatus | None, cursor: str | None = None, size: int = QUEUE_PAGE) -> keyset.Page[Lot]:
    """The account-audit desk's lots (of ``status``), newest protocol first, a page at a time."""
    query = lots_query(user).options(selectinload(Lot.provider))
    if status is not None:
        query = query.where(Lot.status == status)
    return keyset.seek(query, (Lot.protocol_number,), (int,), cursor, size, descending=True)


def invoice_queue(user, cursor: str | None = None, size: int = QUEUE_PAGE) -> keyset.Page[Invoice]:
    """Invoices waiting for debits, the longest waiting first, a page at a time (none for who may not debit)."""
    if not can(user, "debit", "invoice"):
        return keyset.Page([], None)
    query = visible(select(Invoice), user, "invoice").options(selectinload(Invoice.provider))
    return keyset.seek_each(query, Invoice.status, DEBITABLE, (Invoice.last_movement_at, Invoice.id), (datetime, int),
                            cursor, size, descending=False)


def analysed_lots(user, provider, cursor: str | None = None, size: int = QUEUE_PAGE) -> keyset.Page[Lot]:
    """The demonstrativos de análise de conta of ``provider`` that ``user`` may read, newest protocol
    first, a page at a time (every one reachable, however many)."""
    query = lots_query(user).where(Lot.provider_id == provider.id, Lot.status.in_(PROVIDER_VISIBLE))
    return keyset.seek(query, (Lot.protocol_number,), (int,), cursor, size, descending=True)


def lot_for(user, lot_id, with_guides: bool = True) -> Lot:
    """The lot (with its guides and items unless ``with_guides`` is False), when ``user`` may read its
    analysis; else ``NotFound``."""
    key = parse_id(lot_id)
    options = (selectinload(Lot.guides).selectinload(Guide.items),
               selectinload(Lot.guides).selectinload(Guide.beneficiary)) if with_guides else ()
    lot = db.session.scalar(lots_query(user).where(Lot.id == key).options(*options)) if key is not None else None
    if lot is None:
        raise NotFound()
    return lot


def guide_of(lot: Lot, guide_id) -> Guide:
    """One guide of the lot with its items and beneficiary (the analysis edits a guide at a time)."""
    key = parse_id(guide_id)
    guide = db.session.scalar(select(Guide).where(Guide.id == key, Guide.lot_id == lot.id).options(
        selectinload(Guide.items), selectinload(Guide.beneficiary))) if key is not None else None
    if guide is None:
        raise NotFound()
    return guide


def glosas_by_item(lot: Lot) -> dict[int, list[Glosa]]:
    out: dict[int, list[Glosa]] = defaultdict(list)
    rows = db.session.scalars(
        select(Glosa).where(Glosa.lot_id == lot.id).options(selectinload(Glosa.code)).order_by(Glosa.id)
    )
    for glosa in rows:
        out[glosa.guide_item_id].append(glosa)
    return out


def active_codes() -> list[GlosaCode]:
    return list(db.session.scalars(select(GlosaCode).where(GlosaCode.active.is_(True)).order_by(GlosaCode.code)))


def get_code(code_id) -> GlosaCode:
    key = parse_id(code_id)
    code = db.session.get(GlosaCode, key) if key is not None else None
    if code is None or not code.active:
        raise AnalysisError("code", "code_id")
    return code


# The statement -------------------------------------------------------------
@dataclass
class ItemRow:
    item: GuideItem
    glosas: list[Glosa]
    totals: Totals


@dataclass
class GuideRow:
    guide: Guide
    items: list[ItemRow]
    totals: Totals


@dataclass
class LotStatement:
    lot: Lot
    guides: list[GuideRow]
    totals: Totals


def _guide_row(guide: Guide, by_item: dict[int, list[Glosa]]) -> GuideRow:
    items = []
    for item in guide.items:
        glosas = by_item.get(item.id, [])
        processed = item.processed_amount if item.processed_amount is not None else item.total_amount
        items.append(ItemRow(item, glosas, rules.item_totals(item.total_amount, processed,
                                                              [g.amount for g in glosas])))
    return GuideRow(guide, items, rules.sum_totals(i.totals for i in items))


def statement(lot: Lot) -> LotStatement:
    """Demonstrativo de análise de conta: per item, guide and lot, the four values."""
    by_item = glosas_by_item(lot)
    guides = [_guide_row(guide, by_item) for guide in lot.guides]
    return LotStatement(lot, guides, rules.sum_totals(g.totals for g in guides))


def guide_statement(guide: Guide) -> GuideRow:
    """The statement of one guide (its items and their glosas only)."""
    by_item: dict[int, list[Glosa]] = defaultdict(list)
    for glosa in db.session.scalars(select(Glosa).where(Glosa.guide_id == guide.id)
                                    .options(selectinload(Glosa.code)).order_by(Glosa.id)):
        by_item[glosa.guide_item_id].append(glosa)
    return _guide_row(guide, by_item)


@dataclass
class GuideSummary:
    guide: Guide
    totals: Totals
    glosa_codes: list[str]


@dataclass
class LotSummary:
    lot: Lot
    guides: list[GuideSummary]
    totals: Totals


def lot_summary(lot: Lot) -> LotSummary:
    """The lot's statement one line per guide (totals added up by the database, items not loaded):
    what the lot page shows; each guide's items are on its own page (``guide_statement``)."""
    guides = db.session.scalars(select(Guide).where(Guide.lot_id == lot.id).options(
        selectinload(Guide.beneficiary)).order_by(Guide.number)).all()
    totals = guide_totals([lot.id])
    codes: dict[int, list[str]] = defaultdict(list)
    for guide_id, code in db.session.execute(select(Glosa.guide_id, GlosaCode.code).join(GlosaCode).where(
            Glosa.lot_id == lot.id).order_by(Glosa.id)):
        codes[guide_id].append(code)
    rows = [GuideSummary(g, totals.get(g.id, Totals()), codes.get(g.id, [])) for g in guides]
    return LotSummary(lot, rows, rules.sum_totals(r.totals for r in rows))


# Editing -------------------------------------------------------------------
def _require_editable(lot: Lot) -> None:
    if lot.status not in EDITABLE:
        raise AnalysisError("not_editable")


def start_values(lot: Lot) -> None:
    """Give items never analysed their default values: executed as billed, all released."""
    by_item = glosas_by_item(lot)
    for guide in lot.guides:
        for item in guide.items:
            if item.executed_quantity is None:
                item.executed_quantity = item.quantity
            if item.processed_amount is None:
                item.processed_amount = rules.processed_amount(item.unit_price, item.executed_quantity)
            item.released_amount = rules.released_amount(item.processed_amount,
                                                         [g.amount for g in by_item.get(item.id, [])])
    db.session.flush()


def _item_glosas(item: GuideItem) -> list[Glosa]:
    return list(db.session.scalars(select(Glosa).where(Glosa.guide_item_id == item.id)))


def _refresh(item: GuideItem) -> None:
    item.released_amount = rules.released_amount(item.processed_amount, [g.amount for g in _item_glosas(item)])


def set_executed_quantity(item: GuideItem, executed) -> None:
    lot = item.guide.lot
    _require_editable(lot)
    executed = parse_quantity(executed, "executed_quantity", minimum=None)
    error = rules.check_executed_quantity(executed, item.quantity)
    if error:
        _fail(error, "executed_quantity")
    processed = rules.processed_amount(item.unit_price, executed)
    glosa_total = sum((g.amount for g in _item_glosas(item)), Decimal("0.00"))
    if glosa_total > processed:
        _fail("above_processed", "executed_quantity")
    item.executed_quantity, item.processed_amount = executed, processed
    _refresh(item)
    db.session.flush()


def add_glosa(item: GuideItem, amount, code: GlosaCode, reason: str | None, actor) -> Glosa:
    guide = item.guide
    lot = guide.lot
    _require_editable(lot)
    if item.processed_amount is None:
        start_values(lot)
    amount = _money(amount, "amount")
    others = sum((g.amount for g in _item_glosas(item)), Decimal("0.00"))
    error = rules.check_glosa(amount, item.processed_amount, others)
    if error:
        _fail(error, "amount")
    glosa = Glosa(provider_id=lot.provider_id, lot_id=lot.id, guide_id=guide.id, guide_item_id=item.id,
                  code_id=code.id, amount=amount, reason=(reason or "").strip()[:1000] or None,
                  created_by_id=actor.id)
    db.session.add(glosa)
    db.session.flush()
    _refresh(item)
    db.session.flush()
    return glosa


def remove_glosa(glosa: Glosa) -> None:
    item = glosa.guide_item
    _require_editable(glosa.lot)
    db.session.delete(glosa)
    db.session.flush()
    _refresh(item)
    db.session.flush()


def glosa_guide(guide: Guide, code: GlosaCode, reason: str | None, actor) -> list[Glosa]:
    """Disallow whatever is still released on every item of the guide."""
    lot = guide.lot
    _require_editable(lot)
    start_values(lot)
    out = []
    for item in guide.items:
        left = rules.remaining(item.processed_amount, [g.amount for g in _item_glosas(item)])
        if left > 0:
            out.append(add_glosa(item, left, code, reason, actor))
    return out


def accept_guide(guide: Guide) -> None:
    """Accept the guide as billed: executed quantities as billed, no glosas."""
    lot = guide.lot
    _require_editable(lot)
    for item in guide.items:
        for glosa in _item_glosas(item):
            db.session.delete(glosa)
        item.executed_quantity = item.quantity
        item.processed_amount = rules.processed_amount(item.unit_price, item.quantity)
        item.released_amount = item.processed_amount
    db.session.flush()


def finish(lot: Lot, actor) -> None:
    """End the analysis: values complete, lot to Analysed (stamps the analyst)."""
    start_values(lot)
    transition(lot, LotStatus.ANALYSED, actor)


def lot_released_total(lot: Lot) -> Decimal:
    return lot_totals([lot.id]).get(lot.id, Totals()).released


# Invoice debits (IOMA) -------------------------------------------------------
def _money(value, field: str) -> Decimal:
    return parse_money(value, field, minimum=None)


def invoice_debits(invoice: Invoice) -> list[Glosa]:
    return list(db.session.scalars(
        select(Glosa).where(Glosa.invoice_id == invoice.id).options(selectinload(Glosa.code)).order_by(Glosa.id)
    ))


def debit_invoice(invoice: Invoice, amount, code: GlosaCode, reason: str | None, actor) -> Glosa:
    if not can(actor, "debit", "invoice"):
        raise AnalysisError("forbidden_debit")
    if invoice.status not in DEBITABLE:
        raise AnalysisError("not_debitable")
    amount = _money(amount, "amount")
    error = rules.check_invoice_debit(amount, invoice.amount, invoice.debited_amount or Decimal("0.00"))
    if error:
        _fail(error, "amount")
    glosa = Glosa(provider_id=invoice.provider_id, invoice_id=invoice.id, code_id=code.id, amount=amount,
                  reason=(reason or "").strip()[:1000] or None, created_by_id=actor.id)
    db.session.add(glosa)
    invoice.debited_amount = (invoice.debited_amount or Decimal("0.00")) + amount
    db.session.flush()
    return glosa


def remove_invoice_debit(glosa: Glosa) -> None:
    invoice = glosa.invoice
    if invoice.status not in DEBITABLE:
        raise AnalysisError("not_debitable")
    invoice.debited_amount = to_money(invoice.debited_amount - glosa.amount)
    db.session.delete(glosa)
    db.session.flush()
