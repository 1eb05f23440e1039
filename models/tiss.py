"""History of TISS XML files received (Histórico de envios)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.lots import Lot
from models.providers import Provider
from models.users import User


class TissSubmission(db.Model):
    __tablename__ = "tiss_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    tiss_version: Mapped[str | None] = mapped_column(sa.String(10))
    lot_number: Mapped[str | None] = mapped_column(sa.String(12))
    accepted: Mapped[bool] = mapped_column(index=True)
    protocol_number: Mapped[int | None] = mapped_column(sa.BigInteger)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id", ondelete="SET NULL"))
    hash_encoding: Mapped[str | None] = mapped_column(sa.String(12), comment="utf-8 or iso-8859-1")
    errors: Mapped[list | None] = mapped_column(sa.JSON)

    provider: Mapped[Provider | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    lot: Mapped[Lot | None] = relationship()

    def __str__(self) -> str:
        return self.filename
