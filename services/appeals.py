"""Recurso de glosa: the provider appeals glosas of a released lot; a clerk decides.

Accepted amounts are paid by the next payment order (``services.payments``)
as a line of kind APPEAL. Every status change goes through the workflow.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Appeal, AppealItem, Attachment, AuditLog, Glosa, Guide, Lot
from models.base import db, utcnow
from models.enums import AppealStatus, AttachmentKind, LotStatus
from models.errors import CodedError
from models.permissions import acts_for, can
from models.rules import appeals as rules
from models.values import parse_money
from models.workflow import transition
from services import keyset, storage
from services.analysis import PROVIDER_VISIBLE
from services.payables import payable_appeals
from services.visibility import visible

ZERO = Decimal("0.00")
APPEALABLE_LOTS = (LotStatus.RELEASED, LotStatus.PAID, LotStatus.ANALYSED)
MAX_ATTACHMENT = 5 * 1024 * 1024


class AppealError(CodedError):
    MESSAGES = {
        "required": _l("This field is required."),
        "too_long": _l("The justification may have at most 500 characters."),
        "negative": _l("The amount cannot be negative."),
        "above_glosa": _l("The amount appealed cannot exceed what is left of the glosa."),
        "above_appealed": _l("The amount accepted cannot exceed the amount appealed."),
        "lot_status": _l("Glosas of this lot cannot be appealed in its current status."),
        "not_found": _l("Lot not found."),
        "not_in_lot": _l("This glosa does not belong to the lot."),
        "nothing": _l("Appeal at least one glosa with an amount."),
        "file_size": _l("Each attachment may have at most 5 MB."),
        "file_type": _l("Attachments must be PDF files."),
        "decided": _l("This appeal was already decided."),
        "reason": _l("A reason is required when an appeal is not fully accepted."),
    }


def _fail(code: str, field: str | None = None):
    raise AppealError(code, field)


APPEALS_PAGE = 50


def appeal_page(user, status: AppealStatus | None = None, cursor: str | None = None,
                size: int = APPEALS_PAGE) -> keyset.Page[Appeal]:
    """The appeals ``user`` may see (of ``status``), newest first, a page at a time with what each row shows
    (provider, lot, guide) loaded in three queries, not three per row."""
    query = visible(select(Appeal), user, "appeal").options(
        selectinload(Appeal.provider), selectinload(Appeal.lot), selectinload(Appeal.guide))
    if status is not None:
        query = query.where(Appeal.status == status)
    return keyset.seek(query, (Appeal.id,), (int,), cursor, size, descending=True)


def claimed(glosa_id: int, excluding_appeal: int | None = None) -> Decimal:
    """What other appeals already ask (pending) or obtained (decided) on a glosa."""
    pending = (AppealStatus.OPEN, AppealStatus.IN_ANALYSIS)
    rows = db.session.execute(
        select(AppealItem.amount_appealed, AppealItem.amount_accepted, Appeal.status)
        .join(Appeal, Appeal.id == AppealItem.appeal_id)
        .where(AppealItem.glosa_id == glosa_id, Appeal.id != (excluding_appeal or 0))
    ).all()
    total = ZERO
    for appealed, accepted, status in rows:
        total += appealed if status in pending else (accepted or ZERO)
    return total


@dataclass
class Appealable:
    glosa: Glosa
    available: Decimal


def glosas_by_guide(user, lot: Lot) -> dict[int, list[Appealable]]:
    """The lot's glosas per guide id, for a user who may appeal them once the analysis is out (the
    "Recurso de glosa" action beside each glosa); empty otherwise."""
    if not can(user, "create", "appeal") or lot.status not in PROVIDER_VISIBLE:
        return {}
    out: dict[int, list[Appealable]] = {}
    for row in appealable_glosas(lot):
        out.setdefault(row.glosa.guide_id, []).append(row)
    return out


def appealable_glosas(lot: Lot, guide: Guide | None = None) -> list[Appealable]:
    query = select(Glosa).where(Glosa.lot_id == lot.id).options(
        selectinload(Glosa.code), selectinload(Glosa.guide_item), selectinload(Glosa.guide)).order_by(Glosa.id)
    if guide is not None:
        query = query.where(Glosa.guide_id == guide.id)
    out = []
    for glosa in db.session.scalars(query):
        out.append(Appealable(glosa, rules.appealable(glosa.amount, claimed(glosa.id))))
    return out


def _amount(value, field) -> Decimal | None:
    return parse_money(value, field, minimum=None)


def create_appeal(lot: Lot, actor, justification: str, amounts: dict[int, object],
                  guide: Guide | None = None, files: list[tuple[str, bytes]] = ()) -> Appeal:
    """``amounts``: glosa id → amount appealed (blank or zero: not appealed)."""
    if lot.status not in APPEALABLE_LOTS:
        raise AppealError("lot_status")
    if not acts_for(actor, lot.provider_id):
        raise AppealError("not_found")
    error = rules.check_justification(justification)
    if error:
        _fail(error, "justification")
    available = {a.glosa.id: a for a in appealable_glosas(lot, guide)}
    items = []
    for glosa_id, raw in amounts.items():
        field = f"amount_{glosa_id}"
        if glosa_id not in available:
            raise AppealError("not_in_lot", field)
        amount = _amount(raw, field)
        if amount is None or amount == 0:
            continue
        error = rules.check_appeal_amount(amount, available[glosa_id].available)
        if error:
            _fail(error, field)
        items.append(AppealItem(glosa_id=glosa_id, amount_appealed=amount))
    if not items:
        raise AppealError("nothing", "amounts")
    for _name, data in files:
        if len(data) > MAX_ATTACHMENT:
            raise AppealError("file_size", "attachments")
        if not storage.is_pdf(data):
            raise AppealError("file_type", "attachments")
    appeal = Appeal(provider_id=lot.provider_id, lot_id=lot.id, guide_id=guide.id if guide else None,
                    justification=justification.strip(), created_by_id=actor.id, status=AppealStatus.OPEN,
                    requested_amount=sum((i.amount_appealed for i in items), ZERO))
    appeal.items = items
    db.session.add(appeal)
    db.session.flush()
    for name, data in files:
        stored = storage.save(data, "appeals", ".pdf")
        db.session.add(Attachment(appeal_id=appeal.id, kind=AttachmentKind.APPEAL_DOCUMENT,
                                  original_name=(name or "document.pdf")[-200:], stored_name=stored.stored_name,
                                  content_type="application/pdf", size=stored.size, sha256=stored.sha256,
                                  uploaded_by_id=actor.id))
    db.session.flush()
    return appeal


def start_analysis(appeal: Appeal, actor) -> None:
    transition(appeal, AppealStatus.IN_ANALYSIS, actor)


def decide(appeal: Appeal, actor, accepted: dict[int, object], reason: str | None) -> AppealStatus:
    """``accepted``: appeal item id → amount accepted. Derives accepted/partial/denied.

    Everything is checked before the first status change, so a refused decision writes nothing.
    """
    if appeal.status not in (AppealStatus.OPEN, AppealStatus.IN_ANALYSIS):
        raise AppealError("decided")
    pairs = []
    values = {}
    for item in appeal.items:
        field = f"accepted_{item.id}"
        amount = _amount(accepted.get(item.id), field)
        error = rules.check_accepted_amount(amount, item.amount_appealed)
        if error:
            _fail(error, field)
        values[item.id] = amount
        pairs.append((item.amount_appealed, amount))
    target = rules.decision_status(pairs)
    if target != AppealStatus.ACCEPTED and not (reason or "").strip():
        raise AppealError("reason", "reason")
    if appeal.status == AppealStatus.OPEN:
        start_analysis(appeal, actor)
    transition(appeal, target, actor, reason)  # checks permission, four-eyes and the reason
    for item in appeal.items:
        item.amount_accepted = values[item.id]
    appeal.accepted_amount = sum(values.values(), ZERO)
    appeal.decision_reason = (reason or "").strip() or None
    appeal.decided_at = utcnow()
    db.session.flush()
    return target


def history(appeal: Appeal) -> list[AuditLog]:
    return list(db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "appeal", AuditLog.entity_id == appeal.id).order_by(AuditLog.id)
    ))


def unpaid_accepted(provider_id: int) -> list[Appeal]:
    return list(db.session.scalars(
        select(Appeal).where(Appeal.provider_id == provider_id, *payable_appeals()).order_by(Appeal.id)))

