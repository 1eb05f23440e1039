"""Volume seeding for benchmarks: many guides inserted by the database itself (INSERT … SELECT over a series).

``seed_guide_volume(n)`` adds ``n`` filler guides (one item each) spread over
``providers`` other providers and two years, then ``bench_guides`` clean SP/SADT
guides of one benchmark provider in one competence — the same for every
``n``, so timings compare like with like. Bulk rows skip the audit log on
purpose (they are fixtures, not user actions).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from models import Beneficiary, Guide, GuideItem, PaymentCalendarEntry, Provider
from models.audit import acting_as
from models.base import db
from models.enums import Country, GuideType, ItemKind
from seed import factories as f

PRICES = [
    ("10101012", "Consulta em consultório", ItemKind.PROCEDURE, "150.00"),
    ("40304361", "Hemograma com contagem de plaquetas", ItemKind.PROCEDURE, "25.00"),
    ("70000001", "Seringa descartável 10 ml", ItemKind.MATERIAL, "1.35"),
    ("60000732", "Taxa de sala de observação", ItemKind.FEE, "45.00"),
]


@dataclass
class ScaleInfo:
    provider_id: int
    competence: str
    guides: int


def _series(n: int, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(SELECT generate_series(1, {int(n)}) AS i) AS s"
    return (f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)}) "
            f"SELECT i FROM s) AS s")


def _add_days(base: date, expr: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"(DATE '{base.isoformat()}' + ({expr})::int)"
    return f"date('{base.isoformat()}', '+' || ({expr}) || ' days')"


def seed_guide_volume(n: int, *, providers: int = 500, beneficiaries: int = 5000, bench_guides: int = 300,
                      today: date | None = None) -> ScaleInfo:
    today = today or date.today()
    dialect = db.session.get_bind().dialect.name
    target = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    competence = f"{target.year}-{target.month:02d}"
    with acting_as(label="scale-seed"):
        bench = f.make_provider("Clínica Benchmark Ltda", country=Country.BR,
                                service_codes=("CONSULTA", "SP_SADT", "HONORARIOS"))
        table = f.make_price_table("Tabela geral benchmark", None, PRICES, valid_from=date(2000, 1, 1))
        db.session.add(PaymentCalendarEntry(received_until=today + timedelta(days=3650),
                                            payment_date=today + timedelta(days=3680)))
        db.session.flush()
        first_ben = f.unique_suffix() * 10_000_000
        db.session.execute(sa.insert(Beneficiary.__table__), [
            {"card_number": f"B{first_ben + i}", "name": f"Beneficiário {i}", "affiliation_type": "holder",
             "active": True} for i in range(beneficiaries)])
        ben_ids = db.session.execute(sa.select(sa.func.min(Beneficiary.id), sa.func.max(Beneficiary.id)).where(
            Beneficiary.card_number.like("B%"))).one()
        base_number = f.unique_suffix() * 1_000_000
        rows = []
        for i in range(providers):
            rows.append({"legal_name": f"Prestador Volume {i}", "country": "BR", "tax_id_kind": "CNPJ",
                         "tax_id": f.valid_cnpj(base_number + i), "tax_condition": "simples_nacional",
                         "provider_number": f"V{base_number + i}", "status": "active"})
        db.session.execute(sa.insert(Provider.__table__), rows)
        first_provider = db.session.scalar(sa.select(sa.func.min(Provider.id)).where(
            Provider.provider_number.like(f"V{base_number // 1_000_000}%")))
        db.session.flush()

        start = today - timedelta(days=730)
        emission = _add_days(start, "i % 730", dialect)
        ben_span = ben_ids[1] - ben_ids[0] + 1
        db.session.execute(sa.text(f"""
            INSERT INTO guide (provider_id, number, guide_type, status, authorization_number, authorization_date,
                               authorization_valid_to, beneficiary_id, emission_date, execution_date, total_amount,
                               version_id, created_at, updated_at)
            SELECT {first_provider} + (i % {providers}), 'S' || i,
                   CASE WHEN i % 2 = 0 THEN 'consulta' ELSE 'sp_sadt' END, 'authorized', 'A' || i,
                   {emission}, {_add_days(start, "i % 730 + 60", dialect)},
                   {ben_ids[0]} + (i % {ben_span}), {emission}, {emission}, 150, 1,
                   CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM {_series(n, dialect)}
        """))
        consult = next(i for i in table.items if i.code == "10101012")
        db.session.execute(sa.text(f"""
            INSERT INTO guide_item (guide_id, kind, code, description, execution_date, quantity, unit_price,
                                    total_amount, price_table_item_id)
            SELECT id, 'procedure', '10101012', 'Consulta em consultório', execution_date, 1, 150, 150, {consult.id}
            FROM guide WHERE provider_id >= {first_provider} AND provider_id < {first_provider + providers}
        """))
        items = {i.code: i for i in table.items}
        beneficiary_rows = db.session.scalars(sa.select(Beneficiary).where(
            Beneficiary.id.in_(range(ben_ids[0], ben_ids[0] + 50)))).all()
        for k in range(bench_guides):
            day = target + timedelta(days=k % 28)
            f.make_guide(bench, f"BENCH{k:06d}", GuideType.SP_SADT, beneficiary_rows[k % len(beneficiary_rows)],
                         day, [(items["40304361"], 2), (items["70000001"], 3), (items["60000732"], 1)],
                         execution=day)
        db.session.commit()
    return ScaleInfo(provider_id=bench.id, competence=competence, guides=n + bench_guides)


def guide_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Guide.id)))


def item_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(GuideItem.id)))
