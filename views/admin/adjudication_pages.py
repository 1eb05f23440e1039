"""The adjudication page: the month's figures (auto-adjudication rate, glosas by rule and provider,
override rate per rule) and, for admins, a rule's simulation over a past period."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from models import AdjudicationRule
from models.base import db
from models.errors import CodedError
from models.permissions import can
from models.values import Competence, InvalidValue
from services.adjudication import figures, simulation_job
from services.adjudication.routing import REASONS
from services.visibility import parse_id
from views import refusals
from views.admin.base import SecurePage
from views.admin.jobs import jobs_context


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


class AdjudicationPageView(SecurePage):
    resource = "adjudication_rule"

    @expose("/")
    def index(self):
        today = date.today()
        try:
            month = str(Competence.parse(request.args.get("month") or Competence.of(today)))
        except InvalidValue:
            month = str(Competence.of(today))
        rules = list(db.session.scalars(sa.select(AdjudicationRule).order_by(AdjudicationRule.name).limit(500)))
        may_simulate = can(current_user, "simulate", "adjudication_rule")
        job = simulation_job.get(current_user, parse_id(request.args.get("job"))) if may_simulate else None
        result = simulation_job.result_of(job) if job is not None else None
        chosen_id = (job.params or {}).get("rule_id") if job is not None else None
        return self.render("adjudication/page.html", figures=figures.month_figures(month), month=month,
                           reasons={k: str(v) for k, v in REASONS.items()}, rules=rules, job=job, result=result,
                           chosen_id=chosen_id, may_simulate=may_simulate, **jobs_context())

    @expose("/simulate", methods=("POST",))
    def simulate(self):
        """Queue the rule's simulation over the period; the page follows the job."""
        form = request.form
        try:
            job = simulation_job.start(parse_id(form.get("rule_id")), _day(form.get("start")), _day(form.get("end")),
                                       current_user)
            db.session.commit()
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
            return redirect(url_for(".index", month=form.get("month")))
        return redirect(url_for(".index", month=form.get("month"), job=job.id))
