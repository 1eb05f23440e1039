"""Figures kept as work happens: counts and amounts per entity × provider × month × status.

The database keeps this table itself (triggers from migration 0010 on invoice, lot, glosa and
payment_order, for every way a row changes: the ORM, bulk inserts, COPY), in the transaction that
changes the row (on PostgreSQL folded in as it commits, migration 0016: concurrent writers of one cell
do not wait for each other), so dashboards and period totals read a few hundred rows instead of millions.
``bucket`` is the row's status (a glosa's: its code id); ``month`` the first day of the month of the
entity's date (invoice_date, a lot's sent_at, a glosa's created_at, an order's paid_at or payment_date).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db


class MonthlyRollup(db.Model):
    __tablename__ = "monthly_rollup"
    __audited__ = False  # derived figures, written by the database; the changes behind them are audited
    __table_args__ = (sa.UniqueConstraint("entity", "provider_id", "month", "bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(20))
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id", ondelete="CASCADE"), index=True)
    month: Mapped[date]
    bucket: Mapped[str] = mapped_column(sa.String(30))
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2), default=Decimal("0.00"))


class StatusTotal(db.Model):
    """The cells of ``monthly_rollup`` added up per entity × status over every provider and month, kept by
    migration 0024's triggers on ``monthly_rollup``: what a staff start page counts, in a few dozen rows.
    On PostgreSQL a sum is striped over several ``slot`` rows (concurrent committers do not queue on one
    row); a reader adds up the slots."""

    __tablename__ = "status_total"
    __audited__ = False

    entity: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    bucket: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    slot: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2), default=Decimal("0.00"))


class AuthorizationTotal(db.Model):
    """What is billed of an authorization (trámite) per invoice status, count and amount, kept by the
    database (migration 0022's triggers on invoice, for every way a row changes) in the transaction that
    changes it: the invoice wizard reads a few rows instead of adding up the authorization's invoices."""

    __tablename__ = "authorization_total"
    __audited__ = False

    authorization_id: Mapped[int] = mapped_column(sa.ForeignKey("authorization.id", ondelete="CASCADE"),
                                                  primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0.00"))


class LotTotal(db.Model):
    """A lot's guides and its four analysis values (informed, processed, glosa, released), kept by the
    database (migration 0013's triggers on guide, guide_item and glosa) in the transaction that changes
    them; ``services.analysis_totals`` computes the same figures from the detail rows."""

    __tablename__ = "lot_total"
    __audited__ = False

    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True)
    guides: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    informed: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0.00"))
    processed: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0.00"))
    glosa: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0.00"))
    released: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0.00"))
