"""Rollups folded at commit (PostgreSQL): writers no longer queue behind one hot rollup row.

Migration 0010's statement triggers upserted ``monthly_rollup`` at once, so the cell of a provider ×
month × status stayed locked until the writer committed: two workers receiving one hospital's zip
(every lot in the same cell) ran one after the other, each waiting for the other's whole transaction.
Now those triggers append their deltas to ``rollup_pending`` (no key, nothing to wait for; rows of
uncommitted transactions are invisible to others) and a constraint trigger deferred to commit folds
this transaction's deltas into ``monthly_rollup`` in key order: the cell is locked only while the
transaction commits (the deltas of a provider deleted meanwhile go with its cells). Readers and totals are unchanged. (A transaction that must read its own changes in
the rollups first runs ``SET CONSTRAINTS ALL IMMEDIATE``; the test fixture does, as its commits are
savepoints.) SQLite has one writer at a time and keeps its row triggers.

Revision ID: 0016
Revises: 0015
"""
from alembic import context, op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CELL = "entity, provider_id, month, bucket"
UPSERT = (f"ON CONFLICT ({CELL}) DO UPDATE "
          "SET count = monthly_rollup.count + EXCLUDED.count, amount = monthly_rollup.amount + EXCLUDED.amount")


def _rollups() -> dict[str, tuple[str, str, str]]:
    """Migration 0010's cells: entity → (month expression, bucket expression, amount column)."""
    return context.script.get_revision("0010").module.ROLLUPS


def _functions(entity: str, target: str) -> list[str]:
    """The statement triggers' functions: the changed rows' deltas per cell, into ``target``."""
    month, bucket, amount = _rollups()[entity]

    def rows(alias: str, sign: str) -> str:
        return (f"SELECT r.provider_id, date_trunc('month', {month})::date AS month, {bucket} AS bucket, "
                f"{sign}1 AS n, {sign}{amount} AS a FROM {alias} AS r")

    conflict = f"ORDER BY provider_id, month, bucket {UPSERT}" if target == "monthly_rollup" else ""
    out = []
    for op_name, parts in (("ins", [rows("new_rows", "")]), ("del", [rows("old_rows", "-")]),
                           ("upd", [rows("new_rows", ""), rows("old_rows", "-")])):
        out.append(f"""
        CREATE OR REPLACE FUNCTION rollup_{entity}_{op_name}() RETURNS trigger AS $$
        BEGIN
            INSERT INTO {target} ({CELL}, count, amount)
            SELECT '{entity}', provider_id, month, bucket, sum(n), sum(a)
            FROM ({' UNION ALL '.join(parts)}) AS d
            WHERE month IS NOT NULL
            GROUP BY provider_id, month, bucket
            HAVING sum(n) <> 0 OR sum(a) <> 0
            {conflict};
            RETURN NULL;
        END $$ LANGUAGE plpgsql""")
    return out


FOLD = f"""
CREATE FUNCTION rollup_fold() RETURNS trigger AS $$
BEGIN
    WITH moved AS (DELETE FROM rollup_pending RETURNING {CELL}, count, amount)
    INSERT INTO monthly_rollup ({CELL}, count, amount)
    SELECT {CELL}, sum(count), sum(amount) FROM moved
    WHERE EXISTS (SELECT 1 FROM provider WHERE provider.id = moved.provider_id)
    GROUP BY {CELL}
    HAVING sum(count) <> 0 OR sum(amount) <> 0
    ORDER BY {CELL}
    {UPSERT};
    RETURN NULL;
END $$ LANGUAGE plpgsql"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # UNLOGGED: a row lives only inside the transaction that wrote it (folded before it commits)
    op.execute("""
        CREATE UNLOGGED TABLE rollup_pending (
            entity varchar(20) NOT NULL, provider_id integer NOT NULL, month date NOT NULL,
            bucket varchar(30) NOT NULL, count bigint NOT NULL, amount numeric(18, 2) NOT NULL)""")
    op.execute(FOLD)
    op.execute("CREATE CONSTRAINT TRIGGER rollup_pending_fold AFTER INSERT ON rollup_pending "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rollup_fold()")
    for entity in _rollups():
        for statement in _functions(entity, "rollup_pending"):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for entity in _rollups():
        for statement in _functions(entity, "monthly_rollup"):
            op.execute(statement)
    op.execute("DROP TABLE rollup_pending")
    op.execute("DROP FUNCTION rollup_fold()")
