"""Beneficiaries (afiliados / beneficiários) of the payer."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, enum_column
from models.enums import AffiliationType


class Beneficiary(db.Model):
    __tablename__ = "beneficiary"
    __table_args__ = (  # name search (views/admin/paging.py): a trigram index on PostgreSQL
        sa.Index("ix_beneficiary_name_trgm", sa.text("lower(name)"), postgresql_using="gin",
                 postgresql_ops={"lower(name)": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(sa.String(20), unique=True, comment="carteira / credencial")
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    affiliation_type: Mapped[AffiliationType] = enum_column(AffiliationType, default=AffiliationType.HOLDER)
    birth_date: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(sa.String(1))
    document: Mapped[str | None] = mapped_column(sa.String(20), index=True, comment="DNI / CPF")
    plan: Mapped[str | None] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def __str__(self) -> str:
        return f"{self.card_number} - {self.name}"
