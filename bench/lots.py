"""Benchmark: searching a provider's guides for a competence and sending a 100-guide lot,
with 10,000 and 1,000,000 guides in the database (one run, both sizes), on PostgreSQL and SQLite.

    BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/liquida_bench .venv/bin/python bench/lots.py
    BENCH_SIZES=10000,1000000  BENCH_RUNS=15  BENCH_SQLITE=1 (0 to skip SQLite)

Target: each operation's median at 1M ≤ 2× its median at 10k, and < 500 ms on PostgreSQL.
Every database named here is DROPPED and rebuilt.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from models import Provider, ServiceType  # noqa: E402
from models.base import db  # noqa: E402
from models.enums import GuideType  # noqa: E402
from seed.demo import SERVICE_TYPES  # noqa: E402
from seed.scale_guides import guide_count, seed_guide_volume  # noqa: E402
from services import guides as guide_svc  # noqa: E402
from services import lot_flow  # noqa: E402
from services import lots as lot_svc  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "31"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,1000000").split(",")]


def _reset(url: str) -> str:
    if url.startswith("postgresql"):
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tempfile.mkdtemp()}/bench.db"  # a fresh file per size


def _median_ms(fn, runs: int = RUNS) -> tuple[float, float]:
    """(median, best) in ms: the best run shows the cost without other processes' noise."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times)


def _app():
    return create_app({"SECRET_KEY": "bench", "RATELIMIT_STORAGE_URI": "memory://", "SERVER_NAME": "localhost"})


def seed(url: str, size: int) -> dict:
    """Rebuild the database and seed ``size`` filler guides (+300 benchmark guides)."""
    os.environ["DATABASE_URL"] = url
    app = _app()
    with app.app_context():
        upgrade()
        for code, name, country, guide_type, sheet in SERVICE_TYPES:
            db.session.add(ServiceType(code=code, name=name, country=country, guide_type=guide_type,
                                       requires_attendance_sheet=sheet))
        db.session.commit()
        t0 = time.perf_counter()
        info = seed_guide_volume(size)
        seed_s = time.perf_counter() - t0
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        out = {"provider_id": info.provider_id, "competence": info.competence, "seed_s": seed_s,
               "size": guide_count()}
        db.session.remove()
        db.engine.dispose()
    return out


def measure(url: str, provider_id: int, competence: str) -> dict:
    """Run in a fresh process so both sizes are timed alike (no seeding garbage around)."""
    os.environ["DATABASE_URL"] = url
    app = _app()
    with app.app_context(), app.test_request_context():
        provider = db.session.get(Provider, provider_id)
        filters = guide_svc.default_filters(competence)

        def search():
            guides = guide_svc.search_guides(provider.id, GuideType.SP_SADT, filters)
            lot_svc.occurrences_for(guides, competence)
            assert len(guides) == 300
            db.session.rollback()

        def send():
            guides = guide_svc.search_guides(provider.id, GuideType.SP_SADT, filters)[:100]
            result = lot_flow.send_lots(provider, guides, competence=competence, actor=None)
            assert len(result.lots) == 1 and result.guide_count == 100, result.errors[:3]
            db.session.rollback()  # undo, so every run sends the same 100 guides

        search()
        send()  # warm-up
        out = {"db": db.engine.dialect.name, "search_ms": _median_ms(search), "send_ms": _median_ms(send)}
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> None:
    targets = []
    pg = os.environ.get("BENCH_PG_URL")
    if pg:
        targets.append(pg)
    if os.environ.get("BENCH_SQLITE", "1") != "0":
        targets.append(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    if not targets:
        print("Set BENCH_PG_URL and/or BENCH_SQLITE=1")
        return
    for url in targets:
        results = []
        for size in SIZES:
            fresh = _reset(url)
            info = seed(fresh, size)
            timed = subprocess.run(
                [sys.executable, __file__, "--measure", fresh, str(info["provider_id"]), info["competence"]],
                check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
            results.append({**info, **json.loads(timed)})
        base = results[0]
        for r in results:
            (sm, sb), (dm, db_) = r["search_ms"], r["send_ms"]
            print(f"{r['db']:>10} guides={r['size']:>9,} seeded in {r['seed_s']:6.1f}s  "
                  f"search+occurrences median {sm:6.1f} ms ({sm / base['search_ms'][0]:.2f}×, best {sb:5.1f})  "
                  f"send 100-guide lot median {dm:6.1f} ms ({dm / base['send_ms'][0]:.2f}×, best {db_:5.1f})",
                  flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
    else:
        main()
