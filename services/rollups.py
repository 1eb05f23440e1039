"""Totals read from ``monthly_rollup`` (models/rollups.py), which the database keeps as rows change.

Dashboards and period figures ask here instead of adding up detail tables: a few rows per provider
and month, whatever the volume; a reader of every provider's totals by status alone (the staff start
pages) reads ``status_total``, the same cells already added up. ``rebuild`` recomputes every cell from
the detail tables (after a bulk load that bypassed the triggers, or to check them).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import AuthorizationTotal, Invoice, LotTotal, MonthlyRollup, Provider, StatusTotal
from models.base import db, to_money
from services.analysis_totals import lot_total_rows
from services.visibility import ALL, provider_ids, visible

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
    conn.execute(sa.delete(StatusTotal))  # after the cells, whether their triggers ran (a bulk load's may not)
    conn.execute(sa.insert(StatusTotal).from_select(
        ["entity", "bucket", "slot", "count", "amount"],
        sa.select(MonthlyRollup.entity, MonthlyRollup.bucket, sa.literal(0), sa.func.sum(MonthlyRollup.count),
                  sa.func.sum(MonthlyRollup.amount)).group_by(MonthlyRollup.entity, MonthlyRollup.bucket)))
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


def visible_groups(user, entities) -> list[list[str]]:
    """``entities`` grouped by the cells ``user`` may see of them (every provider's, or the same providers'),
    leaving out those it may see none of (``visible`` would add ``WHERE false``): one statement per group
    reads them all, and an entity out of sight costs no statement. (Every rollup entity is owned by its
    ``provider_id``: ``visible`` narrows the entities of a group alike.)"""
    groups: dict = {}
    for entity in entities:
        allowed = provider_ids(user, entity)
        if allowed is ALL or allowed:
            groups.setdefault(allowed, []).append(entity)
    return list(groups.values())


def totals(user, entity: str, *, group_by: tuple = (), buckets=None, exclude=None, country=None,
           since: date | None = None) -> list:
    """Rows of (*group_by, count, amount) of ``entity`` cells ``user`` may see (``services.visibility``).

    ``group_by`` names columns of the rollup (``month``, ``provider_id``, ``bucket``); ``buckets`` /
    ``exclude`` keep or drop statuses (their values); ``country`` keeps that country's providers."""
    rows = totals_each(user, {entity: (buckets, exclude)}, group_by=group_by, country=country, since=since)[entity]
    return rows if rows or group_by else [(0, Decimal("0.00"))]  # no grouping: one row, even of nothing


def totals_each(user, wanted: dict, *, group_by: tuple = (), country=None, since: date | None = None,
                cells: Cells | None = None) -> dict:
    """``totals`` of several entities at once: ``wanted`` maps each entity to its (``buckets``, ``exclude``);
    the answer maps each to its rows. One statement for all the entities ``user`` sees alike (none for one
    it may not see: its rows are ``[]``); none at all with ``cells`` (``few_cells``), added up from them."""
    if cells is not None:
        return cells.totals_each(wanted, group_by=group_by, country=country, since=since)
    out: dict = {entity: [] for entity in wanted}
    by_status = set(group_by) <= {"bucket"} and country is None and since is None
    for group in visible_groups(user, wanted):
        # every provider's totals by status alone: the cells added up already (status_total)
        R = StatusTotal if by_status and provider_ids(user, group[0]) is ALL else MonthlyRollup
        columns = [getattr(R, name) for name in group_by]
        plain = [entity for entity in group if wanted[entity][0] is None and not wanted[entity][1]]  # every status
        kept = [R.entity.in_(plain)] if plain else []
        for entity in group:
            if entity in plain:
                continue
            buckets, exclude = (_values(b) for b in wanted[entity])
            condition = R.entity == entity
            if buckets is not None:
                condition &= R.bucket.in_(buckets)
            if exclude:
                condition &= R.bucket.not_in(exclude)
            kept.append(condition)
        query = sa.select(R.entity, *columns, sa.func.sum(R.count), sa.func.sum(R.amount)).where(sa.or_(*kept))
        if since is not None:
            query = query.where(R.month >= since)
        if country is not None:
            query = query.join(Provider, Provider.id == R.provider_id).where(Provider.country == country)
        if R is MonthlyRollup:  # status_total is read only by who sees every provider
            query = visible(query, user, group[0], R)
        query = query.group_by(R.entity, *columns)
        for entity, *row in db.session.execute(query):
            out[entity].append((*row[:-2], int(row[-2] or 0), to_money(row[-1] or 0)))
    return out


def few_cells(user, entities) -> Cells | None:
    """The cells of ``entities`` ``user`` may see, read in one statement, when they are few: a user who sees
    some providers' only (a provider user: its own, a few per month and status). None for a user who sees
    every provider's: ``totals_each`` has the database add those up."""
    groups = visible_groups(user, entities)
    if any(provider_ids(user, group[0]) is ALL for group in groups):
        return None
    R = MonthlyRollup
    rows = []
    for group in groups:
        query = sa.select(R.entity, R.provider_id, Provider.country, R.month, R.bucket, R.count, R.amount).join(
            Provider, Provider.id == R.provider_id).where(R.entity.in_(group))
        rows += db.session.execute(visible(query, user, group[0], R)).all()
    return Cells(entities, rows)


class Cells:
    """Rollup cells read once (``few_cells``), added up as ``totals_each`` has the database do it."""

    COLUMNS = {"provider_id": 1, "month": 3, "bucket": 4}  # group_by name → place in a row

    def __init__(self, entities, rows: list):
        self.entities = frozenset(entities)
        self.rows = rows  # (entity, provider_id, country, month, bucket, count, amount)

    def totals_each(self, wanted: dict, *, group_by: tuple = (), country=None, since: date | None = None) -> dict:
        unknown = set(wanted) - self.entities
        if unknown:
            raise ValueError(f"cells of {sorted(unknown)} were not read")
        places = [self.COLUMNS[name] for name in group_by]
        filters = {entity: tuple(_values(b) for b in kept) for entity, kept in wanted.items()}
        sums: dict = {entity: {} for entity in wanted}
        for row in self.rows:
            entity, _pid, cell_country, month, bucket, count, amount = row
            if entity not in filters or (country is not None and cell_country != country) or (
                    since is not None and month < since):
                continue
            buckets, exclude = filters[entity]
            if (buckets is not None and bucket not in buckets) or (exclude and bucket in exclude):
                continue
            key = tuple(row[i] for i in places)
            total = sums[entity].get(key)
            sums[entity][key] = (count, amount) if total is None else (total[0] + count, total[1] + amount)
        return {entity: [(*key, int(count), to_money(amount or 0)) for key, (count, amount) in found.items()]
                for entity, found in sums.items()}


def _values(statuses) -> list | None:
    """Statuses as the rollup's ``bucket`` holds them (their values)."""
    return None if statuses is None else [getattr(s, "value", s) for s in statuses]

