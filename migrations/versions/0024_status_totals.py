"""Status totals over every provider: the staff start pages count by status from a few dozen rows.

A staff start page counted invoices, lots and payment orders by status by adding up every monthly rollup
cell of every provider and month (25k cells at issue 13's volume, 12–16 ms, growing with providers ×
months). ``status_total`` holds the same sums per entity × status, kept by triggers on ``monthly_rollup``
itself, so it equals the cells' sums however the cells change (folded deltas, a provider's cells deleted
with it, a rebuild). On PostgreSQL each sum is striped over ``SLOTS`` rows picked by the writer's
backend: the cells are folded in as a transaction commits (0016), and two committers of the same status
would otherwise queue on one row; readers add up the slots. Writers of one slot take the slot's advisory
lock first (held to the commit): a fold's INSERT and UPDATE triggers each upsert in key order, but one after
the other, so two writers of a slot could otherwise lock its rows in opposite orders and deadlock. SQLite
has one writer and one slot.

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

SLOTS = 16
KEY = "entity, bucket, slot"
UPSERT = (f"ON CONFLICT ({KEY}) DO UPDATE "
          "SET count = status_total.count + EXCLUDED.count, amount = status_total.amount + EXCLUDED.amount")


def _pg_statements() -> list[str]:
    def rows(alias: str, sign: str) -> str:
        return f"SELECT entity, bucket, {sign}count AS n, {sign}amount AS a FROM {alias}"

    out = []
    for name, event, ref, first, parts in (
            ("ins", "INSERT", "NEW TABLE AS new_rows", "new_rows", [rows("new_rows", "")]),
            ("del", "DELETE", "OLD TABLE AS old_rows", "old_rows", [rows("old_rows", "-")]),
            ("upd", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "new_rows",
             [rows("new_rows", ""), rows("old_rows", "-")])):
        out.append(f"""
        CREATE FUNCTION status_total_{name}() RETURNS trigger AS $$
        BEGIN
            IF NOT EXISTS (SELECT FROM {first}) THEN  -- a commit folds once per pending row: most find none
                RETURN NULL;
            END IF;
            PERFORM pg_advisory_xact_lock(hashtext('status_total'), pg_backend_pid() % {SLOTS});
            INSERT INTO status_total ({KEY}, count, amount)
            SELECT entity, bucket, pg_backend_pid() % {SLOTS}, sum(n), sum(a)
            FROM ({' UNION ALL '.join(parts)}) AS d
            GROUP BY entity, bucket
            HAVING sum(n) <> 0 OR sum(a) <> 0
            ORDER BY entity, bucket
            {UPSERT};
            RETURN NULL;
        END $$ LANGUAGE plpgsql""")
        out.append(f"CREATE TRIGGER monthly_rollup_status_{name} AFTER {event} ON monthly_rollup "
                   f"REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION status_total_{name}()")
    return out


def _sqlite_statements() -> list[str]:
    def add(alias: str, sign: str) -> str:
        return (f"INSERT INTO status_total ({KEY}, count, amount) "
                f"VALUES ({alias}.entity, {alias}.bucket, 0, {sign}{alias}.count, {sign}{alias}.amount) "
                "ON CONFLICT (entity, bucket, slot) DO UPDATE "
                "SET count = count + excluded.count, amount = amount + excluded.amount;")

    return [
        f"CREATE TRIGGER monthly_rollup_status_ins AFTER INSERT ON monthly_rollup BEGIN {add('NEW', '')} END",
        f"CREATE TRIGGER monthly_rollup_status_del AFTER DELETE ON monthly_rollup BEGIN {add('OLD', '-')} END",
        "CREATE TRIGGER monthly_rollup_status_upd AFTER UPDATE ON monthly_rollup "
        f"BEGIN {add('OLD', '-')} {add('NEW', '')} END",
    ]


BACKFILL = (f"INSERT INTO status_total ({KEY}, count, amount) "
            "SELECT entity, bucket, 0, sum(count), sum(amount) FROM monthly_rollup GROUP BY entity, bucket")


def upgrade():
    op.create_table(
        "status_total",
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("bucket", sa.String(length=30), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("entity", "bucket", "slot", name=op.f("pk_status_total")),
    )
    op.execute(BACKFILL)
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _pg_statements() if postgresql else _sqlite_statements():
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("ins", "del", "upd"):
        op.execute(f"DROP TRIGGER IF EXISTS monthly_rollup_status_{name}" + (" ON monthly_rollup" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS status_total_{name}()")
    op.drop_table("status_total")
