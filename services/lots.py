"""Issuing, splitting, following and reversing lots of guides.

One place for the lot rules, shared by the lot builder, "Faturamento de
atendimentos" and the TISS XML intake:

* a lot holds guides of ONE type, at most ``PayerSettings.max_guides_per_lot``;
* a guide is in at most one active lot: guides are attached with a conditional
  ``UPDATE guide SET lot_id = :lot WHERE id IN (...) AND lot_id IS NULL`` whose
  row count must match, so two tabs sending the same guide at once cannot both
  win (the second waits for the first's row locks, then sees ``lot_id`` set);
  cancelling / reversing / deleting a lot sets ``lot_id`` back to NULL;
* lot total = sum of its guides = sum of their items, recomputed here;
* the provider may change a lot only while it is Recebido and has no
  processing date (enforced here, whatever the screen).

The automatic adjudication (``services.adjudication``) moves lots with these functions;
``services.lot_flow`` runs it at a user's steps (issuing a lot, starting an analysis).

Functions flush but never commit: the caller owns the transaction and commits
once (nothing half-written); on a refusal the session is rolled back.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from models import (
    Guide,
    GuideItem,
    Lot,
    PayerSettings,
    PaymentCalendarEntry,
)
from models.audit import _current_actor, append_rows
from models.base import db, to_money, utcnow
from models.chunk_memo import once
from models.enums import AuditAction, GuideType, LotSource, LotStatus
from models.errors import CodedError
from models.permissions import acts_for, can
from models.rules.guide_checks import Occurrence, facts_from_guide, guide_occurrences
from models.sequences import next_value
from models.values import Competence, InvalidValue
from models.workflow import transition
from services import analysis
from services.pricing import prices_for_competence
from services.visibility import visible

ZERO = Decimal("0.00")
DEFAULT_MAX_GUIDES = 100


class LotError(CodedError):
    """A refused lot operation; ``code`` says why, ``message`` is translated."""

    MESSAGES = {
        "empty": _l("Select at least one guide."),
        "mixed_types": _l("A lot holds guides of one type only."),
        "too_many": _l("A lot holds at most %(max)s guides."),
        "other_provider": _l("A selected guide belongs to another provider."),
        "taken": _l("A selected guide is already in another active lot. Reload and try again."),
        "duplicate_number": _l("This lot number was already used by an active lot."),
        "reserved_number": _l("Lot numbers of 12 digits starting with 9 are reserved for lots built in the "
                              "portal; send this lot with another number."),
        "competence": _l("Enter the competence as MM/YYYY."),
        "locked": _l("The lot is locked: the payer has started processing it."),
        "forbidden": _l("You are not allowed to change this lot."),
        "last_guide": _l("A lot needs at least one guide: delete or reverse the lot instead."),
        "not_in_lot": _l("This guide is not in the lot."),
        "reason": _l("A reason is required."),
    }


# Lot numbers ----------------------------------------------------------------------
# A lot built here (builder, billing by period) has no number of the provider's, so it gets one from
# its protocol in a space the provider's TISS files may not use: 12 digits (numeroLote is st_texto12,
# and the appeal messages carry it as st_numerico12, so it must stay numeric) starting with 9.
BUILDER_NUMBER_PREFIX = "9"


def builder_lot_number(protocol: int) -> str:
    """``9`` + the protocol on 11 digits: unique (protocols are) and never a provider-sent number."""
    return f"{BUILDER_NUMBER_PREFIX}{protocol % 10**11:011d}"


def is_builder_lot_number(number: str | None) -> bool:
    """True for numbers of the builder's space: the TISS intake refuses files that use one."""
    return (number is not None and len(number) == 12 and number.startswith(BUILDER_NUMBER_PREFIX)
            and all("0" <= ch <= "9" for ch in number))


# Settings and lookups -------------------------------------------------------------
def max_guides_per_lot(settings: PayerSettings | None = None) -> int:
    """The payer's limit; pass ``settings`` when already loaded (saves a query)."""
    settings = settings or PayerSettings.current()
    return (settings.max_guides_per_lot if settings and settings.max_guides_per_lot else DEFAULT_MAX_GUIDES)


