"""Per-lot totals kept by the database (guides, informed, processed, glosa, released): reports by period,
the extrato, the NF report and the payment desk read one row per lot instead of adding up its items.

Released is not additive (an item's glosas never take it below zero), so the triggers recompute each
touched lot whole (a lot is a few hundred items) rather than adding deltas. PostgreSQL: statement-level
triggers with transition tables, one recomputation per statement whatever it changed (COPY and bulk
updates included); SQLite: row triggers.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# What touches a lot's totals: (table, columns whose change matters, how a changed row names its lot)
WATCHED = {
    "guide_item": ("guide_id", "total_amount", "processed_amount"),
    "guide": ("lot_id",),
    "glosa": ("lot_id", "guide_item_id", "amount"),
}


def recompute_sql(lots: str) -> str:
    """Upsert the totals of the lots ``lots`` (a subquery of ``lot_id``) from their guides, items and glosas;
    lots left empty get zeros, lots that no longer exist are skipped."""
    return f"""
        INSERT INTO lot_total (lot_id, guides, informed, processed, glosa, released)
        SELECT l.id, count(DISTINCT g.id), coalesce(sum(i.total_amount), 0),
               coalesce(sum(coalesce(i.processed_amount, i.total_amount)), 0), coalesce(sum(gl.glosa), 0),
               coalesce(sum(CASE WHEN coalesce(i.processed_amount, i.total_amount) - coalesce(gl.glosa, 0) > 0
                                 THEN coalesce(i.processed_amount, i.total_amount) - coalesce(gl.glosa, 0)
                                 ELSE 0 END), 0)
        FROM lot AS l
        LEFT JOIN guide AS g ON g.lot_id = l.id
        LEFT JOIN guide_item AS i ON i.guide_id = g.id
        LEFT JOIN (SELECT guide_item_id, sum(amount) AS glosa FROM glosa
                   WHERE lot_id IN ({lots}) AND guide_item_id IS NOT NULL GROUP BY guide_item_id) AS gl
               ON gl.guide_item_id = i.id
        WHERE l.id IN ({lots})
        GROUP BY l.id
        ON CONFLICT (lot_id) DO UPDATE SET guides = excluded.guides, informed = excluded.informed,
            processed = excluded.processed, glosa = excluded.glosa, released = excluded.released"""


def _changed(table: str) -> str:
    return " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in WATCHED[table])


# PostgreSQL: the lots each statement touched, from its transition tables
PG_LOTS = {
    "guide_item": {
        "ins": "SELECT g.lot_id FROM new_rows AS r JOIN guide AS g ON g.id = r.guide_id",
        "del": "SELECT g.lot_id FROM old_rows AS r JOIN guide AS g ON g.id = r.guide_id",
        "upd": "SELECT g.lot_id FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id "
               "JOIN guide AS g ON g.id IN (n.guide_id, o.guide_id) WHERE " + _changed("guide_item"),
    },
    "guide": {
        "ins": "SELECT lot_id FROM new_rows",
        "del": "SELECT lot_id FROM old_rows",
        "upd": "SELECT unnest(ARRAY[n.lot_id, o.lot_id]) FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id "
               "WHERE " + _changed("guide"),
    },
    "glosa": {
        "ins": "SELECT lot_id FROM new_rows",
        "del": "SELECT lot_id FROM old_rows",
        "upd": "SELECT unnest(ARRAY[n.lot_id, o.lot_id]) FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id "
               "WHERE " + _changed("glosa"),
    },
}
EVENTS = {"ins": ("INSERT", "NEW TABLE AS new_rows"), "del": ("DELETE", "OLD TABLE AS old_rows"),
          "upd": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")}


def _pg(table: str) -> list[str]:
    """Lock the touched lots' rows first (created with zeros if new) so two transactions changing one lot
    recompute one after the other, the second from a snapshot that sees the first's rows."""
    out = []
    for name, lots in PG_LOTS[table].items():
        event, ref = EVENTS[name]
        out.append(f"""
        CREATE FUNCTION lot_total_{table}_{name}() RETURNS trigger AS $$
        DECLARE touched integer[];
        BEGIN
            touched := ARRAY(SELECT DISTINCT x.lot_id FROM ({lots}) AS x(lot_id) WHERE x.lot_id IS NOT NULL ORDER BY 1);
            IF cardinality(touched) = 0 THEN
                RETURN NULL;
            END IF;
            INSERT INTO lot_total (lot_id, guides, informed, processed, glosa, released)
                SELECT id, 0, 0, 0, 0, 0 FROM lot WHERE id = ANY(touched) ORDER BY id ON CONFLICT (lot_id) DO NOTHING;
            PERFORM 1 FROM lot_total WHERE lot_id = ANY(touched) ORDER BY lot_id FOR UPDATE;
            {recompute_sql("SELECT unnest(touched)")};
            RETURN NULL;
        END $$ LANGUAGE plpgsql""")
        out.append(f"CREATE TRIGGER {table}_lot_total_{name} AFTER {event} ON {table} REFERENCING {ref} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION lot_total_{table}_{name}()")
    return out


# SQLite: the lot of the changed row (OLD / NEW), one recomputation per row
SQLITE_LOT = {
    "guide_item": "(SELECT lot_id FROM guide WHERE id = {row}.guide_id)",
    "guide": "{row}.lot_id",
    "glosa": "{row}.lot_id",
}


def _sqlite(table: str) -> list[str]:
    def recompute(row: str) -> str:
        return recompute_sql(SQLITE_LOT[table].format(row=row)) + ";"

    columns = ", ".join(WATCHED[table])
    return [
        f"CREATE TRIGGER {table}_lot_total_ins AFTER INSERT ON {table} BEGIN {recompute('NEW')} END",
        f"CREATE TRIGGER {table}_lot_total_del AFTER DELETE ON {table} BEGIN {recompute('OLD')} END",
        f"CREATE TRIGGER {table}_lot_total_upd AFTER UPDATE OF {columns} ON {table} "
        f"BEGIN {recompute('OLD')} {recompute('NEW')} END",
    ]


def upgrade():
    op.create_table(
        "lot_total",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("guides", sa.BigInteger(), nullable=False),
        sa.Column("informed", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("processed", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("glosa", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("released", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_lot_total_lot_id_lot"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lot_id", name=op.f("pk_lot_total")),
    )
    op.execute(recompute_sql("SELECT id FROM lot"))
    dialect = op.get_bind().dialect.name
    for table in WATCHED:
        for statement in (_pg(table) if dialect == "postgresql" else _sqlite(table)):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in WATCHED:
        for name in ("ins", "del", "upd"):
            if dialect == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_lot_total_{name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS lot_total_{table}_{name}()")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_lot_total_{name}")
    op.drop_table("lot_total")
