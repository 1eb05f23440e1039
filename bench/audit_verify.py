"""Benchmark: ``flask audit verify`` over 1,000,000 audit rows, and what the hash chain costs writers.

Target (issue 11 §6): verifying 1M chained rows takes at most 10 s.

    .venv/bin/python bench/audit_verify.py                         # SQLite (temporary file), 1M rows
    .venv/bin/python bench/audit_verify.py --database-url postgresql://postgres@127.0.0.1:5432/liquida_bench_audit
    .venv/bin/python bench/audit_verify.py --rows 200000           # a smaller log

On PostgreSQL the named database is dropped and re-created. Rows are generated in SQL
(generate_series / a recursive CTE), then chained by the migration's own backfill
(``seal_unlinked``). Appends are timed as the app writes them: transactions of 5 audit rows,
with the chain (rows linked at commit) and without it (the insert as it was before the chain),
from one writer and, on PostgreSQL, from 4 at once (they take turns on the chain lock).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

TARGET_SECONDS = 10.0
ROWS_PER_TRANSACTION = 5
TRANSACTIONS = 300
WRITERS = 4

# A mix of the rows the app writes: transitions with a reason, field updates, creations, events.
POSTGRES_ROWS = """
INSERT INTO audit_log (at, actor_id, actor_label, entity, entity_id, action, changes, reason, ip)
SELECT timestamp '2025-01-01' + g * interval '7 seconds', NULL, 'clerk' || (g % 13) || '@example.org',
       (ARRAY['invoice', 'guide', 'lot', 'glosa', 'payment_order'])[1 + g % 5], g / 3,
       (ARRAY['create', 'update', 'transition', 'event'])[1 + g % 4],
       CASE g % 4
         WHEN 0 THEN json_build_object('number', g, 'amount', (g % 100000) || '.50', 'status', 'draft')
         WHEN 1 THEN json_build_object('city', json_build_array(NULL, 'Tandil'))
         WHEN 2 THEN json_build_object('status', json_build_array('sent', 'observed'))
         ELSE json_build_object('event', 'login') END,
       CASE WHEN g % 4 = 2 THEN 'Falta planilla de asistencia' END, '10.0.' || (g % 250) || '.' || (g % 200)
FROM generate_series(:first, :last) AS g
"""
SQLITE_ROWS = """
WITH RECURSIVE g(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM g WHERE n < :last)
INSERT INTO audit_log (at, actor_id, actor_label, entity, entity_id, action, changes, reason, ip)
SELECT strftime('%Y-%m-%d %H:%M:%f', '2025-01-01', '+' || (n * 7) || ' seconds'), NULL,
       'clerk' || (n % 13) || '@example.org',
       CASE n % 5 WHEN 0 THEN 'invoice' WHEN 1 THEN 'guide' WHEN 2 THEN 'lot' WHEN 3 THEN 'glosa'
                  ELSE 'payment_order' END, n / 3,
       CASE n % 4 WHEN 0 THEN 'create' WHEN 1 THEN 'update' WHEN 2 THEN 'transition' ELSE 'event' END,
       CASE n % 4
         WHEN 0 THEN json_object('number', n, 'amount', (n % 100000) || '.50', 'status', 'draft')
         WHEN 1 THEN json_object('city', json_array(NULL, 'Tandil'))
         WHEN 2 THEN json_object('status', json_array('sent', 'observed'))
         ELSE json_object('event', 'login') END,
       CASE WHEN n % 4 = 2 THEN 'Falta planilla de asistencia' END, '10.0.' || (n % 250) || '.' || (n % 200)
FROM g
"""


def fresh_postgres(url: str) -> None:
    base = sa.engine.make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()


def build_app(url: str):
    from flask_migrate import upgrade

    from app import create_app

    os.environ["DATABASE_URL"] = url
    folder = tempfile.mkdtemp(prefix="liquida-bench-")
    app = create_app({"SECRET_KEY": "bench", "UPLOAD_FOLDER": folder, "MAIL_OUTBOX": folder})
    with app.app_context():
        upgrade()
    return app


def build_log(rows: int) -> None:
    """``rows`` audit rows written in SQL, then chained by the migration's backfill."""
    from models.audit_chain import seal_unlinked
    from models.base import db

    sql = POSTGRES_ROWS if db.engine.dialect.name == "postgresql" else SQLITE_ROWS
    start = time.perf_counter()
    step = 200_000
    for first in range(1, rows + 1, step):
        with db.engine.begin() as conn:
            conn.execute(sa.text(sql), {"first": first, "last": min(first + step - 1, rows)})
    generated = time.perf_counter() - start
    start = time.perf_counter()
    with db.engine.begin() as conn:
        linked = seal_unlinked(conn)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE audit_log")
            conn.exec_driver_sql("ANALYZE audit_chain")
    chained = time.perf_counter() - start
    print(f"  {rows:,} rows generated in {generated:.1f} s; chained (migration backfill) in {chained:.1f} s "
          f"({linked / chained:,.0f} links/s)")


