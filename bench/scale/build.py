"""Build the benchmark database: the demo payer plus volume, all of it inserted by PostgreSQL.

At ``scale`` 1.0 (issue 13's sizes): 2M guides of 5 items (10M items) in 19.4k lots of 100 guides
(3 % of the guides not billed yet), 1M invoices, a glosa on every 4th guide of analysed lots (~450k),
one paid payment order per provider and month (~520k order lines) and 5M audit rows. Every 20th lot
and invoice belongs to the demo providers (``provider2@example.org``'s Clínica Vida e Saúde,
``provider@example.org``'s Marta Cuidadora), so their logins see big providers; the rest is spread over
300 Brazilian and 300 Argentine volume providers. Dates span the last two years.

The audit rows are fixtures written straight into ``audit_log``: they are not linked into the hash
chain, so ``flask audit verify`` reports them as inserted rows on this database (the benchmarks do not
run it). Rollups are rebuilt from the detail tables at the end, as the migration's backfill does.
"""
from __future__ import annotations

import os
import time
from datetime import date, datetime

import sqlalchemy as sa

GUIDES, INVOICES, AUDIT_ROWS = 2_000_000, 1_000_000, 5_000_000
GUIDES_PER_LOT, VOLUME_PROVIDERS, DEMO_SHARE = 100, 300, 20  # every 20th lot/invoice is the demo provider's
DAYS = 730

# (kind, code, description, quantity, unit price): 279.05 per guide
ITEMS = [
    ("procedure", "10101012", "Consulta em consultório", 1, "150.00"),
    ("procedure", "40304361", "Hemograma com contagem de plaquetas", 2, "25.00"),
    ("material", "70000001", "Seringa descartável 10 ml", 3, "1.35"),
    ("fee", "60000732", "Taxa de sala de observação", 1, "45.00"),
    ("procedure", "40302040", "Glicemia", 1, "30.00"),
]
GUIDE_TOTAL = "279.05"


def sizes(scale: float) -> dict:
    guides = max(1_000, int(GUIDES * scale))
    return {"guides": guides, "items": guides * len(ITEMS), "invoices": max(1_000, int(INVOICES * scale)),
            "audit": max(1_000, int(AUDIT_ROWS * scale)), "beneficiaries": max(1_000, int(200_000 * scale))}


def sa_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def recreate(url: str) -> None:
    base = sa.engine.make_url(sa_url(url))
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()


def migrate_and_seed(url: str) -> None:
    """Migrations and ``flask seed demo`` through the application, as a deployment would."""
    from flask_migrate import upgrade

    from app import create_app
    from seed.demo import load_demo

    os.environ["DATABASE_URL"] = url
    app = create_app({"SECRET_KEY": "bench-scale", "RATELIMIT_ENABLED": False})
    with app.app_context():
        from models.base import db

        upgrade()
        load_demo()
        db.session.remove()
        db.engine.dispose()


def _step(conn, label: str, sql: str, **params) -> None:
    start = time.perf_counter()
    result = conn.execute(sa.text(sql), params)
    rows = f"{result.rowcount:>11,} rows" if result.rowcount and result.rowcount > 0 else " " * 16
    print(f"    {label:34} {rows} {time.perf_counter() - start:7.1f} s", flush=True)


def _volume_providers(conn) -> None:
    """300 Brazilian and 300 Argentine providers (valid tax ids) and one authorization per Argentine one."""
    from seed.factories import valid_cnpj, valid_cuit

    now = datetime.now()
    provider = sa.table("provider", *(sa.column(c) for c in (
        "legal_name", "country", "tax_id_kind", "tax_id", "tax_condition", "provider_number", "status",
        "created_at", "updated_at")))
    rows = []
    for i in range(VOLUME_PROVIDERS):
        rows.append({"legal_name": f"Clínica Volume {i:03d} Ltda", "country": "BR", "tax_id_kind": "CNPJ",
                     "tax_id": valid_cnpj(70_000_000 + i), "tax_condition": "simples_nacional",
                     "provider_number": f"VBR{i:05d}", "status": "active", "created_at": now, "updated_at": now})
        rows.append({"legal_name": f"Prestador Volumen {i:03d} SRL", "country": "AR", "tax_id_kind": "CUIT",
                     "tax_id": valid_cuit(7_000 + i, prefix="30"), "tax_condition": "responsable_inscripto",
                     "provider_number": f"VAR{i:05d}", "status": "active", "created_at": now, "updated_at": now})
    conn.execute(sa.insert(provider), rows)


