"""Lots of guides (lotes / faturas) and the payment calendar that predicts their payment."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Money, TimestampMixin, db, enum_column
from models.enums import GuideType, LotSource, LotStatus
from models.guides import Guide
from models.providers import Provider
from models.users import User


class Lot(TimestampMixin, db.Model):
    __tablename__ = "lot"
    __table_args__ = (
        # A provider's numeroLote is unique among its lots that were not cancelled.
        sa.Index(
            "uq_lot_provider_number_active",
            "provider_id",
            "number",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
        sa.Index("ix_lot_provider_competence", "provider_id", "competence"),
        # Reports by period and the NF report filter on the send date first; payables on the status.
        sa.Index("ix_lot_provider_sent", "provider_id", "sent_at"),
        sa.Index("ix_lot_sent_at", "sent_at"),
        sa.Index("ix_lot_provider_status", "provider_id", "status"),
        # the account-audit desk: one status's lots, newest protocol first, paged by seeking
        sa.Index("ix_lot_status_protocol", "status", "protocol_number"),
        sa.Index("ix_lot_provider_id_id", "provider_id", "id"),
        sa.Index("ix_lot_provider_protocol", "provider_id", "protocol_number"),  # a provider's statements, newest first
        sa.Index("ix_lot_number", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"))
    number: Mapped[str] = mapped_column(sa.String(12), comment="numeroLote")
    description: Mapped[str | None] = mapped_column(sa.String(120))
    guide_type: Mapped[GuideType] = enum_column(GuideType)
    competence: Mapped[str] = mapped_column(sa.String(7), comment="YYYY-MM")
    source: Mapped[LotSource] = enum_column(LotSource, default=LotSource.BUILDER)
    protocol_number: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    status: Mapped[LotStatus] = enum_column(LotStatus, default=LotStatus.RECEIVED, index=True)
    sent_at: Mapped[datetime | None]
    physical_received_at: Mapped[date | None]
    processing_date: Mapped[date | None] = mapped_column(comment="set when analysis starts; locks the lot")
    expected_payment_date: Mapped[date | None]
    rejection_note: Mapped[str | None] = mapped_column(sa.Text)
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    analysed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    provider: Mapped[Provider] = relationship()
    guides: Mapped[list[Guide]] = relationship(back_populates="lot", order_by="Guide.number")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    analysed_by: Mapped[User | None] = relationship(foreign_keys=[analysed_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])

    __mapper_args__ = {"version_id_col": version_id}

    def __str__(self) -> str:
        return self.description or self.number

    @property
    def competence_label(self) -> str:
        from models.values import Competence

        return Competence.parse(self.competence).label


class PaymentCalendarEntry(db.Model):
    """Lots received up to ``received_until`` are expected to be paid on ``payment_date``."""

    __tablename__ = "payment_calendar_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_until: Mapped[date] = mapped_column(unique=True)
    payment_date: Mapped[date]

    def __str__(self) -> str:
        return f"{self.received_until} → {self.payment_date}"
