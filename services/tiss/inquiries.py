"""What a provider's system asks about its own business: a protocol's lot, the analysis statements
of protocols, the payments of a date or month, an appeal.

Every row is found through ``services.visibility`` as the asking provider (a user or a
web-service principal), so another provider's protocol answers exactly like one that does not
exist. The figures are the ones the screens and PDFs show: ``services.analysis.statement`` per lot,
the payment order's lines and deductions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Appeal, AppealItem, Glosa, Guide, Lot, PaymentOrder, PaymentOrderLine
from models.base import db
from models.enums import AppealStatus, LotStatus, PaymentOrderStatus
from services import analysis
from services.lots import ANALYSED_STATUSES
from services.visibility import parse_id, visible

MAX_PROTOCOLS = 30  # ANS: at most 30 protocols per request and demonstrativos per answer
NOT_FOUND = "5054"  # Tabela 38 IDENTIFICADOR NÃO ENCONTRADO: unknown, or not the asker's (the same answer)


def _protocol_number(value) -> int | None:
    return parse_id(str(value).strip().lstrip("0") or "0") if value is not None else None


def lot_by_protocol(actor, protocol) -> Lot | None:
    """The lot with protocol ``protocol`` when ``actor`` may see it (guides, items and beneficiaries loaded)."""
    number = _protocol_number(protocol)
    if number is None:
        return None
    query = sa.select(Lot).where(Lot.protocol_number == number).options(
        selectinload(Lot.guides).selectinload(Guide.items), selectinload(Lot.guides).selectinload(Guide.beneficiary))
    return db.session.scalar(visible(query, actor, "lot"))


def statement_of(lot: Lot) -> analysis.LotStatement:
    return analysis.statement(lot)


@dataclass
class AnalysisRequest:
    """The protocols asked for, split by what can be answered."""

    statements: list[analysis.LotStatement] = field(default_factory=list)   # analysed: a demonstrativo
    pending: list[Lot] = field(default_factory=list)                        # not analysed yet: a status
    missing: list[str] = field(default_factory=list)                        # unknown, or not the actor's


def analysis_statements(actor, protocols: list[str]) -> AnalysisRequest:
    """Demonstrativo de análise de conta of each requested protocol the actor may see and the payer
    has finished analysing (Analisado, Liberado, Pago, Encerrado sem pagamento)."""
    out = AnalysisRequest()
    for protocol in list(dict.fromkeys(p.strip() for p in protocols))[:MAX_PROTOCOLS]:
        lot = lot_by_protocol(actor, protocol)
        if lot is None or lot.status == LotStatus.CANCELLED:
            out.missing.append(protocol)
        elif lot.status in ANALYSED_STATUSES:
            out.statements.append(analysis.statement(lot))
        else:
            out.pending.append(lot)
    return out


def paid_orders(actor, provider_id: int, on: date | None = None, competence: str | None = None
                ) -> list[PaymentOrder]:
    """The provider's orders paid on ``on``, or in ``competence`` ('YYYYMM'), lines and deductions loaded."""
    query = sa.select(PaymentOrder).where(PaymentOrder.provider_id == provider_id,
                                          PaymentOrder.status == PaymentOrderStatus.PAID)
    if on is not None:
        query = query.where(PaymentOrder.paid_at == on)
    elif competence:
        try:
            year, month = int(competence[:4]), int(competence[4:6])
            start, end = date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)
        except ValueError:   # month 00 or 13, year 0000 or 9999-12: no such payments
            return []
        query = query.where(PaymentOrder.paid_at >= start, PaymentOrder.paid_at < end)
    else:
        return []
    query = query.options(
        selectinload(PaymentOrder.lines).selectinload(PaymentOrderLine.lot),
        selectinload(PaymentOrder.lines).selectinload(PaymentOrderLine.appeal).selectinload(Appeal.items)
        .selectinload(AppealItem.glosa).selectinload(Glosa.guide),
        selectinload(PaymentOrder.deductions),
    ).order_by(PaymentOrder.paid_at, PaymentOrder.number)
    return list(db.session.scalars(visible(query, actor, "payment_order")))


def appeal_by_protocol(actor, protocol) -> Appeal | None:
    """The appeal whose protocol (its number) is ``protocol`` when ``actor`` may see it."""
    number = _protocol_number(protocol)
    if number is None:
        return None
    query = sa.select(Appeal).where(Appeal.id == number).options(selectinload(Appeal.lot))
    return db.session.scalar(visible(query, actor, "appeal"))


def appeal_paid(appeal: Appeal) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(PaymentOrderLine).join(PaymentOrder)
        .where(PaymentOrderLine.appeal_id == appeal.id, PaymentOrder.status == PaymentOrderStatus.PAID)) > 0


# dm_statusProtocolo of an appeal's protocol
APPEAL_STATUS = {AppealStatus.OPEN: "1", AppealStatus.IN_ANALYSIS: "2", AppealStatus.DENIED: "4"}


def appeal_status_code(appeal: Appeal) -> str:
    """1 Recebido, 2 Em análise, 3 Liberado para pagamento (accepted, unpaid), 4 Encerrado sem pagamento
    (denied, or accepted with nothing to pay), 6 Pagamento efetuado."""
    if appeal.status in APPEAL_STATUS:
        return APPEAL_STATUS[appeal.status]
    if not appeal.accepted_amount:
        return "4"
    return "6" if appeal_paid(appeal) else "3"
