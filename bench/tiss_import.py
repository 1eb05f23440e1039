"""Benchmark of the TISS receiver (run on demand: `.venv/bin/python bench/tiss_import.py`).

1. One 100-guide SP/SADT lot (5 items per guide): the full import (``intake.receive``:
   checks, storing, protocol, history row, commit) against lxml alone parsing and
   validating the SAME file with the compiled schema, one right after the other so
   both see the same machine. Both warm (schema compiled, a first import done),
   ``--runs`` distinct files (distinct lot and guide numbers, so every import
   stores a new lot); the ratio is the median of the per-file ratios.
   Target: import ≤ 3 × lxml.
   Wall and CPU (process) time are both reported: on a shared machine the CPU time
   is the steadier of the two. The cold first run (schema compiled inside the
   timing, for both) is printed for information.
2. ``--files`` such files (default 1,000; distinct numeroLote and guide numbers)
   through ONE ``flask --app app tiss import`` command, start-up included (its
   ``--readers`` processes: the CLI's default, one CPU fewer than the machine,
   or ``--readers N``; the database work stays in the command's own process).
   Target: ≥ 20 files/s on SQLite. The database is counted afterwards (every file
   must have stored its lot and 100 guides).

Database: a fresh SQLite file by default. ``--database-url postgresql://…`` runs
against PostgreSQL instead; that database's ``public`` schema is DROPPED and
recreated, so only point it at a throwaway database (``--reset`` is required).
Schemas: TISS_SCHEMA_DIRS (default: the 4.01.00 schemas shipped with Liquida).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402
from settings import BUNDLED_XSD  # noqa: E402

ANS = "419999"
GUIDES = 100
CODES = [("40304361", "Hemograma com contagem de plaquetas", "procedure", "25.00"),
         ("40302040", "Glicose - pesquisa e/ou dosagem", "procedure", "12.50"),
         ("40301630", "Creatinina - pesquisa e/ou dosagem", "procedure", "11.80"),
         ("70000001", "Seringa descartável 10 ml", "material", "1.35"),
         ("60000732", "Taxa de sala de observação", "fee", "45.00")]


def find_schemas() -> str:
    """TISS_SCHEMA_DIRS from the environment, else the 4.01.00 schemas shipped with Liquida."""
    return os.environ.get("TISS_SCHEMA_DIRS") or str(Path(BUNDLED_XSD) / "4.01.00")


def reset_postgres(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def setup_database(app) -> dict:
    from flask_migrate import upgrade

    from models import PayerSettings, Professional, ServiceLocation, ServiceType
    from models.base import db
    from models.enums import Country, GuideType, ItemKind
    from seed import factories as f

    with app.app_context():
        upgrade()
        db.session.add(ServiceType(code="SP_SADT", name="SP/SADT", country=Country.BR, guide_type=GuideType.SP_SADT))
        db.session.add(PayerSettings(name="Operadora Bench", country=Country.BR, ans_registry=ANS))
        provider = f.make_provider("Laboratório Bench Ltda", country=Country.BR, service_codes=("SP_SADT",),
                                   cnes="2345678")
        f.make_price_table("Tabela Bench", provider,
                           [(c, d, ItemKind(k), p) for c, d, k, p in CODES], valid_from=date(2020, 1, 1))
        doctor = Professional(provider=provider, name="Dra. Bench", council="CRM", council_number="654321",
                              council_state="SP", cbo="225125")
        db.session.add_all([doctor, ServiceLocation(provider=provider, name="Centro", cnes="2345678")])
        cards = [f.make_beneficiary(f"7{i:012d}", f"Paciente {i}").card_number for i in range(200)]
        db.session.commit()
        return {"provider_id": provider.id, "cards": cards}


def analyze(app) -> None:
    """Gather the planner's statistics, as autovacuum keeps them on a live database (PostgreSQL). A fresh
    bench database has none, and PostgreSQL's default estimates (10 guides per provider) make it look
    a lot's guide numbers up by scanning every guide of the provider instead of the (provider, number)
    key: a cost that grows with the provider's guides and that no running payer pays."""
    import sqlalchemy as sa

    from models.base import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))


def lot_number(file_no: int) -> str:
    return f"B{file_no:07d}"


def guide_number(file_no: int, position: int) -> str:
    return f"{file_no:06d}{position:03d}"


def lot_bytes(app, provider_id: int, cards: list[str], file_no: int, guides: int = GUIDES) -> bytes:
    """File ``file_no``: its own numeroLote and guide numbers (distinct from every other file's)."""
    from models import Professional, Provider
    from models.base import db, to_money
    from models.enums import GuideType, ItemKind
    from services.tiss.export import build_lot_message

    with app.app_context():
        provider = db.session.get(Provider, provider_id)
        doctor = db.session.query(Professional).filter_by(council_number="654321").one()
        day = (date.today().replace(day=1) - timedelta(days=1)).replace(day=5)
        rows = []
        for g in range(guides):
            items = []
            for code, description, kind, price in CODES:
                quantity = Decimal(2 if kind == "material" else 1)
                items.append(SimpleNamespace(kind=ItemKind(kind), code=code, description=description,
                                             execution_date=day, quantity=quantity, unit_price=Decimal(price),
                                             total_amount=to_money(Decimal(price) * quantity)))
            rows.append(SimpleNamespace(
                number=guide_number(file_no, g), guide_type=GuideType.SP_SADT, operator_number=None,
                authorization_number=f"S{file_no}-{g}", authorization_date=day,
                authorization_valid_to=day + timedelta(days=60),
                beneficiary=SimpleNamespace(card_number=cards[(file_no + g) % len(cards)]),
                emission_date=day, execution_date=day, execution_time=dtime(8, 0), professional=doctor,
                location=None, items=items))
        return build_lot_message(provider, lot_number(file_no), rows, registro_ans=ANS,
                                 when=datetime(2026, 1, 1, 8, 0))


