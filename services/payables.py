"""What the payer owes and has not put in a payment order yet: accepted invoices, released lots
and accepted appeals without a payment-order line.

"Not in an order yet" is an anti-join (``NOT EXISTS``) on ``payment_order_line``'s unique
indexes (invoice_id, lot_id, appeal_id): one index probe per candidate, never a ``NOT IN`` list
rescanned per row. Candidates come from indexed (status, provider) filters. Every function here
answers in a fixed number of queries, whatever the number of providers or documents.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from models import Appeal, Invoice, Lot, PaymentOrderLine, Provider
from models.base import db, to_money
from models.enums import AppealStatus, InvoiceStatus, LotStatus, PaymentLineKind
from services.analysis_totals import lot_totals

ZERO = Decimal("0.00")
ACCEPTED_APPEALS = (AppealStatus.ACCEPTED, AppealStatus.PARTIALLY_ACCEPTED)
DESK_PAGE = 50


@dataclass
class Payable:
    kind: PaymentLineKind
    obj: object
    amount: Decimal

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.obj.id}"


@dataclass
class Payables:
    provider: Provider
    invoices: list[Payable] = field(default_factory=list)
    lots: list[Payable] = field(default_factory=list)
    appeals: list[Payable] = field(default_factory=list)

    @property
    def all(self) -> list[Payable]:
        return self.invoices + self.lots + self.appeals

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.all), ZERO)


# The three kinds of payable document, as WHERE clauses ------------------------------------------
def _not_in_an_order(line_column, id_column):
    return ~sa.exists().where(line_column == id_column)


def payable_invoices():
    return (Invoice.status == InvoiceStatus.ACCEPTED,
            _not_in_an_order(PaymentOrderLine.invoice_id, Invoice.id))


def payable_lots():
    return Lot.status == LotStatus.RELEASED, _not_in_an_order(PaymentOrderLine.lot_id, Lot.id)


def payable_appeals():
    return (Appeal.status.in_(ACCEPTED_APPEALS), Appeal.accepted_amount > 0,
            _not_in_an_order(PaymentOrderLine.appeal_id, Appeal.id))


# One provider -------------------------------------------------------------------------------------
def payables(provider: Provider) -> Payables:
    """Everything payable to one provider (three queries plus one for the lots' released totals)."""
    return payables_of([provider]).get(provider.id) or Payables(provider)


def payables_of(providers: Iterable[Provider]) -> dict[int, Payables]:
    """Everything payable to each of ``providers``, keyed by provider id, in four queries."""
    providers = {p.id: p for p in providers}
    if not providers:
        return {}
    ids = list(providers)
    out = {pid: Payables(p) for pid, p in providers.items()}
    for invoice in db.session.scalars(sa.select(Invoice).where(Invoice.provider_id.in_(ids), *payable_invoices())
                                      .order_by(Invoice.invoice_date, Invoice.id)):
        out[invoice.provider_id].invoices.append(Payable(PaymentLineKind.INVOICE, invoice, invoice.net_amount))
    lots = db.session.scalars(sa.select(Lot).where(Lot.provider_id.in_(ids), *payable_lots())
                              .order_by(Lot.protocol_number)).all()
    released = lot_totals(lot.id for lot in lots)
    for lot in lots:
        amount = released[lot.id].released if lot.id in released else ZERO
        out[lot.provider_id].lots.append(Payable(PaymentLineKind.LOT, lot, amount))
    for appeal in db.session.scalars(sa.select(Appeal).where(Appeal.provider_id.in_(ids), *payable_appeals())
                                     .order_by(Appeal.id)):
        out[appeal.provider_id].appeals.append(Payable(PaymentLineKind.APPEAL, appeal, appeal.accepted_amount))
    return {pid: p for pid, p in out.items() if p.all}


# The desk: providers with something to pay, a page at a time ---------------------------------------
@dataclass
class DeskRow:
    provider: Provider
    documents: int
    gross: Decimal


@dataclass
class DeskPage:
    rows: list[DeskRow]
    next_after: int | None  # the provider id to continue after, or None on the last page


def _has_payables():
    """A provider has at least one payable document: three indexed semi-joins that stop at the first
    document found, so the desk walks providers by name and never collects every payable document."""
    return sa.or_(
        sa.exists().where(Invoice.provider_id == Provider.id, *payable_invoices()),
        sa.exists().where(Lot.provider_id == Provider.id, *payable_lots()),
        sa.exists().where(Appeal.provider_id == Provider.id, *payable_appeals()),
    )


def _after(after_id: int | None):
    """Keyset condition: providers after ``after_id`` in (legal_name, id) order."""
    if after_id is None:
        return sa.true()
    last = sa.select(Provider.legal_name).where(Provider.id == after_id).scalar_subquery()
    return sa.or_(Provider.legal_name > last, sa.and_(Provider.legal_name == last, Provider.id > after_id))


def desk_page(after_id: int | None = None, size: int = DESK_PAGE) -> DeskPage:
    """One page of providers with payables, by name, with their document count and gross."""
    providers = db.session.scalars(
        sa.select(Provider).where(_has_payables(), _after(after_id))
        .order_by(Provider.legal_name, Provider.id).limit(size + 1)).all()
    more = len(providers) > size
    providers = providers[:size]
    sums = summaries([p.id for p in providers])
    rows = [DeskRow(p, *sums.get(p.id, (0, ZERO))) for p in providers]
    return DeskPage(rows, providers[-1].id if more else None)


def summaries(provider_ids: list[int]) -> dict[int, tuple[int, Decimal]]:
    """Per provider: how many payable documents and their gross (four grouped queries)."""
    if not provider_ids:
        return {}
    count: dict[int, int] = defaultdict(int)
    gross: dict[int, Decimal] = defaultdict(lambda: ZERO)
    invoice_rows = db.session.execute(
        sa.select(Invoice.provider_id, sa.func.count(), sa.func.sum(Invoice.amount - Invoice.debited_amount))
        .where(Invoice.provider_id.in_(provider_ids), *payable_invoices()).group_by(Invoice.provider_id))
    appeal_rows = db.session.execute(
        sa.select(Appeal.provider_id, sa.func.count(), sa.func.sum(Appeal.accepted_amount))
        .where(Appeal.provider_id.in_(provider_ids), *payable_appeals()).group_by(Appeal.provider_id))
    for pid, n, total in [*invoice_rows, *appeal_rows]:
        count[pid] += n
        gross[pid] += to_money(total or 0)
    lots = db.session.execute(sa.select(Lot.id, Lot.provider_id).where(
        Lot.provider_id.in_(provider_ids), *payable_lots())).all()
    released = lot_totals(lot_id for lot_id, _ in lots)
    for lot_id, pid in lots:
        count[pid] += 1
        gross[pid] += released[lot_id].released if lot_id in released else ZERO
    return {pid: (count[pid], gross[pid]) for pid in count}


def outstanding(provider: Provider) -> Decimal:
    """The gross of what is payable to ``provider`` (for its balance)."""
    return summaries([provider.id]).get(provider.id, (0, ZERO))[1]
