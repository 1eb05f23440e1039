"""Price tables: the contracted value of each procedure, material, medicine and fee."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Money, db, enum_column
from models.enums import ItemKind
from models.providers import Provider


class PriceTable(db.Model):
    __tablename__ = "price_table"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    provider_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("provider.id"), index=True, comment="empty = general table"
    )
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    currency: Mapped[str] = mapped_column(sa.String(3), default="BRL")

    provider: Mapped[Provider | None] = relationship()
    items: Mapped[list[PriceTableItem]] = relationship(back_populates="table", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class PriceTableItem(db.Model):
    __tablename__ = "price_table_item"
    __table_args__ = (sa.UniqueConstraint("price_table_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    price_table_id: Mapped[int] = mapped_column(sa.ForeignKey("price_table.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(10), comment="TUSS or payer code")
    description: Mapped[str] = mapped_column(sa.String(200), index=True)
    kind: Mapped[ItemKind] = enum_column(ItemKind)
    unit_price: Mapped[Decimal] = mapped_column(Money)

    table: Mapped[PriceTable] = relationship(back_populates="items")

    def __str__(self) -> str:
        return f"{self.code} - {self.description}"
