"""The reviewers' duplicate-period flag looks invoices up by authorization and period: an index on the
three, instead of every invoice of the authorization (thousands for a long-running one).

Revision ID: 0014
Revises: 0013
"""
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_invoice_authorization_period", "invoice", ["authorization_id", "period_year", "period_month"])


def downgrade():
    op.drop_index("ix_invoice_authorization_period", table_name="invoice")
