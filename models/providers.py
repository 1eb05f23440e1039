"""Providers (prestadores), their contracted service types, professionals and locations."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Rate, TimestampMixin, db, enum_column
from models.enums import (
    CURRENCIES,
    Country,
    GuideType,
    LinkKind,
    LinkStatus,
    ProviderStatus,
    TaxCondition,
    TaxIdKind,
)
from models.users import User

provider_service_type = sa.Table(
    "provider_service_type",
    db.metadata,
    sa.Column("provider_id", sa.ForeignKey("provider.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_type_id", sa.ForeignKey("service_type.id", ondelete="CASCADE"), primary_key=True),
)


class ServiceType(db.Model):
    """A contracted service: an IOMA prestación or a TISS guide type."""

    __tablename__ = "service_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    country: Mapped[Country] = enum_column(Country)
    guide_type: Mapped[GuideType | None] = enum_column(GuideType, nullable=True)
    requires_attendance_sheet: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    def __str__(self) -> str:
        return self.name


class Provider(TimestampMixin, db.Model):
    __tablename__ = "provider"
    __table_args__ = (
        sa.UniqueConstraint("country", "tax_id"),
        # name search (views/admin/paging.py): a trigram index on PostgreSQL
        sa.Index("ix_provider_legal_name_trgm", sa.text("liquida_fold(legal_name)"), postgresql_using="gin",
                 postgresql_ops={"liquida_fold(legal_name)": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(sa.String(200), index=True)
    country: Mapped[Country] = enum_column(Country)
    tax_id_kind: Mapped[TaxIdKind] = enum_column(TaxIdKind)
    tax_id: Mapped[str] = mapped_column(sa.String(14), comment="digits only")
    tax_condition: Mapped[TaxCondition] = enum_column(TaxCondition)
    provider_number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[ProviderStatus] = enum_column(ProviderStatus, default=ProviderStatus.ACTIVE, index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    state: Mapped[str | None] = mapped_column(sa.String(60))
    postal_code: Mapped[str | None] = mapped_column(sa.String(12))
    cnes: Mapped[str | None] = mapped_column(sa.String(7), comment="Brazil: CNES facility code")
    # Bank account: CBU (Argentina) or bank/agency/account (Brazil).
    cbu: Mapped[str | None] = mapped_column(sa.String(22))
    bank_code: Mapped[str | None] = mapped_column(sa.String(10))
    bank_name: Mapped[str | None] = mapped_column(sa.String(100))
    bank_agency: Mapped[str | None] = mapped_column(sa.String(10))
    bank_account: Mapped[str | None] = mapped_column(sa.String(20))
    iibb_rate: Mapped[Decimal | None] = mapped_column(Rate, comment="Ingresos Brutos rate, percent")
    iss_rate: Mapped[Decimal | None] = mapped_column(Rate, comment="ISS rate, percent")

    service_types: Mapped[list[ServiceType]] = relationship(secondary=provider_service_type)
    user_links: Mapped[list[UserProvider]] = relationship(back_populates="provider", cascade="all, delete-orphan")
    professionals: Mapped[list[Professional]] = relationship(back_populates="provider")
    locations: Mapped[list[ServiceLocation]] = relationship(back_populates="provider")

    def __str__(self) -> str:
        return f"{self.provider_number} - {self.legal_name}"

    @property
    def currency(self) -> str:
        return CURRENCIES[self.country]

    @property
    def formatted_tax_id(self) -> str:
        from models.rules.tax_ids import format_tax_id

        return format_tax_id(self.tax_id_kind, self.tax_id)


class UserProvider(db.Model):
    """A user's link to a provider it may act for ("Vincular con Cliente/Proveedor")."""

    __tablename__ = "user_provider"
    __table_args__ = (sa.UniqueConstraint("user_id", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LinkKind] = enum_column(LinkKind, default=LinkKind.SUPPLIER)
    status: Mapped[LinkStatus] = enum_column(LinkStatus, default=LinkStatus.PENDING, index=True)
    requested_at: Mapped[datetime] = mapped_column(default=sa.func.now())
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="provider_links", foreign_keys=[user_id])
    provider: Mapped[Provider] = relationship(back_populates="user_links")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __str__(self) -> str:
        return f"{self.user.email} → {self.provider}"


class Professional(db.Model):
    """An executing professional (profissional executante / prestador de la orden)."""

    __tablename__ = "professional"
    __table_args__ = (sa.UniqueConstraint("council", "council_number", "council_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    council: Mapped[str] = mapped_column(sa.String(10), comment="CRM, CRO, MN, MP…")
    council_number: Mapped[str] = mapped_column(sa.String(15))
    council_state: Mapped[str] = mapped_column(sa.String(2), default="")
    cbo: Mapped[str | None] = mapped_column(sa.String(6), comment="Brazil: CBO specialty code")

    provider: Mapped[Provider | None] = relationship(back_populates="professionals")

    def __str__(self) -> str:
        return f"{self.name} ({self.council} {self.council_number})"


class ServiceLocation(db.Model):
    """Local de atendimento of a provider."""

    __tablename__ = "service_location"
    __table_args__ = (sa.UniqueConstraint("provider_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    cnes: Mapped[str | None] = mapped_column(sa.String(7))

    provider: Mapped[Provider] = relationship(back_populates="locations")

    def __str__(self) -> str:
        return self.name
