"""Job rows: created by the page or command that asks for work, moved along by the task doing it.

Progress is written in the same transaction as the work it counts (a file received and ``done + 1``
commit together), so a task given back to the queue after its worker died resumes where the
committed work ends, and never does anything twice. Result files live under ``JOB_FOLDER`` and are
downloadable until ``expires_at`` (``JOB_RESULT_HOURS`` after the job finished).
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from models import Job
from models.base import db, utcnow
from models.enums import JobState
from models.errors import NotFound
from services import visibility
from services.jobs.queue import send_after_commit

RESOURCE = "job"
LIST_SIZE = 50


def enqueue(task, kind: str, owner, *, params: dict | None = None, total: int = 0, message: str = "") -> Job:
    """A queued job for ``task`` (sent once the caller's transaction commits)."""
    job = Job(kind=kind, owner_id=getattr(owner, "id", None), params=params or {}, total=total,
              message=message[:200], state=JobState.QUEUED, done=0, attempts=0)
    db.session.add(job)
    db.session.flush()
    send_after_commit(task, job.id)
    return job


def claim(job_id: int) -> Job | None:
    """The job to run (state running, one more attempt); None when it is finished or gone (a task
    delivered twice, or sent again by hand, does nothing)."""
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.finished:
        db.session.rollback()
        return None
    job.state, job.attempts = JobState.RUNNING, job.attempts + 1
    job.started_at = job.started_at or utcnow()
    db.session.commit()
    return job


def progress(job: Job, done: int, total: int | None = None, message: str | None = None) -> None:
    """Count work done; committed by the caller together with that work."""
    job.done = done
    if total is not None:
        job.total = total
    if message is not None:
        job.message = message[:200]


def finish(job: Job, result: dict | None = None, message: str | None = None) -> None:
    job.state, job.result, job.error = JobState.DONE, result or {}, None
    if message is not None:
        job.message = message[:200]
    _close(job)


def fail(job_id: int, reason: str) -> None:
    """Mark the job failed with ``reason`` (in a transaction of its own: the work's was rolled back)."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.state, job.error = JobState.FAILED, reason[:2000]
    _close(job)


def retrying(job_id: int, reason: str, attempt: int) -> None:
    """A transient fault: back in the queue, the reason shown until the next attempt."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is not None and not job.finished:
        job.state, job.error = JobState.QUEUED, f"retry {attempt}: {reason}"[:2000]
        db.session.commit()


def _close(job: Job) -> None:
    now = utcnow()
    job.finished_at = now
    job.expires_at = now + timedelta(hours=current_app.config["JOB_RESULT_HOURS"])
    db.session.commit()


# Result files ---------------------------------------------------------------------------
def folder() -> Path:
    path = Path(current_app.config["JOB_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_result_file(job: Job, suffix: str) -> Path:
    """A fresh path for ``job``'s result file (a random name: never guessed, never reused)."""
    return folder() / f"{job.id}-{secrets.token_hex(8)}{suffix}"


def result_file(user, job_id) -> tuple[Path, str]:
    """(path, download name) of a finished job's file the user may see, while it is kept."""
    job = get_job(user, job_id)
    stored = (job.result or {}).get("file")
    if job.state != JobState.DONE or not stored or (job.expires_at and job.expires_at < utcnow()):
        raise NotFound()
    path = folder() / Path(stored).name
    if not path.is_file():
        raise NotFound()
    return path, (job.result or {}).get("filename") or path.name


def purge_files(now=None) -> int:
    """Delete result files of jobs past ``expires_at``; their rows stay (history), without the file."""
    now = now or utcnow()
    count = 0
    for job in db.session.scalars(sa.select(Job).where(Job.expires_at < now, Job.state == JobState.DONE)):
        stored = (job.result or {}).get("file")
        if not stored:
            continue
        (folder() / Path(stored).name).unlink(missing_ok=True)
        job.result = {**job.result, "file": None}
        count += 1
    db.session.commit()
    return count


# Who sees which --------------------------------------------------------------------------
def visible_jobs(user, before_id: int | None = None, limit: int = LIST_SIZE) -> list[Job]:
    """Newest first, one page at a time (keyset on the id: ``before_id`` is the last id shown)."""
    query = visibility.visible(sa.select(Job), user, RESOURCE)
    if before_id:
        query = query.where(Job.id < before_id)
    return list(db.session.scalars(query.order_by(Job.id.desc()).limit(limit)))


def get_job(user, job_id) -> Job:
    return visibility.get_visible_or_404(Job, job_id, user, RESOURCE)


def status(job: Job) -> dict:
    """What the progress widget polls."""
    return {"id": job.id, "state": job.state.value, "state_label": job.state.label, "done": job.done,
            "total": job.total, "percent": job.percent, "message": job.message, "finished": job.finished,
            "error": job.error if job.state == JobState.FAILED else None}
