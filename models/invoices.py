"""Argentine invoices (IOMA flow), their attachments and the configurable rejection reasons."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.authorizations import Authorization
from models.base import Money, TimestampMixin, db, enum_column, utcnow
from models.enums import AttachmentKind, BillingType, InvoiceStatus
from models.providers import Provider
from models.users import User

# Invoices that bill their authorization's period for good: a later normal invoice of the same period is a duplicate
# (services.adjudication.invoices); the partial index below holds exactly those.
BILLED_STATUSES = (InvoiceStatus.ACCEPTED, InvoiceStatus.ENTERED)
BILLED_PERIOD = (f"status IN ({', '.join(repr(s.value) for s in BILLED_STATUSES)}) "
                 f"AND billing_type = '{BillingType.NORMAL.value}'")


class RejectionReason(db.Model):
    """A reason from the configurable list a supervisor picks when rejecting."""

    __tablename__ = "rejection_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"


class Invoice(TimestampMixin, db.Model):
    __tablename__ = "invoice"
    __table_args__ = (
        sa.UniqueConstraint("provider_id", "voucher_type", "point_of_sale", "number"),
        sa.CheckConstraint("point_of_sale BETWEEN 1 AND 99999", name="point_of_sale_range"),
        sa.CheckConstraint("number BETWEEN 1 AND 99999999", name="number_range"),
        sa.CheckConstraint("period_month BETWEEN 1 AND 12", name="period_month_range"),
        sa.Index("ix_invoice_provider_status_movement", "provider_id", "status", "last_movement_at"),
        sa.Index("ix_invoice_status_movement", "status", "last_movement_at"),
        sa.Index("ix_invoice_provider_date", "provider_id", "invoice_date"),
        # invoices of one authorization and period (the authorization's amount check)
        sa.Index("ix_invoice_authorization_period", "authorization_id", "period_year", "period_month"),
        # the reviewers' duplicate-period flag (services.adjudication.invoices): only the accepted normal invoices
        sa.Index("ix_invoice_billed_period", "authorization_id", "period_year", "period_month",
                 sqlite_where=sa.text(BILLED_PERIOD), postgresql_where=sa.text(BILLED_PERIOD)),
        # Mis comprobantes: debit notes, newest first.
        sa.Index("ix_invoice_provider_debited", "provider_id", "last_movement_at", "id",
                 sqlite_where=sa.text("debited_amount > 0"), postgresql_where=sa.text("debited_amount > 0")),
        # list paging (views/admin/paging.py) and search
        sa.Index("ix_invoice_movement_id", "last_movement_at", "id"),
        sa.Index("ix_invoice_provider_movement_id", "provider_id", "last_movement_at", "id"),
        sa.Index("ix_invoice_invoice_date_id", "invoice_date", "id"),
        sa.Index("ix_invoice_cae", "cae"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"))
    authorization_id: Mapped[int] = mapped_column(sa.ForeignKey("authorization.id"), index=True)
    voucher_type: Mapped[int] = mapped_column(sa.SmallInteger, comment="AFIP comprobante code")
    billing_type: Mapped[BillingType] = enum_column(BillingType, default=BillingType.NORMAL)
    referenced_invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id"))
    point_of_sale: Mapped[int]
    number: Mapped[int] = mapped_column(sa.BigInteger)
    cae: Mapped[str] = mapped_column(sa.String(14))
    cae_due_date: Mapped[date]
    period_month: Mapped[int] = mapped_column(sa.SmallInteger)
    period_year: Mapped[int] = mapped_column(sa.SmallInteger)
    amount: Mapped[Decimal] = mapped_column(Money)
    debited_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    invoice_date: Mapped[date]
    status: Mapped[InvoiceStatus] = enum_column(InvoiceStatus, default=InvoiceStatus.DRAFT, index=True)
    last_movement_at: Mapped[datetime] = mapped_column(default=utcnow)
    remarks: Mapped[str | None] = mapped_column(sa.Text, comment="observations shown to the provider")
    rejection_reason_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rejection_reason.id"))
    rejection_text: Mapped[str | None] = mapped_column(sa.Text)
    qr_data: Mapped[dict | None] = mapped_column(sa.JSON, comment="decoded AFIP QR payload")
    qr_mismatches: Mapped[dict | None] = mapped_column(sa.JSON, comment="typed vs QR differences")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    forwarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    verification_code: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    provider: Mapped[Provider] = relationship()
    authorization: Mapped[Authorization] = relationship()
    referenced_invoice: Mapped[Invoice | None] = relationship(remote_side=[id])
    rejection_reason: Mapped[RejectionReason | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    forwarded_by: Mapped[User | None] = relationship(foreign_keys=[forwarded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", foreign_keys="Attachment.invoice_id"
    )

    __mapper_args__ = {"version_id_col": version_id}

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        """AFIP display form: ``00002-00000085``."""
        return f"{self.point_of_sale:05d}-{self.number:08d}"

    @property
    def period_label(self) -> str:
        return f"{self.period_month:02d}/{self.period_year}"

    @property
    def net_amount(self) -> Decimal:
        return self.amount - (self.debited_amount or Decimal("0.00"))


class Attachment(db.Model):
    """An uploaded file (stored under instance/ with a generated name)."""

    __tablename__ = "attachment"
    __table_args__ = (
        sa.CheckConstraint("(invoice_id IS NULL) <> (appeal_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appeal.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = enum_column(AttachmentKind)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/pdf")
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    invoice: Mapped[Invoice | None] = relationship(back_populates="attachments", foreign_keys=[invoice_id])
    uploaded_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.original_name
