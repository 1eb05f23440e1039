"""TISS guides (Consulta, SP/SADT, Honorários) and their items."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Money, Quantity, TimestampMixin, db, enum_column
from models.beneficiaries import Beneficiary
from models.enums import GuideStatus, GuideType, ItemKind
from models.providers import Professional, Provider, ServiceLocation

if TYPE_CHECKING:
    from models.lots import Lot


class Guide(TimestampMixin, db.Model):
    __tablename__ = "guide"
    __table_args__ = (
        sa.UniqueConstraint("provider_id", "number"),
        sa.Index("ix_guide_provider_type_emission", "provider_id", "guide_type", "emission_date"),
        sa.Index("ix_guide_provider_execution", "provider_id", "execution_date"),
        # Adjudication history lookups: a lot's beneficiaries' guides around its execution dates
        sa.Index("ix_guide_beneficiary_execution", "beneficiary_id", "execution_date"),
        # Re-evaluation and rule simulation walk a period in execution-date order (keyset)
        sa.Index("ix_guide_execution_id", "execution_date", "id"),
        # list paging (views/admin/paging.py) and search
        sa.Index("ix_guide_emission_id", "emission_date", "id"),
        sa.Index("ix_guide_provider_emission_id", "provider_id", "emission_date", "id"),
        sa.Index("ix_guide_number", "number"),
        sa.Index("ix_guide_provider_id_id", "provider_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"))
    number: Mapped[str] = mapped_column(sa.String(20), comment="numeroGuiaPrestador")
    operator_number: Mapped[str | None] = mapped_column(sa.String(20), comment="numeroGuiaOperadora")
    guide_type: Mapped[GuideType] = enum_column(GuideType)
    status: Mapped[GuideStatus] = enum_column(GuideStatus, default=GuideStatus.AUTHORIZED, index=True)
    authorization_number: Mapped[str | None] = mapped_column(sa.String(20), comment="senha")
    authorization_date: Mapped[date | None]
    authorization_valid_to: Mapped[date | None]
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"))  # ix_guide_beneficiary_execution
    emission_date: Mapped[date]
    execution_date: Mapped[date | None]
    execution_time: Mapped[time | None]
    professional_id: Mapped[int | None] = mapped_column(sa.ForeignKey("professional.id"))
    executing_team: Mapped[str | None] = mapped_column(sa.Text)
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_location.id"))
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id", ondelete="SET NULL"), index=True)
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    provider: Mapped[Provider] = relationship()
    beneficiary: Mapped[Beneficiary] = relationship()
    professional: Mapped[Professional | None] = relationship()
    location: Mapped[ServiceLocation | None] = relationship()
    lot: Mapped[Lot | None] = relationship(back_populates="guides")
    items: Mapped[list[GuideItem]] = relationship(
        back_populates="guide", cascade="all, delete-orphan", order_by="GuideItem.id"
    )

    __mapper_args__ = {"version_id_col": version_id}

    def __str__(self) -> str:
        return self.number


class GuideItem(db.Model):
    """A procedure, material, medicine or fee billed in a guide, with its analysis values."""

    __tablename__ = "guide_item"
    __table_args__ = (
        sa.Index("ix_guide_item_guide_id_id", "guide_id", "id"),
        # a code search in the items list, newest guide first: read in that order off the index
        sa.Index("ix_guide_item_code_guide_id", "code", "guide_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(sa.ForeignKey("guide.id", ondelete="CASCADE"))  # ix_guide_item_guide_id_id
    kind: Mapped[ItemKind] = enum_column(ItemKind)
    code: Mapped[str] = mapped_column(sa.String(10))
    description: Mapped[str] = mapped_column(sa.String(200))
    execution_date: Mapped[date | None]
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    total_amount: Mapped[Decimal] = mapped_column(Money, comment="valor informado")
    price_table_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("price_table_item.id"))
    # Account audit (demonstrativo de análise de conta)
    executed_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    processed_amount: Mapped[Decimal | None] = mapped_column(Money)
    released_amount: Mapped[Decimal | None] = mapped_column(Money)

    guide: Mapped[Guide] = relationship(back_populates="items")

    def __str__(self) -> str:
        return f"{self.code} - {self.description}"
