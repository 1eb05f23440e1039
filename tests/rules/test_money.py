from decimal import Decimal

import sqlalchemy as sa

from models.base import db, to_money
from seed import factories as f


def test_to_money_rounds_half_up_to_the_cent():
    assert to_money("1.005") == Decimal("1.01")
    assert to_money("2.675") == Decimal("2.68")
    assert to_money(0.1 + 0.2) == Decimal("0.30")
    assert to_money(10) == Decimal("10.00")


def test_money_columns_round_trip_and_sum_exactly():
    provider = f.make_provider("Sum SA")
    beneficiary = f.make_beneficiary("SUM-1", "Sum Person")
    from datetime import date

    from models import Authorization

    service = f.service_type("KINESIOLOGIA")
    amounts = ["0.10", "0.20", "1234567890.99", "0.01"] * 25
    for i, amount in enumerate(amounts):
        f.make_authorization(f"S{i}", provider, beneficiary, service, amount, date(2026, 1, 1), date(2026, 12, 31))
    db.session.flush()
    total = db.session.scalar(
        sa.select(sa.func.sum(Authorization.authorized_total)).where(Authorization.provider_id == provider.id)
    )
    assert isinstance(total, Decimal)
    assert total == sum(Decimal(a) for a in amounts)
    stored = db.session.scalar(sa.select(Authorization.authorized_total).where(Authorization.number == "S1"))
    assert stored == Decimal("0.20")
