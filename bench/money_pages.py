"""Benchmark: the money pages on a PostgreSQL database with a fraction of the payer's volume.

Builds, on top of ``flask seed demo`` (so the demo logins work), ``--scale`` × (2M guides, 10M guide
items, 1M invoices, 514k payment-order lines) with INSERT … SELECT generate_series, spread so that:
the demo provider (provider@example.org) has a large share of invoices, debit notes and paid
orders (Mis comprobantes, statements); the demo's Brazilian provider (provider2@example.org) has
lots of 100 guides every few days (reports by period, extract, NF report); about 1,200 providers
have accepted invoices or released lots waiting on the payment desk.

Then times, in-process with Flask's test client (median of several runs, after a warm-up):
desk index, Mis comprobantes first/last page, statements last page, reports by period,
extract, NF report (provider and staff), account-audit index, first byte of the invoice-register
CSV, the lot-analysis page of a 100-guide lot (size), and payment orders for N providers at once
(rolled back afterwards). This builds only the money tables: the generic big database of every list
is ``bench/scale`` (another benchmark).

    .venv/bin/python bench/money_pages.py --database-url postgresql://postgres@127.0.0.1:5432/liquida_money_bench
    .venv/bin/python bench/money_pages.py --scale 0.2 --reuse     # time again without rebuilding

The database named by --database-url is dropped and re-created unless --reuse is given.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

FULL = {"guides": 2_000_000, "items": 10_000_000, "invoices": 1_000_000, "order_lines": 514_000}
PAGE_TARGET_MS = 300
ORDERS_TARGET_S = 60
FIRST_BYTE_TARGET_S = 1.0
LOT_PAGE_TARGET_BYTES = 300_000
RUNS = 7


# Building ---------------------------------------------------------------------------------------
def _fresh_database(url: str) -> None:
    base = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()


def _run(sql: str, **params) -> int:
    from models.base import db

    return db.session.execute(sa.text(sql), params).rowcount


def build(scale: float, providers: int) -> dict:
    """The volume on top of the demo; returns the ids the timings need."""
    from models.base import db

    n_guides = int(FULL["guides"] * scale)
    n_invoices = int(FULL["invoices"] * scale)
    n_lines = int(FULL["order_lines"] * scale)
    items_per_guide = FULL["items"] // FULL["guides"]
    ids = dict(db.session.execute(sa.text(
        "SELECT u.email, up.provider_id FROM \"user\" u JOIN user_provider up ON up.user_id = u.id "
        "WHERE u.email IN ('provider@example.org', 'provider2@example.org')")).all())
    ar, br = ids["provider@example.org"], ids["provider2@example.org"]
    ben = db.session.execute(sa.text("SELECT min(id) FROM beneficiary")).scalar()
    service = db.session.execute(sa.text("SELECT id FROM service_type WHERE country = 'AR' LIMIT 1")).scalar()
    code = db.session.execute(sa.text("SELECT id FROM glosa_code ORDER BY id LIMIT 1")).scalar()
    today = date.today()
    steps = []

    def step(label, sql, **params):
        start = time.perf_counter()
        rows = _run(sql, **params)
        steps.append((label, rows, time.perf_counter() - start))

    # Providers: half Argentine (invoices), half Brazilian (lots), all with something to pay.
    step("providers", """
        INSERT INTO provider (legal_name, country, tax_id_kind, tax_id, tax_condition, provider_number, status,
                              iibb_rate, iss_rate, cbu, bank_name, bank_agency, bank_account, created_at, updated_at)
        SELECT 'Prestador Masivo ' || lpad(i::text, 5, '0'),
               CASE WHEN i % 2 = 0 THEN 'AR' ELSE 'BR' END, CASE WHEN i % 2 = 0 THEN 'CUIT' ELSE 'CNPJ' END,
               lpad((90000000000 + i)::text, 14, '0'),
               CASE WHEN i % 2 = 0 THEN 'responsable_inscripto' ELSE 'lucro_presumido' END,
               'MM' || i, 'active', 2.5, 3.0, lpad(i::text, 22, '0'), 'Banco', '0001', lpad(i::text, 10, '0'),
               now(), now()
        FROM generate_series(1, :n) AS i""", n=providers)
    step("authorizations", """
        INSERT INTO "authorization" (number, provider_id, beneficiary_id, service_type_id, authorized_total,
                                     valid_from, valid_to, status)
        SELECT CASE WHEN p.id = :ar THEN 'MM-demo' ELSE 'MM' || p.id END, p.id, :ben, :service, 999999999,
               DATE '2000-01-01', DATE '2099-12-31', 'active'
        FROM provider p WHERE (p.provider_number LIKE 'MM%' AND p.country = 'AR') OR p.id = :ar""",
         ben=ben, service=service, ar=ar)
    # Invoices: 40 % the demo provider's, the rest spread over the mass providers; 51 % entered (paid below).
    step("invoices", """
        WITH mass AS (SELECT array_agg(id ORDER BY id) AS ids FROM "authorization" WHERE number LIKE 'MM%'
                      AND number <> 'MM-demo'),
             demo AS (SELECT id FROM "authorization" WHERE number = 'MM-demo')
        INSERT INTO invoice (provider_id, authorization_id, voucher_type, billing_type, point_of_sale, number, cae,
                             cae_due_date, period_month, period_year, amount, debited_amount, invoice_date, status,
                             last_movement_at, version_id, created_at, updated_at)
        SELECT a.provider_id, a.id, 11, 'normal', 7, s.i, lpad(s.i::text, 14, '7'), d + 10,
               extract(month FROM d), extract(year FROM d), 1000 + s.i % 900,
               CASE WHEN s.i % 20 = 0 THEN 50 ELSE 0 END, d,
               CASE WHEN s.i % 100 < 51 THEN 'entered' WHEN s.i % 100 < 80 THEN 'rejected' ELSE 'sent' END,
               d + interval '3 days' + (s.i % 1440) * interval '1 minute', 1, now(), now()
        FROM generate_series(1, :n) AS s(i) CROSS JOIN mass
        CROSS JOIN LATERAL (SELECT DATE '2024-01-01' + (s.i % 700) AS d) dd
        JOIN "authorization" a ON a.id = CASE WHEN s.i % 10 < 4 THEN (SELECT id FROM demo)
                                              ELSE mass.ids[1 + s.i % cardinality(mass.ids)] END""", n=n_invoices)
    step("accepted invoices (payable)", """
        INSERT INTO invoice (provider_id, authorization_id, voucher_type, billing_type, point_of_sale, number, cae,
                             cae_due_date, period_month, period_year, amount, debited_amount, invoice_date, status,
                             last_movement_at, version_id, created_at, updated_at)
        SELECT a.provider_id, a.id, 11, 'normal', 8, k, lpad(k::text, 14, '8'), :today, 1, 2026, 1500, 0, :today,
               'accepted', now(), 1, now(), now()
        FROM "authorization" a CROSS JOIN generate_series(1, 2) AS k
        WHERE a.number LIKE 'MM%' AND a.number <> 'MM-demo'""", today=today)
    # Payment orders: one per provider and month of its entered invoices, paid; lines pay those invoices.
    step("payment orders", """
        INSERT INTO payment_order (number, provider_id, payment_date, status, gross_amount, deductions_amount,
                                   net_amount, method, bank_name, paid_at, version_id, created_at, updated_at)
        SELECT nextval('payment_order_seq'), provider_id, m + 40, 'paid', 0, 0, 0, 'transfer', 'bench', m + 41, 1,
               now(), now()
        FROM (SELECT DISTINCT provider_id, date_trunc('month', invoice_date)::date AS m FROM invoice
              WHERE status = 'entered' AND point_of_sale = 7) x""")
    step("payment order lines", """
        INSERT INTO payment_order_line (order_id, kind, invoice_id, amount)
        SELECT o.id, 'invoice', i.id, i.amount - i.debited_amount
        FROM invoice i JOIN payment_order o
          ON o.provider_id = i.provider_id AND o.payment_date = date_trunc('month', i.invoice_date)::date + 40
             AND o.bank_name = 'bench'
        WHERE i.status = 'entered' AND i.point_of_sale = 7 LIMIT :n""", n=n_lines)
    step("order totals", """
        UPDATE payment_order o SET gross_amount = t.gross, net_amount = t.gross
        FROM (SELECT order_id, sum(amount) AS gross FROM payment_order_line GROUP BY order_id) t
        WHERE t.order_id = o.id""")
    # Lots of 100 guides: the demo's Brazilian provider sends one every 2 days, mass BR providers the rest.
    n_lots = max(1, n_guides // 100)
    step("lots", """
        WITH mass AS (SELECT array_agg(id ORDER BY id) AS ids FROM provider
                      WHERE provider_number LIKE 'MM%' AND country = 'BR')
        INSERT INTO lot (provider_id, number, guide_type, competence, source, protocol_number, status, sent_at,
                         total_amount, version_id, created_at, updated_at)
        SELECT CASE WHEN i % 4 = 0 THEN :br ELSE mass.ids[1 + i % cardinality(mass.ids)] END,
               'ML' || i, 'sp_sadt', to_char(d, 'YYYY-MM'), 'builder', nextval('protocol_seq'),
               CASE WHEN i % 4 <> 0 AND i <= cardinality(mass.ids) * 4 / 3 THEN 'released'
                    WHEN i % 50 = 0 THEN 'in_analysis' ELSE 'paid' END,
               d + interval '10 hours', 100 * :k * 25, 1, now(), now()
        FROM generate_series(1, :n) AS i CROSS JOIN mass
        CROSS JOIN LATERAL (SELECT CAST(:today AS date) - (i * 2) % 730 AS d) dd""",
         n=n_lots, br=br, today=today, k=items_per_guide)
    step("guides", """
        INSERT INTO guide (provider_id, number, guide_type, status, authorization_number, beneficiary_id,
                           emission_date, execution_date, lot_id, total_amount, version_id, created_at, updated_at)
        SELECT l.provider_id, 'MG' || l.id || '-' || g, 'sp_sadt', 'authorized', 'A' || g, :ben,
               l.sent_at::date - 5, l.sent_at::date - 5, l.id, 125, 1, now(), now()
        FROM lot l CROSS JOIN generate_series(1, 100) AS g WHERE l.number LIKE 'ML%'""", ben=ben)
    step("guide items", """
        INSERT INTO guide_item (guide_id, kind, code, description, execution_date, quantity, unit_price, total_amount,
                                executed_quantity, processed_amount, released_amount)
        SELECT g.id, 'procedure', '4030436' || k, 'Procedimento ' || k, g.execution_date, 1, 25, 25, 1, 25,
               CASE WHEN (g.id + k) % 20 = 0 THEN 15 ELSE 25 END
        FROM guide g CROSS JOIN generate_series(1, :k) AS k WHERE g.number LIKE 'MG%'""", k=items_per_guide)
    step("glosas", """
        INSERT INTO glosa (provider_id, lot_id, guide_id, guide_item_id, code_id, amount, created_at, updated_at)
        SELECT g.provider_id, g.lot_id, g.id, gi.id, :code, 10, now(), now()
        FROM guide_item gi JOIN guide g ON g.id = gi.guide_id
        WHERE g.number LIKE 'MG%' AND (gi.guide_id + gi.id) % 20 = 0""", code=code)
    db.session.commit()
    _run("ANALYZE")
    db.session.commit()
    for label, rows, seconds in steps:
        print(f"  built {label:30} {rows:>10,} rows {seconds:7.1f} s")
    analysis_lot = db.session.execute(sa.text(
        "SELECT id FROM lot WHERE status = 'in_analysis' AND number LIKE 'ML%' ORDER BY id LIMIT 1")).scalar()
    return {"ar": ar, "br": br, "analysis_lot": analysis_lot}


# Timing ------------------------------------------------------------------------------------------
def login(app, email: str):
    from seed import factories as f

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-AR"
    response = client.post("/login", data={"email": email, "password": f.DEMO_PASSWORD})
    assert response.status_code == 302, (email, response.status_code)
    return client


def timed(client, url: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(response.data)


def median_ms(client, url: str) -> tuple[float, float, int]:
    timed(client, url)  # warm-up
    runs = [timed(client, url) for _ in range(RUNS)]
    return statistics.median(r[0] for r in runs), max(r[0] for r in runs), runs[0][1]


def last_page_url(client, url: str) -> tuple[str, int]:
    """Follow the "next page" links to the end; the last page's URL and how many pages there are."""
    pages = 1
    while True:
        html = client.get(url).get_data(as_text=True)
        marker = 'rel="next" href="'
        if marker not in html:
            return url, pages
        url = html.split(marker, 1)[1].split('"', 1)[0].replace("&amp;", "&")
        pages += 1


