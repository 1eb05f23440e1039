"""Drafts on the server: one per user and kind, read and written as small dataclasses.

The invoice wizard and the lot builder keep what the user typed here instead of in the session
cookie, so a lost session (idle timeout, a new device, a restart) loses nothing: after logging in
again the user is back where they were.
"""
from __future__ import annotations

import dataclasses
from typing import TypeVar

from sqlalchemy import delete, select

from models import Draft
from models.base import db

T = TypeVar("T")


def load(user, kind: str, cls: type[T]) -> T | None:
    """The user's draft of ``kind`` as a ``cls``, or None (none kept, or kept in an older shape)."""
    row = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind))
    if row is None or not isinstance(row.data, dict):
        return None
    names = {f.name for f in dataclasses.fields(cls)}
    try:
        return cls(**{k: v for k, v in row.data.items() if k in names})
    except TypeError:  # a field added since: start over rather than guess
        return None


def save(user, kind: str, state) -> None:
    """Keep ``state`` (a dataclass) as the user's draft of ``kind``. Flushes; the caller commits."""
    data = dataclasses.asdict(state)
    row = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind))
    if row is None:
        db.session.add(Draft(user_id=user.id, kind=kind, data=data))
    else:
        row.data = data
    db.session.flush()


def discard(user, kind: str) -> None:
    db.session.execute(delete(Draft).where(Draft.user_id == user.id, Draft.kind == kind))
