"""Totals read from ``monthly_rollup`` (models/rollups.py), which the database keeps as rows change.

Dashboards and period figures ask here instead of adding up detail tables: a few rows per provider
and month, whatever the volume. ``rebuild`` recomputes every cell from the detail tables (after a
bulk load that bypassed the triggers, or to check them).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import AuthorizationTotal, Invoice, LotTotal, MonthlyRollup, Provider
from models.base import db
from services.analysis_totals import lot_total_rows
from services.visibility import visible

# entity: (month column, bucket, amount): the same cells migration 0010's triggers maintain
CELLS = {
    "invoice": ("r.invoice_date", "r.status", "r.amount"),
    "lot": ("coalesce(r.sent_at, r.created_at)", "r.status", "r.total_amount"),
    "glosa": ("r.created_at", "CAST(r.code_id AS TEXT)", "r.amount"),
    "payment_order": ("coalesce(r.paid_at, r.payment_date)", "r.status", "r.net_amount"),
}


def rebuild(conn) -> None:
    """Recompute every rollup cell, every lot's totals and every authorization's billed totals from the
    detail tables, on ``conn`` (in its
    transaction). This transaction's deltas still waiting for the commit (PostgreSQL, migration 0016) are
    dropped: the detail tables already hold them."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("DELETE FROM rollup_pending"))
    conn.execute(sa.text("DELETE FROM monthly_rollup"))
    for entity, (month, bucket, amount) in CELLS.items():
        first = (f"date_trunc('month', {month})::date" if conn.dialect.name == "postgresql"
                 else f"date({month}, 'start of month')")
        conn.execute(sa.text(f"""
            INSERT INTO monthly_rollup (entity, provider_id, month, bucket, count, amount)
            SELECT '{entity}', r.provider_id, {first}, {bucket}, count(*), coalesce(sum({amount}), 0)
            FROM {entity} AS r WHERE {month} IS NOT NULL
            GROUP BY r.provider_id, {first}, {bucket}"""))
    conn.execute(sa.delete(LotTotal))
    conn.execute(sa.insert(LotTotal).from_select(
        ["lot_id", "guides", "informed", "processed", "glosa", "released"], lot_total_rows()))
    conn.execute(sa.delete(AuthorizationTotal))
    conn.execute(sa.insert(AuthorizationTotal).from_select(
        ["authorization_id", "status", "count", "amount"], authorization_total_rows()))


def authorization_total_rows():
    """Each authorization's invoices counted and summed per status, as migration 0022's triggers keep them."""
    return sa.select(Invoice.authorization_id, Invoice.status, sa.func.count(), sa.func.coalesce(
        sa.func.sum(Invoice.amount), 0)).group_by(Invoice.authorization_id, Invoice.status)


def totals(user, entity: str, *, group_by: tuple = (), buckets=None, exclude=None, country=None,
           since: date | None = None) -> list:
    """Rows of (*group_by, count, amount) of ``entity`` cells ``user`` may see (``services.visibility``).

    ``group_by`` names columns of the rollup (``month``, ``provider_id``, ``bucket``); ``buckets`` /
    ``exclude`` keep or drop statuses (their values); ``country`` keeps that country's providers."""
    R = MonthlyRollup
    columns = [getattr(R, name) for name in group_by]
    query = sa.select(*columns, sa.func.sum(R.count), sa.func.sum(R.amount)).where(R.entity == entity)
    if buckets is not None:
        query = query.where(R.bucket.in_([getattr(b, "value", b) for b in buckets]))
    if exclude:
        query = query.where(R.bucket.not_in([getattr(b, "value", b) for b in exclude]))
    if since is not None:
        query = query.where(R.month >= since)
    if country is not None:
        query = query.join(Provider, Provider.id == R.provider_id).where(Provider.country == country)
    query = visible(query, user, entity, R).group_by(*columns)
    return [(*row[:-2], int(row[-2] or 0), Decimal(row[-1] or 0).quantize(Decimal("0.01")))
            for row in db.session.execute(query)]
