"""New guides and items are added to their lots' totals instead of recomputing each lot whole (PostgreSQL).

A TISS lot is stored with two COPY statements (its guides, then their items), and each recomputed the lot
from all of its guides and items: 2.6 ms of the database's 13 ms per 100-guide lot, on the path that
must reach 5,000 guides/s. Inserted rows can be added: a new guide has no items yet and a new item no
glosa (both are referenced by foreign keys), so a guide adds one to ``guides`` and an item adds its
informed, processed and released values (released = processed, never below zero, with no glosa). A lot
without a totals row yet (never touched since the totals were built) is still recomputed whole, so
nothing is added to a row that was not complete. Deletes and updates keep 0018's recomputation (released
is not additive under glosas). The touched lots' rows are locked in id order first, as before, so two
writers of one lot add one after the other and cannot deadlock. SQLite keeps 0013's row triggers.

Revision ID: 0023
Revises: 0022
"""
from alembic import context, op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

PROCESSED = "coalesce(r.processed_amount, r.total_amount)"

# (table, lots touched by its inserted rows, the amounts each lot adds: lot_id + the SET list)
ADDED = {
    "guide": (
        "SELECT lot_id FROM new_rows",
        "SELECT lot_id, count(*) AS guides FROM new_rows WHERE lot_id IS NOT NULL GROUP BY lot_id",
        "guides = t.guides + d.guides",
    ),
    "guide_item": (
        "SELECT lot_id FROM lot_of",
        f"""SELECT l.lot_id, coalesce(sum(r.total_amount), 0) AS informed, coalesce(sum({PROCESSED}), 0) AS processed,
                   coalesce(sum(greatest({PROCESSED}, 0)), 0) AS released
            FROM new_rows AS r JOIN lot_of AS l ON l.guide_id = r.guide_id
            WHERE l.lot_id IS NOT NULL GROUP BY l.lot_id""",
        "informed = t.informed + d.informed, processed = t.processed + d.processed, released = t.released + d.released",
    ),
}

def _function(table: str, lots: str, added: str, assignments: str, recompute: str) -> str:
    # an item's lot: each distinct guide's, looked up by primary key (0018: plans that only use indexes)
    with_lot_of = (
        "WITH lot_of AS MATERIALIZED (SELECT x.guide_id, (SELECT g.lot_id FROM guide AS g WHERE g.id = x.guide_id) "
        "AS lot_id FROM (SELECT DISTINCT guide_id FROM new_rows) AS x(guide_id)) "
        if table == "guide_item" else "")
    return f"""
        CREATE OR REPLACE FUNCTION lot_total_{table}_ins() RETURNS trigger AS $$
        DECLARE touched integer[];
        DECLARE missing integer[];
        BEGIN
            {with_lot_of}SELECT ARRAY(SELECT DISTINCT x.lot_id FROM ({lots}) AS x(lot_id)
                                      WHERE x.lot_id IS NOT NULL ORDER BY 1) INTO touched;
            IF cardinality(touched) = 0 THEN
                RETURN NULL;
            END IF;
            PERFORM 1 FROM lot_total WHERE lot_id = ANY(touched) ORDER BY lot_id FOR UPDATE;
            {with_lot_of}UPDATE lot_total AS t SET {assignments} FROM ({added}) AS d WHERE t.lot_id = d.lot_id;
            missing := ARRAY(SELECT x FROM unnest(touched) AS x
                             WHERE NOT EXISTS (SELECT 1 FROM lot_total WHERE lot_id = x) ORDER BY 1);
            IF cardinality(missing) = 0 THEN
                RETURN NULL;
            END IF;
            touched := missing;
            INSERT INTO lot_total (lot_id, guides, informed, processed, glosa, released)
                SELECT id, 0, 0, 0, 0, 0 FROM lot WHERE id = ANY(touched) ORDER BY id ON CONFLICT (lot_id) DO NOTHING;
            PERFORM 1 FROM lot_total WHERE lot_id = ANY(touched) ORDER BY lot_id FOR UPDATE;
            {recompute};
            RETURN NULL;
        END $$ LANGUAGE plpgsql"""


def _previous():
    return context.script.get_revision("0018").module


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (lots, added, assignments) in ADDED.items():
        op.execute(_function(table, lots, added, assignments, _previous().RECOMPUTE))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    previous = _previous()
    touched = previous._touched(context.script.get_revision("0013").module._changed)
    for table in ADDED:
        op.execute(previous._function(table, "ins", touched[table]["ins"], previous.RECOMPUTE))
