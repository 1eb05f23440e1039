"""The "Facturas" listing: status tabs with counts, search and keyset paging that stays fast at any volume.

* Each tab is one or more statuses. A page is read per status with keyset
  paging on ``(last_movement_at, id)`` straight from the indexes
  ``(provider_id, status, last_movement_at)`` / ``(status, last_movement_at)``
  and merged, so first, next, previous and last pages cost the same with 1,000
  or 200,000 invoices (no OFFSET, no sort of the whole set).
* Counts are capped: a tab shows the exact number up to ``COUNT_CAP`` and
  "1,000+" beyond, so counting never scans a huge status.
* Where "In audit" shows: providers see it inside "Sent" (for them the invoice
  is still presented and under the payer's review; the row's badge says "In
  audit"); staff get it as its own tab, the supervisors' queue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import pgettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from models import Authorization, Invoice, Provider
from models.base import db
from models.enums import InvoiceStatus as S
from models.enums import Role
from models.values import int_arg
from services.text_search import contains, plan_with_values
from services.visibility import visible

COUNT_CAP = 1_000
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 10


@dataclass(frozen=True)
class Tab:
    key: str
    label: object
    statuses: tuple[S, ...]


def tabs_for(user) -> list[Tab]:
    """The IOMA portal's six tabs (Cargadas, Enviadas, Observadas/Devueltas, Aceptadas, Ingresadas,
    Rechazadas: plural, unlike the statuses of one invoice), plus staff's own "In audit"."""
    provider = user.is_provider
    return [
        Tab("draft", pgettext("invoice tab", "Loaded"), (S.DRAFT,)),
        Tab("sent", pgettext("invoice tab", "Sent"), (S.SENT, S.IN_AUDIT) if provider else (S.SENT,)),
        Tab("observed", pgettext("invoice tab", "Observed/Returned"), (S.OBSERVED,)),
        *([] if provider else [Tab("in_audit", pgettext("invoice tab", "In audit"), (S.IN_AUDIT,))]),
        Tab("accepted", pgettext("invoice tab", "Accepted"), (S.ACCEPTED,)),
        Tab("entered", pgettext("invoice tab", "Entered"), (S.ENTERED,)),
        Tab("rejected", pgettext("invoice tab", "Rejected"), (S.REJECTED,)),
    ]


def default_tab(user) -> str:
    return {Role.CLERK: "sent", Role.SUPERVISOR: "in_audit"}.get(user.role, "draft")


_INVOICE_NO = re.compile(r"^(\d{1,5})\s*-\s*(\d{1,8})$")


def search_clause(text: str | None, staff: bool):
    """Search: procedure number, invoice number (00002-00000085 or 85), CAE; staff also provider name."""
    text = (text or "").strip()[:100]
    if not text:
        return None
    options = []
    match = _INVOICE_NO.match(text)
    if match:
        options.append(and_(Invoice.point_of_sale == int(match.group(1)), Invoice.number == int(match.group(2))))
    if text.isascii() and text.isdigit():
        options.append(Invoice.authorization_id.in_(select(Authorization.id).where(Authorization.number == text)))
        if len(text) <= 8:
            options.append(Invoice.number == int(text))
        if len(text) == 14:
            options.append(Invoice.cae == text)
    if staff and not (text.isascii() and text.isdigit()) and not match:
        plan_with_values()
        options.append(Invoice.provider_id.in_(select(Provider.id).where(contains(Provider.legal_name, text))))
    return or_(*options) if options else Invoice.id.is_(None)


