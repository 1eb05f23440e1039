"""The appeal desks page by seeking, newest first: ``appeal (provider_id, id)`` for a provider's appeals and
``(status, id)`` for a status's, replacing the single-column indexes they begin with (which serve the
same lookups and the provider foreign key). Before, the desk showed the newest 300 appeals and no more.

Revision ID: 0021
Revises: 0020
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_appeal_provider_id_id", "appeal", ["provider_id", "id"])
    op.create_index("ix_appeal_status_id", "appeal", ["status", "id"])
    op.drop_index("ix_appeal_provider_id", table_name="appeal")
    op.drop_index("ix_appeal_status", table_name="appeal")


def downgrade():
    op.create_index("ix_appeal_status", "appeal", ["status"])
    op.create_index("ix_appeal_provider_id", "appeal", ["provider_id"])
    op.drop_index("ix_appeal_status_id", table_name="appeal")
    op.drop_index("ix_appeal_provider_id_id", table_name="appeal")
