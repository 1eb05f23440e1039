"""Reports too long to build inside a request, built by a job.

A quarter's extrato of a busy clinic has ~12,000 guides: 15–30 s of PDF, and a year's would pass the web
worker's time limit. A download of more than ``REPORT_INLINE_LINES`` lines (a setting) queues a job instead;
the page sends the user to the job's page (progress, then the file to download while it is kept,
``JOB_RESULT_HOURS``). The file is the one a short period gets at once (``services.report_files``), in the
language of who asked. Building reads only: a job run twice writes the same file twice, nothing else.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale

from models import Job, Provider, User
from models.base import db
from services import nf_report, report_files, reports
from services.jobs import runner, store

KIND = "report_export"
REPORTS = ("period", "extract", "nf")
FORMATS = {"period": report_files.FORMATS, "extract": report_files.FORMATS, "nf": ("pdf",)}
RECENT = 20  # the user's latest jobs looked at for the same file still in the making


def needs_job(report: str, provider: Provider | None, start: date, end: date, reader=None) -> int | None:
    """The report's line count when it is too long for a request, else None."""
    lines = (nf_report.lots_in(reader, start, end, provider=provider) if report == "nf"
             else reports.lines_in(report, provider, start, end))
    return lines if lines > current_app.config["REPORT_INLINE_LINES"] else None


def start(user, report: str, provider: Provider | None, fmt: str, start_day: date, end_day: date, lines: int) -> Job:
    """Queue the file of ``report`` for ``provider`` (one the caller may see; sent when the caller commits),
    or give back the same file's job of ``user`` still waiting or running: clicking the link again does
    not queue the work twice."""
    if report not in REPORTS or fmt not in FORMATS[report]:
        raise ValueError(f"unknown report {report!r} or format {fmt!r}")
    wanted = {"report": report, "format": fmt, "provider_id": provider.id if provider else None,
              "start": start_day.isoformat(), "end": end_day.isoformat()}
    for job in db.session.scalars(sa.select(Job).where(Job.owner_id == user.id, Job.kind == KIND)
                                  .order_by(Job.id.desc()).limit(RECENT)):  # index (owner_id, id)
        if not job.finished and {key: job.params.get(key) for key in wanted} == wanted:
            return job
    name = report_files.filename(report, fmt, start_day, end_day)
    return store.enqueue(export_task, KIND, user, total=lines, message=name, params={
        **wanted, "locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])})


def _work(job: Job) -> tuple[dict, str | None]:
    params = job.params
    provider = db.session.get(Provider, params["provider_id"]) if params["provider_id"] else None
    reader = db.session.get(User, job.owner_id) if job.owner_id else None
    if (params["provider_id"] and provider is None) or reader is None:
        raise LookupError("the provider or the user who asked no longer exists")
    start_day, end_day = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    with force_locale(params["locale"]):
        data = report_files.build(params["report"], provider, start_day, end_day, params["format"], reader)
    path = store.new_result_file(job, f".{params['format']}")
    path.write_bytes(data)
    store.progress(job, job.total, job.total)
    return {"file": path.name, "bytes": len(data),
            "filename": report_files.filename(params["report"], params["format"], start_day, end_day)}, None


@runner.job_task(KIND)
def export_task(self, job_id: int) -> None:
    runner.run(self, job_id, _work)
