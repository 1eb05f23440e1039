"""Step 1 of the invoice wizard lists the trámites that can be billed now, those that expire first:
``authorization (provider_id, status, valid_to)`` for a provider's and ``(status, valid_to)`` for
everyone's (staff), the latter replacing the single-column status index it begins with.

What is billed of each authorization is kept per invoice status in ``authorization_total`` by row
triggers on ``invoice`` (insert, delete, and an update of its authorization, status or amount), in the
transaction that changes the invoice, on both databases: the wizard reads a few rows where it added up
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


def _upsert(row: str, sign: str, excluded: str) -> str:
    """Add ``row``'s invoice (``NEW`` or ``OLD``) to its cell, with ``sign``."""
    return (f"INSERT INTO authorization_total ({KEY}, count, amount) "
            f"VALUES ({row}.authorization_id, {row}.status, {sign}1, {sign}{row}.amount) "
            f"ON CONFLICT ({KEY}) DO UPDATE SET count = {excluded}count + EXCLUDED.count, "
            f"amount = {excluded}amount + EXCLUDED.amount;")


# An update takes its two cells in key order: two invoices of one authorization changing status in
# opposite directions at once wait for each other instead of deadlocking.
PG_FUNCTION = f"""
CREATE FUNCTION authorization_total_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.authorization_id, NEW.status) < (OLD.authorization_id, OLD.status) THEN
        {_upsert("NEW", "", "authorization_total.")}
        {_upsert("OLD", "-", "authorization_total.")}
    ELSE
        IF TG_OP <> 'INSERT' THEN
            {_upsert("OLD", "-", "authorization_total.")}
        END IF;
        IF TG_OP <> 'DELETE' THEN
            {_upsert("NEW", "", "authorization_total.")}
        END IF;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql"""
PG_TRIGGER = ("CREATE TRIGGER invoice_authorization_total AFTER INSERT OR DELETE OR UPDATE OF authorization_id, "
              "status, amount ON invoice FOR EACH ROW EXECUTE FUNCTION authorization_total_change()")
CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in ("authorization_id", "status", "amount"))
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER invoice_authorization_total_ins AFTER INSERT ON invoice BEGIN {_upsert('NEW', '', '')} END",
    f"CREATE TRIGGER invoice_authorization_total_del AFTER DELETE ON invoice BEGIN {_upsert('OLD', '-', '')} END",
    f"CREATE TRIGGER invoice_authorization_total_upd AFTER UPDATE ON invoice WHEN {CHANGED} "
    f"BEGIN {_upsert('OLD', '-', '')} {_upsert('NEW', '', '')} END",
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
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    op.execute(BACKFILL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER invoice_authorization_total ON invoice")
        op.execute("DROP FUNCTION authorization_total_change()")
    else:
        for name in ("ins", "del", "upd"):
            op.execute(f"DROP TRIGGER invoice_authorization_total_{name}")
    op.drop_table("authorization_total")
    op.create_index("ix_authorization_status", "authorization", ["status"])
    op.drop_index("ix_authorization_status_valid_to", table_name="authorization")
    op.drop_index("ix_authorization_provider_status_valid_to", table_name="authorization")
