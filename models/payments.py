"""Payment orders (libramientos), their lines, withholdings and deductions, and certificates."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Money, Rate, TimestampMixin, db, enum_column
from models.enums import (
    Country,
    DeductionKind,
    PaymentLineKind,
    PaymentMethod,
    PaymentOrderStatus,
    Tax,
)
from models.glosas import Appeal
from models.invoices import Invoice
from models.lots import Lot
from models.providers import Provider
from models.users import User


class WithholdingRule(db.Model):
    """A tax rule as data: rate, non-taxable minimum and who it applies to."""

    __tablename__ = "withholding_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[Country] = enum_column(Country)
    tax: Mapped[Tax] = enum_column(Tax, index=True)
    regime_code: Mapped[str | None] = mapped_column(sa.String(10), comment="e.g. RG 830 regime 116")
    tax_code: Mapped[str | None] = mapped_column(sa.String(10), comment="SICORE 217/767 or TISS 01-06")
    description: Mapped[str] = mapped_column(sa.String(200))
    rate: Mapped[Decimal] = mapped_column(Rate, comment="percent")
    non_taxable_minimum: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    minimum_withholding: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    tax_conditions: Mapped[list] = mapped_column(sa.JSON, default=list, comment="conditions it applies to")
    use_provider_rate: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def __str__(self) -> str:
        return self.description


class PaymentOrder(TimestampMixin, db.Model):
    __tablename__ = "payment_order"
    __table_args__ = (
        # Mis comprobantes (by the date shown: paid or scheduled), statements and the desk's open orders.
        sa.Index("ix_payment_order_provider_day", "provider_id", sa.func.coalesce(sa.text("paid_at"),
                                                                                 sa.text("payment_date")), "id"),
        sa.Index("ix_payment_order_provider_date", "provider_id", "payment_date", "number"),
        sa.Index("ix_payment_order_status_date", "status", "payment_date", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    payment_date: Mapped[date] = mapped_column(index=True)
    status: Mapped[PaymentOrderStatus] = enum_column(
        PaymentOrderStatus, default=PaymentOrderStatus.DRAFT, index=True
    )
    gross_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    deductions_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    method: Mapped[PaymentMethod | None] = enum_column(PaymentMethod, nullable=True)
    bank_name: Mapped[str | None] = mapped_column(sa.String(100))
    bank_agency: Mapped[str | None] = mapped_column(sa.String(10))
    bank_account: Mapped[str | None] = mapped_column(sa.String(22), comment="account or CBU paid to")
    paid_at: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    paid_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    version_id: Mapped[int] = mapped_column(default=1, server_default="1")

    provider: Mapped[Provider] = relationship()
    lines: Mapped[list[PaymentOrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan")
    deductions: Mapped[list[PaymentDeduction]] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])

    __mapper_args__ = {"version_id_col": version_id}

    def __str__(self) -> str:
        return f"{self.number:08d}"


class PaymentOrderLine(db.Model):
    """What an order pays: an accepted invoice, a released lot or an accepted appeal."""

    __tablename__ = "payment_order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_order.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PaymentLineKind] = enum_column(PaymentLineKind)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id"), unique=True)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id"), unique=True)
    appeal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appeal.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[PaymentOrder] = relationship(back_populates="lines")
    invoice: Mapped[Invoice | None] = relationship()
    lot: Mapped[Lot | None] = relationship()
    appeal: Mapped[Appeal | None] = relationship()


class PaymentDeduction(db.Model):
    """A withholding, other debit or credit on a payment order (TISS codes 01-09)."""

    __tablename__ = "payment_deduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_order.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DeductionKind] = enum_column(DeductionKind)
    code: Mapped[str | None] = mapped_column(sa.String(4), comment="TISS debit/credit code")
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("withholding_rule.id"))
    description: Mapped[str] = mapped_column(sa.String(200))
    base_amount: Mapped[Decimal | None] = mapped_column(Money)
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    amount: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[PaymentOrder] = relationship(back_populates="deductions")
    rule: Mapped[WithholdingRule | None] = relationship()
    certificate: Mapped[WithholdingCertificate | None] = relationship(back_populates="deduction")

    @property
    def signed_amount(self) -> Decimal:
        """What the line does to the net: a credit adds, withholdings and other debits subtract."""
        return self.amount if self.kind == DeductionKind.CREDIT else -self.amount


class WithholdingCertificate(db.Model):
    """Certificado de retención issued for one withholding."""

    __tablename__ = "withholding_certificate"
    __table_args__ = (sa.Index("ix_withholding_certificate_provider_issued", "provider_id", "issued_at", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    deduction_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_deduction.id"), unique=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    issued_at: Mapped[date]
    tax: Mapped[Tax] = enum_column(Tax)
    regime_code: Mapped[str | None] = mapped_column(sa.String(10))
    base_amount: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    signer_name: Mapped[str] = mapped_column(sa.String(120))
    signer_position: Mapped[str] = mapped_column(sa.String(120))
    verification_code: Mapped[str] = mapped_column(sa.String(32), unique=True)

    deduction: Mapped[PaymentDeduction] = relationship(back_populates="certificate")
    provider: Mapped[Provider] = relationship()

    def __str__(self) -> str:
        return f"{self.number:08d}"
