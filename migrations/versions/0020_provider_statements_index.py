"""A provider's account-analysis statements, newest protocol first, paged by seeking:
``lot (provider_id, protocol_number)`` reads a page straight off the index instead of sorting every lot of
the provider (Demonstrativos, once the 200-lot cap became pages of 50).

Revision ID: 0020
Revises: 0019
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_lot_provider_protocol", "lot", ["provider_id", "protocol_number"])


def downgrade():
    op.drop_index("ix_lot_provider_protocol", table_name="lot")