def time_verify(runs: int = 3) -> tuple[float, int]:
    from models.base import db
    from services.audit_verify import verify

    times = []
    for _ in range(runs):
        with db.engine.connect() as conn:
            start = time.perf_counter()
            verdict = verify(conn)
            times.append(time.perf_counter() - start)
        assert verdict.intact, verdict.broken
    best, median = min(times), statistics.median(times)
    print(f"  verify: {verdict.links:,} links, {verdict.checkpoints:,} checkpoints: "
          f"best {best:.2f} s, median {median:.2f} s of {runs}")
    return median, verdict.links


def time_tamper_detection() -> None:
    """One row edited in the middle (inside a transaction that is rolled back): caught, and how fast."""
    from models.base import db
    from services.audit_verify import verify

    with db.engine.connect() as conn:
        middle = conn.execute(sa.text("SELECT audit_id FROM audit_chain WHERE seq = "
                                      "(SELECT max(seq) / 2 FROM audit_chain)")).scalar()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.execute(sa.text("UPDATE audit_log SET reason = 'tampered' WHERE id = :id"), {"id": middle})
        start = time.perf_counter()
        verdict = verify(conn)
        elapsed = time.perf_counter() - start
        conn.rollback()
    assert verdict.broken and verdict.broken.kind == "edited", verdict
    print(f"  tampered row #{middle} found in {elapsed:.2f} s: {verdict.broken.message}")


def _append(app, chained: bool, transactions: int) -> None:
    """What a committing transaction does to the audit tables: insert its rows, then (chained) link them."""
    from models.audit import AuditLog
    from models.audit_chain import seal
    from models.base import db, utcnow

    table = AuditLog.__table__
    with app.app_context():
        for n in range(transactions):
            rows = [{"at": utcnow(), "actor_label": "bench@example.org", "entity": "invoice", "entity_id": n,
                     "action": "update", "changes": {"status": ["sent", "observed"]}, "reason": "bench"}
                    for _ in range(ROWS_PER_TRANSACTION)]
            with db.engine.begin() as conn:
                if chained:  # as models.audit.append_rows and the commit hook do it
                    seal(conn, conn.execute(table.insert().returning(table.c.id), rows).scalars().all())
                else:  # as the audit log was written before the chain
                    conn.execute(table.insert(), rows)


def time_appends(app, writers: int) -> dict[bool, float]:
    """Rows/s with and without the chain, ``writers`` threads at once (alternating, so load hits both alike)."""
    rates: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(2):
        for chained in (False, True):
            threads = [threading.Thread(target=_append, args=(app, chained, TRANSACTIONS // writers))
                       for _ in range(writers)]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
            rates[chained].append(writers * (TRANSACTIONS // writers) * ROWS_PER_TRANSACTION / elapsed)
    best = {chained: max(values) for chained, values in rates.items()}
    cost = (1 - best[True] / best[False]) * 100
    added_ms = (1 / best[True] - 1 / best[False]) * ROWS_PER_TRANSACTION * writers * 1000
    print(f"  appends, {writers} writer(s), transactions of {ROWS_PER_TRANSACTION} rows: {best[False]:,.0f} rows/s "
          f"without the chain, {best[True]:,.0f} rows/s with it ({cost:.0f}% fewer; "
          f"+{added_ms:.1f} ms per transaction)")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL (its database is re-created); default: SQLite file")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    url = args.database_url
    if url and url.startswith("postgres"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
        fresh_postgres(url)
        print(f"== PostgreSQL ({sa.engine.make_url(url).database}), load average {os.getloadavg()[0]:.1f}")
    else:
        url = url or f"sqlite:///{tempfile.mkdtemp(prefix='liquida-bench-')}/audit.db"
        print(f"== SQLite, load average {os.getloadavg()[0]:.1f}")
    app = build_app(url)
    with app.app_context():
        build_log(args.rows)
        median, links = time_verify()
        time_tamper_detection()
        time_appends(app, 1)
        if app.extensions["sqlalchemy"].engine.dialect.name == "postgresql":
            time_appends(app, WRITERS)
    per_million = median * 1_000_000 / links
    met = per_million <= TARGET_SECONDS
    print(f"  verify scaled to 1M rows: {per_million:.2f} s (target ≤ {TARGET_SECONDS:.0f} s)")
    print("RESULT:", "met" if met else "not met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
