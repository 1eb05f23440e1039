"""Flask-Admin lists that cost the same on page 1 and on the last page, with millions of rows.

* Seek (keyset) paging: a page is the ``page_size`` rows after (or before) the sort key of the row
  that ended the previous page, ``(sort column, id)``, read straight off an index that starts with
  that column: no OFFSET. "Last" reads the first rows of the reversed order.
* Capped counts: at most ``COUNT_CAP`` rows are counted; beyond that the list says "1,000+". On
  PostgreSQL a count also has ``COUNT_BUDGET_MS``; past it the list says "25+" (the rows shown). A list
  that fits on its page is counted from the page, with no count query; a search matching thousands of
  related rows (``through``) is not counted.
* Indexed search: each searchable column says how it matches (``column_search_modes``): ``exact``
  (numbers, codes, card numbers: an ordinary index) or ``name`` (contains, case and accents ignored,
  ``services.text_search``: a trigram index on the folded name on PostgreSQL, a scan on SQLite that gives
  the same rows). Unlisted text
  columns match as ``name`` (small tables), numbers as ``exact``; lists of big tables list every column.
  A column reached through a relationship is matched with ``fk IN (SELECT id …)``, so the list keeps its
  index order.

Sorting on a nullable column, or through a relationship, keeps Flask-Admin's own paging (small tables).
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import g, request
from flask_admin.contrib.sqla import tools
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import InstrumentedAttribute

from services.text_search import contains, plan_with_values

COUNT_CAP = 1_000
# A seek-paged list's count may take this long on PostgreSQL; past it the list says "at least the rows
# shown" (a common name whose matches are spread thin makes counting 1,001 of them walk most of a table).
COUNT_BUDGET_MS = 30
EAGER_IDS = 1_000  # a search through a relationship inlines up to this many matching ids
CURSOR_ARGS = ("after", "before", "last")


class CappedCount(int):
    """A row count that may stand for "at least": shows as ``1,000+``."""

    def __new__(cls, value: int, capped: bool):
        obj = super().__new__(cls, value)
        obj.capped = capped
        return obj

    def __str__(self) -> str:
        from flask_babel import format_decimal

        return format_decimal(int(self)) + ("+" if self.capped else "")


def encode_cursor(value, key: int) -> str:
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    return json.dumps([value, key], separators=(",", ":"))


def decode_cursor(text: str | None, column) -> tuple | None:
    """(value, id) from a cursor argument, typed like ``column``; None for anything malformed."""
    try:
        raw, key = json.loads(text or "")
        if not isinstance(key, int) or isinstance(key, bool):
            return None
        python_type = column.type.python_type
        if python_type is datetime:
            value = datetime.fromisoformat(raw)
        elif python_type is date:
            value = date.fromisoformat(raw)
        elif python_type is Decimal:
            value = Decimal(raw)
        elif python_type is int and not isinstance(raw, bool):
            value = int(raw)
        elif python_type is str and isinstance(raw, str):
            value = raw
        else:
            return None
        return value, key
    except (ValueError, TypeError, InvalidOperation, NotImplementedError):
        return None


def _python_type(column):
    try:
        return column.type.python_type
    except (AttributeError, NotImplementedError):
        return str


def match(column, term: str, mode: str | None):
    """The condition ``column`` matches ``term`` under ``mode`` (None: it cannot match, e.g. text in a number)."""
    python_type = _python_type(column)
    if (mode or "name") == "name" and python_type is str:
        return contains(column, term)
    if python_type is int:
        return column == int(term) if term.isdigit() and len(term) <= 18 else None
    return column == term


BUDGET_SAVEPOINT = "liquida_count_budget"


def budgeted_scalar(session, statement, budget_ms: int | None):
    """``statement``'s scalar, or None when PostgreSQL could not answer within ``budget_ms`` (cancelled
    inside a savepoint: the request's transaction goes on). SQLite, or no budget: always answered.

    The savepoint and the timeout travel together, before and after the count (two round trips around
    it, where the session's ``begin_nested`` and separate SETs took four: a list page's count is on
    every list page)."""
    if budget_ms is None or session.get_bind().dialect.name != "postgresql":
        return session.scalar(statement)
    connection = session.connection()
    connection.exec_driver_sql(f"SAVEPOINT {BUDGET_SAVEPOINT}; SET LOCAL statement_timeout = {int(budget_ms)}")
    try:
        value = connection.execute(statement).scalar()
    except sa.exc.OperationalError as error:
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {BUDGET_SAVEPOINT}; RELEASE SAVEPOINT {BUDGET_SAVEPOINT}")
        if getattr(error.orig, "sqlstate", None) != "57014":  # query_canceled
            raise
        return None
    connection.exec_driver_sql(f"SET LOCAL statement_timeout TO DEFAULT; RELEASE SAVEPOINT {BUDGET_SAVEPOINT}")
    return value


def through(session, path: list, condition):
    """``condition`` on the far end of many-to-one ``path``, hop by hop: ``fk IN (…)`` with the matching
    ids themselves when there are few (so the list's own indexes combine, e.g. ``code = x OR guide_id IN
    (3, 7)``), else ``EXISTS`` on the row's own parent (a common name: the list walks its sort index and
    looks each row's parent up by key, instead of first hashing every one of 20,000 matching parents)."""
    for relationship in reversed(path):
        (local, remote), = relationship.property.local_remote_pairs
        matching = sa.select(remote).where(condition)
        ids = session.scalars(matching.limit(EAGER_IDS + 1)).all()
        if not ids:
            return None
        if len(ids) <= EAGER_IDS:
            condition = local.in_(ids)
        else:  # OFFSET 0 keeps PostgreSQL from turning the EXISTS back into a hash of every match
            condition = sa.select(sa.literal(1)).where(remote == local, condition).offset(0).exists()
            g.search_walks_list = True  # counting its matches would walk the whole list: see get_list
    return condition


