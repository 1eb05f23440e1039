"""Benchmark: the "Facturas" list, first and last page, with 1,000 and then 200,000 invoices.

Targets (issue 4): with 200,000 invoices each page takes at most 1.5x its time
with 1,000, and under 300 ms median; on SQLite and on PostgreSQL.

    .venv/bin/python bench/invoice_list.py                       # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/liquida_bench .venv/bin/python bench/invoice_list.py --wipe

Two databases side by side (1,000 and 200,000 invoices), pages timed interleaved in
one run. PostgreSQL runs only with --wipe: it re-creates DATABASE_URL's database and
``<name>_big``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

SMALL, BIG = 1_000, 200_000
RUNS, WARMUP = 25, 5


def pages():
    # (who, label, query string)
    return [
        ("provider", "provider · Ingresadas · first", "tab=entered"),
        ("provider", "provider · Ingresadas · last", "tab=entered&last=1"),
        ("provider", "provider · Enviadas (2 statuses) · first", "tab=sent"),
        ("provider", "provider · Enviadas (2 statuses) · last", "tab=sent&last=1"),
        ("clerk", "clerk · Ingresadas · first", "tab=entered"),
        ("clerk", "clerk · Ingresadas · last", "tab=entered&last=1"),
        ("clerk", "clerk · Enviadas · first (50/page)", "tab=sent&size=50"),
        ("clerk", "clerk · Enviadas · last (50/page)", "tab=sent&size=50&last=1"),
    ]


def build(url: str, volume: int):
    """An app on ``url`` holding ``volume`` invoices, and logged-in clients (provider, clerk)."""
    from flask_migrate import upgrade

    from app import create_app
    from models import ServiceType
    from models.base import db
    from models.enums import Role
    from seed import factories as f
    from seed.demo import SERVICE_TYPES
    from seed.scale_invoices import seed_invoices

    os.environ["DATABASE_URL"] = url
    tmp = tempfile.mkdtemp(prefix="liquida-bench-")
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "PROPAGATE_EXCEPTIONS": True, "UPLOAD_FOLDER": tmp, "MAIL_OUTBOX": tmp})
    with app.app_context():
        upgrade()
        for code, name, country, guide_type, sheet in SERVICE_TYPES:
            db.session.add(ServiceType(code=code, name=name, country=country, guide_type=guide_type,
                                       requires_attendance_sheet=sheet))
        f.make_user("bench-clerk@example.org", Role.CLERK)
        db.session.commit()
        start = time.perf_counter()
        seed_invoices(volume)
        print(f"  {url.rsplit('/', 1)[-1]}: {volume:,} invoices inserted in {time.perf_counter() - start:.1f} s")
        db.session.remove()
        db.engine.dispose()
    clients = {}
    for who, email in (("provider", "scale-provider@example.org"), ("clerk", "bench-clerk@example.org")):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-AR"
        assert client.post("/login", data={"email": email, "password": f.DEMO_PASSWORD}).status_code == 302
        clients[who] = client
    return clients


def timed(client, url) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def run(small_url: str, big_url: str) -> bool:
    small_clients, big_clients = build(small_url, SMALL), build(big_url, BIG)
    ok = True
    print(f"  {'page (median of %d, interleaved)' % RUNS:44} {'1,000':>9} {'200,000':>9} {'ratio':>6}")
    for who, label, query in pages():
        url = f"/admin/invoice/?{query}"
        small, big = [], []
        for i in range(WARMUP + RUNS):
            # Interleaved so machine load hits both volumes alike.
            s, b = timed(small_clients[who], url), timed(big_clients[who], url)
            if i >= WARMUP:
                small.append(s)
                big.append(b)
        s, b = statistics.median(small), statistics.median(big)
        ratio = b / s
        good = ratio <= 1.5 and b < 300
        ok &= good
        print(f"  {label:44} {s:7.1f}ms {b:7.1f}ms {ratio:6.2f} {'ok' if good else 'SLOW'}")
    return ok


def _fresh_postgres(url: str) -> None:
    base = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wipe", action="store_true", help="allow re-creating DATABASE_URL and <name>_big")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        if not args.wipe:
            print("PostgreSQL benchmark skipped: pass --wipe to let it re-create", url.rsplit("/", 1)[-1],
                  "and", url.rsplit("/", 1)[-1] + "_big")
            return 0
        small_url, big_url = url, url + "_big"
        for each in (small_url, big_url):
            _fresh_postgres(each)
        print("== PostgreSQL")
    else:
        folder = tempfile.mkdtemp(prefix="liquida-bench-")
        small_url, big_url = f"sqlite:///{folder}/small.db", f"sqlite:///{folder}/big.db"
        print("== SQLite")
    ok = run(small_url, big_url)
    print("RESULT:", "targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