@dataclass
class Cursor:
    at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}_{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        try:
            stamp, raw_id = (text or "").rsplit("_", 1)
            return cls(datetime.fromisoformat(stamp), int_arg(raw_id))
        except (ValueError, TypeError):
            return None


@dataclass
class Page:
    rows: list[Invoice]
    counts: dict[str, int]
    tab: Tab
    tabs: list[Tab]
    page_size: int
    next_cursor: str | None = None
    prev_cursor: str | None = None
    is_first: bool = True
    is_last: bool = True
    capped: set = field(default_factory=set)


def _base(status: S, user, search):
    query = visible(select(Invoice.id, Invoice.last_movement_at).where(Invoice.status == status), user, "invoice",
                    Invoice)
    if search is not None:
        query = query.where(search)
    return query


def _keys(statuses, user, search, cursor: Cursor | None, older: bool, limit: int):
    """Up to ``limit`` (last_movement_at, id) keys across ``statuses``, newest first when ``older``."""
    lm, pk = Invoice.last_movement_at, Invoice.id
    keys = []
    for status in statuses:
        query = _base(status, user, search)
        if older:
            if cursor:
                query = query.where(lm <= cursor.at, or_(lm < cursor.at, pk < cursor.id))
            query = query.order_by(lm.desc(), pk.desc())
        else:
            if cursor:
                query = query.where(lm >= cursor.at, or_(lm > cursor.at, pk > cursor.id))
            query = query.order_by(lm.asc(), pk.asc())
        keys.extend((row.last_movement_at, row.id) for row in db.session.execute(query.limit(limit)))
    keys.sort(reverse=older)
    return keys[:limit]


def counts_capped(statuses, user, search) -> dict[S, int]:
    """Invoices per status, each counted up to ``COUNT_CAP + 1``: one statement (a scalar subquery per
    status), not one per tab."""
    statuses = list(dict.fromkeys(statuses))
    counts = [select(func.count()).select_from(
        _base(status, user, search).with_only_columns(Invoice.id).limit(COUNT_CAP + 1).subquery()).scalar_subquery()
        for status in statuses]
    return dict(zip(statuses, db.session.execute(select(*counts)).one()))


def list_page(user, tab_key: str | None = None, search_text: str | None = None, page_size: int | None = None,
              after: str | None = None, before: str | None = None, last: bool = False) -> Page:
    """One page of the invoices ``user`` may see (``services.visibility``)."""
    tabs = tabs_for(user)
    tab = next((t for t in tabs if t.key == tab_key), None) or next(t for t in tabs if t.key == default_tab(user))
    size = page_size if page_size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    search = search_clause(search_text, staff=not user.is_provider)

    counts, capped = {}, set()
    per_status = counts_capped([status for t in tabs for status in t.statuses], user, search)
    for t in tabs:
        total = sum(per_status[status] for status in t.statuses)
        if total > COUNT_CAP:
            capped.add(t.key)
            total = COUNT_CAP
        counts[t.key] = total

    after_c, before_c = Cursor.decode(after), Cursor.decode(before)
    if before_c and not last:
        keys = _keys(tab.statuses, user, search, before_c, older=False, limit=size + 1)
        has_more_newer = len(keys) > size
        keys = list(reversed(keys[:size]))
        is_first, is_last = not has_more_newer, False
    elif last:
        keys = _keys(tab.statuses, user, search, None, older=False, limit=size + 1)
        is_first = len(keys) <= size
        keys = list(reversed(keys[:size]))
        is_last = True
    else:
        keys = _keys(tab.statuses, user, search, after_c, older=True, limit=size + 1)
        is_last = len(keys) <= size
        keys = keys[:size]
        is_first = after_c is None
    ids = [k[1] for k in keys]
    rows = []
    if ids:
        loaded = db.session.scalars(
            select(Invoice).where(Invoice.id.in_(ids)).options(
                joinedload(Invoice.authorization).joinedload(Authorization.service_type),
                joinedload(Invoice.provider),
            )
        ).unique().all()
        by_id = {inv.id: inv for inv in loaded}
        rows = [by_id[i] for i in ids if i in by_id]
    page = Page(rows=rows, counts=counts, tab=tab, tabs=tabs, page_size=size, is_first=is_first, is_last=is_last,
                capped=capped)
    if keys:
        page.next_cursor = None if is_last else Cursor(*keys[-1]).encode()
        page.prev_cursor = None if is_first else Cursor(*keys[0]).encode()
    return page
