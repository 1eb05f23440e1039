"""Payment orders (libramientos): what can be paid, orders with withholdings, approval, payment,
certificates, statements and the withholdings export.

Amounts come from the rules in ``models.rules.withholdings`` (the tax rules are
``WithholdingRule`` rows) and ``models.rules.analysis``; statuses move through
``models.workflow.transition``. Functions flush and leave the commit to the caller.
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from models import (
    PaymentDeduction,
    PaymentOrder,
    PaymentOrderLine,
    Provider,
    WithholdingCertificate,
    WithholdingRule,
)
from models.base import db, to_money, utcnow
from models.enums import (
    DeductionKind,
    InvoiceStatus,
    LotStatus,
    PaymentLineKind,
    PaymentMethod,
    PaymentOrderStatus,
)
from models.errors import CodedError
from models.permissions import can
from models.rules import withholdings as wh
from models.sequences import next_value
from models.values import parse_money
from models.workflow import transition
from services import keyset
from services import payables as payables_svc
from services.csv_export import csv_lines
from services.payer_identity import identity_for

ZERO = Decimal("0.00")
OPEN_ORDER = (PaymentOrderStatus.DRAFT, PaymentOrderStatus.PENDING_APPROVAL, PaymentOrderStatus.APPROVED)


class PaymentError(CodedError):
    MESSAGES = {
        "kind": _l("Choose debit or credit."),
        "code": _l("Choose a debit/credit code."),
        "amount": _l("The amount must be greater than zero."),
        "forbidden_create": _l("You are not allowed to create payment orders."),
        "forbidden_change": _l("You are not allowed to change payment orders."),
        "required": _l("This field is required."),
        "date": _l("Enter a valid date."),
        "selection": _l("Select at least one document that is still payable."),
        "above_gross": _l("Deductions cannot exceed the gross amount."),
        "not_draft": _l("Only a draft order can be changed."),
        "bank_account": _l("A bank transfer needs the provider's bank account."),
    }


# What can be paid: services.payables (indexed anti-joins, a fixed number of queries) ----------------
Payable, Payables = payables_svc.Payable, payables_svc.Payables
payables = payables_svc.payables


def open_orders_page(cursor: str | None = None, size: int = 50) -> keyset.Page[PaymentOrder]:
    """Open orders by payment date and number, a page at a time: each open status sought on its own range of
    (status, payment_date, number) and merged, so the paid orders of past years are never stepped over."""
    query = select(PaymentOrder).options(selectinload(PaymentOrder.provider))
    return keyset.seek_each(query, PaymentOrder.status, OPEN_ORDER, (PaymentOrder.payment_date, PaymentOrder.number),
                            (date, int), cursor, size, descending=False)


# Withholdings ----------------------------------------------------------------
def rules_for(provider: Provider) -> list[wh.RuleData]:
    return rules_by_country().get(provider.country, [])


def rules_by_country() -> dict:
    """Active withholding rules per country, ordered by id (one query)."""
    out: dict = defaultdict(list)
    for row in db.session.scalars(select(WithholdingRule).where(WithholdingRule.active.is_(True))
                                  .order_by(WithholdingRule.id)):
        out[row.country].append(wh.RuleData.of(row))
    return dict(out)


def month_history(provider: Provider, on: date, exclude_order: int | None = None) -> dict:
    """Per rule: gross paid and tax withheld to the provider earlier in the month of ``on``."""
    return month_histories([provider], on, exclude_order).get(provider.id, {})


def month_histories(providers: list[Provider], on: date, exclude_order: int | None = None,
                    rules: dict | None = None) -> dict[int, dict]:
    """``month_history`` of many providers at once (two grouped queries)."""
    rules = rules_by_country() if rules is None else rules
    ids = [p.id for p in providers]
    in_month = (PaymentOrder.provider_id.in_(ids), PaymentOrder.status != PaymentOrderStatus.CANCELLED,
                PaymentOrder.payment_date >= on.replace(day=1), PaymentOrder.payment_date <= on,
                PaymentOrder.id != (exclude_order or 0))
    gross = dict(db.session.execute(select(PaymentOrder.provider_id, func.sum(PaymentOrder.gross_amount))
                                    .where(*in_month).group_by(PaymentOrder.provider_id)).all())
    withheld = db.session.execute(
        select(PaymentOrder.provider_id, PaymentDeduction.rule_id, func.sum(PaymentDeduction.amount))
        .join(PaymentDeduction.order).where(*in_month, PaymentDeduction.kind == DeductionKind.WITHHOLDING,
                                            PaymentDeduction.rule_id.is_not(None))
        .group_by(PaymentOrder.provider_id, PaymentDeduction.rule_id)).all()
    out: dict[int, dict] = {}
    for provider in providers:
        if provider.id not in gross:
            continue
        paid = to_money(gross[provider.id] or 0)
        out[provider.id] = {rule.id: (paid, ZERO) for rule in rules.get(provider.country, [])}
    for pid, rule_id, amount in withheld:
        paid, _before = out.setdefault(pid, {}).get(rule_id, (ZERO, ZERO))
        out[pid][rule_id] = (paid, to_money(amount or 0))
    return out


def preview(provider: Provider, selected: list[Payable], on: date,
            adjustments: list[wh.Adjustment] = ()) -> wh.OrderTotals:
    gross = sum((p.amount for p in selected), ZERO)
    rows = wh.compute_withholdings(rules_for(provider), wh.ProviderData.of(provider), gross, on,
                                   month_history(provider, on))
    return wh.order_totals([p.amount for p in selected], rows, adjustments)


def parse_adjustment(kind, code, description, amount) -> wh.Adjustment:
    try:
        kind = DeductionKind(kind)
    except ValueError:
        kind = None
    amount = parse_money(amount, "adjustment_amount", minimum=None)
    error = wh.check_adjustment(kind, code, amount)
    if error == "kind":
        raise PaymentError("kind", "adjustment_kind")
    if error == "code":
        raise PaymentError("code", "adjustment_code")
    if error:
        raise PaymentError("amount", "adjustment_amount")
    description = (description or "").strip()[:200] or str(wh.ADJUSTMENT_CODES[code])
    return wh.Adjustment(kind, code, description, amount)


# Orders ----------------------------------------------------------------------
def create_order(provider: Provider, keys: list[str], payment_date: date, actor,
                 adjustments: list[wh.Adjustment] = ()) -> PaymentOrder:
    """A draft order paying the selected documents; invoices become Ingresadas."""
    if not can(actor, "create", "payment_order"):
        raise PaymentError("forbidden_create")
    if payment_date is None:
        raise PaymentError("required", "payment_date")
    available = {p.key: p for p in payables(provider).all}
    selected = [available[k] for k in dict.fromkeys(keys) if k in available]
    if not selected or len(selected) != len(set(keys)):
        raise PaymentError("selection", "selection")
    totals = preview(provider, selected, payment_date, adjustments)
    if totals.net < 0:
        raise PaymentError("above_gross", "adjustment_amount")
    order = PaymentOrder(number=next_value("payment_order"), provider_id=provider.id, payment_date=payment_date,
                         status=PaymentOrderStatus.DRAFT, created_by_id=actor.id)
    for p in selected:
        line = PaymentOrderLine(kind=p.kind, amount=p.amount)
        setattr(line, {"invoice": "invoice_id", "lot": "lot_id", "appeal": "appeal_id"}[p.kind.value], p.obj.id)
        order.lines.append(line)
    _set_deductions(order, totals, adjustments)
    db.session.add(order)
    db.session.flush()
    for p in selected:
        if p.kind == PaymentLineKind.INVOICE:
            transition(p.obj, InvoiceStatus.ENTERED, actor, system=True)
    return order


def _set_deductions(order: PaymentOrder, totals: wh.OrderTotals, adjustments) -> None:
    order.deductions = [
        PaymentDeduction(kind=DeductionKind.WITHHOLDING, code=w.tax_code, rule_id=w.rule_id,
                         description=w.description, base_amount=w.base, rate=w.rate, amount=w.amount)
        for w in totals.withholdings
    ] + [
        PaymentDeduction(kind=a.kind, code=a.code, description=a.description, amount=a.amount) for a in adjustments
    ]
    order.gross_amount, order.deductions_amount, order.net_amount = totals.gross, totals.deductions, totals.net


def adjustments_of(order: PaymentOrder) -> list[wh.Adjustment]:
    return [wh.Adjustment(d.kind, d.code, d.description, d.amount) for d in order.deductions
            if d.kind != DeductionKind.WITHHOLDING]


def recompute(order: PaymentOrder, adjustments: list[wh.Adjustment] | None = None) -> None:
    """Recompute withholdings and totals of a draft (e.g. after adding a debit or credit)."""
    if order.status != PaymentOrderStatus.DRAFT:
        raise PaymentError("not_draft")
    adjustments = adjustments_of(order) if adjustments is None else adjustments
    provider = order.provider
    gross = sum((line.amount for line in order.lines), ZERO)
    rows = wh.compute_withholdings(rules_for(provider), wh.ProviderData.of(provider), gross, order.payment_date,
                                   month_history(provider, order.payment_date, exclude_order=order.id))
    totals = wh.order_totals([line.amount for line in order.lines], rows, adjustments)
    if totals.net < 0:
        raise PaymentError("above_gross", "adjustment_amount")
    _set_deductions(order, totals, adjustments)
    db.session.flush()


def add_adjustment(order: PaymentOrder, adjustment: wh.Adjustment, actor) -> None:
    if not can(actor, "edit", "payment_order"):
        raise PaymentError("forbidden_change")
    recompute(order, adjustments_of(order) + [adjustment])


def submit(order: PaymentOrder, actor) -> None:
    transition(order, PaymentOrderStatus.PENDING_APPROVAL, actor)


def approve(order: PaymentOrder, actor) -> None:
    transition(order, PaymentOrderStatus.APPROVED, actor)
    order.approved_at = utcnow()
    db.session.flush()


def send_back(order: PaymentOrder, actor, reason: str) -> None:
    transition(order, PaymentOrderStatus.DRAFT, actor, reason)


def cancel(order: PaymentOrder, actor, reason: str) -> None:
    """Cancel an unpaid order: its invoices go back to Accepted and its documents are payable again."""
    transition(order, PaymentOrderStatus.CANCELLED, actor, reason)
    for line in list(order.lines):
        if line.invoice is not None and line.invoice.status == InvoiceStatus.ENTERED:
            transition(line.invoice, InvoiceStatus.ACCEPTED, actor, reason, system=True)
        db.session.delete(line)
    db.session.flush()


def mark_paid(order: PaymentOrder, actor, paid_at: date | None, method: PaymentMethod | None,
              bank_name: str | None = None, bank_agency: str | None = None,
              bank_account: str | None = None) -> list[WithholdingCertificate]:
    """Record the payment; lots become Pagamento efetuado; one certificate per withholding."""
    if paid_at is None:
        raise PaymentError("required", "paid_at")
    if method is None:
        raise PaymentError("required", "method")
    provider = order.provider
    order.paid_at, order.method = paid_at, method
    order.bank_name = (bank_name or provider.bank_name or "").strip()[:100] or None
    order.bank_agency = (bank_agency or provider.bank_agency or "").strip()[:10] or None
    order.bank_account = (bank_account or provider.cbu or provider.bank_account or "").strip()[:22] or None
    if method == PaymentMethod.TRANSFER and not order.bank_account:
        raise PaymentError("bank_account", "bank_account")
    transition(order, PaymentOrderStatus.PAID, actor)
    for line in order.lines:
        if line.lot is not None and line.lot.status == LotStatus.RELEASED:
            transition(line.lot, LotStatus.PAID, actor, system=True)
    return issue_certificates(order)


def issue_certificates(order: PaymentOrder) -> list[WithholdingCertificate]:
    payer = identity_for(order.provider)
    out = []
    for d in order.deductions:
        if d.kind != DeductionKind.WITHHOLDING or d.certificate is not None:
            continue
        tax = d.rule.tax if d.rule is not None else None
        if tax is None:
            continue
        cert = WithholdingCertificate(
            number=next_value("certificate"), deduction=d, provider_id=order.provider_id,
            issued_at=order.paid_at or order.payment_date, tax=tax, regime_code=d.rule.regime_code,
            base_amount=d.base_amount or ZERO, amount=d.amount,
            signer_name=(payer.signer_name if payer else None) or "-",
            signer_position=(payer.signer_position if payer else None) or "-",
            verification_code=secrets.token_hex(8).upper(),
        )
        db.session.add(cert)
        out.append(cert)
    db.session.flush()
    return out


def load_order(order_id: int) -> PaymentOrder | None:
    return db.session.scalar(select(PaymentOrder).where(PaymentOrder.id == order_id).options(
        selectinload(PaymentOrder.lines).selectinload(PaymentOrderLine.invoice),
        selectinload(PaymentOrder.lines).selectinload(PaymentOrderLine.lot),
        selectinload(PaymentOrder.lines).selectinload(PaymentOrderLine.appeal),
        selectinload(PaymentOrder.deductions).selectinload(PaymentDeduction.certificate),
    ))


def line_label(line: PaymentOrderLine) -> str:
    if line.kind == PaymentLineKind.INVOICE:
        return _("Invoice %(number)s (%(period)s)", number=line.invoice.display_number,
                 period=line.invoice.period_label)
    if line.kind == PaymentLineKind.LOT:
        return _("Protocol %(protocol)s - lot %(lot)s", protocol=line.lot.protocol_number, lot=line.lot.number)
    appeal = line.appeal
    return _("Appeal payment #%(id)s (protocol %(protocol)s)", id=appeal.id,
             protocol=appeal.lot.protocol_number if appeal.lot else "-")


def payment_type(line: PaymentOrderLine) -> str:
    """TISS tipo de pagamento: 1 initial, 2 appeal."""
    return "2" if line.kind == PaymentLineKind.APPEAL else "1"


# Export for the tax office ---------------------------------------------------
def certificates_between(start: date, end: date):
    """The period's certificates, read from the database in chunks as they are consumed."""
    return db.session.scalars(select(WithholdingCertificate).where(
        WithholdingCertificate.issued_at >= start, WithholdingCertificate.issued_at <= end).options(
        selectinload(WithholdingCertificate.provider),
        selectinload(WithholdingCertificate.deduction).selectinload(PaymentDeduction.order),
        selectinload(WithholdingCertificate.deduction).selectinload(PaymentDeduction.rule),
    ).order_by(WithholdingCertificate.issued_at, WithholdingCertificate.number).execution_options(yield_per=1000))


def withholdings_rows(start: date, end: date):
    """The tax office's export, row by row (header first): stream it, never build it whole."""
    yield ["certificate_number", "issued_at", "tax", "tax_code", "regime", "retained_tax_id",
           "retained_name", "tax_condition", "payment_order", "base_amount", "rate", "amount"]
    for c in certificates_between(start, end):
        d = c.deduction
        yield (f"{c.number:08d}", c.issued_at.isoformat(), c.tax.value, d.code or (d.rule.tax_code if d.rule else ""),
               c.regime_code or "", c.provider.tax_id, c.provider.legal_name, c.provider.tax_condition.label,
               f"{d.order.number:08d}", str(c.base_amount), str(d.rate or ""), str(c.amount))


def withholdings_csv(start: date, end: date) -> str:
    return "".join(csv_lines(withholdings_rows(start, end)))
