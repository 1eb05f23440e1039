"""Money pages at scale: indexes for Mis comprobantes, statements, the desk, reports by period.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DEBITED = sa.text("debited_amount > 0")


def upgrade():
    op.create_index("ix_payment_order_provider_day", "payment_order",
                    ["provider_id", sa.text("coalesce(paid_at, payment_date)"), "id"])
    op.create_index("ix_payment_order_provider_date", "payment_order", ["provider_id", "payment_date", "number"])
    op.create_index("ix_payment_order_status_date", "payment_order", ["status", "payment_date", "number"])
    op.create_index("ix_withholding_certificate_provider_issued", "withholding_certificate",
                    ["provider_id", "issued_at", "number"])
    op.create_index("ix_lot_provider_sent", "lot", ["provider_id", "sent_at"])
    op.create_index("ix_lot_sent_at", "lot", ["sent_at"])
    op.create_index("ix_lot_provider_status", "lot", ["provider_id", "status"])
    op.create_index("ix_invoice_provider_date", "invoice", ["provider_id", "invoice_date"])
    op.create_index("ix_invoice_provider_debited", "invoice", ["provider_id", "last_movement_at", "id"],
                    sqlite_where=DEBITED, postgresql_where=DEBITED)


def downgrade():
    for table, name in (("invoice", "ix_invoice_provider_debited"), ("invoice", "ix_invoice_provider_date"),
                        ("lot", "ix_lot_provider_status"), ("lot", "ix_lot_sent_at"), ("lot", "ix_lot_provider_sent"),
                        ("withholding_certificate", "ix_withholding_certificate_provider_issued"),
                        ("payment_order", "ix_payment_order_status_date"),
                        ("payment_order", "ix_payment_order_provider_date"),
                        ("payment_order", "ix_payment_order_provider_day")):
        op.drop_index(name, table_name=table)