def expected_payment_date(received_on: date) -> date | None:
    """Payment calendar: the first cut-off on or after ``received_on`` gives the payment date."""
    return once(("payment_date", received_on), lambda: db.session.scalar(
        sa.select(PaymentCalendarEntry.payment_date)
        .where(PaymentCalendarEntry.received_until >= received_on)
        .order_by(PaymentCalendarEntry.received_until)
        .limit(1)
    ))


# Occurrences --------------------------------------------------------------------
def occurrences_for(guides: Iterable[Guide], competence: str, *, today: date | None = None,
                    prices: dict[str, Decimal] | None = None) -> dict[int, list[Occurrence]]:
    """Guide id → occurrences for billing it in ``competence`` (items must be loadable)."""
    today = today or date.today()
    out: dict[int, list[Occurrence]] = {}
    cache: dict[int, dict[str, Decimal]] = {}
    for guide in guides:
        if prices is not None:
            table = prices
        else:
            if guide.provider_id not in cache:
                cache[guide.provider_id] = prices_for_competence(guide.provider_id, competence)
            table = cache[guide.provider_id]
        out[guide.id] = guide_occurrences(
            facts_from_guide(guide), competence=competence, today=today, prices=table,
            in_active_lot=guide.lot_id is not None,
        )
    return out


# Totals ---------------------------------------------------------------------------
def recompute_guide_total(guide: Guide) -> Decimal:
    total = sum((to_money(i.total_amount) for i in guide.items), ZERO)
    if guide.total_amount != total:  # assign only on change: an unchanged guide stays clean (cheap flush)
        guide.total_amount = total
    return guide.total_amount


def recompute_lot_total(lot: Lot, guide_ids: Sequence[int] | None = None) -> Decimal:
    """Lot total = Σ of its guides, from the database. ``guide_ids`` (the guides just attached) lets
    the query use the primary key: SQLite's planner scans the table for ``lot_id = ?`` when most
    guides have no lot yet (its statistics then see one huge NULL group)."""
    db.session.flush()
    where = [Guide.lot_id == lot.id]
    if guide_ids is not None:
        where.append(Guide.id.in_(list(guide_ids)))
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Guide.total_amount), 0)).where(*where)
    )
    lot.total_amount = to_money(total or 0)
    return lot.total_amount


def lot_integrity(lot: Lot) -> tuple[Decimal, Decimal, Decimal]:
    """(lot total, sum of guides, sum of items) straight from the database."""
    guides_sum = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Guide.total_amount), 0)).where(Guide.lot_id == lot.id))
    items_sum = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(GuideItem.total_amount), 0))
        .join(Guide, Guide.id == GuideItem.guide_id).where(Guide.lot_id == lot.id))
    return to_money(lot.total_amount), to_money(guides_sum or 0), to_money(items_sum or 0)


# Issuing --------------------------------------------------------------------------
def _audit_guides_attached(guide_ids: Sequence[int], old_lot: int | None, new_lot: int | None,
                           reason: str | None = None) -> None:
    """The conditional UPDATE bypasses the ORM flush: write its audit rows (one insert)."""
    actor_id, actor_label, ip = _current_actor()
    now = utcnow()
    append_rows(db.session(), [
        {"at": now, "actor_id": actor_id, "actor_label": actor_label, "entity": "guide", "entity_id": gid,
         "action": AuditAction.UPDATE.value, "changes": {"lot_id": [old_lot, new_lot]}, "reason": reason, "ip": ip}
        for gid in guide_ids
    ])


def _check_size_and_competence(guide_count: int, competence: str) -> None:
    """At least one and at most ``max_guides_per_lot`` guides, and a valid competence."""
    if guide_count < 1:
        raise LotError("empty")
    try:
        Competence.parse(competence)
    except InvalidValue as exc:
        raise LotError("competence") from exc
    limit = max_guides_per_lot()
    if guide_count > limit:
        raise LotError("too_many", max=limit)


