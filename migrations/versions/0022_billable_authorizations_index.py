"""Step 1 of the invoice wizard lists the trámites that can be billed now, those that expire first:
``authorization (provider_id, status, valid_to)`` for a provider's and ``(status, valid_to)`` for
everyone's (staff), the latter replacing the single-column status index it begins with. What is
left of each is summed from ``invoice (authorization_id, status, amount)`` without reading the
invoices (66,715 invoices of 25 authorizations: 330 ms through the period index, 10 ms from this one).

Revision ID: 0022
Revises: 0021
"""
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_authorization_provider_status_valid_to", "authorization", ["provider_id", "status", "valid_to"])
    op.create_index("ix_authorization_status_valid_to", "authorization", ["status", "valid_to"])
    op.drop_index("ix_authorization_status", table_name="authorization")
    op.create_index("ix_invoice_authorization_status_amount", "invoice", ["authorization_id", "status", "amount"])


def downgrade():
    op.drop_index("ix_invoice_authorization_status_amount", table_name="invoice")
    op.create_index("ix_authorization_status", "authorization", ["status"])
    op.drop_index("ix_authorization_status_valid_to", table_name="authorization")
    op.drop_index("ix_authorization_provider_status_valid_to", table_name="authorization")
