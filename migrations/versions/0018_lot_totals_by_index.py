"""Lot totals recomputed by index lookups only (PostgreSQL): the cost of a statement stays that of the
lots it touched, whatever the size of the tables.

Migration 0013's trigger functions joined the changed items to ``guide`` and the touched lots to
their guides with plain joins, and PL/pgSQL keeps a generic plan per statement: on a 20k-guide
database PostgreSQL chose a hash join over every guide for the first (4.5 ms per lot received) and a
merge join walking the whole ``ix_guide_lot_id`` index for the second (4.9 ms instead of 0.8 ms),
both growing with the tables (and with statistics a little behind, a hash join over every item).
Now a changed row's lot is a correlated lookup by primary key and each touched lot is aggregated in
a ``LATERAL`` subquery on its own guides, each guide's items read by their own ``LATERAL`` lookup
(``OFFSET 0`` keeps the planner from flattening it back into a join): plans that can only use the
indexes. SQLite keeps 0013's row triggers (one lot per row already).

Revision ID: 0018
Revises: 0017
"""
from alembic import context, op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _lot_of(guide_ids: str) -> str:
    """The lots of the distinct guides ``guide_ids`` (a subquery), each by its primary key."""
    return f"SELECT (SELECT g.lot_id FROM guide AS g WHERE g.id = x.guide_id) FROM ({guide_ids}) AS x(guide_id)"


def _touched(changed) -> dict[str, dict[str, str]]:
    """What each statement touched, from its transition tables (``changed(table)``: the watched columns
    of migration 0013 that differ between a row's old and new version)."""
    return {
        "guide_item": {
            "ins": _lot_of("SELECT DISTINCT guide_id FROM new_rows"),
            "del": _lot_of("SELECT DISTINCT guide_id FROM old_rows"),
            "upd": _lot_of("SELECT DISTINCT unnest(ARRAY[n.guide_id, o.guide_id]) FROM new_rows AS n "
                           "JOIN old_rows AS o ON o.id = n.id WHERE " + changed("guide_item")),
        },
        "guide": {
            "ins": "SELECT lot_id FROM new_rows",
            "del": "SELECT lot_id FROM old_rows",
            "upd": "SELECT unnest(ARRAY[n.lot_id, o.lot_id]) FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id "
                   "WHERE " + changed("guide"),
        },
        "glosa": {
            "ins": "SELECT lot_id FROM new_rows",
            "del": "SELECT lot_id FROM old_rows",
            "upd": "SELECT unnest(ARRAY[n.lot_id, o.lot_id]) FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id "
                   "WHERE " + changed("glosa"),
        },
    }


PROCESSED = "coalesce(i.processed_amount, i.total_amount)"
RECOMPUTE = f"""
    INSERT INTO lot_total (lot_id, guides, informed, processed, glosa, released)
    SELECT t.lot_id, s.guides, s.informed, s.processed, s.glosa, s.released
    FROM unnest(touched) AS t(lot_id)
    CROSS JOIN LATERAL (
        SELECT count(DISTINCT g.id) AS guides, coalesce(sum(i.total_amount), 0) AS informed,
               coalesce(sum({PROCESSED}), 0) AS processed, coalesce(sum(gl.glosa), 0) AS glosa,
               coalesce(sum(CASE WHEN {PROCESSED} - coalesce(gl.glosa, 0) > 0
                                 THEN {PROCESSED} - coalesce(gl.glosa, 0) ELSE 0 END), 0) AS released
        FROM guide AS g
        LEFT JOIN LATERAL (SELECT id, total_amount, processed_amount FROM guide_item
                           WHERE guide_item.guide_id = g.id OFFSET 0) AS i ON true
        LEFT JOIN (SELECT guide_item_id, sum(amount) AS glosa FROM glosa
                   WHERE glosa.lot_id = t.lot_id AND guide_item_id IS NOT NULL GROUP BY guide_item_id) AS gl
               ON gl.guide_item_id = i.id
        WHERE g.lot_id = t.lot_id) AS s
    WHERE EXISTS (SELECT 1 FROM lot WHERE lot.id = t.lot_id)
    ON CONFLICT (lot_id) DO UPDATE SET guides = excluded.guides, informed = excluded.informed,
        processed = excluded.processed, glosa = excluded.glosa, released = excluded.released"""


def _function(table: str, name: str, lots: str, recompute: str) -> str:
    """0013's function body (lock the touched lots' rows in id order, then recompute them)."""
    return f"""
        CREATE OR REPLACE FUNCTION lot_total_{table}_{name}() RETURNS trigger AS $$
        DECLARE touched integer[];
        BEGIN
            touched := ARRAY(SELECT DISTINCT x.lot_id FROM ({lots}) AS x(lot_id) WHERE x.lot_id IS NOT NULL ORDER BY 1);
            IF cardinality(touched) = 0 THEN
                RETURN NULL;
            END IF;
            INSERT INTO lot_total (lot_id, guides, informed, processed, glosa, released)
                SELECT id, 0, 0, 0, 0, 0 FROM lot WHERE id = ANY(touched) ORDER BY id ON CONFLICT (lot_id) DO NOTHING;
            PERFORM 1 FROM lot_total WHERE lot_id = ANY(touched) ORDER BY lot_id FOR UPDATE;
            {recompute};
            RETURN NULL;
        END $$ LANGUAGE plpgsql"""


def _previous():
    return context.script.get_revision("0013").module


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, functions in _touched(_previous()._changed).items():
        for name, lots in functions.items():
            op.execute(_function(table, name, lots, RECOMPUTE))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    previous = _previous()
    for table, functions in previous.PG_LOTS.items():
        for name, lots in functions.items():
            op.execute(_function(table, name, lots, previous.recompute_sql("SELECT unnest(touched)")))
