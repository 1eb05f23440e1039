"""Append-only audit log, written automatically for every flushed change.

One session listener records creates, updates (old → new per field) and
deletes of every model; the workflow marks status changes as transitions and
passes the reason. Rows are inserted with Core on the flushing connection so
they commit or roll back with the change they describe; ``append_rows`` remembers
their ids so that ``models.audit_chain`` links them into the hash chain when
the transaction commits.
"""
from __future__ import annotations

import enum
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from models.base import db, enum_column, utcnow
from models.enums import AuditAction

SECRET_FIELDS = {"password_hash"}
SKIPPED_FIELDS = {"version_id", "created_at", "updated_at", "last_movement_at"}

PENDING_IDS = "audit_unsealed_ids"  # session.info: ids of audit rows written, linked at commit

_actor: ContextVar[tuple[int | None, str] | None] = ContextVar("audit_actor", default=None)


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __audited__ = False
    __table_args__ = (
        sa.Index("ix_audit_log_entity", "entity", "entity_id"),
        sa.Index("ix_audit_log_actor_label", "actor_label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    action: Mapped[AuditAction] = enum_column(AuditAction, index=True)
    changes: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    def __str__(self) -> str:
        return f"{self.entity}#{self.entity_id} {self.action.value}"


_INSERT_RETURNING_ID = sa.insert(AuditLog.__table__).returning(AuditLog.__table__.c.id)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_changes(mapper, connection, target):
    raise AppendOnlyError("audit_log is append-only")


# Who and why ---------------------------------------------------------------
@contextmanager
def acting_as(user=None, label: str = "system"):
    """Attribute changes made outside a request (CLI, seed, jobs) to ``user`` or ``label``."""
    token = _actor.set((user.id, user.email) if user is not None else (None, label))
    try:
        yield
    finally:
        _actor.reset(token)


def _current_actor() -> tuple[int | None, str, str | None]:
    from flask import has_request_context, request
    from flask_login import current_user

    if has_request_context():
        ip = request.remote_addr
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email, ip
        fallback = _actor.get()
        return (fallback[0], fallback[1], ip) if fallback else (None, "anonymous", ip)
    fallback = _actor.get()
    return (fallback[0], fallback[1], None) if fallback else (None, "system", None)


# Recording -----------------------------------------------------------------
def append_rows(session: Session, rows: list[dict]) -> None:
    """Insert audit rows on ``session``'s connection; they join the hash chain when the session commits.

    Every audit row must be written through here: a row the chain never linked reads as forged."""
    if not rows:
        return
    inserted = session.connection().execute(_INSERT_RETURNING_ID, rows)
    session.info.setdefault(PENDING_IDS, set()).update(inserted.scalars())


_AS_IS = frozenset({str, int, float, bool, type(None)})
_CONVERT = {Decimal: str, date: date.isoformat, datetime: datetime.isoformat, time: time.isoformat}


def _plain(value):
    kind = type(value)
    if kind in _AS_IS:  # the common cases first: audit snapshots call this for every column
        return value
    if kind in _CONVERT:
        return _CONVERT[kind](value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, dict)):
        return value
    return str(value)


def _field(key: str, value):
    return "***" if key in SECRET_FIELDS else _plain(value)


def _snapshot(obj) -> dict:
    state = inspect(obj)
    return {
        attr.key: _field(attr.key, getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in SKIPPED_FIELDS and getattr(obj, attr.key) is not None
    }


def _diff(obj) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED_FIELDS:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        changes[attr.key] = [_field(attr.key, old), _field(attr.key, new)]
    for rel in state.mapper.relationships:
        if rel.secondary is None:
            continue
        hist = state.attrs[rel.key].history
        if hist.added or hist.deleted:
            changes[rel.key] = [[str(o) for o in hist.deleted], [str(o) for o in hist.added]]
    return changes


def _entity_id(obj):
    ids = inspect(obj).mapper.primary_key_from_instance(obj)
    return ids[0] if len(ids) == 1 and isinstance(ids[0], int) else None


_DELETED = "audit_deleted"


@event.listens_for(Session, "before_flush")
def _forget_deletes_of_failed_flushes(session: Session, flush_context, instances) -> None:
    session.info.pop(_DELETED, None)


@event.listens_for(db.Model, "before_delete", propagate=True)
def _remember_delete(mapper, connection, target) -> None:
    """Snapshot every row the flush deletes, orphans of ``delete-orphan`` collections included
    (they never appear in ``session.deleted``), while the row still exists."""
    session = object_session(target)
    if session is not None and getattr(target, "__audited__", True):
        session.info.setdefault(_DELETED, []).append((target, _snapshot(target)))


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, flush_context) -> None:
    rows = []
    actor_id, actor_label, ip = _current_actor()

    def add(obj, action, changes):
        rows.append(
            {
                "at": utcnow(),
                "actor_id": actor_id,
                "actor_label": actor_label,
                "entity": obj.__tablename__,
                "entity_id": _entity_id(obj),
                "action": action.value,
                "changes": changes or None,
                "reason": getattr(obj, "_audit_reason", None),
                "ip": ip,
            }
        )

    def audited(obj) -> bool:
        return getattr(obj, "__audited__", True)

    for obj in session.new:
        if audited(obj):
            add(obj, AuditAction.CREATE, _snapshot(obj))
    for obj in session.dirty:
        if not audited(obj) or not session.is_modified(obj, include_collections=True):
            continue
        changes = _diff(obj)
        if not changes:
            continue
        action = AuditAction.TRANSITION if "status" in changes else AuditAction.UPDATE
        add(obj, action, changes)
        obj.__dict__.pop("_audit_reason", None)
    for obj, snapshot in session.info.pop(_DELETED, ()):
        add(obj, AuditAction.DELETE, snapshot)
    append_rows(session, rows)


def bulk_row(entity: str, entity_id: int | None, action: AuditAction, changes: dict | None,
             reason: str | None = None) -> dict:
    """The audit row the flush listener would write, for set-based writes that bypass the ORM
    (multi-row INSERT/UPDATE): ``changes`` is a snapshot (create) or {field: [old, new]}."""
    actor_id, actor_label, ip = _current_actor()
    if action == AuditAction.CREATE and changes:
        changes = {k: _field(k, v) for k, v in changes.items() if k not in SKIPPED_FIELDS and v is not None}
    return {"at": utcnow(), "actor_id": actor_id, "actor_label": actor_label, "entity": entity,
            "entity_id": entity_id, "action": action.value, "changes": changes or None, "reason": reason, "ip": ip}


def record_event(entity: str, entity_id: int | None, name: str, reason: str | None = None, **details) -> None:
    """Record something that is not a row change (login, lockout, email sent…)."""
    actor_id, actor_label, ip = _current_actor()
    append_rows(db.session(), [{
        "at": utcnow(),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "entity": entity,
        "entity_id": entity_id,
        "action": AuditAction.EVENT.value,
        "changes": {"event": name, **{k: _plain(v) for k, v in details.items()}},
        "reason": reason,
        "ip": ip,
    }])
