"""Uploaded files no row ever named: PDFs of invoice wizards left half-way, files of a failed save.

The wizard stores each PDF as soon as it is chosen (so a later step's error
does not make the user upload it again); a wizard that is never finished leaves
its files behind. A file is stray when no attachment or received-file row
names it now and none ever did (the audit log keeps the name of every row
created, so files of replaced or removed attachments, which someone may have
reviewed, are kept). Only files older than a grace period are touched: a
wizard in progress must keep its uploads.

``flask --app app housekeeping purge-uploads [--older-than-hours 48] [--dry-run]``

Celery beat runs the housekeeping (``services.jobs.queue.BEAT_SCHEDULE``): these tasks are the
commands' bodies, each safe to run twice.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import click
import sqlalchemy as sa
from celery import shared_task
from flask import current_app
from flask.cli import AppGroup

from models import Attachment, AuditLog, TissSubmission
from models.base import db
from services import sessions
from services.jobs import store

# Upload folder → the tables whose rows name its files
OWNERS = {"invoices": (Attachment,), "appeals": (Attachment,), "tiss": (TissSubmission,)}
DEFAULT_GRACE_HOURS = 48


def named_files(models: tuple) -> set[str]:
    """Stored names the rows of ``models`` hold now or held when they were created (audit log)."""
    names: set[str] = set()
    for model in models:
        names.update(db.session.scalars(sa.select(model.stored_name)))
        audited = sa.select(AuditLog.changes["stored_name"].as_string()).where(
            AuditLog.entity == model.__tablename__, AuditLog.changes.is_not(None))
        names.update(name for name in db.session.scalars(audited) if name)
    return names


def stray_files(kind: str, older_than_hours: float, named: set[str]) -> list[Path]:
    """Files of ``kind``'s folder older than the grace period and not in ``named``."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / kind
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than_hours * 3600
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and path.name not in named and path.stat().st_mtime < cutoff)


def purge_uploads(older_than_hours: float = DEFAULT_GRACE_HOURS, dry_run: bool = False) -> dict[str, list[str]]:
    """Delete (or, with ``dry_run``, only list) the stray files of every upload folder."""
    named = {models: named_files(models) for models in set(OWNERS.values())}  # folders sharing a table read it once
    found = {kind: stray_files(kind, older_than_hours, named[models]) for kind, models in OWNERS.items()}
    if not dry_run:
        for paths in found.values():
            for path in paths:
                path.unlink(missing_ok=True)
    return {kind: [path.name for path in paths] for kind, paths in found.items()}


housekeeping_cli = AppGroup("housekeeping", help="Maintenance of stored data.")


@housekeeping_cli.command("purge-uploads")
@click.option("--older-than-hours", type=click.FloatRange(min=1), default=DEFAULT_GRACE_HOURS, show_default=True,
              help="Leave files younger than this (wizards in progress keep their uploads).")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
def purge_uploads_command(older_than_hours: float, dry_run: bool) -> None:
    """Delete uploaded files that no attachment or received file names; one JSON line per folder."""
    for kind, names in purge_uploads(older_than_hours, dry_run).items():
        click.echo(json.dumps({"folder": kind, "deleted" if not dry_run else "would_delete": len(names),
                               "files": names}))


# Celery beat ----------------------------------------------------------------------------------
@shared_task(name="housekeeping.purge_sessions", acks_late=True, reject_on_worker_lost=True)
def purge_sessions_task() -> int:
    count = sessions.purge()
    db.session.commit()
    return count


@shared_task(name="housekeeping.purge_uploads", acks_late=True, reject_on_worker_lost=True)
def purge_uploads_task() -> int:
    return sum(map(len, purge_uploads().values()))


@shared_task(name="housekeeping.purge_job_files", acks_late=True, reject_on_worker_lost=True)
def purge_job_files_task() -> int:
    return store.purge_files()


@shared_task(name="housekeeping.audit_checkpoint", acks_late=True, reject_on_worker_lost=True)
def audit_checkpoint_task() -> int | None:
    from models.audit_chain import checkpoint_now

    connection = db.session.connection(
        execution_options=None if db.session().in_transaction() else {"sqlite_begin": "IMMEDIATE"})
    signed, _head = checkpoint_now(connection)
    db.session.commit()
    return signed