def first_byte_seconds(client, url: str, rows: int = 20_000) -> tuple[float, float, int]:
    """Seconds to the first byte, and to the first ``rows`` lines, of a streamed download."""
    start = time.perf_counter()
    response = client.get(url, buffered=False)
    chunks = iter(response.response)
    read = next(chunks).count(b"\n")
    first = time.perf_counter() - start
    for chunk in chunks:  # a chunk holds many lines
        read += chunk.count(b"\n")
        if read >= rows:
            break
    total = time.perf_counter() - start
    response.close()
    return first, total, read


def bulk_orders_seconds(app, count: int) -> tuple[int, int, float]:
    """Draft orders for ``count`` providers with payables at once (rolled back afterwards)."""
    from models import User
    from models.audit import acting_as
    from models.base import db
    from services import bulk_orders, payables

    with app.app_context():
        ids, after = [], None
        while len(ids) < count:
            page = payables.desk_page(after, size=200)
            ids += [row.provider.id for row in page.rows]
            if page.next_after is None:
                break
            after = page.next_after
        ids = ids[:count]
        clerk = db.session.scalar(sa.select(User).where(User.email == "clerk@example.org"))
        with acting_as(clerk):
            start = time.perf_counter()
            result = bulk_orders.create_orders(ids, date.today(), clerk)
            db.session.flush()
            seconds = time.perf_counter() - start
        db.session.rollback()
        return len(result.order_ids), result.documents, seconds


