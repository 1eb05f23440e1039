"""Hash chain and signed checkpoints for the audit log; TRUNCATE (PostgreSQL) and REPLACE (SQLite) refused.

Links every audit row already written, in id order (``models.audit_chain``: the hashing is shared
with the application so that both compute the same chain), and signs a checkpoint every
``AUDIT_CHECKPOINT_EVERY`` links with the application's audit key.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NEW_TABLES = ("audit_chain", "audit_checkpoint")
APPEND_ONLY = ("audit_log",) + NEW_TABLES
# SQLite: REPLACE INTO deletes the row it collides with without firing DELETE triggers; refuse the collision.
COLLISIONS = {
    "audit_log": "id = NEW.id",
    "audit_chain": "seq = NEW.seq OR audit_id = NEW.audit_id",
    "audit_checkpoint": "seq = NEW.seq",
}


def upgrade():
    op.create_table(
        "audit_chain",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit_log.id"], name=op.f("fk_audit_chain_audit_id_audit_log")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_chain")),
        sa.UniqueConstraint("audit_id", name=op.f("uq_audit_chain_audit_id")),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoint")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in NEW_TABLES:
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()")
    else:
        for table in NEW_TABLES:
            for event in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
        for table, collision in COLLISIONS.items():
            op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                       f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {collision}) "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")

    from models.audit_chain import seal_unlinked

    seal_unlinked(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.drop_table("audit_checkpoint")
        op.drop_table("audit_chain")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
        op.drop_table("audit_checkpoint")
        op.drop_table("audit_chain")
