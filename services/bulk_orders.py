"""Payment orders for many providers at once: every payable document of each provider in one draft
order, with the same withholdings as ``services.payments.create_order``.

Set-based: the payables, month histories and rules are read in a fixed number of grouped queries,
the withholdings computed by the pure rules (``models.rules.withholdings``), and orders, lines and
deductions written with multi-row INSERTs; the invoices move Accepted → Entered in one UPDATE.
The audit log gets the same rows the ORM would have written (creates and transitions), through
``models.audit.append_rows``. Two clerks paying the same document: the unique line indexes refuse the
second transaction. Flushes; the caller commits.

The payment desk runs it as a background job (``start``): the providers in chunks, each chunk's
orders committed with the job's count "N of M providers", so a job given back to the queue resumes
after the last committed chunk, and a provider already paid has nothing payable left (no second order).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import Invoice, Job, PaymentDeduction, PaymentOrder, PaymentOrderLine, Provider, User
from models.audit import acting_as, append_rows, bulk_row
from models.base import db, utcnow
from models.enums import AuditAction, DeductionKind, InvoiceStatus, PaymentLineKind, PaymentOrderStatus
from models.errors import CodedError
from models.permissions import can
from models.rules import withholdings as wh
from models.sequences import next_values
from services import payables as payables_svc
from services import payments
from services.jobs import runner, store

KIND = "payment_orders"
MAX_PROVIDERS = 2000
JOB_CHUNK = 50  # providers per committed step of the job
CHUNK = 5000  # ids per UPDATE (PostgreSQL takes at most 65,535 parameters)
LINE_COLUMN = {PaymentLineKind.INVOICE: "invoice_id", PaymentLineKind.LOT: "lot_id",
               PaymentLineKind.APPEAL: "appeal_id"}


class BulkOrderError(CodedError):
    MESSAGES = {
        "forbidden_create": _l("You are not allowed to create payment orders."),
        "required": _l("This field is required."),
        "selection": _l("Select at least one provider with documents to pay."),
        "too_many": _l("Too many providers at once."),
        "conflict": _l("Some documents changed meanwhile; reload the page and try again."),
    }


@dataclass
class BulkResult:
    order_ids: list[int]
    documents: int


def _check(provider_ids: list[int], payment_date: date | None, actor) -> list[int]:
    if not can(actor, "create", "payment_order"):
        raise BulkOrderError("forbidden_create")
    if payment_date is None:
        raise BulkOrderError("required", "payment_date")
    provider_ids = list(dict.fromkeys(provider_ids))
    if len(provider_ids) > MAX_PROVIDERS:
        raise BulkOrderError("too_many")
    return provider_ids


def create_orders(provider_ids: list[int], payment_date: date, actor) -> BulkResult:
    """One draft order per provider paying all its payable documents; providers with nothing
    payable are skipped. Deductions that would leave a negative net cannot happen (withholdings
    are a fraction of the gross)."""
    result = _create(_check(provider_ids, payment_date, actor), payment_date, actor)
    if not result.order_ids:
        raise BulkOrderError("selection", "selection")
    return result


def _create(provider_ids: list[int], payment_date: date, actor) -> BulkResult:
    providers = db.session.scalars(sa.select(Provider).where(Provider.id.in_(provider_ids))).all()
    found = payables_svc.payables_of(providers)
    if not found:
        return BulkResult([], 0)
    rules = payments.rules_by_country()
    history = payments.month_histories([p.provider for p in found.values()], payment_date, rules=rules)
    plans = []
    for pid, due in found.items():
        provider = due.provider
        rows = wh.compute_withholdings(rules.get(provider.country, []), wh.ProviderData.of(provider), due.total,
                                       payment_date, history.get(pid, {}))
        plans.append((due, wh.order_totals([p.amount for p in due.all], rows)))
    order_ids = _write(plans, payment_date, actor)
    return BulkResult(order_ids, sum(len(due.all) for due, _totals in plans))


# The background job ------------------------------------------------------------------------
def start(provider_ids: list[int], payment_date: date | None, actor) -> Job:
    """Queue the orders of the ticked providers (sent when the caller commits)."""
    provider_ids = _check(provider_ids, payment_date, actor)
    if not provider_ids:
        raise BulkOrderError("selection", "selection")
    return store.enqueue(orders_task, KIND, actor, total=len(provider_ids),
                         params={"provider_ids": provider_ids, "payment_date": payment_date.isoformat(),
                                 "actor_id": actor.id,
                                 "locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])})


def get_job(user, job_id: int | None) -> Job | None:
    """The user's payment-orders job ``job_id`` (404 when not theirs to see), None for no id or another kind."""
    if job_id is None:
        return None
    job = store.get_job(user, job_id)
    return job if job.kind == KIND else None


ORDER_LINKS = 200


