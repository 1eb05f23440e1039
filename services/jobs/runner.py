"""What every job task does around its work: claim the job, run, retry transient faults with
backoff, and otherwise leave a visible failure with its reason.

Tasks are declared with ``job_task`` (acknowledged late, given back to the queue when their worker
dies) and must be idempotent: the work commits its progress with its effects (``store.progress``),
and ``claim`` refuses a finished job, so a task delivered twice does nothing twice.
"""
from __future__ import annotations

import logging
import random
import smtplib
from collections.abc import Callable

from celery import shared_task
from sqlalchemy import exc as sa_exc

from models import Job
from services.jobs import store

log = logging.getLogger(__name__)

MAX_RETRIES = 5


def job_task(name: str, max_retries: int = MAX_RETRIES):
    return shared_task(name=name, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=max_retries)


def is_transient(exc: BaseException) -> bool:
    """Faults worth another try: the database or the mail server away for a moment, a 4xx SMTP answer."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(exc, sa_exc.OperationalError)
    return isinstance(exc, (ConnectionError, TimeoutError))


def backoff(retries: int) -> float:
    """Seconds before retry ``retries + 1``: 5, 10, 20 … at most 10 minutes, with jitter."""
    return min(600.0, 5.0 * 2 ** retries) * random.uniform(0.8, 1.2)


def run(task, job_id: int, work: Callable[[Job], tuple[dict | None, str | None]]) -> None:
    """Run ``work(job)`` → (result, message) for a claimed job and record how it ended."""
    job = store.claim(job_id)
    if job is None:
        return
    try:
        result, message = work(job)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        retries = task.request.retries or 0
        if is_transient(exc) and retries < task.max_retries:
            log.warning("job %s (%s) will be retried: %s", job_id, task.name, reason)
            store.retrying(job_id, reason, retries + 1)
            raise task.retry(exc=exc, countdown=backoff(retries)) from exc
        log.exception("job %s (%s) failed", job_id, task.name)
        store.fail(job_id, reason)
        return
    store.finish(job, result, message)

