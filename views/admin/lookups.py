"""Relationship pickers (Flask-Admin's ajax lookups) that search like the lists, on indexes.

Flask-Admin's own loader matches ``CAST(field AS VARCHAR) ILIKE '%term%'`` on every field: no index serves
that, so a form's guide picker read 2M guide numbers on each keystroke. Here each field says how it matches
(``modes``, as ``column_search_modes`` on a list: ``exact`` numbers and codes on their indexes, names folded
on their trigram index, ``views.admin.paging.match``), and the statements are planned for the typed words.
Who may look up is decided by the view (``SecureModelView.ajax_lookup``: staff with a form).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_admin.contrib.sqla.ajax import DEFAULT_PAGE_SIZE, QueryAjaxModelLoader

from services.text_search import plan_with_values
from views.admin.paging import match


class IndexedLookup(QueryAjaxModelLoader):
    def __init__(self, name: str, session, model, **options):
        self.modes: dict[str, str] = options.pop("modes", {})
        super().__init__(name, session, model, **options)

    def get_list(self, term: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE):
        """Rows where every typed word matches one of the fields (as a list's search box)."""
        words = (term or "").split()[:10]
        if not words:
            return []
        plan_with_values()
        query = self.get_query()
        for word in words:
            options = [condition for field in self._cached_fields
                       if (condition := match(field, word[:100], self.modes.get(field.key))) is not None]
            query = query.filter(sa.or_(*options) if options else sa.false())
        return query.offset(offset).limit(limit).all()