def measure(app, ids: dict, orders_for: int) -> bool:
    clerk, ar, br = (login(app, e) for e in ("clerk@example.org", "provider@example.org", "provider2@example.org"))
    today = date.today()
    period = f"start={(today - timedelta(days=90)).isoformat()}&end={today.isoformat()}"
    ok = True
    print(f"\n  {'page':52} {'median':>9} {'max':>9} {'size':>9}")
    pages = [
        ("payment desk index (clerk)", clerk, "/admin/payment-desk/"),
        ("Mis comprobantes, first page (provider)", ar, "/admin/provider-money/"),
        ("statements, first page (provider2)", br, "/admin/statements/"),
        ("my withholdings, first page (provider)", ar, "/admin/my-withholdings/"),
        ("report by period, 90 days (provider2)", br, f"/admin/reports/?{period}"),
        ("extrato, 90 days (provider2)", br, f"/admin/reports/extract?{period}"),
        ("NF report, 90 days (provider2)", br, f"/admin/nf-report/?{period}"),
        ("NF report, 90 days (clerk, every provider)", clerk, f"/admin/nf-report/?{period}"),
        ("account audit index (clerk)", clerk, "/admin/account-audit/?status=in_analysis"),
        ("lot analysis, 100-guide lot (clerk)", clerk, f"/admin/account-audit/lot/{ids['analysis_lot']}"),
    ]
    last, n = last_page_url(ar, "/admin/provider-money/")
    pages.append((f"Mis comprobantes, last page ({n} pages)", ar, last))
    last, n = last_page_url(br, "/admin/statements/")
    pages.append((f"statements, last page ({n} pages)", br, last))
    last, n = last_page_url(clerk, "/admin/payment-desk/")
    pages.append((f"payment desk, last page ({n} pages)", clerk, last))
    for label, client, url in pages:
        med, worst, size = median_ms(client, url)
        good = med <= PAGE_TARGET_MS
        if "lot analysis" in label:
            good &= size <= LOT_PAGE_TARGET_BYTES
        ok &= good
        print(f"  {label:52} {med:7.1f}ms {worst:7.1f}ms {size / 1024:7.0f}KB {'ok' if good else 'SLOW'}")
    first, total, lines = first_byte_seconds(clerk, "/admin/invoice_record/export/csv/")
    good = first <= FIRST_BYTE_TARGET_S
    ok &= good
    print(f"  {'CSV export of the invoice register (clerk)':52} first byte {first * 1000:.0f} ms, "
          f"{lines:,} lines in {total:.1f} s ({lines / total:,.0f} lines/s) {'ok' if good else 'SLOW'}")
    made, documents, seconds = bulk_orders_seconds(app, orders_for)
    per_thousand = seconds * 1000 / max(made, 1)
    good = per_thousand <= ORDERS_TARGET_S
    ok &= good
    print(f"  {'payment orders for many providers at once':52} {made} orders ({documents:,} documents) in "
          f"{seconds:.1f} s -> {per_thousand:.1f} s per 1,000 providers {'ok' if good else 'SLOW'}")
    return ok