def open_lot(provider, *, guide_type: GuideType, guide_count: int, competence: str, actor,
             source: LotSource = LotSource.BUILDER, number: str | None = None, description: str | None = None,
             total: Decimal = ZERO, number_checked: bool = False) -> Lot:
    """Insert a Recebido lot with a fresh protocol, before its guides are attached.

    Checks what does not depend on the guide rows: at least one and at most
    ``max_guides_per_lot`` guides, a valid competence, and ``number`` (the
    provider's own, from a TISS file: the intake keeps it out of the builder's
    space) not used by another active lot of the provider (LotError, session
    rolled back on a concurrent clash); without ``number`` the lot gets
    ``builder_lot_number``.
    ``total`` is the sum of the guides about to be attached. ``number_checked``: the caller looked
    ``number`` up in this transaction already (the TISS receiver answers a clash with its protocol).
    """
    _check_size_and_competence(guide_count, competence)
    if number is not None and not number_checked:
        clash = db.session.scalar(sa.select(Lot.id).where(
            Lot.provider_id == provider.id, Lot.number == number, Lot.status != LotStatus.CANCELLED).limit(1))
        if clash:
            raise LotError("duplicate_number")

    protocol = next_value("protocol")
    sent_at = utcnow()
    number = number or builder_lot_number(protocol)
    lot = Lot(
        provider_id=provider.id, number=number,
        description=description or f"LOTE_{number}_{Competence.parse(competence).label}",
        guide_type=guide_type, competence=competence, source=source, protocol_number=protocol,
        status=LotStatus.RECEIVED, sent_at=sent_at, expected_payment_date=expected_payment_date(sent_at.date()),
        total_amount=to_money(total), created_by_id=getattr(actor, "id", None),
    )
    db.session.add(lot)
    try:
        db.session.flush()
    except sa_exc.IntegrityError as exc:
        db.session.rollback()
        raise LotError("duplicate_number") from exc
    return lot


def attach_guides(lot: Lot, guide_ids: Sequence[int]) -> None:
    """Put existing guides of the lot's provider into ``lot``; the database decides.

    Only guides still free are taken, all or nothing: LotError('taken') (session
    rolled back) when another lot got one of them first.
    """
    ids = sorted(set(guide_ids))
    if not ids:
        return
    result = db.session.execute(
        sa.update(Guide.__table__)
        # coalesce(): "lot_id IS NULL" would tempt SQLite into scanning ix_guide_lot_id (every free
        # guide) instead of the primary key; lot ids are positive, so 0 means "no lot".
        .where(Guide.__table__.c.id.in_(ids), sa.func.coalesce(Guide.__table__.c.lot_id, 0) == 0,
               Guide.__table__.c.provider_id == lot.provider_id)
        .values(lot_id=lot.id, version_id=Guide.__table__.c.version_id + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(ids):
        db.session.rollback()
        raise LotError("taken")
    _audit_guides_attached(ids, None, lot.id)
    for guide_id in ids:
        guide = db.session.identity_map.get(identity_key(Guide, guide_id))
        if guide is not None:
            db.session.expire(guide, ["lot_id", "lot", "version_id"])
    db.session.expire(lot, ["guides"])


def issue_lot(provider, guides: Sequence[Guide], *, competence: str, actor, source: LotSource = LotSource.BUILDER,
              number: str | None = None, description: str | None = None) -> Lot:
    """Create ONE lot of ``guides`` (one type, ≤ max) with a protocol, and attach the guides.

    Raises LotError (session rolled back) when the guides are of several types,
    too many, another provider's, or already in an active lot — the last one
    checked by the database itself, so concurrent sends cannot both succeed.
    Screens and jobs issue through ``services.lot_flow``, which adjudicates the lot.
    """
    guides = list(guides)
    _check_size_and_competence(len(guides), competence)  # before the per-guide refusals
    types = {g.guide_type for g in guides}
    if len(types) != 1:
        raise LotError("mixed_types")
    if any(g.provider_id != provider.id for g in guides):
        raise LotError("other_provider")
    if any(g.lot_id is not None for g in guides):
        raise LotError("taken")
    ids = {g.id for g in guides}
    if len(ids) != len(guides):
        raise LotError("taken")

    for guide in guides:
        recompute_guide_total(guide)
    lot = open_lot(provider, guide_type=GuideType(types.pop()), guide_count=len(guides), competence=competence,
                   actor=actor, source=source, number=number, description=description,
                   total=sum((to_money(g.total_amount) for g in guides), ZERO))
    attach_guides(lot, ids)
    # Totals from the database, so lot = Σ guides holds even if a guide changed meanwhile.
    recompute_lot_total(lot, ids)
    db.session.flush()
    return lot


@dataclass
class SendResult:
    """What "Enviar p/ Operadora" did: the Resumo do Processamento do Lote."""

    provider: object
    competence: str
    guide_type: GuideType | None
    lots: list[Lot] = field(default_factory=list)
    errors: list[tuple[str, list[Occurrence]]] = field(default_factory=list)
    guide_numbers: dict[int, list[str]] = field(default_factory=dict)  # lot id → guides sent in it

    @property
    def total(self) -> Decimal:
        return sum((lot.total_amount for lot in self.lots), ZERO)

    @property
    def guide_count(self) -> int:
        return sum(len(numbers) for numbers in self.guide_numbers.values())


def chunks(seq: Sequence, size: int) -> list[list]:
    return [list(seq[i:i + size]) for i in range(0, len(seq), size)]


def send_lots(provider, guides: Sequence[Guide], *, competence: str, actor, issued: Callable[[Lot], object],
              source: LotSource = LotSource.BUILDER, today: date | None = None) -> SendResult:
    """Validate ``guides`` again, then split the clean ones by type into lots of ≤ max guides;
    ``issued`` is called with each lot as soon as it is issued (``services.lot_flow``: its adjudication).

    Guides with occurrences are left out and reported in ``errors``; a
    concurrency conflict rolls everything back (LotError 'taken').
    """
    guides = sorted(guides, key=lambda g: (g.guide_type.value, g.number))
    if not guides:
        raise LotError("empty")
    if any(g.provider_id != provider.id for g in guides):
        raise LotError("other_provider")
    occurrences = occurrences_for(guides, competence, today=today)
    clean = [g for g in guides if not occurrences[g.id]]
    types = sorted({g.guide_type for g in guides}, key=lambda t: t.value)
    result = SendResult(provider=provider, competence=competence, guide_type=types[0] if len(types) == 1 else None)
    result.errors = [(g.number, occurrences[g.id]) for g in guides if occurrences[g.id]]
    limit = max_guides_per_lot()
    for guide_type in types:
        of_type = [g for g in clean if g.guide_type == guide_type]
        for part in chunks(of_type, limit):
            lot = issue_lot(provider, part, competence=competence, actor=actor, source=source)
            issued(lot)
            result.lots.append(lot)
            result.guide_numbers[lot.id] = [g.number for g in part]
    return result


def load_guides(provider_id: int, ids: Iterable[int]) -> list[Guide]:
    """The provider's guides with these ids, items and beneficiary loaded (others' ids are ignored)."""
    ids = list({int(i) for i in ids})
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(Guide).where(Guide.provider_id == provider_id, Guide.id.in_(ids))
        .options(selectinload(Guide.items), selectinload(Guide.beneficiary))
        .order_by(Guide.number)
    ))


