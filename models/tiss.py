"""History of TISS XML files received (Histórico de envios) and the providers' web-service logins."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import TimestampMixin, db, enum_column, utcnow
from models.enums import TissChannel
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
    channel: Mapped[TissChannel] = enum_column(TissChannel, default=TissChannel.UPLOAD,
                                               server_default=TissChannel.UPLOAD.value, index=True)
    service: Mapped[str | None] = mapped_column(sa.String(40), index=True, comment="web service called")
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("job.id", ondelete="SET NULL"), index=True,
                                               comment="the bulk intake that received it")

    provider: Mapped[Provider | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    lot: Mapped[Lot | None] = relationship()

    def __str__(self) -> str:
        return self.filename


class TissWsCredential(TimestampMixin, db.Model):
    """A provider's login to the TISS web services (``loginPrestador`` / ``senhaPrestador``).

    Callers send the MD5 hex of the password in ``senhaPrestador``, so the row keeps
    a strong hash (werkzeug) of that MD5 hex, never the password. One per provider:
    rotating issues a new password (and lifts a revocation), revoking refuses every call.
    """

    __tablename__ = "tiss_ws_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id", ondelete="CASCADE"), unique=True)
    login: Mapped[str] = mapped_column(sa.String(20), unique=True, comment="loginPrestador")
    password_hash: Mapped[str] = mapped_column(sa.String(255), comment="hash of the MD5 hex of the password")
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(sa.String(45))

    provider: Mapped[Provider] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def __str__(self) -> str:
        return self.login

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
