"""Background jobs (``services.jobs``): what was asked, by whom, how far it got, what came out.

A job row is the user's view of work done by a Celery task: its state, a progress
count ("37 of 120 files"), the result (links, a file to download until ``expires_at``)
or the reason it failed. Jobs are bookkeeping, not business records: they are not
audited — the work they do is (each lot received, each email sent).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, enum_column, utcnow
from models.enums import JobState
from models.users import User


class Job(db.Model):
    __tablename__ = "job"
    __audited__ = False
    __table_args__ = (sa.Index("ix_job_owner_id_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[JobState] = enum_column(JobState, default=JobState.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(200), default="")
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict, comment="what the task needs to run again")
    result: Mapped[dict | None] = mapped_column(sa.JSON, comment="figures, links and the result file")
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True, comment="result file kept until then")

    owner: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    def __str__(self) -> str:
        return f"{self.kind} #{self.id}"
