"""Benchmark: what the adjudication engine adds to a 100-guide lot, with every rule kind active and
many guide items already in the database, and how fast it re-evaluates guides in bulk.

    BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/liquida_adjudication_bench .venv/bin/python bench/adjudication.py
    BENCH_SIZE=2000000 (filler guides, all in lots)  BENCH_ITEMS=10000000 (guide items in all: the filler
    guides get other procedures' items up to that)  BENCH_BENEFICIARIES=200000  BENCH_RUNS=31  BENCH_REEVAL=50000

The history the frequency and duplicate rules read grows with how often each beneficiary is seen: the
default 200,000 beneficiaries for 2M guides of 5 items is issue 13's payer (2.5 procedures per life and
month, ~12 guides per beneficiary in two years); BENCH_BENEFICIARIES=5000 is a stress case (a guide every
two days per beneficiary, ~1,600 past guides read for a lot of 50 beneficiaries).
    BENCH_REUSE=1 measures again on the database a previous run built (no reseeding)

Targets (issue 15): ≤ 15 ms added to a 100-guide lot (median, PostgreSQL); re-evaluating 1M guides
≤ 10 minutes (extrapolated from BENCH_REEVAL guides). The database named here is DROPPED and rebuilt.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from models import (  # noqa: E402
    AdjudicationRule,
    Beneficiary,
    Guide,
    HealthPlan,
    Lot,
    PlanWaitingPeriod,
    Procedure,
    ProcedureGroup,
    ServiceType,
)
from models.adjudication import RuleAction, RuleKind, Segmentation  # noqa: E402
from models.base import db  # noqa: E402
from seed.demo import SERVICE_TYPES  # noqa: E402
from seed.scale_guides import seed_guide_volume  # noqa: E402
from services.adjudication import engine, simulation  # noqa: E402
from services.adjudication.analysis import lines_of_lot  # noqa: E402

URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/liquida_adjudication_bench")
SIZE = int(os.environ.get("BENCH_SIZE", "2000000"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "10000000"))
BENEFICIARIES = int(os.environ.get("BENCH_BENEFICIARIES", "200000"))
RUNS = int(os.environ.get("BENCH_RUNS", "31"))
REEVAL = int(os.environ.get("BENCH_REEVAL", "50000"))
TARGET_MS, TARGET_REEVAL_S = 15.0, 600.0


def _reset(url: str) -> None:
    admin = sa.create_engine(url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                             isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _rules_and_catalogue(today: date) -> None:
    plan = HealthPlan(name="Plano Bench", segmentation=Segmentation.REFERENCE)
    group = ProcedureGroup(code="G", name="Geral", segmentation=Segmentation.AMBULATORY)
    db.session.add_all([plan, group])
    db.session.flush()
    db.session.add(PlanWaitingPeriod(plan_id=plan.id, group_id=group.id, days=30))
    for code, most, freq in (("10101012", 1, (1, 30)), ("40304361", 4, (4, 30)), ("70000001", 10, None),
                             ("60000732", 2, None)):
        db.session.add(Procedure(code=code, description=code, group_id=group.id, max_quantity=most,
                                 frequency_count=freq[0] if freq else None, frequency_days=freq[1] if freq else None))
    for kind in RuleKind:
        db.session.add(AdjudicationRule(name=kind.value, kind=kind, action=RuleAction.REFUSE))
    db.session.execute(sa.update(Beneficiary).values(health_plan_id=plan.id, coverage_start=today - timedelta(days=900),
                                                     sex="F", birth_date=date(1980, 1, 1)))
    db.session.commit()


def main() -> int:
    reuse = os.environ.get("BENCH_REUSE") == "1"
    if not reuse:
        _reset(URL)
    os.environ["DATABASE_URL"] = URL
    app = create_app({"SECRET_KEY": "bench", "RATELIMIT_STORAGE_URI": "memory://", "SERVER_NAME": "localhost"})
    with app.app_context():
        if not reuse:
            _seed()
        _measure()
    return 0


def _seed() -> None:
    upgrade()
    for code, name, country, guide_type, sheet in SERVICE_TYPES:
        db.session.add(ServiceType(code=code, name=name, country=country, guide_type=guide_type,
                                   requires_attendance_sheet=sheet))
    db.session.commit()
    t0 = time.perf_counter()
    info = seed_guide_volume(SIZE, beneficiaries=BENEFICIARIES, bench_guides=100)
    # every filler guide billed in one old lot: the history the frequency and duplicate rules read
    filler = Lot(provider_id=info.provider_id, number="FILLER", guide_type="consulta", competence="2000-01",
                 total_amount=0)
    db.session.add(filler)
    db.session.flush()
    db.session.execute(sa.update(Guide).where(Guide.provider_id != info.provider_id).values(lot_id=filler.id))
    bench = Lot(provider_id=info.provider_id, number="BENCH", guide_type="sp_sadt", competence=info.competence,
                total_amount=0)
    db.session.add(bench)
    db.session.flush()
    db.session.execute(sa.update(Guide).where(Guide.provider_id == info.provider_id).values(lot_id=bench.id))
    # a consultation in every benchmark guide: the code the filler guides bill, so history is read
    db.session.execute(sa.text(
        "INSERT INTO guide_item (guide_id, kind, code, description, execution_date, quantity, unit_price, "
        "total_amount) SELECT id, 'procedure', '10101012', 'Consulta', execution_date, 1, 150, 150 "
        "FROM guide WHERE provider_id = :p"), {"p": info.provider_id})
    _filler_items(info.provider_id)
    db.session.commit()
    _rules_and_catalogue(date.today())
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    items = db.session.scalar(sa.text("SELECT count(*) FROM guide_item"))
    print(f"seeded {SIZE:,} filler guides of {BENEFICIARIES:,} beneficiaries, {items:,} guide items in "
          f"{time.perf_counter() - t0:.0f} s")


def _filler_items(bench_provider: int) -> None:
    """Items of other procedures on the filler guides until ``ITEMS`` in all: the indexes the history
    query walks are those of a 10M-item table, while the codes it asks for stay as rare as in real lots."""
    have = db.session.scalar(sa.text("SELECT count(*) FROM guide_item"))
    per_guide = max(0, -(-(ITEMS - have) // SIZE))
    for k in range(per_guide):
        db.session.execute(sa.text(
            "INSERT INTO guide_item (guide_id, kind, code, description, execution_date, quantity, unit_price, "
            "total_amount) SELECT id, 'procedure', '4' || lpad(CAST((id + :k) % 500 AS TEXT), 7, '0'), 'Exame', "
            "execution_date, 1, 20, 20 FROM guide WHERE provider_id <> :p"), {"k": k, "p": bench_provider})


def _measure() -> None:
    items = db.session.scalar(sa.text("SELECT count(*) FROM guide_item"))
    print(f"{items:,} guide items in the database")
    lot = db.session.scalar(sa.select(Lot).where(Lot.number == "BENCH"))
    lines, _items, _guides = lines_of_lot(lot)
    rules = engine.load_rules()
    lot_id = lot.id  # read once: after a rollback the attribute would cost a query inside the timing
    times = []
    findings = []
    for _ in range(RUNS):
        db.session.rollback()
        # the engine runs inside the receiver's open transaction: the pool checkout (and its ping) and
        # BEGIN are the receiver's, not the engine's
        db.session.connection()
        start = time.perf_counter()
        findings = engine.run(lines, rules, exclude_lot_id=lot_id)
        times.append((time.perf_counter() - start) * 1000)
    median, best = statistics.median(times), min(times)
    print(f"engine on a 100-guide lot ({len(lines)} items, {len(rules)} rules, {len(findings)} findings): "
          f"median {median:.1f} ms, best {best:.1f} ms (target ≤ {TARGET_MS:.0f} ms)")

    first = date.today() - timedelta(days=730)
    start = time.perf_counter()
    read = 0
    for ids in simulation._chunks(first, date.today()):
        engine.run(simulation._lines(ids, {}), rules)
        read += len(ids)
        if read >= REEVAL:
            break
    elapsed = time.perf_counter() - start
    rate = read / elapsed
    million = 1_000_000 / rate
    print(f"re-evaluation: {read:,} guides in {elapsed:.1f} s = {rate:,.0f} guides/s → 1M guides in "
          f"{million / 60:.1f} min (target ≤ {TARGET_REEVAL_S / 60:.0f} min)")
    met = median <= TARGET_MS and million <= TARGET_REEVAL_S
    print("RESULT: met" if met else f"RESULT: not met (lot {median:.1f} ms, 1M re-evaluation {million / 60:.1f} min)")


if __name__ == "__main__":
    sys.exit(main())
