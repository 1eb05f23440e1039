"""Volume for benchmarks: many invoices inserted in bulk (Core executemany, no ORM, no audit rows).

``seed_invoices(n)`` adds ``n`` invoices to one scale provider (its own
authorizations), spread over every status, with distinct numbers and
``last_movement_at`` one minute apart. Idempotent per call: numbers continue
after the largest one already there.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import func, select

from models import Authorization, Invoice, Provider
from models.audit import acting_as
from models.base import db
from models.enums import BillingType, InvoiceStatus, Role, TaxCondition
from seed import factories as f

SCALE_CUIT = "20123456786"
SCALE_PROVIDER_NUMBER = "AR-SCALE"
BATCH = 10_000
# Most invoices end up accepted or entered; queues stay comparatively small.
STATUS_CYCLE = (
    [InvoiceStatus.ENTERED] * 10 + [InvoiceStatus.ACCEPTED] * 4 + [InvoiceStatus.REJECTED] * 2
    + [InvoiceStatus.SENT, InvoiceStatus.IN_AUDIT, InvoiceStatus.OBSERVED, InvoiceStatus.DRAFT]
)


def scale_provider() -> tuple[Provider, Authorization]:
    provider = db.session.scalar(select(Provider).where(Provider.provider_number == SCALE_PROVIDER_NUMBER))
    if provider is None:
        with acting_as(label="seed-scale"):
            provider = f.make_provider("Prestador de Volumen SRL", tax_id=SCALE_CUIT,
                                       provider_number=SCALE_PROVIDER_NUMBER,
                                       tax_condition=TaxCondition.MONOTRIBUTISTA)
            beneficiary = f.make_beneficiary("SCALE/00", "Afiliado de Volumen")
            service = db.session.scalar(select(f.ServiceType).limit(1))
            auth = f.make_authorization("S0000001", provider, beneficiary, service, "999999999.00",
                                        date(2000, 1, 1), date(2099, 12, 31))
            user = f.make_user("scale-provider@example.org", Role.PROVIDER, "Volumen")
            f.link(user, provider)
            db.session.commit()
    auth = db.session.scalar(select(Authorization).where(Authorization.number == "S0000001"))
    return provider, auth


def seed_invoices(n: int, start: datetime | None = None) -> int:
    """Insert ``n`` invoices for the scale provider; returns how many invoices it has now."""
    provider, auth = scale_provider()
    first = (db.session.scalar(select(func.max(Invoice.number)).where(Invoice.provider_id == provider.id)) or 0) + 1
    start = start or datetime(2026, 1, 1)
    table = Invoice.__table__
    now = datetime.now()
    rows = []
    for k in range(n):
        number = first + k
        status = STATUS_CYCLE[number % len(STATUS_CYCLE)]
        period = date(2000 + (number // 12) % 90, number % 12 + 1, 1)
        rows.append({
            "provider_id": provider.id, "authorization_id": auth.id, "voucher_type": 11,
            "billing_type": BillingType.NORMAL.value, "point_of_sale": 1 + number // 99_999_999, "number":
            number % 99_999_999 or 1, "cae": f"7{number:013d}", "cae_due_date": period + timedelta(days=40),
            "period_month": period.month, "period_year": period.year, "amount": Decimal("29663.00"),
            "debited_amount": Decimal("0.00"), "invoice_date": period + timedelta(days=30), "status": status.value,
            "last_movement_at": start - timedelta(minutes=number), "version_id": 1, "created_at": now,
            "updated_at": now,
        })
        if len(rows) == BATCH:
            db.session.execute(sa.insert(table), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(table), rows)
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE invoice"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        # Fold the write-ahead log back into the database file (a huge WAL slows every read).
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for readers
    return db.session.scalar(select(func.count()).select_from(table).where(table.c.provider_id == provider.id))
