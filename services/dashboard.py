"""What each role's start page shows: counts by status and the queues waiting for them."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import Appeal, Invoice, Lot, PaymentOrder, Provider, UserProvider
from models.base import db
from models.enums import (
    AppealStatus,
    InvoiceStatus,
    LinkStatus,
    LotStatus,
    PaymentOrderStatus,
    ProviderStatus,
    Role,
)


@dataclass
class Queue:
    label: str
    count: int
    endpoint: str
    status: str
    args: dict


def status_counts(model, provider_id: int | None = None) -> dict:
    query = select(model.status, func.count()).group_by(model.status)
    if provider_id is not None and hasattr(model, "provider_id"):
        query = query.where(model.provider_id == provider_id)
    return dict(db.session.execute(query).all())


# (role, model, status, label, admin endpoint)
# (role, model, status, label, page endpoint, the page's status argument)
_QUEUES = [
    (Role.CLERK, Invoice, InvoiceStatus.SENT, _l("Invoices to review"), "invoice.index_view", "tab"),
    (Role.CLERK, Lot, LotStatus.RECEIVED, _l("Lots received"), "account_audit.index", "status"),
    (Role.CLERK, Lot, LotStatus.IN_ANALYSIS, _l("Lots in analysis"), "account_audit.index", "status"),
    (Role.CLERK, Appeal, AppealStatus.OPEN, _l("Appeals to analyse"), "appeals_desk.index", "status"),
    (Role.CLERK, PaymentOrder, PaymentOrderStatus.APPROVED, _l("Payment orders to pay"), "payment_desk.index", None),
    (Role.SUPERVISOR, Invoice, InvoiceStatus.IN_AUDIT, _l("Invoices to accept or reject"), "invoice.index_view", "tab"),
    (Role.SUPERVISOR, Lot, LotStatus.ANALYSED, _l("Lots to release for payment"), "account_audit.index", "status"),
    (Role.SUPERVISOR, PaymentOrder, PaymentOrderStatus.PENDING_APPROVAL, _l("Payment orders to approve"),
     "payment_desk.index", None),
    (Role.CREDENTIALING, UserProvider, LinkStatus.PENDING, _l("Link requests to approve"), "user_provider.index_view",
     None),
    (Role.CREDENTIALING, Provider, ProviderStatus.SUSPENDED, _l("Suspended providers"), "provider.index_view", None),
    (Role.PROVIDER, Invoice, InvoiceStatus.OBSERVED, _l("Invoices observed: correct and re-send"),
     "invoice.index_view", "tab"),
    (Role.PROVIDER, Invoice, InvoiceStatus.DRAFT, _l("Draft invoices not sent yet"), "invoice.index_view", "tab"),
    (Role.PROVIDER, Lot, LotStatus.AWAITING_INFO, _l("Lots awaiting information"), "lot_tracking.index", "status"),
]


def queues_for(user) -> list[Queue]:
    provider_id = user.current_provider_id if user.is_provider else None
    counts: dict = {}
    out = []
    for role, model, status, label, endpoint, status_arg in _QUEUES:
        if role != user.role:
            continue
        if model not in counts:
            counts[model] = status_counts(model, provider_id)
        args = {status_arg: status.value} if status_arg else {}
        out.append(Queue(str(label), counts[model].get(status, 0), endpoint, status.value, args))
    return out


def overview_for(user) -> list[tuple[str, dict, type]]:
    """Counts by status of the entities the role works with, in order of the menus."""
    provider_id = user.current_provider_id if user.is_provider else None
    sections = []
    if user.role in (Role.PROVIDER, Role.CLERK, Role.SUPERVISOR, Role.ADMIN):
        sections.append((str(_l("Invoices")), status_counts(Invoice, provider_id), InvoiceStatus))
        sections.append((str(_l("Lots")), status_counts(Lot, provider_id), LotStatus))
        sections.append((str(_l("Payment orders")), status_counts(PaymentOrder, provider_id), PaymentOrderStatus))
    if user.role in (Role.CREDENTIALING, Role.ADMIN):
        sections.append((str(_l("Providers")), status_counts(Provider), ProviderStatus))
    return sections


# Charts ----------------------------------------------------------------------
# Amounts billed, disallowed and paid per month; glosa rate per provider and per
# reason. Grouped in Python (portable between SQLite and PostgreSQL) over the
# last months only. Provider users only ever see their own provider's figures.
from collections import defaultdict  # noqa: E402
from datetime import date, datetime, time  # noqa: E402
from decimal import Decimal  # noqa: E402

from models import Glosa, GlosaCode  # noqa: E402

ZERO = Decimal("0.00")


def month_keys(today: date, months: int) -> list[str]:
    index = today.year * 12 + today.month - 1
    return [f"{(i // 12):04d}-{(i % 12) + 1:02d}" for i in range(index - months + 1, index + 1)]


def _scope(query, model, provider_id):
    return query.where(model.provider_id == provider_id) if provider_id is not None else query


def _since(keys: list[str]) -> date:
    year, month = map(int, keys[0].split("-"))
    return date(year, month, 1)


def monthly_amounts(user, today: date | None = None, months: int = 12) -> list[dict]:
    today = today or date.today()
    provider_id = user.current_provider_id if user.is_provider else None
    keys = month_keys(today, months)
    since = _since(keys)
    rows = {k: {"month": k, "billed": ZERO, "disallowed": ZERO, "paid": ZERO} for k in keys}

    def add(kind, when, amount):
        key = f"{when.year:04d}-{when.month:02d}" if when else None
        if key in rows and amount:
            rows[key][kind] += amount

    for when, amount in db.session.execute(_scope(select(Lot.sent_at, Lot.total_amount).where(
            Lot.sent_at >= datetime.combine(since, time.min), Lot.status != LotStatus.CANCELLED), Lot, provider_id)):
        add("billed", when, amount)
    for when, amount in db.session.execute(_scope(select(Invoice.invoice_date, Invoice.amount).where(
            Invoice.invoice_date >= since, Invoice.status.not_in((InvoiceStatus.DRAFT, InvoiceStatus.REJECTED))),
            Invoice, provider_id)):
        add("billed", when, amount)
    for when, amount in db.session.execute(_scope(select(Glosa.created_at, Glosa.amount).where(
            Glosa.created_at >= datetime.combine(since, time.min)), Glosa, provider_id)):
        add("disallowed", when, amount)
    for when, amount in db.session.execute(_scope(select(PaymentOrder.paid_at, PaymentOrder.net_amount).where(
            PaymentOrder.paid_at >= since, PaymentOrder.status == PaymentOrderStatus.PAID), PaymentOrder, provider_id)):
        add("paid", when, amount)
    return [rows[k] for k in keys]


def glosa_rate_by_provider(user, limit: int = 10) -> list[dict]:
    """Share of the billed value disallowed, per provider (highest first)."""
    provider_id = user.current_provider_id if user.is_provider else None
    billed: dict = defaultdict(lambda: ZERO)
    glosas: dict = defaultdict(lambda: ZERO)
    for pid, amount in db.session.execute(_scope(select(Lot.provider_id, Lot.total_amount).where(
            Lot.status != LotStatus.CANCELLED), Lot, provider_id)):
        billed[pid] += amount or ZERO
    for pid, amount in db.session.execute(_scope(select(Invoice.provider_id, Invoice.amount).where(
            Invoice.status.not_in((InvoiceStatus.DRAFT, InvoiceStatus.REJECTED))), Invoice, provider_id)):
        billed[pid] += amount or ZERO
    for pid, amount in db.session.execute(_scope(select(Glosa.provider_id, Glosa.amount), Glosa, provider_id)):
        glosas[pid] += amount
    names = dict(db.session.execute(select(Provider.id, Provider.legal_name).where(Provider.id.in_(list(glosas)))).all())
    out = [{"id": pid, "label": names.get(pid, str(pid)), "value": glosas[pid],
            "rate": (glosas[pid] / billed[pid] * 100).quantize(Decimal("0.1")) if billed[pid] else Decimal("0")}
           for pid in glosas]
    out.sort(key=lambda r: r["rate"], reverse=True)
    return out[:limit]


def glosa_by_reason(user, limit: int = 10) -> list[dict]:
    provider_id = user.current_provider_id if user.is_provider else None
    total: dict = defaultdict(lambda: ZERO)
    for code_id, amount in db.session.execute(_scope(select(Glosa.code_id, Glosa.amount), Glosa, provider_id)):
        total[code_id] += amount
    codes = {c.id: c for c in db.session.scalars(select(GlosaCode).where(GlosaCode.id.in_(list(total))))}
    grand = sum(total.values(), ZERO)
    out = [{"id": cid, "label": f"{codes[cid].code} {codes[cid].description}" if cid in codes else str(cid),
            "value": value, "rate": (value / grand * 100).quantize(Decimal("0.1")) if grand else Decimal("0")}
           for cid, value in total.items()]
    out.sort(key=lambda r: r["value"], reverse=True)
    return out[:limit]


def drill_rows(user, kind: str, month: str | None = None, key: int | None = None, limit: int = 500):
    """The rows behind a bar: glosas, lots/invoices billed or orders paid in a month; glosas of a provider or code."""
    provider_id = user.current_provider_id if user.is_provider else None
    start = end = None
    if month:
        year, mon = map(int, month.split("-"))
        start = date(year, mon, 1)
        end = date(year + (mon // 12), mon % 12 + 1, 1)
    if kind == "disallowed" or kind in ("provider", "reason"):
        q = _scope(select(Glosa), Glosa, provider_id).order_by(Glosa.created_at.desc()).limit(limit)
        if start:
            q = q.where(Glosa.created_at >= datetime.combine(start, time.min),
                        Glosa.created_at < datetime.combine(end, time.min))
        if kind == "provider" and key is not None:
            q = q.where(Glosa.provider_id == key)
        if kind == "reason" and key is not None:
            q = q.where(Glosa.code_id == key)
        return "glosas", list(db.session.scalars(q))
    if kind == "paid":
        q = _scope(select(PaymentOrder).where(PaymentOrder.status == PaymentOrderStatus.PAID), PaymentOrder,
                   provider_id).order_by(PaymentOrder.paid_at.desc()).limit(limit)
        if start:
            q = q.where(PaymentOrder.paid_at >= start, PaymentOrder.paid_at < end)
        return "orders", list(db.session.scalars(q))
    if kind == "billed":
        lots = _scope(select(Lot).where(Lot.status != LotStatus.CANCELLED), Lot, provider_id)
        invoices = _scope(select(Invoice).where(Invoice.status.not_in((InvoiceStatus.DRAFT, InvoiceStatus.REJECTED))),
                          Invoice, provider_id)
        if start:
            lots = lots.where(Lot.sent_at >= datetime.combine(start, time.min),
                              Lot.sent_at < datetime.combine(end, time.min))
            invoices = invoices.where(Invoice.invoice_date >= start, Invoice.invoice_date < end)
        return "billed", (list(db.session.scalars(lots.limit(limit))), list(db.session.scalars(invoices.limit(limit))))
    raise ValueError(kind)
