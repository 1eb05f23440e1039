"""Work a user has typed but not sent yet (the invoice wizard, the lot builder), kept on the server.

A draft belongs to one user and one kind; it survives a lost session (the user logs in again and
is back where they were). Drafts are scratch work, not business records: they are not audited —
what they become (an invoice, a lot) is.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow


class Draft(db.Model):
    __tablename__ = "draft"
    __audited__ = False
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    data: Mapped[dict] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