# Following and reversing ----------------------------------------------------------
def provider_may_change(lot: Lot) -> bool:
    """Providers may change a lot only while Recebido and not yet processed."""
    return lot.status == LotStatus.RECEIVED and lot.processing_date is None


def _check_provider_change(lot: Lot, actor, action: str) -> None:
    if not can(actor, action, "lot"):
        raise LotError("forbidden")
    if actor.is_provider:
        if not acts_for(actor, lot.provider_id):
            raise LotError("forbidden")
        if not provider_may_change(lot):
            raise LotError("locked")
    elif lot.status != LotStatus.RECEIVED:
        raise LotError("locked")


def _release_guides(lot: Lot, reason: str | None) -> list[int]:
    ids = list(db.session.scalars(sa.select(Guide.id).where(Guide.lot_id == lot.id)))
    if ids:
        db.session.execute(
            sa.update(Guide.__table__).where(Guide.__table__.c.lot_id == lot.id)
            .values(lot_id=None, version_id=Guide.__table__.c.version_id + 1)
            .execution_options(synchronize_session=False)
        )
        _audit_guides_attached(ids, lot.id, None, reason)
        for guide in list(db.session.identity_map.values()):
            if isinstance(guide, Guide) and guide.id in ids:
                db.session.expire(guide, ["lot_id", "lot", "version_id"])
    db.session.expire(lot, ["guides"])
    return ids


def reverse_lot(lot: Lot, actor, reason: str) -> Lot:
    """Estorno: cancel the lot (status Cancelado) and release its guides for a new lot."""
    reason = (reason or "").strip()
    if not reason:
        raise LotError("reason")
    _check_provider_change(lot, actor, "cancel")
    transition(lot, LotStatus.CANCELLED, actor, reason)
    _release_guides(lot, reason)
    lot.total_amount = ZERO
    db.session.flush()
    return lot


