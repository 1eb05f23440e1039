"""Benchmark of tissLoteGuias, run on demand:
``.venv/bin/python bench/tiss_ws.py --database-url postgresql://…/throwaway --reset``.

``--lots`` lots (default 100) of 100 SP/SADT guides (5 items each, generated as ``bench/tiss_import.py``
does) are received twice, each time into a freshly migrated database:

1. CLI path: ONE ``flask --app app tiss import`` of the lot files (start-up included, its default
   ``--readers`` unless ``--readers N``), as ``bench/tiss_import.py`` measures it;
2. web-service path: the same lots, each as a loteGuiasWS SOAP envelope (login, hash; built before
   the clock starts: that is the hospital system's work), POSTed to a gunicorn server of the app
   (``--workers``, default one per CPU) by ``--senders`` concurrent clients (default: as many as
   workers), as hospitals' systems would; every answer must carry a protocol.

Both paths use the whole machine (the CLI reads files in parallel processes, the server answers in
parallel workers); ``--readers 0 --workers 1`` compares them one lot at a time. Printed: lots per
second of each path and the ratio of their times. Target: the web-service path costs ≤ 1.3 × the
CLI path. Last line ``RESULT: met`` / ``RESULT: not met``.

Database: a fresh SQLite file by default (there use ``--workers 1``: SQLite takes one writer);
``--database-url postgresql://…`` drops and recreates that database's ``public`` schema before each
path (``--reset`` required: only a throwaway database).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tiss_import import (  # noqa: E402
    GUIDES,
    find_schemas,
    load,
    lot_bytes,
    reset_postgres,
    setup_database,
)

LOGIN, PASSWORD = "BENCH", "bench-ws-password-1"
TARGET = 1.3
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh(url: str, work: Path, name: str, identity: dict | None = None) -> tuple[str, dict]:
    """A migrated database with the bench provider, its prices, patients and web-service login; the
    provider keeps ``identity`` (tax id, number) so the same lot files name it in every database."""
    if url.startswith("postgres"):
        reset_postgres(url)
    else:
        url = f"sqlite:///{work / name}.db"
    os.environ["DATABASE_URL"] = url
    from app import create_app
    from models import Provider, TissWsCredential
    from models.base import db
    from services.tiss.credentials import password_hash_of

    app = create_app()
    data = setup_database(app)
    with app.app_context():
        provider = db.session.get(Provider, data["provider_id"])
        if identity:
            provider.tax_id, provider.provider_number = identity["tax_id"], identity["provider_number"]
        db.session.add(TissWsCredential(provider_id=provider.id, login=LOGIN, password_hash=password_hash_of(PASSWORD)))
        db.session.commit()
        data["identity"] = {"tax_id": provider.tax_id, "provider_number": provider.provider_number}
        db.session.remove()
        db.engine.dispose()
    return url, {**data, "app": app}


def counts(app) -> tuple[int, int]:
    import sqlalchemy as sa

    from models import Guide, Lot
    from models.base import db

    with app.app_context():
        lots = db.session.scalar(sa.select(sa.func.count()).select_from(Lot))
        guides = db.session.scalar(sa.select(sa.func.count()).select_from(Guide))
        db.session.remove()
        db.engine.dispose()
    return lots, guides


def envelope(lot_file: bytes) -> bytes:
    """The lot file as the hospital system sends it: loteGuiasWS (its cabecalho with the login, its loteGuias,
    the hash of the WS element) in a SOAP 1.1 envelope."""
    from lxml import etree

    from services.tiss import NS, Q, hashing
    from services.tiss.credentials import md5_hex

    message = etree.fromstring(lot_file)
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "ans": NS})
    ws = etree.SubElement(etree.SubElement(root, f"{{{SOAP_ENV}}}Body"), f"{Q}loteGuiasWS")
    header = message.find(f"{Q}cabecalho")
    credentials = etree.SubElement(header, f"{Q}loginSenhaPrestador")
    etree.SubElement(credentials, f"{Q}loginPrestador").text = LOGIN
    etree.SubElement(credentials, f"{Q}senhaPrestador").text = md5_hex(PASSWORD)
    ws.append(header)
    ws.append(message.find(f"{Q}prestadorParaOperadora/{Q}loteGuias"))
    etree.SubElement(ws, f"{Q}hash")
    hashing.stamp(ws)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def cli_path(url: str, paths: list[Path], readers: int | None) -> float:
    started = time.perf_counter()
    options = ["--readers", str(readers)] if readers is not None else []
    done = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "app", "tiss", "import", *options,
                           *map(str, paths)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": url})
    elapsed = time.perf_counter() - started
    accepted = sum('"accepted": true' in line for line in done.stdout.splitlines())
    if done.returncode or accepted != len(paths):
        sys.exit(f"CLI import failed ({accepted}/{len(paths)} accepted):\n{done.stderr[-2000:]}")
    return elapsed


def ws_path(url: str, envelopes: list[bytes], workers: int, senders: int, log: Path) -> float:
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--timeout", "120", "app:create_app()"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
        env={**os.environ, "DATABASE_URL": url, "TISS_WS_RATE_LIMIT": "1000000 per minute",
             "TISS_WS_FAILURE_LIMIT": "1000000 per minute"})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the server did not start:\n" + log.read_text(errors="replace")[-4000:])
        local = threading.local()

        def send(data: bytes) -> bytes:
            import http.client

            if not hasattr(local, "connection"):
                local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            local.connection.request("POST", "/tiss/ws/tissLoteGuias", body=data,
                                     headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
            answer = local.connection.getresponse()
            body = answer.read()
            if answer.status != 200 or b"protocoloRecebimento>" not in body:
                raise RuntimeError(f"HTTP {answer.status}: {body[:600]!r}")
            return body

        started = time.perf_counter()
        try:
            with ThreadPoolExecutor(senders) as pool:
                list(pool.map(send, envelopes))
        except RuntimeError as exc:
            sys.exit(f"{exc}\n{log.read_text(errors='replace')[-6000:]}")
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lots", type=int, default=100)
    parser.add_argument("--database-url", help="default: fresh SQLite files")
    parser.add_argument("--reset", action="store_true", help="allow dropping the PostgreSQL public schema")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers")
    parser.add_argument("--senders", type=int, help="concurrent web-service clients (default: --workers)")
    parser.add_argument("--readers", type=int, help="the CLI's --readers (default: its own)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    senders = args.senders or args.workers
    url = args.database_url or ""
    if url.startswith("postgres") and not args.reset:
        sys.exit("--database-url postgresql://… drops that database's public schema: add --reset")
    work = Path(tempfile.mkdtemp(prefix="tiss-ws-bench-"))
    os.environ.update({"TISS_SCHEMA_DIRS": find_schemas(), "UPLOAD_FOLDER": str(work / "uploads"),
                       "SECRET_KEY": "bench"})

    url_cli, setup = fresh(url, work, "cli")
    app = setup["app"]
    folder = work / "files"
    folder.mkdir()
    paths = []
    for n in range(args.lots):
        path = folder / f"lote_{n:05d}.xml"
        path.write_bytes(lot_bytes(app, setup["provider_id"], setup["cards"], n))
        paths.append(path)
    kind = "postgresql" if url.startswith("postgres") else "sqlite"
    print(f"{kind}; {args.lots} lots of {GUIDES} SP/SADT guides ({paths[0].stat().st_size:,} bytes each); {load()}")

    cli = cli_path(url_cli, paths, args.readers)
    lots, guides = counts(app)
    assert (lots, guides) == (args.lots, args.lots * GUIDES), (lots, guides)
    readers = "default" if args.readers is None else args.readers
    print(f"CLI  (flask tiss import, --readers {readers}): {cli:6.1f} s → {args.lots / cli:5.1f} lots/s; "
          f"stored {lots} lots, {guides} guides; {load()}")

    url_ws, setup_ws = fresh(url, work, "ws", identity=setup["identity"])
    envelopes = [envelope(path.read_bytes()) for path in paths]
    ws = ws_path(url_ws, envelopes, args.workers, senders, work / "server.log")
    lots, guides = counts(setup_ws["app"])
    assert (lots, guides) == (args.lots, args.lots * GUIDES), (lots, guides)
    print(f"WS   (tissLoteGuias, gunicorn --workers {args.workers}, {senders} senders): {ws:6.1f} s → "
          f"{args.lots / ws:5.1f} lots/s; stored {lots} lots, {guides} guides; {load()}")
    ratio = ws / cli
    print(f"web-service path / CLI path: {ratio:.2f} × (target ≤ {TARGET} ×)")
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"RESULT: {'met' if ratio <= TARGET else 'not met'}")


if __name__ == "__main__":
    main()
