"""The audit log read as a history: entity and field names in the reader's language, values as users know
them (names instead of ids, labels instead of stored keys, local dates and numbers).

``describe`` takes a page of rows and resolves every referenced id with one query per entity kind (and one
per parent its names mention), never one per row.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import MANYTOONE, selectinload

from models.audit import SECRET_FIELDS, AuditLog
from models.base import Money, db
from models.enums import AuditAction, LabeledEnum, TaxCondition
from models.labels import entity_label, field_label
from services import formatting

NOTHING = "—"
# JSON columns holding a list of enum values.
LIST_ENUMS = {"tax_conditions": TaxCondition}
LANGUAGE_NAMES = {"es_AR": "Español", "pt_BR": "Português", "en": "English"}

EVENT_LABELS = {
    "account_created": _l("Account created"),
    "activated": _l("Account activated"),
    "email_failed": _l("Email not delivered"),
    "email_sent": _l("Email sent"),
    "guides_received": _l("Guides received"),
    "link_auto_approved": _l("Link approved automatically"),
    "link_refused": _l("Link request refused"),
    "link_requested": _l("Link requested"),
    "locked": _l("Account locked"),
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "login_refused_locked": _l("Login refused: account locked"),
    "logout": _l("Logged out"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "password_reset_requested": _l("Password reset requested"),
    "reactivated": _l("Account reactivated"),
    "tiss_ws_fault": _l("Web-service fault"),
}


@dataclass
class Change:
    field: str
    new: str
    old: str | None = None  # None: a value of a created or deleted record, not a change


@dataclass
class Entry:
    entity: str
    record: str  # what users call the record ("Usuario #7" once it is gone)
    what: str  # the action, or the event's name
    changes: list[Change] = field(default_factory=list)


def _tables() -> dict[str, type]:
    return {mapper.class_.__tablename__: mapper.class_ for mapper in db.Model.registry.mappers
            if hasattr(mapper.class_, "__tablename__")}


def _column(model, key: str):
    return model.__table__.columns.get(key) if model is not None else None


def _target_table(model, key: str) -> str | None:
    column = _column(model, key)
    if column is None or not column.foreign_keys:
        return None
    return next(iter(column.foreign_keys)).column.table.name


def _pairs(row: AuditLog) -> list[tuple[str, object, object, bool]]:
    """(field, old, new, is_change) of a row: updates and transitions hold [old, new] per field, creations,
    deletions and events a snapshot."""
    changes = dict(row.changes or {})
    if row.action == AuditAction.EVENT:
        changes.pop("event", None)
    is_change = row.action in (AuditAction.UPDATE, AuditAction.TRANSITION)
    out = []
    for key, value in changes.items():
        if key == "id" and not is_change:
            continue  # the record's own number, shown with the entity
        if is_change and isinstance(value, list) and len(value) == 2:
            out.append((key, value[0], value[1], True))
        else:
            out.append((key, None, value, False))
    return out


def _show(model, key: str, value, names: dict[str, dict]) -> str:
    if value is None or value == "":
        return NOTHING
    if key in SECRET_FIELDS:
        return "***"
    if isinstance(value, list):
        if key in LIST_ENUMS:
            return ", ".join(_label(LIST_ENUMS[key], item) for item in value) or NOTHING
        return ", ".join(_show(model, key, item, names) for item in value) or NOTHING
    target = _target_table(model, key)
    if target is not None:
        return names.get(target, {}).get(value, f"#{value}")
    if key == "locale":
        return LANGUAGE_NAMES.get(value, str(value))
    column = _column(model, key)
    kind = column.type if column is not None else None
    if isinstance(kind, Money):
        return formatting.amount(Decimal(str(value)))
    kind = getattr(kind, "impl", kind)  # a TypeDecorator (Rate) shows as the type it stores
    enum_class = getattr(kind, "enum_class", None)
    if enum_class is not None and issubclass(enum_class, LabeledEnum):
        return _label(enum_class, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(kind, (sa.DateTime, sa.Date)) and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value) if isinstance(kind, sa.DateTime) else date.fromisoformat(value)
            return formatting.day(parsed)
        except ValueError:
            return value
    if isinstance(kind, sa.Numeric) and isinstance(value, (str, int, float)):
        try:
            return formatting.number(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    return str(value)


def _label(enum_class: type[LabeledEnum], value) -> str:
    try:
        return enum_class(value).label
    except ValueError:
        return str(value)


def _names(wanted: dict[str, set], tables: dict[str, type]) -> dict[str, dict]:
    """What users call each referenced record: one query per entity kind."""
    names = {}
    for table, ids in wanted.items():
        model = tables.get(table)
        keys = {i for i in ids if isinstance(i, int)}
        if model is None or not keys:
            continue
        # Names often mention a parent (a link names its user and provider): load those set-based too.
        parents = [selectinload(getattr(model, rel.key)) for rel in sa.inspect(model).relationships
                   if rel.direction is MANYTOONE]
        query = sa.select(model).where(model.id.in_(keys)).options(*parents)
        names[table] = {obj.id: _name(table, obj) for obj in db.session.scalars(query)}
    return names


def _name(table: str, obj) -> str:
    text = str(obj)
    return f"#{obj.id}" if text.startswith("<") else text


def describe(rows: list[AuditLog]) -> dict[int, Entry]:
    """Each row of a page as an entry of the history, keyed by the row's id."""
    tables = _tables()
    wanted: dict[str, set] = defaultdict(set)
    for row in rows:
        model = tables.get(row.entity)
        if model is not None and row.entity_id is not None:
            wanted[row.entity].add(row.entity_id)
        for key, old, new, _is_change in _pairs(row):
            target = _target_table(model, key)
            if target is not None:
                wanted[target].update(v for v in (old, new) if v is not None)
    names = _names(wanted, tables)
    entries = {}
    for row in rows:
        model = tables.get(row.entity)
        event = (row.changes or {}).get("event") if row.action == AuditAction.EVENT else None
        what = str(EVENT_LABELS.get(event, event)) if event else row.action.label
        changes = [Change(str(field_label(key)), _show(model, key, new, names),
                          _show(model, key, old, names) if is_change else None)
                   for key, old, new, is_change in _pairs(row)]
        entity = str(entity_label(row.entity))
        record = names.get(row.entity, {}).get(row.entity_id) or (f"#{row.entity_id}" if row.entity_id else "")
        entries[row.id] = Entry(entity, record, what, changes)
    return entries