def delete_lot(lot: Lot, actor, reason: str | None = None) -> None:
    """Delete a lot still Recebido (the audit log keeps its history) and release its guides."""
    _check_provider_change(lot, actor, "delete")
    _release_guides(lot, reason)
    db.session.delete(lot)
    db.session.flush()


def remove_guide(lot: Lot, guide: Guide, actor) -> Lot:
    """Take one guide out of a lot still Recebido; the lot total follows."""
    _check_provider_change(lot, actor, "cancel")
    if guide.lot_id != lot.id:
        raise LotError("not_in_lot")
    remaining = db.session.scalar(sa.select(sa.func.count()).where(Guide.lot_id == lot.id))
    if remaining <= 1:
        raise LotError("last_guide")
    guide.lot = None
    db.session.flush()
    db.session.expire(lot, ["guides"])
    recompute_lot_total(lot)
    db.session.flush()
    return lot


def record_physical_receipt(lot: Lot, received_on: date, actor) -> Lot:
    """Clerk: Data Receb. Físico; the expected payment date follows the payment calendar."""
    if not can(actor, "receive", "lot"):
        raise LotError("forbidden")
    if lot.status == LotStatus.CANCELLED:
        raise LotError("locked")
    lot.physical_received_at = received_on
    lot.expected_payment_date = expected_payment_date(received_on) or lot.expected_payment_date
    db.session.flush()
    return lot


def move_lot(lot: Lot, target: LotStatus, actor, reason: str | None = None) -> Lot:
    """A status change of a lot through the workflow; leaving Recebido stamps the processing date (lock);
    starting the analysis gives every item its default values; finishing it completes them
    (``services.analysis``). The screens move lots through ``services.lot_flow``, which adds the
    proposing rules' glosas when an analysis starts; the automatic adjudication calls this directly."""
    if target == LotStatus.CANCELLED:
        return reverse_lot(lot, actor, reason or "")
    if target == LotStatus.ANALYSED:
        analysis.finish(lot, actor)
    else:
        transition(lot, target, actor, reason)
    if lot.processing_date is None:
        lot.processing_date = date.today()
    if target == LotStatus.IN_ANALYSIS:
        analysis.start_values(lot)
    if reason and target == LotStatus.AWAITING_INFO:
        lot.rejection_note = reason
    db.session.flush()
    return lot


def lot_search_query(user, *, guide_type: GuideType | None = None,
                     guide_number: str | None = None, start: date | None = None, end: date | None = None,
                     protocol: int | None = None, status: LotStatus | None = None):
    """Lots ``user`` may see, filtered as in the portal's "Tipo, Guia, Período, Protocolo, Situação" bar."""
    query = visible(sa.select(Lot), user, "lot")
    if guide_type is not None:
        query = query.where(Lot.guide_type == guide_type)
    if guide_number:
        query = query.where(Lot.id.in_(sa.select(Guide.lot_id).where(Guide.number == guide_number.strip())))
    if start is not None:
        query = query.where(Lot.sent_at >= datetime.combine(start, datetime.min.time()))
    if end is not None:
        query = query.where(Lot.sent_at < datetime.combine(end + timedelta(days=1), datetime.min.time()))
    if protocol is not None:
        query = query.where(Lot.protocol_number == protocol)
    if status is not None:
        query = query.where(Lot.status == status)
    return query.order_by(Lot.id.desc())


# Lots whose analysis is finished: their released values are final (NF report, TISS inquiries).
ANALYSED_STATUSES = (LotStatus.ANALYSED, LotStatus.RELEASED, LotStatus.PAID, LotStatus.CLOSED_UNPAID)


def lots_already_sent(provider_id: int, guide_ids: list[int], actor_id: int) -> list[Lot]:
    """The active lots ``actor_id`` already sent with exactly these guides (a double submit), else []."""
    rows = db.session.execute(
        sa.select(Guide.lot_id).where(Guide.provider_id == provider_id, Guide.id.in_(guide_ids))).all()
    lot_ids = {r[0] for r in rows}
    if not rows or None in lot_ids:
        return []
    lots = list(db.session.scalars(sa.select(Lot).where(Lot.id.in_(lot_ids), Lot.status != LotStatus.CANCELLED)))
    if len(lots) != len(lot_ids) or any(lot.created_by_id != actor_id for lot in lots):
        return []
    return sorted(lots, key=lambda lot: lot.id)