def counts() -> dict:
    from models.base import db

    return {table: db.session.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar()
            for table in ("provider", "invoice", "payment_order", "payment_order_line", "lot", "guide",
                          "guide_item", "glosa")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05, help="fraction of 2M guides / 1M invoices (0.05)")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/liquida_money_bench"))
    parser.add_argument("--providers", type=int, default=1200, help="providers with documents to pay (1200)")
    parser.add_argument("--orders-for", type=int, default=1000, help="providers paid at once (1000)")
    parser.add_argument("--reuse", action="store_true", help="time the database already built")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        print("PostgreSQL only (generate_series). RESULT: not met (no PostgreSQL URL)")
        return 2
    if not args.reuse:
        _fresh_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    from flask_migrate import upgrade

    from app import create_app
    from models.base import db
    from seed.demo import load_demo

    tmp = tempfile.mkdtemp(prefix="liquida-money-bench-")
    app = create_app({"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "PROPAGATE_EXCEPTIONS": True, "UPLOAD_FOLDER": tmp, "MAIL_OUTBOX": tmp,
                      "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})
    with app.app_context():
        if not args.reuse:
            upgrade()
            load_demo()
            start = time.perf_counter()
            ids = build(args.scale, args.providers)
            print(f"  built scale {args.scale} in {time.perf_counter() - start:.0f} s")
        else:
            ids = dict(db.session.execute(sa.text(
                "SELECT 'analysis_lot', min(id) FROM lot WHERE status = 'in_analysis' AND number LIKE 'ML%'")).all())
        print("  rows:", ", ".join(f"{k} {v:,}" for k, v in counts().items()))
        db.session.remove()
    ok = measure(app, ids, args.orders_for)
    load = os.getloadavg()
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("RESULT: met" if ok else "RESULT: not met (see SLOW above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
