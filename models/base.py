"""Declarative base, naming convention and the column types every model shares."""
from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from models.values import to_money  # noqa: F401  (money is rounded in one place; models import it from here)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class Money(TypeDecorator):
    """Numeric(14, 2) that always hands back a Decimal rounded to the cent.

    SQLite keeps numerics as floating point; quantizing on the way out makes
    stored values and SUM()s come back exact to the cent on both databases.
    """

    impl = sa.Numeric(14, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else to_money(value)

    def process_result_value(self, value, dialect):
        return None if value is None else to_money(value)


class Quantity(TypeDecorator):
    """Numeric(9, 4): TISS quantities (quantidade executada)."""

    impl = sa.Numeric(9, 4, asdecimal=True)
    cache_ok = True
    _step = Decimal("0.0001")

    def process_bind_param(self, value, dialect):
        return None if value is None else Decimal(str(value)).quantize(self._step, rounding=ROUND_HALF_UP)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(str(value)).quantize(self._step, rounding=ROUND_HALF_UP)


class Rate(TypeDecorator):
    """Numeric(7, 4): percentages such as tax rates (3.5000 = 3.5 %)."""

    impl = sa.Numeric(7, 4, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001"))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001"))


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> Mapped:
    """A status-like column stored as its string value (no native DB enum to migrate)."""
    return mapped_column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        **kwargs,
    )


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=sa.func.now())
