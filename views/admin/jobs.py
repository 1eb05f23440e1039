"""Background jobs: the list of my jobs (staff: everyone's), one job's progress and result, the
status the progress widget polls, and the result file while it is kept."""
from __future__ import annotations

from flask import jsonify, request, send_file
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from models.enums import JobState
from services.jobs import store
from services.tiss import bulk
from services.visibility import parse_id
from views.admin.base import SecurePage


def kind_label(kind: str) -> str:
    return {"tiss_intake": _("TISS files received"), "email": _("Email"), "rule_simulation": _("Rule simulation"),
            "payment_orders": _("Payment orders"), "report_export": _("Report to download")}.get(kind, kind)


def progress_text(job) -> str:
    if job.kind == bulk.KIND:
        return _("%(done)s of %(total)s files", done=job.done, total=job.total)
    if job.kind == "rule_simulation":
        return _("%(done)s of %(total)s guides evaluated", done=job.done, total=job.total)
    if job.kind == "payment_orders":
        return _("%(done)s of %(total)s providers", done=job.done, total=job.total)
    if job.kind == "report_export":
        return _("%(total)s lines", total=job.total)
    return _("%(done)s of %(total)s", done=job.done, total=job.total)


def status_of(job) -> dict:
    return {**store.status(job), "progress_text": progress_text(job)}


def jobs_context() -> dict:
    """What ``jobs/_widget.html`` needs, for the pages that start jobs."""
    return {"kind_label": kind_label, "progress_text": progress_text, "JobState": JobState}


class JobsView(SecurePage):
    """Mis procesos: state, progress, result links and errors of background work."""

    resource = "job"

    @expose("/")
    def index(self):
        before = parse_id(request.args.get("before"))
        jobs = store.visible_jobs(current_user, before_id=before)
        more = len(jobs) == store.LIST_SIZE
        return self.render("jobs/index.html", jobs=jobs, more=more, **jobs_context())

    @expose("/<int:job_id>")
    def detail(self, job_id: int):
        job = store.get_job(current_user, job_id)
        files = bulk.submissions_of(current_user, job) if job.kind == bulk.KIND else []
        return self.render("jobs/detail.html", job=job, files=files, **jobs_context())

    @expose("/<int:job_id>/status.json")
    def status(self, job_id: int):
        return jsonify(status_of(store.get_job(current_user, job_id)))

    @expose("/<int:job_id>/result")
    def result(self, job_id: int):
        path, name = store.result_file(current_user, job_id)
        return send_file(path, as_attachment=True, download_name=name, max_age=0)