def _slots(conn) -> None:
    """scale_br / scale_ar: slot → provider (slot -1: the demo provider); Argentine slots carry an authorization."""
    conn.execute(sa.text("""
        CREATE TABLE scale_br AS
        SELECT (substr(provider_number, 4))::int AS slot, id AS provider_id FROM provider
        WHERE provider_number LIKE 'VBR%'
        UNION ALL SELECT -1, id FROM provider WHERE provider_number = 'PRV0002'"""))
    conn.execute(sa.text("""
        INSERT INTO "authorization" (number, provider_id, beneficiary_id, service_type_id, authorized_total,
                                     valid_from, valid_to, status, created_at, updated_at)
        SELECT 'VA' || p.provider_number, p.id, (SELECT min(id) FROM beneficiary),
               (SELECT id FROM service_type WHERE country = 'AR' ORDER BY id LIMIT 1),
               999999999.00, DATE '2000-01-01', DATE '2099-12-31', 'active', now(), now()
        FROM provider p WHERE p.provider_number LIKE 'VAR%'"""))
    conn.execute(sa.text("""
        CREATE TABLE scale_ar AS
        SELECT (substr(p.provider_number, 4))::int AS slot, p.id AS provider_id, a.id AS auth_id
        FROM provider p JOIN "authorization" a ON a.number = 'VA' || p.provider_number
        WHERE p.provider_number LIKE 'VAR%'
        UNION ALL
        SELECT -1, a.provider_id, a.id FROM "authorization" a WHERE a.number = '100001'"""))
    for table in ("scale_br", "scale_ar"):
        conn.execute(sa.text(f"CREATE UNIQUE INDEX ON {table} (slot)"))


def _slot(expr: str) -> str:
    return f"(CASE WHEN ({expr}) % {DEMO_SHARE} = 0 THEN -1 ELSE ({expr}) % {VOLUME_PROVIDERS} END)"


