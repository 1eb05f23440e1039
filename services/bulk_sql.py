"""Many rows at once on PostgreSQL: ``copy_rows`` inserts them, ``any_of`` looks them up.

``copy_rows``: ``executemany`` sends one INSERT per row (a 100-guide TISS lot is ~600 rows); COPY
streams them all in one statement, several times cheaper for the client and the server alike. Rows are
written as given: columns left out take their Python-side defaults here (as a Core insert would) or
the database's (ids from their sequence, in the rows' order). Core-level, like the inserts it replaces:
no ORM events, so the caller writes the audit event that covers the rows.

``any_of``: ``column = ANY(:array)`` instead of ``column IN (:p1, … :p100)``. psycopg prepares a
statement run five times, and PostgreSQL then switches to a generic plan, which for an IN list of a
hundred parameters next to ``provider_id = $1`` is a scan of the provider's rows: measured 130–190 ms
instead of 0.3 ms for a lot's guide numbers once 20k guides are stored. One array parameter keeps the
index lookup in the generic plan too.

``any_in``: the same for the ids a subquery selects (``column = ANY(ARRAY(subquery))``). With
``column IN (subquery)`` PostgreSQL joins by hashing and so reads the whole of ``column``'s table: a
period's 125 lots summed from ``lot_total`` scanned its 19k rows (5.1 ms, growing with every lot ever
sent); the array makes it look up each id on the key (0.9 ms, growing with the period's lots only).
"""
from __future__ import annotations

import enum
import operator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from models.base import db


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def any_of(column, values):
    """``column IN values`` as an array parameter on PostgreSQL (see above), a plain IN elsewhere."""
    values = list(values)
    if is_postgresql():
        return column == sa.any_(sa.bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def any_in(column, ids: sa.Select):
    """``column IN (ids)`` as a lookup of each id on PostgreSQL (see above), a plain IN elsewhere."""
    if is_postgresql():
        return column == sa.any_(sa.func.array(ids.scalar_subquery()))
    return column.in_(ids)


def copy_rows(table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` into ``table`` with one COPY (PostgreSQL); ids come from the column's default
    (its sequence), in the order of ``rows``. Every row has the keys of the first one."""
    if not rows:
        return
    given = list(rows[0])
    defaults = {column.name: column.default for column in table.columns
                if column.name not in given and column.default is not None
                and (column.default.is_scalar or column.default.is_callable)}
    quoted = ", ".join(f'"{name}"' for name in [*given, *defaults])
    fixed = tuple(default.arg if default.is_scalar else default.arg(None) for default in defaults.values())
    values = operator.itemgetter(*given) if len(given) > 1 else (lambda row: (row[given[0]],))
    # enum columns take the member's stored value (psycopg would write its name); only they are looked at
    enums = [position for position, name in enumerate(given) if isinstance(table.c[name].type, sa.Enum)]
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            line = values(row)
            if enums:
                line = list(line)
                for position in enums:
                    if isinstance(value := line[position], enum.Enum):
                        line[position] = value._value_  # the attribute (``.value`` is a slower descriptor)
            copy.write_row((*line, *fixed))
