"""Gap-tolerant document numbers (protocols, payment orders, certificates) from the database.

PostgreSQL uses real sequences; SQLite, which has none, uses one counter row
per name incremented atomically inside the caller's transaction.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db

SEQUENCES = ("protocol", "payment_order", "certificate", "invoice_verification")

for _name in SEQUENCES:
    sa.Sequence(f"{_name}_seq", metadata=db.metadata)


class Counter(db.Model):
    __tablename__ = "counter"
    __audited__ = False

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def next_value(name: str) -> int:
    if name not in SEQUENCES:
        raise ValueError(f"unknown sequence {name!r}")
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(sa.text(f"SELECT nextval('{name}_seq')")).scalar_one()
    value = session.execute(
        sa.update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar()
    if value is None:
        session.add(Counter(name=name, value=1))
        session.flush()
        value = 1
    return value


def next_values(name: str, count: int) -> list[int]:
    """``count`` fresh numbers of the sequence at once (bulk documents), in increasing order."""
    if name not in SEQUENCES:
        raise ValueError(f"unknown sequence {name!r}")
    if count <= 0:
        return []
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        return sorted(session.execute(sa.text(f"SELECT nextval('{name}_seq') FROM generate_series(1, :n)"),
                                      {"n": count}).scalars())
    last = session.execute(
        sa.update(Counter).where(Counter.name == name).values(value=Counter.value + count).returning(Counter.value)
    ).scalar()
    if last is None:
        session.add(Counter(name=name, value=count))
        session.flush()
        last = count
    return list(range(last - count + 1, last + 1))
