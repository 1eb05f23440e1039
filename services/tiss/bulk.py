"""Bulk TISS intake: several files or a zip from the upload page (or ``flask tiss import``), received
by background jobs.

The request only unpacks and stores what it got (``stage``: a zip is checked before anything is
written: member count, unpacked size, compression ratio, names, no encryption or nesting) and
queues one ``tiss_intake`` job. The job splits the files into chunks that the workers receive in
parallel; each chunk goes through the receiver (``intake.record_uncommitted``, the same checks and
codes as one upload) and commits its files' lots and history rows together with the job's count,
so a chunk given back to the queue after its worker died skips the files it committed (a history
row names each stored file). The last chunk to finish queues ``finalize``: the figures, and a CSV of
every file's outcome downloadable from the job page.
"""
from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import Guide, Job, TissSubmission, User, chunk_memo
from models.audit import acting_as
from models.base import db
from models.enums import JobState, TissChannel
from models.errors import CodedError
from services import storage, visibility
from services.jobs import runner, store
from services.tiss.intake import STORAGE_KIND, read_file, record_uncommitted

KIND = "tiss_intake"
CHUNK_FILES = 10
MAX_RATIO = 200  # a member unpacking to more than 200× its compressed size (and over 1 MB) is a zip bomb
RATIO_FLOOR = 1024 * 1024
IGNORED_PREFIXES = ("__MACOSX/",)


class BulkError(CodedError):
    status = 400
    MESSAGES = {
        "no_files": _l("Choose at least one .xml or .zip file."),
        "kind": _l("%(name)s is neither an .xml nor a .zip file."),
        "not_zip": _l("%(name)s is not a readable zip file."),
        "too_many": _l("At most %(max)s files are received at once."),
        "too_big": _l("The zip unpacks to more than %(mb)s MB."),
        "bomb": _l("%(name)s unpacks to %(ratio)s times its compressed size: refused."),
        "unsafe_name": _l("The zip holds a file outside its folder (%(name)s): refused."),
        "encrypted": _l("%(name)s is encrypted: send it without a password."),
        "member_kind": _l("The zip holds %(name)s: only .xml files are received (no folders of other files, "
                          "no zips inside zips)."),
    }


@dataclass
class Upload:
    """A file as it came: its name and a binary stream."""

    filename: str
    stream: object


# Staging (in the request) ----------------------------------------------------------------
def stage(uploads: Iterable[Upload]) -> list[dict]:
    """Store every .xml (loose or inside a zip) under the TISS folder; the job's list of files.

    A zip is checked whole before any of its files is stored; a refusal raises ``BulkError``
    (files stored for earlier uploads of the same request are left to ``purge-uploads``).
    """
    config = current_app.config
    limit, max_files = config["TISS_MAX_XML_BYTES"], config["TISS_MAX_FILES"]
    staged: list[dict] = []
    for upload in uploads:
        name = _base_name(upload.filename)
        lower = name.lower()
        if lower.endswith(".xml"):
            _check_count(len(staged) + 1, max_files)
            staged.append(_store(name, upload.stream.read(limit + 1)))
        elif lower.endswith(".zip"):
            staged.extend(_unpack(upload, name, limit, max_files - len(staged)))
        else:
            raise BulkError("kind", "files", name=name)
    if not staged:
        raise BulkError("no_files", "files")
    return staged


def _base_name(filename: str | None) -> str:
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:255]


def _check_count(count: int, max_files: int) -> None:
    if count > max_files:
        raise BulkError("too_many", "files", max=max_files)


def _store(name: str, data: bytes) -> dict:
    stored = storage.save(data, STORAGE_KIND, ".xml")
    return {"name": name, "stored": stored.stored_name, "size": stored.size, "sha256": stored.sha256}


