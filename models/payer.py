"""The payer's own settings (one row): identity, signer, and behaviour switches."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, enum_column
from models.enums import Country


class PayerSettings(db.Model):
    __tablename__ = "payer_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[Country] = enum_column(Country, default=Country.AR)
    cuit: Mapped[str | None] = mapped_column(sa.String(11))
    cnpj: Mapped[str | None] = mapped_column(sa.String(14))
    ans_registry: Mapped[str | None] = mapped_column(sa.String(6), comment="registroANS")
    address: Mapped[str | None] = mapped_column(sa.String(200))
    iva_condition: Mapped[str | None] = mapped_column(sa.String(60))
    signer_name: Mapped[str | None] = mapped_column(sa.String(120))
    signer_position: Mapped[str | None] = mapped_column(sa.String(120))
    tiss_version: Mapped[str] = mapped_column(sa.String(10), default="4.01.00")
    auto_approve_links: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    max_guides_per_lot: Mapped[int] = mapped_column(default=100, server_default="100")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> PayerSettings | None:
        return db.session.scalar(sa.select(cls).order_by(cls.id).limit(1))
