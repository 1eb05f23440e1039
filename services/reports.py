"""What providers read about their money: documents and balance (Mis comprobantes), reports by
period and the extrato sintético. Every function takes the provider explicitly; views pass the one
``services.visibility.provider_in_view`` answers for the user."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from models import Guide, Invoice, Lot, LotTotal, PaymentOrder, Provider, WithholdingCertificate
from models.base import db, to_money
from models.enums import InvoiceStatus, PaymentOrderStatus
from models.rules.analysis import Totals, sum_totals
from services import bulk_sql, keyset, payables, payments
from services.analysis_totals import guide_totals, lot_totals, summed_lot_totals

ZERO = Decimal("0.00")


# Mis comprobantes ------------------------------------------------------------
@dataclass
class Document:
    day: date
    number: str
    kind: str
    amount: Decimal
    paid: Decimal | None
    status: object
    endpoint: str
    args: dict


DOCS_PAGE = 50
ORDER_RANK, DEBIT_RANK = 1, 0  # at the same moment, orders are listed before debit notes


def _order_document(o: PaymentOrder) -> Document:
    return Document(o.paid_at or o.payment_date, f"{o.number:08d}", _("Payment order"), o.gross_amount,
                    o.net_amount if o.status == PaymentOrderStatus.PAID else None, o.status,
                    "provider_money.statement_pdf", {"order_id": o.id})


def _debit_document(inv: Invoice) -> Document:
    return Document(inv.last_movement_at.date(), inv.display_number, _("Debit note"), inv.debited_amount,
                    None, inv.status, "provider_money.debit_note_pdf", {"invoice_id": inv.id})


def documents(provider: Provider, cursor: str | None = None, size: int = DOCS_PAGE) -> keyset.Page[Document]:
    """Mis comprobantes, newest first, ``size`` at a time: payment orders (by the day paid, or due)
    and debit notes (by their last movement), each read through its own index and merged."""
    after = keyset.decode(cursor, datetime, int, int)
    order_day = func.coalesce(PaymentOrder.paid_at, PaymentOrder.payment_date)
    orders_q = select(PaymentOrder).where(PaymentOrder.provider_id == provider.id,
                                          PaymentOrder.status != PaymentOrderStatus.CANCELLED)
    debits_q = select(Invoice).where(Invoice.provider_id == provider.id, Invoice.debited_amount > 0)
    if after is not None:
        moment, rank, last_id = after
        if moment.time() != time.min:  # orders fall on midnights: every order of that day comes after
            orders_q = orders_q.where(order_day <= moment.date())
        else:
            orders_q = orders_q.where(or_(order_day < moment.date(), and_(
                order_day == moment.date(),
                true() if ORDER_RANK < rank else (PaymentOrder.id < last_id) if ORDER_RANK == rank else false())))
        debits_q = debits_q.where(or_(Invoice.last_movement_at < moment, and_(
            Invoice.last_movement_at == moment,
            true() if DEBIT_RANK < rank else (Invoice.id < last_id) if DEBIT_RANK == rank else false())))
    orders = db.session.scalars(orders_q.order_by(order_day.desc(), PaymentOrder.id.desc()).limit(size + 1))
    debits = db.session.scalars(debits_q.order_by(Invoice.last_movement_at.desc(), Invoice.id.desc())
                                .limit(size + 1))
    keyed = [((datetime.combine(o.paid_at or o.payment_date, time.min), ORDER_RANK, o.id), _order_document(o))
             for o in orders]
    keyed += [((inv.last_movement_at, DEBIT_RANK, inv.id), _debit_document(inv)) for inv in debits]
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    more = len(keyed) > size
    keyed = keyed[:size]
    return keyset.Page([doc for _key, doc in keyed], keyset.encode(*keyed[-1][0]) if more else None)


def balance(provider: Provider) -> Decimal:
    """Saldo: what the payer owes the provider now (payable documents plus unpaid orders' net)."""
    open_orders = db.session.scalar(select(func.coalesce(func.sum(PaymentOrder.net_amount), 0)).where(
        PaymentOrder.provider_id == provider.id, PaymentOrder.status.in_(payments.OPEN_ORDER)))
    return payables.outstanding(provider) + to_money(open_orders)


def certificates(provider: Provider, cursor: str | None = None, size: int = DOCS_PAGE) -> keyset.Page:
    query = select(WithholdingCertificate).where(WithholdingCertificate.provider_id == provider.id).options(
        selectinload(WithholdingCertificate.deduction))
    return keyset.newest_first(query, WithholdingCertificate.issued_at, WithholdingCertificate.number, cursor, size)


def orders(provider: Provider, cursor: str | None = None, size: int = DOCS_PAGE) -> keyset.Page:
    query = select(PaymentOrder).where(PaymentOrder.provider_id == provider.id,
                                       PaymentOrder.status != PaymentOrderStatus.CANCELLED)
    return keyset.newest_first(query, PaymentOrder.payment_date, PaymentOrder.number, cursor, size)


# Reports by period -----------------------------------------------------------
@dataclass
class LotLine:
    lot: Lot
    totals: Totals
    paid_on: date | None


@dataclass
class PeriodReport:
    provider: Provider
    start: date
    end: date
    lots: list[LotLine]          # one page of the period's lots (all of them for the PDF and CSV)
    invoices: list[Invoice]      # one page of the period's invoices (all of them for the PDF and CSV)
    totals: Totals               # of every lot of the period, whatever the page
    invoice_amount: Decimal      # of every invoice of the period, whatever the page
    invoice_debited: Decimal
    next_cursor: str | None = None
    next_invoices: str | None = None


PERIOD_PAGE = 50


def _sent_between(start: date, end: date):
    return Lot.sent_at >= datetime.combine(start, time.min), Lot.sent_at <= datetime.combine(end, time.max)


def _in_period(provider: Provider, start: date, end: date):
    """The provider's lots sent in the period (index on provider and send date)."""
    return select(Lot).where(Lot.provider_id == provider.id, *_sent_between(start, end))


def _lots_between(provider: Provider, start: date, end: date) -> list[Lot]:
    """Every lot of the period in send order, without their guides."""
    return list(db.session.scalars(_in_period(provider, start, end).order_by(Lot.sent_at, Lot.id)))


def _paid_on(lot_ids: list[int]) -> dict[int, date]:
    from models import PaymentOrderLine

    if not lot_ids:
        return {}
    rows = db.session.execute(select(PaymentOrderLine.lot_id, PaymentOrder.paid_at).join(PaymentOrder).where(
        bulk_sql.any_of(PaymentOrderLine.lot_id, lot_ids), PaymentOrder.status == PaymentOrderStatus.PAID))
    return {lot_id: paid for lot_id, paid in rows}


def _invoices_in(provider: Provider, start: date, end: date):
    """The provider's invoices dated in the period, drafts left out (index on provider and date)."""
    return select(Invoice).where(Invoice.provider_id == provider.id, Invoice.invoice_date >= start,
                                 Invoice.invoice_date <= end, Invoice.status != InvoiceStatus.DRAFT)


def _invoice_page(provider: Provider, start: date, end: date, cursor: str | None,
                  size: int | None) -> tuple[list[Invoice], str | None, Decimal, Decimal]:
    """(invoices, next cursor, amount, debited): ``size`` invoices after ``cursor`` in date order with the
    period's sums added up by the database, or every invoice (the PDF and CSV) and their sums."""
    query = _invoices_in(provider, start, end)
    if size:
        page = keyset.seek(query, (Invoice.invoice_date, Invoice.id), (date, int), cursor, size, descending=False)
        invoices, next_cursor = page.rows, page.next_cursor
    else:
        invoices, next_cursor = list(db.session.scalars(query.order_by(Invoice.invoice_date, Invoice.id))), None
    if next_cursor is None and not (size and cursor):  # every invoice of the period is here
        return (invoices, None, sum((i.amount for i in invoices), ZERO),
                sum((i.debited_amount for i in invoices), ZERO))
    amount, debited = db.session.execute(query.with_only_columns(
        func.coalesce(func.sum(Invoice.amount), 0), func.coalesce(func.sum(Invoice.debited_amount), 0))).one()
    return invoices, next_cursor, to_money(amount), to_money(debited)


def period_report(provider: Provider, start: date, end: date, cursor: str | None = None,
                  size: int | None = None, invoice_cursor: str | None = None) -> PeriodReport:
    """Lots sent in the period in send order and invoices dated in it in date order (each ``size`` after
    its cursor, or every one for the PDF and CSV), with the totals of the whole period added up by the
    database: a handful of indexed queries whatever the number of lots and invoices."""
    in_period = _in_period(provider, start, end)
    if size:
        page = keyset.seek(in_period, (Lot.sent_at, Lot.id), (datetime, int), cursor, size, descending=False)
        lots, next_cursor = page.rows, page.next_cursor
    else:
        lots, next_cursor = _lots_between(provider, start, end), None
    ids = [lot.id for lot in lots]
    paid, totals = _paid_on(ids), lot_totals(ids)
    lines = [LotLine(lot, totals.get(lot.id, Totals()), paid.get(lot.id)) for lot in lots]
    whole = (sum_totals(line.totals for line in lines) if next_cursor is None and cursor is None
             else summed_lot_totals(in_period.with_only_columns(Lot.id).subquery()))
    invoices, next_invoices, amount, debited = _invoice_page(provider, start, end, invoice_cursor, size)
    return PeriodReport(provider, start, end, lines, invoices, whole, amount, debited, next_cursor, next_invoices)


def lines_in(report: str, provider: Provider, start: date, end: date) -> int:
    """How many lines the whole report has, counted by the database: the period's guides (``extract``),
    or its lots and invoices (``period``)."""
    lots = _in_period(provider, start, end).with_only_columns(Lot.id)
    if report == "extract":
        return int(db.session.scalar(select(func.coalesce(func.sum(LotTotal.guides), 0)).where(
            bulk_sql.any_in(LotTotal.lot_id, lots))) or 0)
    invoices = _invoices_in(provider, start, end).with_only_columns(Invoice.id)
    return sum(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0 for query in (lots, invoices))


@dataclass
class ExtractLine:
    patient: str
    card: str
    guide: str
    protocol: int | None
    day: date | None
    totals: Totals


@dataclass
class Extract:
    provider: Provider
    start: date
    end: date
    lines: list[ExtractLine]
    totals: Totals
    next_cursor: str | None = None  # the screen shows a page of guides at a time


EXTRACT_PAGE = 100


def extract(provider: Provider, start: date, end: date, cursor: str | None = None,
            size: int | None = None) -> Extract:
    """Extrato sintético: patients and individual values of the period, and the gross total of the
    period. With ``size``, ``size`` guides after ``cursor`` (the screen); without, every guide (PDF, CSV).
    Four queries whatever the period: the period's totals, a page of guides, their lots, their totals. A page
    reads its guides off the (lot_id) index in lot order, never every lot or guide of the period (a busy
    clinic's quarter has 600 lots and 60,000 guides)."""
    lot_ids = _in_period(provider, start, end).with_only_columns(Lot.id)
    totals = summed_lot_totals(lot_ids.subquery())
    query = select(Guide).where(bulk_sql.any_in(Guide.lot_id, lot_ids)).options(selectinload(Guide.beneficiary))
    after = keyset.decode(cursor, int, str)
    if after is not None:
        query = query.where(or_(Guide.lot_id > after[0], and_(Guide.lot_id == after[0], Guide.number > after[1])))
    query = query.order_by(Guide.lot_id, Guide.number)
    guides = db.session.scalars(query.limit(size + 1) if size else query).all()
    more = size is not None and len(guides) > size
    guides = guides[:size] if size else guides
    shown = {g.lot_id for g in guides}
    lots = {lot.id: lot for lot in db.session.scalars(select(Lot).where(bulk_sql.any_of(Lot.id, shown)))} if shown \
        else {}
    by_guide = guide_totals(shown, [g.id for g in guides])
    lines = [ExtractLine(g.beneficiary.name, g.beneficiary.card_number, g.number, lots[g.lot_id].protocol_number,
                         g.execution_date or g.emission_date, by_guide.get(g.id, Totals())) for g in guides]
    next_cursor = keyset.encode(guides[-1].lot_id, guides[-1].number) if more else None
    return Extract(provider, start, end, lines, totals, next_cursor)