def _unpack(upload: Upload, zip_name: str, limit: int, room: int) -> list[dict]:
    try:
        archive = zipfile.ZipFile(upload.stream)
        members = [info for info in archive.infolist()
                   if not info.is_dir() and not info.filename.startswith(IGNORED_PREFIXES)]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BulkError("not_zip", "files", name=zip_name) from exc
    _check_count(len(members), room)
    max_total = current_app.config["TISS_MAX_ZIP_BYTES"]
    for info in members:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in info.filename:
            raise BulkError("unsafe_name", "files", name=info.filename[:120])
        if info.flag_bits & 0x1:
            raise BulkError("encrypted", "files", name=info.filename[:120])
        if not path.name.lower().endswith(".xml"):
            raise BulkError("member_kind", "files", name=info.filename[:120])
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise BulkError("bomb", "files", name=info.filename[:120],
                            ratio=info.file_size // max(info.compress_size, 1))
    if sum(min(info.file_size, limit + 1) for info in members) > max_total:
        raise BulkError("too_big", "files", mb=max_total // (1024 * 1024))
    staged, total = [], 0
    for info in members:
        try:
            with archive.open(info) as member:  # read bounded: the sizes in the headers may lie
                data = member.read(limit + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise BulkError("not_zip", "files", name=zip_name) from exc
        total += len(data)
        if total > max_total:
            raise BulkError("too_big", "files", mb=max_total // (1024 * 1024))
        staged.append(_store(_base_name(info.filename), data))
    return staged


def start(files: list[dict], actor, *, provider_id: int | None, channel: TissChannel = TissChannel.UPLOAD) -> Job:
    """Queue the intake of staged ``files`` (sent when the caller commits)."""
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return store.enqueue(intake_task, KIND, actor, total=len(files),
                         message=_("%(count)s files to receive", count=len(files)),
                         params={"files": files, "provider_id": provider_id, "channel": channel.value,
                                 "actor_id": getattr(actor, "id", None), "locale": locale})


def submit(uploads: Iterable[Upload], actor, *, provider_id: int | None,
           channel: TissChannel = TissChannel.UPLOAD) -> Job:
    """Stage the uploads and queue their intake (committed: the job starts now)."""
    job = start(stage(uploads), actor, provider_id=provider_id, channel=channel)
    db.session.commit()
    return job


# Tasks (in the workers) ---------------------------------------------------------------------
@runner.job_task(KIND)
def intake_task(self, job_id: int) -> None:
    """Claim the job and send its chunks to the queue (the workers receive them in parallel)."""
    job = store.claim(job_id)
    if job is None:
        return
    count = len(job.params.get("files", []))
    if not count:
        store.finish(job, {"accepted": 0, "refused": 0, "guides": 0})
        return
    db.session.commit()  # no transaction left open while the chunks run (inline, they run inside this call)
    for first in range(0, count, CHUNK_FILES):
        chunk_task.apply_async(args=(job_id, first, min(first + CHUNK_FILES, count)))


@runner.job_task("tiss_intake.chunk")
def chunk_task(self, job_id: int, first: int, stop: int) -> None:
    try:
        finished = receive_chunk(job_id, first, stop)
    except Exception as exc:
        retries = self.request.retries or 0
        if runner.is_transient(exc) and retries < self.max_retries:
            db.session.rollback()
            raise self.retry(exc=exc, countdown=runner.backoff(retries)) from exc
        runner.log.exception("bulk intake %s: files %s-%s failed", job_id, first, stop)
        store.fail(job_id, _("Files %(first)s to %(last)s could not be received: %(reason)s",
                             first=first + 1, last=stop, reason=f"{type(exc).__name__}: {exc}"))
        return
    if finished:
        finalize_task.apply_async(args=(job_id,))


class ChunkInterrupted(ConnectionError):
    """A receiver step rolled back the whole transaction (a lot received by another upload at the same
    moment): the chunk is received again from its start (a transient fault, retried)."""


def _recorded(files: list[dict]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TissSubmission).where(
        TissSubmission.stored_name.in_([f["stored"] for f in files])))


def receive_chunk(job_id: int, first: int, stop: int) -> bool:
    """Receive files ``first``..``stop`` of the job not received yet; one commit with the job's count.
    True when every file of the job is received now."""
    job = db.session.get(Job, job_id)
    if job is None or job.finished:
        return False
    params = job.params
    files = params["files"][first:stop]
    received = set(db.session.scalars(sa.select(TissSubmission.stored_name).where(
        TissSubmission.stored_name.in_([f["stored"] for f in files]))))
    todo = [f for f in files if f["stored"] not in received]
    actor = db.session.get(User, params["actor_id"]) if params.get("actor_id") else None
    channel = TissChannel(params.get("channel", TissChannel.UPLOAD.value))
    with force_locale(params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]), \
            acting_as(actor, label="tiss-job"), chunk_memo.kept():  # one transaction: settings read once
        for entry in todo:
            path = storage.path_of(STORAGE_KIND, entry["stored"])
            read = read_file(path.read_bytes(), entry["name"],
                             stored=storage.StoredFile(entry["stored"], entry["size"], entry["sha256"]))
            record_uncommitted(read, actor=actor, provider_id=params.get("provider_id"), channel=channel,
                               job_id=job_id)
        if todo and _recorded(todo) != len(todo):
            raise ChunkInterrupted(job_id, first)
        if todo:
            db.session.execute(sa.update(Job).where(Job.id == job_id).values(done=Job.done + len(todo)))
        db.session.commit()
    done, total = db.session.execute(sa.select(Job.done, Job.total).where(Job.id == job_id)).one()
    db.session.commit()
    return done >= total


@runner.job_task("tiss_intake.finalize")
def finalize_task(self, job_id: int) -> None:
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.finished:
        db.session.rollback()
        return
    figures = outcome(job_id)
    path = store.new_result_file(job, ".csv")
    write_report(job_id, path)
    store.finish(job, {**figures, "file": path.name, "filename": f"tiss-intake-{job_id}.csv"},
                 _("%(accepted)s accepted, %(refused)s refused", **figures))


def outcome(job_id: int) -> dict:
    accepted, refused = db.session.execute(sa.select(
        sa.func.count().filter(TissSubmission.accepted.is_(True)),
        sa.func.count().filter(TissSubmission.accepted.is_(False)),
    ).where(TissSubmission.job_id == job_id)).one()
    guides = db.session.scalar(sa.select(sa.func.count(Guide.id)).select_from(TissSubmission)
                               .join(Guide, Guide.lot_id == TissSubmission.lot_id)
                               .where(TissSubmission.job_id == job_id))
    return {"accepted": accepted, "refused": refused, "guides": guides}


REPORT_COLUMNS = ("file", "result", "protocol", "lot", "codes", "messages")


def write_report(job_id: int, path) -> None:
    """One CSV line per file (read in id order, a page at a time: constant memory)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        after = 0
        while True:
            rows = db.session.execute(
                sa.select(TissSubmission.id, TissSubmission.filename, TissSubmission.accepted,
                          TissSubmission.protocol_number, TissSubmission.lot_number, TissSubmission.errors)
                .where(TissSubmission.job_id == job_id, TissSubmission.id > after)
                .order_by(TissSubmission.id).limit(1000)).all()
            if not rows:
                return
            for _row_id, filename, accepted, protocol, lot_number, errors in rows:
                entries = errors or []
                writer.writerow([filename, "accepted" if accepted else "refused", protocol or "", lot_number or "",
                                 " ".join(sorted({str(e.get("code", "")) for e in entries})),
                                 " | ".join(str(e.get("message", "")) for e in entries[:5])])
            after = rows[-1][0]


def submissions_of(user, job: Job, limit: int = 100) -> list[TissSubmission]:
    """The first files of a job as the user may see them (the CSV has them all)."""
    query = visibility.visible(sa.select(TissSubmission).where(TissSubmission.job_id == job.id), user,
                               "tiss_submission")
    return list(db.session.scalars(query.order_by(TissSubmission.id).limit(limit)))


def is_running(job: Job) -> bool:
    return job.state in (JobState.QUEUED, JobState.RUNNING)
