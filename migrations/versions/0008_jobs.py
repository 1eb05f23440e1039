"""Background jobs (issue 13 §2): the job table, and the bulk intake that received a TISS file.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.Enum("queued", "running", "done", "failed", name="jobstate", native_enum=False,
                                   create_constraint=False, length=32), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False, comment="what the task needs to run again"),
        sa.Column("result", sa.JSON(), nullable=True, comment="figures, links and the result file"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True, comment="result file kept until then"),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_job_owner_id_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_owner_id_id", "job", ["owner_id", "id"])
    op.create_index(op.f("ix_job_expires_at"), "job", ["expires_at"])
    with op.batch_alter_table("tiss_submission") as batch:
        batch.add_column(sa.Column("job_id", sa.Integer(), nullable=True, comment="the bulk intake that received it"))
        batch.create_foreign_key(batch.f("fk_tiss_submission_job_id_job"), "job", ["job_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index(batch.f("ix_tiss_submission_job_id"), ["job_id"])


def downgrade():
    with op.batch_alter_table("tiss_submission") as batch:
        batch.drop_index(batch.f("ix_tiss_submission_job_id"))
        batch.drop_constraint(batch.f("fk_tiss_submission_job_id_job"), type_="foreignkey")
        batch.drop_column("job_id")
    op.drop_index(op.f("ix_job_expires_at"), table_name="job")
    op.drop_index("ix_job_owner_id_id", table_name="job")
    op.drop_table("job")