def build_volume(url: str, scale: float, today: date | None = None) -> dict:
    today = today or date.today()
    n = sizes(scale)
    lots = int(n["guides"] * 0.97) // GUIDES_PER_LOT
    engine = sa.create_engine(sa_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
        conn.execute(sa.text("SET LOCAL work_mem = '256MB'"))
        conn.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))
        # Bulk fixtures: no per-row foreign-key or rollup triggers (the rollups are rebuilt at the end).
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        indexes = _drop_secondary_indexes(conn)
        _volume_providers(conn)
        _step(conn, "beneficiaries", f"""
            INSERT INTO beneficiary (card_number, name, affiliation_type, document, plan, active)
            SELECT 'VB' || lpad(i::text, 9, '0'),
                   (ARRAY['Ana','Bruno','Carla','Diego','Elena','Fábio','Gabriela','Hugo','Inês','João'])[1 + i % 10]
                   || ' ' || (ARRAY['Silva','Souza','Oliveira','Pereira','Gómez','Fernández','López','Costa'])
                   [1 + (i / 10) % 8] || ' ' || i,
                   'holder', (30000000 + i)::text, 'Plano Volume', true
            FROM generate_series(1, {n['beneficiaries']}) AS i""")
        _slots(conn)
        # Lot k: newest last; sent k/lots of the way through the last two years.
        age = f"(({lots} - k)::float / {lots})"
        sent = f"(TIMESTAMP '{today.isoformat()}' - make_interval(secs => {age} * {DAYS} * 86400))"
        status = f"""CASE WHEN k % 100 = 7 THEN 'cancelled' WHEN k % 100 = 13 THEN 'awaiting_info'
                          WHEN {age} < 0.02 THEN 'received' WHEN {age} < 0.05 THEN 'in_analysis'
                          WHEN {age} < 0.07 THEN 'analysed' WHEN {age} < 0.10 THEN 'released'
                          ELSE 'paid' END"""
        _step(conn, "lots", f"""
            INSERT INTO lot (provider_id, number, description, guide_type, competence, source, protocol_number, status,
                             sent_at, physical_received_at, processing_date, total_amount, version_id,
                             created_at, updated_at)
            SELECT s.provider_id, 'L' || k, 'Lote ' || k, CASE WHEN k % 2 = 0 THEN 'consulta' ELSE 'sp_sadt' END,
                   to_char({sent} - interval '1 month', 'YYYY-MM'), 'xml', 900000000 + k, {status}, {sent},
                   CASE WHEN {age} >= 0.02 THEN ({sent})::date END, CASE WHEN {age} >= 0.02 THEN ({sent})::date END,
                   {GUIDES_PER_LOT} * {GUIDE_TOTAL}, 1, {sent}, {sent}
            FROM generate_series(1, {lots}) AS k JOIN scale_br s ON s.slot = {_slot('k')}""")
        ben = "(SELECT min(id) FROM beneficiary WHERE card_number LIKE 'VB%')"
        _step(conn, "guides", f"""
            INSERT INTO guide (provider_id, number, guide_type, status, authorization_number, authorization_date,
                               authorization_valid_to, beneficiary_id, emission_date, execution_date, lot_id,
                               total_amount, version_id, created_at, updated_at)
            SELECT s.provider_id, 'G' || i, CASE WHEN g.k % 2 = 0 THEN 'consulta' ELSE 'sp_sadt' END, 'authorized',
                   'A' || i, e.day, e.day + 60, b.first + (i::bigint * 7919) % {n['beneficiaries']}, e.day, e.day, l.id,
                   {GUIDE_TOTAL}, 1, e.day, e.day
            FROM generate_series(1, {n['guides']}) AS i
            CROSS JOIN LATERAL (SELECT (i - 1) / {GUIDES_PER_LOT} + 1 AS k) AS g
            CROSS JOIN LATERAL (SELECT (DATE '{today.isoformat()}'
                                 - (({lots} - least(g.k, {lots}))::float / {lots} * {DAYS})::int
                                 - 5 - i % 20) AS day) AS e
            CROSS JOIN (SELECT {ben} AS first) AS b
            JOIN scale_br s ON s.slot = {_slot('g.k')}
            LEFT JOIN lot l ON l.provider_id = s.provider_id AND l.number = 'L' || g.k AND g.k <= {lots}""")
        values = ", ".join(f"({j}, '{kind}', '{code}', '{desc}', {qty}, {price})"
                           for j, (kind, code, desc, qty, price) in enumerate(ITEMS))
        _step(conn, "guide items", f"""
            INSERT INTO guide_item (guide_id, kind, code, description, execution_date, quantity, unit_price,
                                    total_amount, executed_quantity, processed_amount, released_amount)
            SELECT g.id, v.kind, v.code, v.description, g.execution_date, v.qty, v.price, v.qty * v.price,
                   CASE WHEN done THEN v.qty END, CASE WHEN done THEN v.qty * v.price END,
                   CASE WHEN done THEN v.qty * v.price - CASE WHEN v.j = 0 AND g.id % 4 = 0 THEN 30 ELSE 0 END END
            FROM guide g
            LEFT JOIN lot l ON l.id = g.lot_id
            CROSS JOIN LATERAL (SELECT coalesce(l.status IN ('analysed', 'released', 'paid'), false) AS done) AS d
            CROSS JOIN (VALUES {values}) AS v(j, kind, code, description, qty, price)
            WHERE g.number LIKE 'G%'""")
        conn.execute(sa.text("ANALYZE guide; ANALYZE guide_item; ANALYZE lot"))
        _step(conn, "glosas", """
            INSERT INTO glosa (provider_id, lot_id, guide_id, guide_item_id, code_id, amount, reason, created_at,
                               updated_at)
            SELECT g.provider_id, g.lot_id, g.id, gi.id, c.id, 30.00, 'Valor acima da tabela contratada',
                   l.processing_date + 3, l.processing_date + 3
            FROM guide g JOIN lot l ON l.id = g.lot_id
            JOIN guide_item gi ON gi.guide_id = g.id AND gi.code = '10101012'
            CROSS JOIN (SELECT id FROM glosa_code WHERE code = '1705') AS c
            WHERE g.number LIKE 'G%' AND g.id % 4 = 0 AND l.status IN ('analysed', 'released', 'paid')""")
        inv_day = f"(DATE '{today.isoformat()}' - (({n['invoices']} - i)::float / {n['invoices']} * {DAYS})::int)"
        _step(conn, "invoices", f"""
            INSERT INTO invoice (provider_id, authorization_id, voucher_type, billing_type, point_of_sale, number, cae,
                                 cae_due_date, period_month, period_year, amount, debited_amount, invoice_date,
                                 status, last_movement_at, version_id, created_at, updated_at)
            SELECT s.provider_id, s.auth_id, CASE WHEN s.slot = -1 THEN 11 ELSE 1 END, 'normal', 7, 10000000 + i,
                   '8' || lpad(i::text, 13, '0'), d.day + 40, extract(month FROM d.day - 30)::int,
                   extract(year FROM d.day - 30)::int, 20000 + (i % 400) * 100, 0, d.day,
                   (ARRAY['entered','entered','entered','entered','entered','entered','entered','entered','entered',
                          'entered','accepted','accepted','accepted','accepted','rejected','rejected','sent',
                          'in_audit','observed','draft'])[1 + i % 20],
                   d.day + make_interval(secs => i % 86400), 1, d.day, d.day
            FROM generate_series(1, {n['invoices']}) AS i
            CROSS JOIN LATERAL (SELECT {inv_day} AS day) AS d
            JOIN scale_ar s ON s.slot = {_slot('i')}""")
        _payment_orders(conn)
        _step(conn, "audit rows", f"""
            INSERT INTO audit_log (at, actor_id, actor_label, entity, entity_id, action, changes, reason, ip)
            SELECT TIMESTAMP '{today.isoformat()}' - make_interval(secs => ({n['audit']} - i) * 12),
                   u.id, u.email, (ARRAY['invoice','guide','lot','glosa'])[1 + i % 4], i,
                   CASE WHEN i % 3 = 0 THEN 'create' ELSE 'transition' END,
                   CASE WHEN i % 3 = 0 THEN '{{"amount": "150.00"}}' ELSE '{{"status": ["sent", "in_audit"]}}' END
                   ::json, NULL, '127.0.0.1'
            FROM generate_series(1, {n['audit']}) AS i
            CROSS JOIN (SELECT id, email FROM "user" WHERE email = 'clerk@example.org') AS u""")
        conn.execute(sa.text("DROP TABLE scale_br; DROP TABLE scale_ar"))
        _step(conn, "indexes re-created", ";".join(indexes))
        _rebuild_rollups(conn)
    _analyze(engine)
    engine.dispose()
    return n


