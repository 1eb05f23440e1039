"""Two indexes fewer to keep on every guide and item written: each was the first column of another
index, which serves the same lookups (and the foreign keys' cascades): ``guide (beneficiary_id)``
inside ``(beneficiary_id, execution_date)`` and ``guide_item (guide_id)`` inside ``(guide_id, id)``.

Revision ID: 0017
Revises: 0016
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_guide_beneficiary_id", table_name="guide")
    op.drop_index("ix_guide_item_guide_id", table_name="guide_item")


def downgrade():
    op.create_index("ix_guide_item_guide_id", "guide_item", ["guide_id"])
    op.create_index("ix_guide_beneficiary_id", "guide", ["beneficiary_id"])
