"""The audit log as a history: who did what to which record, when (local time), with field names and values
users know, a link to the record, and filters by entity, user and date. Read-only."""
from __future__ import annotations

from flask import g, url_for
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.routing import BuildError

from models.audit import AuditLog
from models.labels import ENTITY_LABELS
from services import audit_history
from views.admin.base import SecureModelView

# Screens whose endpoint is not their table's name.
ENDPOINT_OF_TABLE = {"invoice": "invoice_record"}


def _entry(model) -> audit_history.Entry:
    """The row's entry, from the page described at once (``get_list``), else on its own (details)."""
    entries = g.get("audit_history") or {}
    if model.id not in entries:
        entries = {**entries, **audit_history.describe([model])}
        g.audit_history = entries
    return entries[model.id]


def _record(view, context, model, name):
    entry = _entry(model)
    label = Markup("{}<br><small>{}</small>").format(entry.entity, entry.record) if entry.record else entry.entity
    if model.entity_id is None:
        return label
    endpoint = ENDPOINT_OF_TABLE.get(model.entity, model.entity)
    try:
        return Markup('<a href="{}">{}</a>').format(url_for(f"{endpoint}.details_view", id=model.entity_id), label)
    except BuildError:
        return label


def _what(view, context, model, name):
    return Markup('<span class="badge badge-{}">{}</span>').format(model.action.badge, _entry(model).what)


def _changes(view, context, model, name):
    changes = _entry(model).changes
    if not changes:
        return ""
    items = Markup("").join(
        Markup("<li><strong>{}</strong>: {} → {}</li>").format(c.field, c.old, c.new) if c.old is not None
        else Markup("<li><strong>{}</strong>: {}</li>").format(c.field, c.new)
        for c in changes)
    return Markup('<ul class="list-unstyled mb-0 small">{}</ul>').format(items)


class AuditLogView(SecureModelView):
    """Read-only: nobody edits or deletes audit rows through the app."""

    offers = frozenset({"export"})
    can_view_details = True
    column_list = ("at", "actor_label", "entity", "action", "changes", "reason")
    column_details_list = ("at", "actor_label", "entity", "action", "changes", "reason", "ip")
    column_labels = {
        "at": _l("When"), "actor_label": _l("Who"), "entity": _l("Record"), "entity_id": _l("Number"),
        "action": _l("Action"), "changes": _l("Changes"), "reason": _l("Reason"), "ip": _l("IP address"),
    }
    column_formatters = {"entity": _record, "action": _what, "changes": _changes}
    # Millions of rows: search and filters on indexed columns only, exact (views.admin.paging).
    column_searchable_list = ("actor_label", "entity")
    column_search_modes = {"actor_label": "exact", "entity": "exact"}
    column_sortable_list = ("id",)
    column_filters = (
        FilterEqual(AuditLog.entity, _l("Entity"), options=sorted(ENTITY_LABELS.items())),
        FilterEqual(AuditLog.actor_label, _l("Who")),
        "action", "at", "entity_id",
    )
    column_default_sort = ("id", True)

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        g.audit_history = audit_history.describe(list(rows))
        return count, rows