class Clock:
    """Wall and process CPU time of one block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def load() -> str:
    return describe()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000, help="files for the CLI run (0 skips it)")
    parser.add_argument("--runs", type=int, default=15, help="single-lot imports measured (median)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--reset", action="store_true", help="allow dropping the PostgreSQL public schema")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--readers", type=int, help="the CLI's --readers (default: its own)")
    args = parser.parse_args()

    schemas_dir = find_schemas()
    work = Path(tempfile.mkdtemp(prefix="tiss-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    if url.startswith("postgres"):
        if not args.reset:
            sys.exit("--database-url postgresql://… drops that database's public schema: add --reset")
        reset_postgres(url)
    os.environ.update({"DATABASE_URL": url, "TISS_SCHEMA_DIRS": schemas_dir,
                       "UPLOAD_FOLDER": str(work / "uploads"), "SECRET_KEY": "bench"})
    from lxml import etree

    from app import create_app
    from services.tiss import schemas
    from services.tiss.xmlsafe import new_parser

    app = create_app()
    data_setup = setup_database(app)
    numbers = range(args.runs + 1)
    singles = [lot_bytes(app, data_setup["provider_id"], data_setup["cards"], n) for n in numbers]
    print(f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}; {load()}")
    print(f"== one {GUIDES}-guide SP/SADT lot ({len(singles[0]):,} bytes), median of {args.runs} files")

    xsd = str(Path(schemas_dir) / "tissV4_01_00.xsd")
    with Clock() as lxml_cold:
        schema = etree.XMLSchema(etree.parse(xsd, new_parser()))
        assert schema.validate(etree.fromstring(singles[0], new_parser())), schema.error_log

    from models.audit import acting_as
    from services.tiss.intake import receive

    lxml_runs, import_runs = [], []
    with app.app_context(), acting_as(label="bench"):
        schemas._cache.clear()
        with Clock() as import_cold:
            first = receive(singles[0], "bench-0.xml")
        assert first.accepted, first.as_json()
        for n, data in enumerate(singles[1:], start=1):  # each file: lxml alone, then the import (same moment)
            with Clock() as clock:
                valid = schema.validate(etree.fromstring(data, new_parser()))
            assert valid, schema.error_log
            lxml_runs.append(clock)
            with Clock() as clock:
                intake = receive(data, f"bench-{n}.xml")
            assert intake.accepted, intake.as_json()
            import_runs.append(clock)

    def median(runs, attr):
        return statistics.median(getattr(r, attr) for r in runs)

    def median_ratio(attr):
        return statistics.median(getattr(i, attr) / getattr(x, attr) for i, x in zip(import_runs, lxml_runs))

    print(f"lxml parse+validate  cold {ms(lxml_cold.wall)}   warm {ms(median(lxml_runs, 'wall'))} wall"
          f"  {ms(median(lxml_runs, 'cpu'))} cpu")
    print(f"import (receive)     cold {ms(import_cold.wall)}   warm {ms(median(import_runs, 'wall'))} wall"
          f"  {ms(median(import_runs, 'cpu'))} cpu")
    print(f"ratio                cold {import_cold.wall / lxml_cold.wall:7.2f} ×     warm "
          f"{median_ratio('wall'):7.2f} × wall  {median_ratio('cpu'):7.2f} × cpu   "
          f"(median of per-file ratios; target ≤ 3 ×, warm)")

    if args.files:
        cli_run(app, args, data_setup, work, first_file=len(singles))
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def cli_run(app, args, data_setup: dict, work: Path, first_file: int) -> None:
    import sqlalchemy as sa

    from models import Guide, Lot
    from models.base import db

    folder = work / "files"
    folder.mkdir()
    started = time.perf_counter()
    paths = []
    file_numbers = range(first_file, first_file + args.files)
    for n in file_numbers:
        path = folder / f"lote_{n:06d}.xml"
        path.write_bytes(lot_bytes(app, data_setup["provider_id"], data_setup["cards"], n))
        paths.append(str(path))
    assert len({lot_number(n) for n in file_numbers}) == len(paths)
    assert len({guide_number(n, g) for n in file_numbers for g in range(GUIDES)}) == len(paths) * GUIDES
    print(f"== {len(paths)} files generated in {time.perf_counter() - started:.1f} s "
          f"(distinct lot and guide numbers); {load()}")

    with app.app_context():
        lots_before = db.session.scalar(sa.select(sa.func.count()).select_from(Lot))
        guides_before = db.session.scalar(sa.select(sa.func.count()).select_from(Guide))
        db.session.remove()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    readers = ["--readers", str(args.readers)] if args.readers is not None else []
    done = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", "tiss", "import", *readers,
                           *paths],
                          cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    lines = done.stdout.strip().splitlines()
    accepted = sum('"accepted": true' in line for line in lines)
    with app.app_context():
        lots = db.session.scalar(sa.select(sa.func.count()).select_from(Lot)) - lots_before
        guides = db.session.scalar(sa.select(sa.func.count()).select_from(Guide)) - guides_before
    readers = "default" if args.readers is None else args.readers
    print(f"CLI import (--readers {readers}): {len(lines)} files, {accepted} accepted, exit {done.returncode}; "
          f"stored {lots} lots, {guides} guides")
    print(f"            {elapsed:.1f} s wall → {len(paths) / elapsed:.1f} files/s (target ≥ 20 files/s); "
          f"{cpu:.1f} s CPU (command and its readers); {load()}")
    if done.returncode:
        print(done.stderr[-2000:] or lines[-1][:500])


if __name__ == "__main__":
    main()
