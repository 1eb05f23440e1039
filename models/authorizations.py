"""IOMA "Acta de autorización" (trámite) and its órdenes de prestación."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Money, TimestampMixin, db, enum_column
from models.beneficiaries import Beneficiary
from models.enums import AuthorizationStatus
from models.providers import Professional, Provider, ServiceType


class Authorization(TimestampMixin, db.Model):
    __tablename__ = "authorization"
    __table_args__ = (
        sa.Index("ix_authorization_provider_number", "provider_id", "number"),
        # the wizard's "trámites to bill", expiring first: a provider's, and everyone's for staff
        sa.Index("ix_authorization_provider_status_valid_to", "provider_id", "status", "valid_to"),
        sa.Index("ix_authorization_status_valid_to", "status", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True, comment="número de trámite")
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    service_type_id: Mapped[int] = mapped_column(sa.ForeignKey("service_type.id"))
    authorized_total: Mapped[Decimal] = mapped_column(Money)
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    status: Mapped[AuthorizationStatus] = enum_column(AuthorizationStatus, default=AuthorizationStatus.ACTIVE)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    provider: Mapped[Provider] = relationship()
    beneficiary: Mapped[Beneficiary] = relationship()
    service_type: Mapped[ServiceType] = relationship()
    orders: Mapped[list[AuthorizationOrder]] = relationship(
        back_populates="authorization", cascade="all, delete-orphan", order_by="AuthorizationOrder.ordered_at"
    )

    def __str__(self) -> str:
        return self.number


class AuthorizationOrder(db.Model):
    """Orden de prestación inside an authorization."""

    __tablename__ = "authorization_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    authorization_id: Mapped[int] = mapped_column(sa.ForeignKey("authorization.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(sa.String(200))
    professional_id: Mapped[int | None] = mapped_column(sa.ForeignKey("professional.id"))
    ordered_at: Mapped[datetime]

    authorization: Mapped[Authorization] = relationship(back_populates="orders")
    professional: Mapped[Professional | None] = relationship()

    def __str__(self) -> str:
        return self.description