def _drop_secondary_indexes(conn) -> list[str]:
    """Drop the big tables' plain indexes (re-created in one sort each at the end, much faster than
    maintaining them row by row); returns their definitions."""
    rows = conn.execute(sa.text("""
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename IN ('guide', 'guide_item', 'invoice', 'glosa', 'audit_log')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""")).all()
    for name, _definition in rows:
        conn.execute(sa.text(f'DROP INDEX "{name}"'))
    return [definition for _name, definition in rows]


def _payment_orders(conn) -> None:
    """One paid order per provider and month: its paid lots and entered invoices as lines."""
    _step(conn, "payment orders", """
        INSERT INTO payment_order (number, provider_id, payment_date, status, gross_amount, deductions_amount,
                                   net_amount, method, paid_at, version_id, created_at, updated_at)
        SELECT 800000000 + row_number() OVER (ORDER BY provider_id, month), provider_id, month + 27, 'paid',
               sum(amount), 0, sum(amount), 'transfer', month + 27, 1, month + 27, month + 27
        FROM (SELECT provider_id, date_trunc('month', sent_at)::date AS month, total_amount AS amount FROM lot
              WHERE status = 'paid' AND number LIKE 'L%'
              UNION ALL
              SELECT provider_id, date_trunc('month', invoice_date)::date, amount FROM invoice
              WHERE status = 'entered' AND number >= 10000000) AS paid
        GROUP BY provider_id, month""")
    order_of = """JOIN payment_order o ON o.provider_id = x.provider_id
                  AND o.payment_date = date_trunc('month', x.at)::date + 27 AND o.number >= 800000000"""
    _step(conn, "payment order lines (lots)", f"""
        INSERT INTO payment_order_line (order_id, kind, lot_id, amount)
        SELECT o.id, 'lot', x.id, x.total_amount
        FROM (SELECT id, provider_id, sent_at AS at, total_amount FROM lot
              WHERE status = 'paid' AND number LIKE 'L%') AS x {order_of}""")
    _step(conn, "payment order lines (invoices)", f"""
        INSERT INTO payment_order_line (order_id, kind, invoice_id, amount)
        SELECT o.id, 'invoice', x.id, x.amount
        FROM (SELECT id, provider_id, invoice_date AS at, amount FROM invoice
              WHERE status = 'entered' AND number >= 10000000) AS x {order_of}""")


def _rebuild_rollups(conn) -> None:
    from services import rollups

    start = time.perf_counter()
    rollups.rebuild(conn)
    print(f"    {'rollups rebuilt':34} {' ' * 16} {time.perf_counter() - start:7.1f} s", flush=True)


def _analyze(engine) -> None:
    start = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    print(f"    {'vacuum analyze':34} {' ' * 16} {time.perf_counter() - start:7.1f} s", flush=True)


def build(url: str, scale: float) -> dict:
    """Re-create ``url``'s database with the demo and ``scale`` × the volume; returns sizes and seconds."""
    start = time.perf_counter()
    print(f"  building {url.rsplit('/', 1)[-1]} at scale {scale:g}", flush=True)
    recreate(url)
    migrate_and_seed(url)
    n = build_volume(url, scale)
    n["seconds"] = time.perf_counter() - start
    print(f"  built in {n['seconds']:.0f} s", flush=True)
    return n
