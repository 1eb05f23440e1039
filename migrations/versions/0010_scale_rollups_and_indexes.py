"""Scale: monthly rollups kept by triggers (dashboards, period totals) and the indexes big lists sort, seek
and search on (trigram indexes on PostgreSQL).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# entity: (month column expression, bucket expression, amount column); ``r`` is the changed row.
ROLLUPS = {
    "invoice": ("r.invoice_date", "r.status", "r.amount"),
    "lot": ("coalesce(r.sent_at, r.created_at)", "r.status", "r.total_amount"),
    "glosa": ("r.created_at", "CAST(r.code_id AS TEXT)", "r.amount"),
    "payment_order": ("coalesce(r.paid_at, r.payment_date)", "r.status", "r.net_amount"),
}
# the columns whose change moves a row between rollup cells
WATCHED = {
    "invoice": ("provider_id", "invoice_date", "status", "amount"),
    "lot": ("provider_id", "sent_at", "status", "total_amount"),
    "glosa": ("provider_id", "created_at", "code_id", "amount"),
    "payment_order": ("provider_id", "paid_at", "payment_date", "status", "net_amount"),
}

# (table, name, columns): indexes the lists sort and seek on
INDEXES = [
    ("guide", "ix_guide_emission_id", ["emission_date", "id"]),
    ("guide", "ix_guide_provider_emission_id", ["provider_id", "emission_date", "id"]),
    ("guide", "ix_guide_number", ["number"]),
    ("guide", "ix_guide_provider_id_id", ["provider_id", "id"]),
    ("guide_item", "ix_guide_item_guide_id_id", ["guide_id", "id"]),
    ("guide_item", "ix_guide_item_code", ["code"]),
    ("invoice", "ix_invoice_movement_id", ["last_movement_at", "id"]),
    ("invoice", "ix_invoice_provider_movement_id", ["provider_id", "last_movement_at", "id"]),
    ("invoice", "ix_invoice_cae", ["cae"]),
    ("invoice", "ix_invoice_invoice_date_id", ["invoice_date", "id"]),
    ("lot", "ix_lot_provider_id_id", ["provider_id", "id"]),
    ("lot", "ix_lot_number", ["number"]),
    ("glosa", "ix_glosa_created_id", ["created_at", "id"]),
    ("glosa", "ix_glosa_provider_created_id", ["provider_id", "created_at", "id"]),
    ("audit_log", "ix_audit_log_actor_label", ["actor_label"]),
    ("authorization", "ix_authorization_provider_number", ["provider_id", "number"]),
    ("beneficiary", "ix_beneficiary_document", ["document"]),
]
# name searches: trigram indexes (PostgreSQL); SQLite searches the same expressions without an index
TRIGRAM = [
    ("beneficiary", "ix_beneficiary_name_trgm", "name"),
    ("provider", "ix_provider_legal_name_trgm", "legal_name"),
]


def _pg_functions(entity: str) -> str:
    month, bucket, amount = ROLLUPS[entity]

    def rows(alias: str, sign: str) -> str:
        return (f"SELECT r.provider_id, date_trunc('month', {month})::date AS month, {bucket} AS bucket, "
                f"{sign}1 AS n, {sign}{amount} AS a FROM {alias} AS r")

    out = []
    for op_name, parts in (("ins", [rows("new_rows", "")]), ("del", [rows("old_rows", "-")]),
                           ("upd", [rows("new_rows", ""), rows("old_rows", "-")])):
        out.append(f"""
        CREATE FUNCTION rollup_{entity}_{op_name}() RETURNS trigger AS $$
        BEGIN
            INSERT INTO monthly_rollup (entity, provider_id, month, bucket, count, amount)
            SELECT '{entity}', provider_id, month, bucket, sum(n), sum(a)
            FROM ({' UNION ALL '.join(parts)}) AS d
            WHERE month IS NOT NULL
            GROUP BY provider_id, month, bucket
            HAVING sum(n) <> 0 OR sum(a) <> 0
            ORDER BY provider_id, month, bucket
            ON CONFLICT (entity, provider_id, month, bucket) DO UPDATE
            SET count = monthly_rollup.count + EXCLUDED.count, amount = monthly_rollup.amount + EXCLUDED.amount;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""")
    for op_name, event, ref in (("ins", "INSERT", "NEW TABLE AS new_rows"),
                                ("del", "DELETE", "OLD TABLE AS old_rows"),
                                ("upd", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
        out.append(f"CREATE TRIGGER {entity}_rollup_{op_name} AFTER {event} ON {entity} REFERENCING {ref} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION rollup_{entity}_{op_name}()")
    return out


def _sqlite_triggers(entity: str) -> list[str]:
    month, bucket, amount = ROLLUPS[entity]

    def add(alias: str, sign: str) -> str:
        m, b, a = (x.replace("r.", f"{alias}.") for x in (month, bucket, amount))
        return (f"INSERT INTO monthly_rollup (entity, provider_id, month, bucket, count, amount) "
                f"SELECT '{entity}', {alias}.provider_id, date({m}, 'start of month'), {b}, {sign}1, {sign}{a} "
                f"WHERE {m} IS NOT NULL "
                f"ON CONFLICT (entity, provider_id, month, bucket) DO UPDATE "
                f"SET count = count + excluded.count, amount = amount + excluded.amount;")

    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED[entity])
    return [
        f"CREATE TRIGGER {entity}_rollup_ins AFTER INSERT ON {entity} BEGIN {add('NEW', '')} END",
        f"CREATE TRIGGER {entity}_rollup_del AFTER DELETE ON {entity} BEGIN {add('OLD', '-')} END",
        f"CREATE TRIGGER {entity}_rollup_upd AFTER UPDATE ON {entity} WHEN {changed} "
        f"BEGIN {add('OLD', '-')} {add('NEW', '')} END",
    ]


def backfill_sql(dialect: str) -> list[str]:
    """Rebuild every rollup cell from the detail tables (also used by bench/scale after bulk loads)."""
    out = ["DELETE FROM monthly_rollup"]
    for entity, (month, bucket, amount) in ROLLUPS.items():
        m = f"date_trunc('month', {month})::date" if dialect == "postgresql" else f"date({month}, 'start of month')"
        out.append(f"""
            INSERT INTO monthly_rollup (entity, provider_id, month, bucket, count, amount)
            SELECT '{entity}', r.provider_id, {m}, {bucket}, count(*), coalesce(sum({amount}), 0)
            FROM {entity} AS r WHERE {month} IS NOT NULL
            GROUP BY r.provider_id, {m}, {bucket}""")
    return out


def upgrade():
    op.create_table(
        "monthly_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("bucket", sa.String(length=30), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"], name=op.f("fk_monthly_rollup_provider_id_provider"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_rollup")),
        sa.UniqueConstraint("entity", "provider_id", "month", "bucket",
                            name=op.f("uq_monthly_rollup_entity_provider_id_month_bucket")),
    )
    op.create_index(op.f("ix_monthly_rollup_provider_id"), "monthly_rollup", ["provider_id"])
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, name, column in TRIGRAM:
            op.execute(f'CREATE INDEX {name} ON "{table}" USING gin (lower({column}) gin_trgm_ops)')
    for statement in backfill_sql(dialect):
        op.execute(statement)
    for entity in ROLLUPS:
        for statement in (_pg_functions(entity) if dialect == "postgresql" else _sqlite_triggers(entity)):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for entity in ROLLUPS:
        for op_name in ("ins", "del", "upd"):
            op.execute(f"DROP TRIGGER IF EXISTS {entity}_rollup_{op_name}" + (f" ON {entity}" if dialect == "postgresql" else ""))
            if dialect == "postgresql":
                op.execute(f"DROP FUNCTION IF EXISTS rollup_{entity}_{op_name}()")
    if dialect == "postgresql":
        for _table, name, _column in TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index(op.f("ix_monthly_rollup_provider_id"), table_name="monthly_rollup")
    op.drop_table("monthly_rollup")
