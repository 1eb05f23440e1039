"""The Celery app, created by ``create_app`` as in Flask's documentation, and how work is sent to it.

With ``CELERY_BROKER_URL`` unset every task runs inline (``task_always_eager``) in the process that
sends it: ``make serve``, tests and a bare machine need no Redis. Tasks are sent after the database
transaction that asked for them commits (a worker must find the job row, and a rolled-back request
sends nothing); inline, they run at that moment, in an application context of their own.
"""
from __future__ import annotations

import logging

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.base import db

log = logging.getLogger(__name__)

# Modules defining tasks (imported by the worker and by the web app alike).
TASK_MODULES = ("services.tiss.bulk", "services.mail", "services.housekeeping",
                "services.adjudication.simulation_job", "services.bulk_orders", "services.report_exports")
_PENDING = "jobs_to_send"

# Celery beat: the housekeeping the README's cron line used to run.
BEAT_SCHEDULE = {
    "purge-sessions": {"task": "housekeeping.purge_sessions", "schedule": crontab(minute=10, hour=3)},
    "purge-uploads": {"task": "housekeeping.purge_uploads", "schedule": crontab(minute=20, hour=3)},
    "purge-job-files": {"task": "housekeeping.purge_job_files", "schedule": crontab(minute=0)},
    "audit-checkpoint": {"task": "housekeeping.audit_checkpoint", "schedule": crontab(minute=30, hour=3)},
}


def celery_settings(config) -> dict:
    broker = config.get("CELERY_BROKER_URL") or ""
    return {
        "broker_url": broker or "memory://",
        "result_backend": config.get("CELERY_RESULT_BACKEND") or None,
        "task_ignore_result": True,  # the Job row is the result people read
        "task_always_eager": not broker,
        "task_eager_propagates": False,
        # A task is acknowledged when it ends, and given back to the queue when its worker dies: work
        # is never lost, so every task must be safe to run twice (see runner).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": 3600},
        "timezone": "UTC",
        "beat_schedule": BEAT_SCHEDULE,
        "include": list(TASK_MODULES),
    }


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            # Inline, the task runs for the application that sent it (several may share a process: tests,
            # the browser tests' server); on a worker, for the worker's. A context of its own either way.
            owner = current_app._get_current_object() if has_app_context() else app
            with owner.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(app.config))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    for module in TASK_MODULES:
        __import__(module)
    return celery_app


def is_inline(app: Flask) -> bool:
    return bool(app.extensions["celery"].conf.task_always_eager)


def send_after_commit(task, *args) -> None:
    """Send ``task(*args)`` once the current transaction commits (nothing if it rolls back)."""
    db.session().info.setdefault(_PENDING, []).append((task, args))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for task, args in session.info.pop(_PENDING, ()):
        try:
            task.apply_async(args=args)
        except Exception:  # broker down: the job stays queued, visible as such; logged for the operator
            log.exception("could not send %s%r to the queue", task.name, args)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
