"""The demo's adjudication data as the acceptance checks use it: Provider2's cards 800000000050
(excluded) and 800000000048 (carência), TUSS 10101012 once per 30 days per provider, duplicates."""
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa

from models import Beneficiary, HealthPlan, Professional, Provider, ServiceLocation
from models.base import db
from models.enums import GuideType, ItemKind
from seed import factories as f
from seed.demo import PROVIDER2_CODE
from services.tiss.export import build_lot_message
from services.tiss.intake import receive


def previous_month_day(day: int) -> date:
    first = (date.today().replace(day=1) - timedelta(days=1)).replace(day=day)
    return first


def consulta(card: str, day: date, number: str | None = None):
    professional = db.session.scalar(sa.select(Professional).where(Professional.council_number == "123456"))
    location = db.session.scalar(sa.select(ServiceLocation).where(ServiceLocation.cnes == "2345678"))
    item = SimpleNamespace(kind=ItemKind.PROCEDURE, code="10101012", description="Consulta", execution_date=day,
                           quantity=Decimal(1), unit_price=Decimal("150.00"), total_amount=Decimal("150.00"))
    return SimpleNamespace(
        number=number or f"D{f.unique_suffix():09d}", guide_type=GuideType.CONSULTA, operator_number=None,
        authorization_number=None, authorization_date=None, authorization_valid_to=None,
        beneficiary=SimpleNamespace(card_number=card), emission_date=day, execution_date=day,
        execution_time=time(9, 0), professional=professional, location=location, items=[item],
        total_amount=Decimal("150.00"))


def send(provider, guides):
    data = build_lot_message(provider, f"A{f.unique_suffix():06d}", guides, registro_ans="419999",
                             when=datetime(2026, 1, 15, 10, 0), encoding="ISO-8859-1")
    intake = receive(data, "demo.xml")
    assert intake.accepted, intake.as_json()
    return {g["guide"]: (g["code"], g["rule"]) for g in intake.as_json().get("glosas", [])}


def test_demo_rules_refuse_at_intake(demo):
    provider = db.session.scalar(sa.select(Provider).where(Provider.provider_number == PROVIDER2_CODE))
    plan = db.session.scalar(sa.select(HealthPlan).where(HealthPlan.name == "Plano Demo Ambulatorial"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Beneficiary)
                             .where(Beneficiary.health_plan_id == plan.id)) == 50
    excluded = consulta("800000000050", previous_month_day(3))
    waiting = consulta("800000000048", previous_month_day(3))
    glosas = send(provider, [excluded, waiting])
    assert glosas[excluded.number][0] == "1006"
    assert glosas[waiting.number][0] == "1007"

    day = previous_month_day(2)
    first, second = consulta("800000000007", day), consulta("800000000007", day + timedelta(days=10))
    glosas = send(provider, [first, second])
    assert first.number not in glosas and glosas[second.number][0] == "1823"

    again = consulta("800000000007", day)
    assert send(provider, [again])[again.number][0] == "1702"
