"""Words typed in a search box, matched inside names: one folding, one escaping, one way of planning them.

``contains`` is ``liquida_fold(column) LIKE liquida_fold('%word%')``: case and accents ignored ("gomez" finds
Gómez, "JOAO" João, as people type them), the user's ``%``, ``_`` and ``\\`` taken literally (a name searched
for "50%" must not match every name). ``liquida_fold`` is ``lower(unaccent(…))`` on PostgreSQL (migration
0025), where a trigram index on ``liquida_fold(column)`` serves the search, and ``fold`` below on SQLite
(registered on every connection), a scan giving the same rows.

``plan_with_values``: how good a plan for ``LIKE '%word%'`` is depends on the word. psycopg prepares a
statement run five times and PostgreSQL may then keep one generic plan for it, costed with the default
selectivity of a pattern (0.05 %). For a common name that plan reads every match through the trigram
index and sorts them (20,000 "Carla" and 25,000 "Gómez" among 2M beneficiaries: 10–17 ms and growing
with the table), where a plan that sees the words walks the list's own index and stops after a page
(1.2 ms, the same at any size). Searches therefore plan their statements with the values, as the first
five runs of every statement are.
"""
from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from models.base import db

FOLD_FUNCTION = "liquida_fold"


def fold(text: str | None) -> str | None:
    """``text`` in lower case without its accents (SQLite's ``liquida_fold``): "Gómez" → "gomez"."""
    if text is None:
        return None
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def contains_pattern(term: str) -> str:
    """``term`` as a LIKE pattern matching it anywhere, its wildcard characters escaped with ``\\``."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def contains(column, term: str):
    """``column`` holds ``term``, ignoring case and accents: ``liquida_fold(column)``, or the column's folding
    kept beside it when it has one (``name_search``: see migration 0025), as its trigram index holds it; the
    pattern is folded by the same function, a constant for the planner."""
    folded = getattr(sa.func, FOLD_FUNCTION)
    return _folded_column(column).like(folded(contains_pattern(term)), escape="\\")


def _folded_column(column):
    stored = f"{column.key}_search"
    table = getattr(column, "table", None)
    if table is not None and stored in table.c:
        return table.c[stored]
    return getattr(sa.func, FOLD_FUNCTION)(column)


def plan_with_values() -> None:
    """Plan the rest of this transaction's statements for their parameters' values (PostgreSQL; a no-op
    elsewhere). Called before a search's statements run."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
