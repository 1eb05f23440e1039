"""Benchmark of the TISS receiver (run on demand: `.venv/bin/python bench/tiss_import.py`).

1. One 100-guide SP/SADT lot: import time vs lxml alone validating the same file against the XSD.
   Both are measured cold (fresh process state: schema compiled inside the timing) and warm
   (schema already compiled). Target: import ≤ 3 × lxml.
2. 1,000 such files (distinct numeroLote and guide numbers) through
   `flask --app app tiss import` in ONE process on SQLite. Target: ≥ 20 files/s.

Needs the schemas: TISS_SCHEMA_DIRS (default: the shared 4.01.00 folder next to the checkout).
Options: --files N (default 1000), --keep (keep the temporary folder).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANS = "419999"
CODES = [("40304361", "Hemograma com contagem de plaquetas", "procedure", "25.00"),
         ("40302040", "Glicose - pesquisa e/ou dosagem", "procedure", "12.50"),
         ("40301630", "Creatinina - pesquisa e/ou dosagem", "procedure", "11.80"),
         ("70000001", "Seringa descartável 10 ml", "material", "1.35"),
         ("60000732", "Taxa de sala de observação", "fee", "45.00")]


def find_schemas() -> str:
    if os.environ.get("TISS_SCHEMA_DIRS"):
        return os.environ["TISS_SCHEMA_DIRS"]
    for parent in ROOT.parents:
        candidate = parent / "shared" / "tiss" / "4.01.00"
        if (candidate / "tissV4_01_00.xsd").is_file():
            return str(candidate)
    sys.exit("TISS schemas not found: set TISS_SCHEMA_DIRS")


def setup_database(app) -> dict:
    from flask_migrate import upgrade

    from models import PayerSettings, Professional, ServiceLocation, ServiceType
    from models.base import db
    from models.enums import Country, GuideType, ItemKind
    from seed import factories as f

    with app.app_context():
        upgrade()
        for code, name, guide_type in (("SP_SADT", "SP/SADT", GuideType.SP_SADT),):
            db.session.add(ServiceType(code=code, name=name, country=Country.BR, guide_type=guide_type))
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


def lot_bytes(app, provider_id: int, cards: list[str], file_no: int, guides: int = 100) -> bytes:
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
                number=f"{file_no:05d}{g:03d}", guide_type=GuideType.SP_SADT, operator_number=None,
                authorization_number=f"S{file_no}{g}", authorization_date=day,
                authorization_valid_to=day + timedelta(days=60),
                beneficiary=SimpleNamespace(card_number=cards[(file_no + g) % len(cards)]),
                emission_date=day, execution_date=day, execution_time=dtime(8, 0), professional=doctor,
                location=None, items=items))
        return build_lot_message(provider, f"B{file_no:07d}", rows, registro_ans=ANS,
                                 when=datetime(2026, 1, 1, 8, 0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    schemas_dir = find_schemas()
    work = Path(tempfile.mkdtemp(prefix="tiss-bench-"))
    os.environ.update({"DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "TISS_SCHEMA_DIRS": schemas_dir,
                       "UPLOAD_FOLDER": str(work / "uploads"), "SECRET_KEY": "bench"})
    from lxml import etree

    from app import create_app
    from services.tiss import schemas
    from services.tiss.xmlsafe import new_parser

    app = create_app()
    data_setup = setup_database(app)
    sample = lot_bytes(app, data_setup["provider_id"], data_setup["cards"], 0)
    xsd = str(Path(schemas_dir) / "tissV4_01_00.xsd")
    print(f"== one 100-guide SP/SADT lot ({len(sample):,} bytes)")

    # lxml alone, cold: compile the schema, parse, validate
    started = time.perf_counter()
    schema = etree.XMLSchema(etree.parse(xsd, new_parser()))
    valid = schema.validate(etree.fromstring(sample, new_parser()))
    lxml_cold = time.perf_counter() - started
    # lxml alone, warm: schema compiled already
    started = time.perf_counter()
    valid = schema.validate(etree.fromstring(sample, new_parser())) and valid
    lxml_warm = time.perf_counter() - started
    assert valid, schema.error_log

    from models.audit import acting_as
    from services.tiss.intake import receive

    with app.app_context(), acting_as(label="bench"):
        schemas._cache.clear()
        started = time.perf_counter()
        first = receive(sample, "bench-0.xml")
        import_cold = time.perf_counter() - started
        assert first.accepted, first.as_json()
        second_file = lot_bytes(app, data_setup["provider_id"], data_setup["cards"], 1)
        started = time.perf_counter()
        second = receive(second_file, "bench-1.xml")
        import_warm = time.perf_counter() - started
        assert second.accepted, second.as_json()
    print(f"lxml validate  cold {lxml_cold * 1000:8.1f} ms   warm {lxml_warm * 1000:8.1f} ms")
    print(f"import         cold {import_cold * 1000:8.1f} ms   warm {import_warm * 1000:8.1f} ms")
    print(f"ratio          cold {import_cold / lxml_cold:8.2f} ×    warm {import_warm / lxml_warm:8.2f} ×"
          f"   (target ≤ 3 ×)")

    # 1,000 files through the CLI in one process
    folder = work / "files"
    folder.mkdir()
    started = time.perf_counter()
    paths = []
    for n in range(2, args.files + 2):
        path = folder / f"lote_{n:05d}.xml"
        path.write_bytes(lot_bytes(app, data_setup["provider_id"], data_setup["cards"], n))
        paths.append(str(path))
    print(f"== {len(paths)} files generated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", "tiss", "import", *paths],
                          cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    accepted = sum('"accepted": true' in line for line in lines)
    print(f"CLI import: {len(lines)} files, {accepted} accepted, exit {done.returncode}, {elapsed:.1f} s → "
          f"{len(paths) / elapsed:.1f} files/s (target ≥ 20 files/s)")
    if done.returncode:
        print(done.stderr[-2000:] or lines[-1][:500])
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
