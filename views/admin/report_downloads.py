"""A report's PDF or CSV too long to build in the request: queued as a job (``services.report_exports``)
and the user sent to the job's page, where the file is downloaded once ready."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models.base import db
from services import report_exports


def queued_download(report: str, provider, start, end, fmt: str):
    """The redirect to the job building the file, or None when the report is short enough to answer now."""
    lines = report_exports.needs_job(report, provider, start, end, reader=current_user)
    if lines is None:
        return None
    job = report_exports.start(current_user, report, provider, fmt, start, end, lines)
    db.session.commit()
    flash(_("This report has %(lines)s lines: it is being prepared in the background. Download it from "
            "here when it is ready.", lines=lines), "info")
    return redirect(url_for("jobs.detail", job_id=job.id))
