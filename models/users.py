"""Users of the back office and the provider portal."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import TimestampMixin, db, enum_column, utcnow
from models.enums import LinkStatus, Role

if TYPE_CHECKING:
    from models.providers import Provider, UserProvider


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = enum_column(Role, index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    is_enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    activated_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Bumped on password change: sessions carrying an older value are ended.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    active_provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id", ondelete="SET NULL"))

    provider_links: Mapped[list[UserProvider]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="UserProvider.user_id"
    )
    active_provider: Mapped[Provider | None] = relationship(foreign_keys=[active_provider_id])

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    # Flask-Login -----------------------------------------------------------
    # The browser session this object was loaded for (``services.sessions``): its token travels in the
    # session and remember-me cookies as ``<id>:<token>``.
    session_token = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        """Enabled, with a password, and activated (the emailed link was followed)."""
        return bool(self.is_enabled and self.password_hash and self.activated_at)

    # Passwords -------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # Providers this user may act for ---------------------------------------
    @property
    def is_provider(self) -> bool:
        return self.role == Role.PROVIDER

    @property
    def linked_provider_ids(self) -> list[int]:
        return [link.provider_id for link in self.provider_links if link.status == LinkStatus.APPROVED]

    @property
    def current_provider_id(self) -> int | None:
        """The provider a provider user is acting for now (the active one, else the only one)."""
        ids = self.linked_provider_ids
        if self.active_provider_id in ids:
            return self.active_provider_id
        return ids[0] if ids else None

    @property
    def current_provider(self) -> Provider | None:
        provider_id = self.current_provider_id
        return next((link.provider for link in self.provider_links if link.provider_id == provider_id), None)


class UserSession(db.Model):
    """One logged-in browser. Its cookies carry a random token; only the token's hash is kept here.

    Logging out deletes the row, so that browser's session and remember-me cookies stop working and the
    user's other browsers go on. A row whose ``generation`` is older than the user's ``session_version``
    (a new password, a deactivation) is dead too. ``expires_at``: the remember-me lifetime, or for a
    session without remember-me the last activity plus the idle timeout.
    """

    __tablename__ = "user_session"
    __audited__ = False  # logins and logouts are audited as events

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    generation: Mapped[int]
    remember: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship()