class SeekPagingMixin:
    """Mixed into ``SecureModelView``: keyset paging, capped counts and indexed search."""

    list_template = "admin/model/seek_list.html"
    column_search_modes: dict[str, str] = {}

    # Search ------------------------------------------------------------------
    def _apply_search(self, query, count_query, joins, count_joins, search):
        plan_with_values()  # before ``through`` looks up matching parents
        for term in search.split():
            options = []
            for name in self.column_searchable_list or ():
                attr, path = tools.get_field_with_path(self.model, name)
                condition = match(attr, term[:100], self.column_search_modes.get(name))
                if condition is not None and path:
                    condition = through(query.session, path, condition)
                if condition is not None:
                    options.append(condition)
            clause = sa.or_(*options) if options else sa.false()
            query = query.filter(clause)
            if count_query is not None:
                count_query = count_query.filter(clause)
        return query, count_query, joins, count_joins

    # Paging ------------------------------------------------------------------
    def _get_list_extra_args(self):
        """Sort, search, filter and page-size links start from the first page: no cursor in them."""
        args = super()._get_list_extra_args()
        args.extra_args = {k: v for k, v in args.extra_args.items() if k not in CURSOR_ARGS}
        return args

    def _seek_column(self, sort_column, sort_desc):
        """(attribute, column, descending) the list pages on, or None when it cannot (nullable, joined)."""
        if sort_column is not None:
            field = self._sortable_columns.get(sort_column)
            if self._sortable_joins.get(sort_column):
                return None
            desc = bool(sort_desc)
        else:
            order = list(self._get_default_order())
            if len(order) != 1 or order[0][1]:
                return None
            field, _joins, desc = order[0]
        if not isinstance(field, InstrumentedAttribute) or field.class_ is not self.model:
            return None
        column = field.property.columns[0] if hasattr(field.property, "columns") else None
        if column is None or column.nullable and not column.primary_key:
            return None
        return field, column, desc

    def _filtered(self, search, filters):
        query, joins = self.get_query(), {}
        if self._search_supported and search:
            query, _, joins, _ = self._apply_search(query, None, joins, {}, search)
        if filters and self._filters:
            query, _, joins, _ = self._apply_filters(query, None, joins, {}, filters)
        return query

    def capped_count(self, query, budget_ms: int | None = None) -> CappedCount | None:
        """Rows of ``query``, counted up to ``COUNT_CAP``; None when ``budget_ms`` ran out first."""
        pk = self.model.id
        inner = query.with_entities(pk).order_by(None).limit(COUNT_CAP + 1).subquery()
        total = budgeted_scalar(query.session, sa.select(sa.func.count()).select_from(inner), budget_ms)
        if total is None:
            return None
        return CappedCount(min(total, COUNT_CAP), total > COUNT_CAP)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        seek = self._seek_column(sort_column, sort_desc)
        if seek is None or not execute:
            if not execute:  # exports: the rows, no count
                query = self._filtered(search, filters)
                query, _ = self._apply_sorting(query, {}, sort_column, sort_desc)
                return None, self._apply_pagination(query, 0, page_size)
            query = self._filtered(search, filters)
            count = self.capped_count(query)
            if count.capped:  # OFFSET paging stops at the cap: past it, narrow the list
                page = min(page or 0, max(0, COUNT_CAP // (page_size or self.page_size) - 1))
            query, _ = self._apply_sorting(query, {}, sort_column, sort_desc)
            for j in self._auto_joins:
                query = query.options(joinedload(j))
            return count, self._apply_pagination(query, page, page_size).all()
        field, column, desc = seek
        size = page_size or self.page_size
        base = self._filtered(search, filters)
        pk = self.model.id
        after = decode_cursor(request.args.get("after"), column)
        before = None if after else decode_cursor(request.args.get("before"), column)
        last = not after and not before and request.args.get("last") == "1"
        backwards = bool(before or last)  # read in the reverse order, then flip the rows
        newer = desc != backwards  # rows come in descending order
        cursor = after or before

        def page(query):
            if cursor:
                key = sa.tuple_(field, pk)
                bound = sa.tuple_(sa.literal(cursor[0], column.type), sa.literal(cursor[1]))
                query = query.filter(key < bound if newer else key > bound)
            order = (field.desc(), pk.desc()) if newer else (field.asc(), pk.asc())
            for j in self._auto_joins:
                query = query.options(joinedload(j))
            return query.order_by(None).order_by(*order).limit(size + 1).all()

        if search or filters:
            # a full page from the next rows of the list is the page; else the whole search decides
            window = self.search_narrow(base, cursor, newer)
            rows = page(window) if window is not None else []
            if len(rows) <= size:
                rows = page(base)
        else:
            rows = page(self.seek_narrow(base, cursor, newer, size))
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
            has_prev, has_next = more, not last
        else:
            has_prev, has_next = after is not None, more
        g.seek_pager = self._pager_links(rows, field.key, has_prev, has_next)
        if not (has_prev or has_next):  # the whole list is this page (most searches for a name or number)
            return CappedCount(len(rows), False), rows
        # a search through thousands of parents (EXISTS per row) is counted by walking the whole list: at a
        # payer's size that spends the count's budget and says "25+" anyway (a provider's guides by a
        # common beneficiary name: 30 ms), so it says so at once
        count = None if g.get("search_walks_list") else self.capped_count(base, COUNT_BUDGET_MS)
        if count is None:  # not counted in time: at least the rows shown, more pages follow ("20+")
            count = CappedCount(len(rows), True)
        return count, rows

    def seek_narrow(self, query, cursor, newer: bool, size: int):
        """A view's chance to bound an unfiltered page further (see GuideItemView); the query as is here."""
        return query

    def search_narrow(self, query, cursor, newer: bool):
        """A view's chance to look for a searched page among the next rows of the list first (a term
        common in the list but spread over a big table, see GuideItemView); None: no such window."""
        return None

    def _pager_links(self, rows, key: str, has_prev, has_next) -> dict:
        base = self._get_list_url(self._get_list_extra_args())
        joiner = "&" if "?" in base else "?"

        def link(name, cursor_row):
            value = encode_cursor(getattr(cursor_row, key), cursor_row.id)
            return f"{base}{joiner}{name}={_quote(value)}"

        return {
            "first": base if has_prev else None,
            "prev": link("before", rows[0]) if has_prev and rows else None,
            "next": link("after", rows[-1]) if has_next and rows else None,
            "last": f"{base}{joiner}last=1" if has_next else None,
        }


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
