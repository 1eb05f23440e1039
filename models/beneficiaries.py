"""Beneficiaries (afiliados / beneficiários) of the payer."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Unmapped, mapped_column, relationship, unmapped_column

from models.base import db, enum_column
from models.enums import AffiliationType


class Beneficiary(db.Model):
    __tablename__ = "beneficiary"
    __table_args__ = (  # name search (services/text_search.py): a trigram index on PostgreSQL (migration 0025)
        sa.Index("ix_beneficiary_name_trgm", sa.text("name_search"), postgresql_using="gin",
                 postgresql_ops={"name_search": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(sa.String(20), unique=True, comment="carteira / credencial")
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    # the name folded for searching (migration 0025: stored on PostgreSQL, computed as read on SQLite); not
    # mapped, never audited
    name_search: Unmapped[str | None] = unmapped_column(sa.Text, sa.Computed("liquida_fold(name)", persisted=True))
    affiliation_type: Mapped[AffiliationType] = enum_column(AffiliationType, default=AffiliationType.HOLDER)
    birth_date: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(sa.String(1))
    document: Mapped[str | None] = mapped_column(sa.String(20), index=True, comment="DNI / CPF")
    plan: Mapped[str | None] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Adjudication (issue 15): the plan and the dates that decide eligibility and carências
    health_plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("health_plan.id"), index=True)
    coverage_start: Mapped[date | None] = mapped_column(comment="inclusão")
    coverage_end: Mapped[date | None] = mapped_column(comment="exclusão")
    suspended_from: Mapped[date | None]
    suspended_to: Mapped[date | None]

    health_plan = relationship("HealthPlan")

    def __str__(self) -> str:
        return f"{self.card_number} - {self.name}"
