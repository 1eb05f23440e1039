"""What providers read about their money: documents and balance (Mis comprobantes), reports by
period and the extrato sintético. Every function takes the provider explicitly; views pass the one
``services.visibility.provider_in_view`` answers for the user."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Guide, Invoice, Lot, PaymentOrder, Provider, WithholdingCertificate
from models.base import db
from models.enums import InvoiceStatus, PaymentOrderStatus
from models.rules.analysis import Totals, sum_totals
from services import analysis, payments

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


def documents(provider: Provider) -> list[Document]:
    out = []
    orders = db.session.scalars(select(PaymentOrder).where(
        PaymentOrder.provider_id == provider.id, PaymentOrder.status != PaymentOrderStatus.CANCELLED))
    for o in orders:
        out.append(Document(o.paid_at or o.payment_date, f"{o.number:08d}", _("Payment order"), o.gross_amount,
                            o.net_amount if o.status == PaymentOrderStatus.PAID else None, o.status,
                            "provider_money.statement_pdf", {"order_id": o.id}))
    debited = db.session.scalars(select(Invoice).where(Invoice.provider_id == provider.id, Invoice.debited_amount > 0))
    for inv in debited:
        out.append(Document(inv.last_movement_at.date(), inv.display_number, _("Debit note"), inv.debited_amount,
                            None, inv.status, "provider_money.debit_note_pdf", {"invoice_id": inv.id}))
    out.sort(key=lambda d: (d.day, d.number), reverse=True)
    return out


def balance(provider: Provider) -> Decimal:
    """Saldo: what the payer owes the provider now (payable documents plus unpaid orders' net)."""
    pending = payments.payables(provider).total
    open_orders = db.session.scalars(select(PaymentOrder.net_amount).where(
        PaymentOrder.provider_id == provider.id, PaymentOrder.status.in_(payments.OPEN_ORDER)))
    return pending + sum(open_orders, ZERO)


def certificates(provider: Provider) -> list[WithholdingCertificate]:
    return list(db.session.scalars(select(WithholdingCertificate).where(
        WithholdingCertificate.provider_id == provider.id).options(
        selectinload(WithholdingCertificate.deduction)).order_by(WithholdingCertificate.issued_at.desc(),
                                                                    WithholdingCertificate.number.desc())))


def orders(provider: Provider) -> list[PaymentOrder]:
    return list(db.session.scalars(select(PaymentOrder).where(
        PaymentOrder.provider_id == provider.id, PaymentOrder.status != PaymentOrderStatus.CANCELLED
    ).order_by(PaymentOrder.payment_date.desc(), PaymentOrder.number.desc())))


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
    lots: list[LotLine]
    invoices: list[Invoice]
    totals: Totals
    invoice_amount: Decimal
    invoice_debited: Decimal


def _lots_between(provider: Provider, start: date, end: date) -> list[Lot]:
    return list(db.session.scalars(select(Lot).where(
        Lot.provider_id == provider.id, Lot.sent_at >= datetime.combine(start, time.min),
        Lot.sent_at <= datetime.combine(end, time.max)).options(
        selectinload(Lot.guides).selectinload(Guide.items), selectinload(Lot.guides).selectinload(Guide.beneficiary),
    ).order_by(Lot.sent_at, Lot.id)))


def _paid_on(lot_ids: list[int]) -> dict[int, date]:
    from models import PaymentOrderLine

    rows = db.session.execute(select(PaymentOrderLine.lot_id, PaymentOrder.paid_at).join(PaymentOrder).where(
        PaymentOrderLine.lot_id.in_(lot_ids), PaymentOrder.status == PaymentOrderStatus.PAID))
    return {lot_id: paid for lot_id, paid in rows}


def period_report(provider: Provider, start: date, end: date) -> PeriodReport:
    lots = _lots_between(provider, start, end)
    paid = _paid_on([lot.id for lot in lots])
    lines = [LotLine(lot, analysis.statement(lot).totals, paid.get(lot.id)) for lot in lots]
    invoices = list(db.session.scalars(select(Invoice).where(
        Invoice.provider_id == provider.id, Invoice.invoice_date >= start, Invoice.invoice_date <= end,
        Invoice.status != InvoiceStatus.DRAFT).order_by(Invoice.invoice_date, Invoice.id)))
    return PeriodReport(provider, start, end, lines, invoices, sum_totals(line.totals for line in lines),
                        sum((i.amount for i in invoices), ZERO), sum((i.debited_amount for i in invoices), ZERO))


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


def extract(provider: Provider, start: date, end: date) -> Extract:
    """Extrato sintético: patients and individual values of the period, and the gross total."""
    lines = []
    for lot in _lots_between(provider, start, end):
        for row in analysis.statement(lot).guides:
            g = row.guide
            lines.append(ExtractLine(g.beneficiary.name, g.beneficiary.card_number, g.number, lot.protocol_number,
                                     g.execution_date or g.emission_date, row.totals))
    return Extract(provider, start, end, lines, sum_totals(line.totals for line in lines))
