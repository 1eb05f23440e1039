"""A code search in the guide items list reads its page in list order (newest guide first) straight off
the index: ``(code, guide_id, id)`` replaces ``(code)``, which made PostgreSQL sort every item of a
common code (2.7 s for a provider's search of the consultation code at 10M items).

Revision ID: 0015
Revises: 0014
"""
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_guide_item_code_guide_id", "guide_item", ["code", "guide_id", "id"])
    op.drop_index("ix_guide_item_code", table_name="guide_item")


def downgrade():
    op.create_index("ix_guide_item_code", "guide_item", ["code"])
    op.drop_index("ix_guide_item_code_guide_id", table_name="guide_item")
