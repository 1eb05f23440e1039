"""Glosas (disallowances and invoice debits), their codes, and appeals (recursos de glosa)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Money, TimestampMixin, db, enum_column, utcnow
from models.enums import AppealStatus, GlosaSource
from models.guides import Guide, GuideItem
from models.invoices import Attachment, Invoice
from models.lots import Lot
from models.providers import Provider
from models.users import User


class GlosaCode(db.Model):
    """TISS Tabela 38 code or a payer's own code (configurable list)."""

    __tablename__ = "glosa_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    description: Mapped[str] = mapped_column(sa.String(255))
    group: Mapped[str | None] = mapped_column(sa.String(60))
    source: Mapped[GlosaSource] = enum_column(GlosaSource, default=GlosaSource.TISS)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def __str__(self) -> str:
        return f"{self.code} - {self.description}"


class Glosa(TimestampMixin, db.Model):
    """An amount disallowed on a guide item (TISS) or debited on an invoice (IOMA)."""

    __tablename__ = "glosa"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("(guide_id IS NULL) <> (invoice_id IS NULL)", name="one_target"),
        sa.Index("ix_glosa_created_id", "created_at", "id"),
        sa.Index("ix_glosa_provider_created_id", "provider_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    guide_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guide.id", ondelete="CASCADE"), index=True)
    guide_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guide_item.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(sa.ForeignKey("glosa_code.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    provider: Mapped[Provider] = relationship()
    lot: Mapped[Lot | None] = relationship()
    guide: Mapped[Guide | None] = relationship()
    guide_item: Mapped[GuideItem | None] = relationship()
    invoice: Mapped[Invoice | None] = relationship()
    code: Mapped[GlosaCode] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"{self.code.code} {self.amount}"


class Appeal(TimestampMixin, db.Model):
    """Recurso de glosa: the provider asks back disallowed amounts of a lot (or one guide)."""

    __tablename__ = "appeal"
    __table_args__ = (
        sa.CheckConstraint("length(justification) <= 500", name="justification_length"),
        # the appeal desks, newest first, paged by seeking: a provider's, and a status's
        sa.Index("ix_appeal_provider_id_id", "provider_id", "id"),
        sa.Index("ix_appeal_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"))
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id"), index=True)
    guide_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guide.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id"), index=True)
    status: Mapped[AppealStatus] = enum_column(AppealStatus, default=AppealStatus.OPEN)
    justification: Mapped[str] = mapped_column(sa.String(500))
    requested_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    accepted_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    provider: Mapped[Provider] = relationship()
    lot: Mapped[Lot | None] = relationship()
    guide: Mapped[Guide | None] = relationship()
    invoice: Mapped[Invoice | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    items: Mapped[list[AppealItem]] = relationship(back_populates="appeal", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(foreign_keys="Attachment.appeal_id")

    __mapper_args__ = {"version_id_col": version_id}

    def __str__(self) -> str:
        return f"#{self.id}"


class AppealItem(db.Model):
    __tablename__ = "appeal_item"
    __table_args__ = (sa.UniqueConstraint("appeal_id", "glosa_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(sa.ForeignKey("appeal.id", ondelete="CASCADE"), index=True)
    glosa_id: Mapped[int] = mapped_column(sa.ForeignKey("glosa.id"), index=True)
    amount_appealed: Mapped[Decimal] = mapped_column(Money)
    amount_accepted: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    appeal: Mapped[Appeal] = relationship(back_populates="items")
    glosa: Mapped[Glosa] = relationship()
