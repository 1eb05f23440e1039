"""Seek (keyset) pagination for the money pages: the next page starts after the last row shown,
found through the index on the sort columns, so the last page costs what the first does.

A cursor is the sort key of the last row shown, written as text for a URL (``2026-03-10~123``);
anything unreadable in it reads as "from the start", never as an error.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

import sqlalchemy as sa

from models.base import db
from models.values import MAX_INT

T = TypeVar("T")
SEP = "~"


@dataclass
class Page(Generic[T]):
    rows: list[T]
    next_cursor: str | None  # None on the last page


def encode(*parts) -> str:
    return SEP.join(p.isoformat() if isinstance(p, date | datetime) else str(p) for p in parts)


def decode(cursor: str | None, *kinds) -> tuple | None:
    """The cursor's parts converted by ``kinds`` (date, datetime, int), or None when unreadable."""
    if not cursor or len(cursor) > 100:
        return None
    parts = cursor.split(SEP)
    if len(parts) != len(kinds):
        return None
    try:
        return tuple(_part(kind, p) for kind, p in zip(kinds, parts, strict=True))
    except (TypeError, ValueError):
        return None


def _part(kind, text: str):
    if kind in (date, datetime):
        return kind.fromisoformat(text)
    value = kind(text)
    if kind is int and not -MAX_INT <= value <= MAX_INT:  # the database's integers end there
        raise ValueError(text)
    return value


def seek(query, columns: tuple, kinds: tuple, cursor: str | None, size: int, *, descending: bool) -> Page:
    """``query`` ordered by ``columns`` (a unique key, every column the same way), ``size`` rows after
    ``cursor``: a row comparison the index on the columns answers directly."""
    after = decode(cursor, *kinds)
    if after is not None:
        key, bound = (columns[0], after[0]) if len(columns) == 1 else (sa.tuple_(*columns), sa.tuple_(*after))
        query = query.where(key < bound if descending else key > bound)
    order = [column.desc() if descending else column for column in columns]
    rows = db.session.scalars(query.order_by(*order).limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode(*(getattr(rows[-1], column.key) for column in columns)) if more else None)


def newest_first(query, day_column, number_column, cursor: str | None, size: int, day_kind=date) -> Page:
    """``query`` ordered by (day, number) descending, ``size`` rows after ``cursor``."""
    return seek(query, (day_column, number_column), (day_kind, int), cursor, size, descending=True)
