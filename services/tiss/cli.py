"""``flask --app app tiss import FILE... [--provider ID] [--inline [--readers N]] [--wait]``: the receiver for
files from other channels.

With a broker configured (``CELERY_BROKER_URL``) the files (``.xml`` or ``.zip``) are stored and queued as one
bulk-intake job (``services.tiss.bulk``) that the workers receive; ``--wait`` follows it to the end. With
``--inline`` (or no broker) this process receives them itself:

Reading a file (parsing, schema, hash, guides) takes most of the time and needs
no database, so ``--readers`` processes read files ahead while this process
checks and stores them one by one, in the order given (a bounded window of files
in flight keeps memory flat however many files are named).
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale, get_locale

from models import Provider
from models.audit import acting_as
from models.base import db
from models.enums import JobState, TissChannel

tiss_cli = AppGroup("tiss", help="TISS XML exchange.")
WINDOW_PER_READER = 4


@tiss_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--provider", "provider_id", type=int, default=None,
              help="Only accept files of this provider (id); default: the provider the file names.")
@click.option("--readers", type=click.IntRange(min=0), default=None,
              help="Processes reading files ahead while this one stores them (0: read here too; "
                   "default: one CPU fewer than the machine has, at most 8). Only with --inline.")
@click.option("--inline", is_flag=True, help="Receive the files in this process instead of queueing a job "
                                             "(the default when no broker is configured).")
@click.option("--wait", is_flag=True, help="Queued: follow the job until it ends, then print its figures.")
def import_files(files: tuple[Path, ...], provider_id: int | None, readers: int | None, inline: bool,
                 wait: bool) -> None:
    """Receive lot files as the upload page does; one JSON line per file (inline) or the job's (queued),
    exit 1 when any failed."""
    from services.jobs.queue import is_inline
    from services.tiss.intake import record

    if provider_id is not None and db.session.get(Provider, provider_id) is None:
        raise click.BadParameter(f"no provider with id {provider_id}", param_hint="--provider")
    if not inline and not is_inline(current_app):
        _queue(files, provider_id, wait)
        return
    limit = current_app.config.get("TISS_MAX_XML_BYTES")
    readers = min((os.cpu_count() or 1) - 1, 8) if readers is None else readers
    failed = 0
    with acting_as(label="tiss-cli"):
        for path, read in _read_all(files, limit, readers):
            if isinstance(read, Exception):
                failed += 1
                reason = read.strerror if isinstance(read, OSError) else f"{type(read).__name__}: {read}"
                click.echo(json.dumps({"file": str(path), "accepted": False, "errors": [
                    {"code": "5002", "message": f"cannot read the file: {reason}"}]}, ensure_ascii=False))
                continue
            intake = record(read, provider_id=provider_id, channel=TissChannel.CLI)
            result = intake.as_json()
            result["file"] = str(path)
            failed += 0 if intake.accepted else 1
            click.echo(json.dumps(result, ensure_ascii=False, default=str))
    if failed:
        sys.exit(1)


def _queue(files: tuple[Path, ...], provider_id: int | None, wait: bool) -> None:
    """Store the files and queue one bulk-intake job; with ``wait``, poll it until it ends."""
    from models import Job
    from services.tiss import bulk

    handles = []
    try:
        handles = [path.open("rb") for path in files]
        job = bulk.submit([bulk.Upload(path.name, handle) for path, handle in zip(files, handles)], None,
                          provider_id=provider_id, channel=TissChannel.CLI)
    except OSError as exc:
        raise click.FileError(exc.filename or "", exc.strerror) from exc
    except bulk.BulkError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        for handle in handles:
            handle.close()
    click.echo(json.dumps({"job": job.id, "files": job.total, "state": job.state.value}))
    if not wait:
        return
    while True:
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        if job.finished:
            break
        db.session.rollback()
        time.sleep(1)
    click.echo(json.dumps({"job": job.id, "state": job.state.value, "done": job.done, "total": job.total,
                           "error": job.error, **{k: v for k, v in (job.result or {}).items() if k != "file"}}))
    if job.state != JobState.DONE or (job.result or {}).get("refused"):
        sys.exit(1)


def _read_path(path: Path, limit: int | None, locale: str):
    """(path, ReadFile) — or (path, OSError) when the file cannot be read; messages in ``locale``."""
    from services.tiss.intake import read_file

    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1) if limit else handle.read()
    except OSError as exc:
        return path, exc
    with force_locale(locale):
        return path, read_file(data, path.name, limit)


def _read_all(files: tuple[Path, ...], limit: int | None, readers: int):
    """(path, ReadFile | exception) in the order of ``files``, read by ``readers`` processes (a reader
    that dies fails its files, not the command)."""
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    if readers == 0 or len(files) == 1 or "fork" not in get_all_start_methods():
        yield from (_read_path(path, limit, locale) for path in files)
        return
    with ProcessPoolExecutor(readers, mp_context=get_context("fork"), initializer=_reader_init,
                             initargs=(current_app._get_current_object(),)) as pool:
        def submit(path: Path):
            try:
                return path, pool.submit(_read_path, path, limit, locale)
            except BrokenProcessPool as exc:
                return path, exc

        queue = iter(files)
        pending = deque(submit(path) for path in islice(queue, readers * WINDOW_PER_READER))
        while pending:
            path, future = pending.popleft()
            try:
                yield future.result() if isinstance(future, Future) else (path, future)
            except BrokenProcessPool as exc:
                yield path, exc
            following = next(queue, None)
            if following is not None:
                pending.append(submit(following))


def _reader_init(app: Flask) -> None:
    """A reader process: the app's settings and no database (the connections copied by the
    fork are left to the parent: SQLAlchemy's recipe for forked workers)."""
    app.app_context().push()
    db.engine.dispose(close=False)