def orders_of(job: Job) -> list[PaymentOrder]:
    """The first ``ORDER_LINKS`` orders a finished job created, for the desk's links (the page says how many
    more there are; every one is in the open orders list)."""
    ids = (job.result or {}).get("order_ids", [])[:ORDER_LINKS] if job.kind == KIND else []
    if not ids:
        return []
    return list(db.session.scalars(sa.select(PaymentOrder).where(PaymentOrder.id.in_(ids)).order_by(PaymentOrder.id)))


def _work(job: Job) -> tuple[dict, str]:
    params = job.params
    actor = db.session.get(User, params["actor_id"])
    payment_date = date.fromisoformat(params["payment_date"])
    ids = params["provider_ids"]
    done = dict(job.result or {"order_ids": [], "documents": 0})
    with acting_as(actor, label="payment-orders-job"):
        for first in range(job.done, len(ids), JOB_CHUNK):
            chunk = ids[first:first + JOB_CHUNK]
            made = _create(_check(chunk, payment_date, actor), payment_date, actor)
            done = {"order_ids": done["order_ids"] + made.order_ids, "documents": done["documents"] + made.documents}
            job.result = done
            store.progress(job, first + len(chunk))
            db.session.commit()  # the chunk's orders and the job's count together
    with force_locale(params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return done, _("%(orders)s payment orders created for %(documents)s documents.",
                       orders=len(done["order_ids"]), documents=done["documents"])


@runner.job_task(KIND)
def orders_task(self, job_id: int) -> None:
    runner.run(self, job_id, _work)


def _insert(model, rows: list[dict], returning: bool = False) -> list[int]:
    if not rows:
        return []
    stmt = sa.insert(model.__table__)
    if not returning:
        db.session.execute(stmt, rows)
        return []
    result = db.session.execute(stmt.returning(model.__table__.c.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def _write(plans, payment_date: date, actor) -> list[int]:
    numbers = next_values("payment_order", len(plans))
    orders = [{
        "number": number, "provider_id": due.provider.id, "payment_date": payment_date,
        "status": PaymentOrderStatus.DRAFT, "gross_amount": totals.gross, "deductions_amount": totals.deductions,
        "net_amount": totals.net, "created_by_id": actor.id, "version_id": 1,
    } for number, (due, totals) in zip(numbers, plans, strict=True)]
    order_ids = _insert(PaymentOrder, orders, returning=True)
    lines, deductions = [], []
    for order_id, (due, totals) in zip(order_ids, plans, strict=True):
        for p in due.all:
            line = {"order_id": order_id, "kind": p.kind, "amount": p.amount, "invoice_id": None, "lot_id": None,
                    "appeal_id": None}
            line[LINE_COLUMN[p.kind]] = p.obj.id
            lines.append(line)
        deductions += [{"order_id": order_id, "kind": DeductionKind.WITHHOLDING, "code": w.tax_code,
                        "rule_id": w.rule_id, "description": w.description, "base_amount": w.base, "rate": w.rate,
                        "amount": w.amount} for w in totals.withholdings]
    line_ids = _insert(PaymentOrderLine, lines, returning=True)
    deduction_ids = _insert(PaymentDeduction, deductions, returning=True)
    invoices = [p.obj for due, _totals in plans for p in due.invoices]
    _enter_invoices(invoices)
    audit = [bulk_row("payment_order", i, AuditAction.CREATE, {**row, "id": i})
             for i, row in zip(order_ids, orders, strict=True)]
    audit += [bulk_row("payment_order_line", i, AuditAction.CREATE, {**row, "id": i})
              for i, row in zip(line_ids, lines, strict=True)]
    audit += [bulk_row("payment_deduction", i, AuditAction.CREATE, {**row, "id": i})
              for i, row in zip(deduction_ids, deductions, strict=True)]
    audit += [bulk_row("invoice", inv.id, AuditAction.TRANSITION,
                       {"status": [InvoiceStatus.ACCEPTED.value, InvoiceStatus.ENTERED.value]}) for inv in invoices]
    append_rows(db.session(), audit)
    return order_ids


def _enter_invoices(invoices: list[Invoice]) -> None:
    """Accepted → Entered in one UPDATE; a row changed meanwhile (no longer Accepted) refuses all."""
    if not invoices:
        return
    ids = [inv.id for inv in invoices]
    table = Invoice.__table__
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += db.session.execute(
            sa.update(table).where(table.c.id.in_(ids[start:start + CHUNK]),
                                   table.c.status == InvoiceStatus.ACCEPTED.value)
            .values(status=InvoiceStatus.ENTERED.value, last_movement_at=utcnow(),
                    version_id=table.c.version_id + 1)).rowcount
    if changed != len(ids):
        raise BulkOrderError("conflict")
    for invoice in invoices:
        db.session.expire(invoice)
