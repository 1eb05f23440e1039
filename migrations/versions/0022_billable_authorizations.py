"""Step 1 of the invoice wizard lists the trámites that can be billed now, those that expire first:
``authorization (provider_id, status, valid_to)`` for a provider's and ``(status, valid_to)`` for
everyone's (staff), the latter replacing the single-column status index it begins with.

What is billed of each authorization is kept per invoice status in ``authorization_total`` by triggers
on ``invoice`` (statement triggers on PostgreSQL, row triggers on SQLite), in the transaction that changes
the invoice: the wizard reads a few rows where it added up
every invoice of the authorization (50,007 invoices of one trámite at the benchmark's size: 12 ms a
sum, and a sum for every step of the wizard).

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

KEY = "authorization_id, status"


def _upsert(row: str, sign: str) -> str:
    """SQLite (one writer at a time): add ``row``'s invoice (``NEW`` or ``OLD``) to its cell, with ``sign``."""
    return (f"INSERT INTO authorization_total ({KEY}, count, amount) "
            f"VALUES ({row}.authorization_id, {row}.status, {sign}1, {sign}{row}.amount) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET count = count + EXCLUDED.count, amount = amount + EXCLUDED.amount;")


# PostgreSQL: statement triggers over the transition tables, one grouped upsert per statement (a bulk
# payment order moving thousands of invoices to Ingresada writes a few cells once, not a row each), in key
# order, so two writers of one authorization wait for each other instead of deadlocking.
def _pg_function(name: str, parts: list[str]) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    INSERT INTO authorization_total ({KEY}, count, amount)
    SELECT {KEY}, sum(n), sum(a) FROM ({' UNION ALL '.join(parts)}) AS d
    GROUP BY {KEY} HAVING sum(n) <> 0 OR sum(a) <> 0 ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET count = authorization_total.count + EXCLUDED.count,
        amount = authorization_total.amount + EXCLUDED.amount;
    RETURN NULL;
END $$ LANGUAGE plpgsql"""


NEW_ROWS = f"SELECT {KEY}, 1 AS n, amount AS a FROM new_rows"
OLD_ROWS = f"SELECT {KEY}, -1 AS n, -amount AS a FROM old_rows"
PG = [  # (operation, transition tables, rows)
    ("ins", "INSERT", "NEW TABLE AS new_rows", [NEW_ROWS]),
    ("del", "DELETE", "OLD TABLE AS old_rows", [OLD_ROWS]),
    ("upd", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", [NEW_ROWS, OLD_ROWS]),
]
CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in ("authorization_id", "status", "amount"))
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER invoice_authorization_total_ins AFTER INSERT ON invoice BEGIN {_upsert('NEW', '')} END",
    f"CREATE TRIGGER invoice_authorization_total_del AFTER DELETE ON invoice BEGIN {_upsert('OLD', '-')} END",
    f"CREATE TRIGGER invoice_authorization_total_upd AFTER UPDATE ON invoice WHEN {CHANGED} "
    f"BEGIN {_upsert('OLD', '-')} {_upsert('NEW', '')} END",
]
BACKFILL = (f"INSERT INTO authorization_total ({KEY}, count, amount) "
            f"SELECT {KEY}, count(*), coalesce(sum(amount), 0) FROM invoice GROUP BY {KEY}")


def upgrade():
    op.create_index("ix_authorization_provider_status_valid_to", "authorization", ["provider_id", "status", "valid_to"])
    op.create_index("ix_authorization_status_valid_to", "authorization", ["status", "valid_to"])
    op.drop_index("ix_authorization_status", table_name="authorization")
    op.create_table(
        "authorization_total",
        sa.Column("authorization_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["authorization_id"], ["authorization.id"],
                                name=op.f("fk_authorization_total_authorization_id_authorization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("authorization_id", "status", name=op.f("pk_authorization_total")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for name, event, tables, parts in PG:
            op.execute(_pg_function(f"authorization_total_{name}", parts))
            op.execute(f"CREATE TRIGGER invoice_authorization_total_{name} AFTER {event} ON invoice "
                       f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION authorization_total_{name}()")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    op.execute(BACKFILL)


def downgrade():
    for name in ("ins", "del", "upd"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER invoice_authorization_total_{name} ON invoice")
            op.execute(f"DROP FUNCTION authorization_total_{name}()")
        else:
            op.execute(f"DROP TRIGGER invoice_authorization_total_{name}")
    op.drop_table("authorization_total")
    op.create_index("ix_authorization_status", "authorization", ["status"])
    op.drop_index("ix_authorization_status_valid_to", table_name="authorization")
    op.drop_index("ix_authorization_provider_status_valid_to", table_name="authorization")
