"""The adjudication page: the month's figures (auto-adjudication rate, glosas by rule and provider,
override rate per rule) and, for admins, a rule's simulation over a past period."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import request
from flask_admin import expose
from flask_login import current_user

from models import AdjudicationRule
from models.base import db
from models.permissions import can
from models.values import Competence, InvalidValue
from services.adjudication import figures, simulation
from services.adjudication.errors import AdjudicationError
from services.adjudication.routing import REASONS
from views import refusals
from views.admin.base import SecurePage


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
        result, chosen = None, None
        may_simulate = can(current_user, "simulate", "adjudication_rule")
        if may_simulate and request.args.get("rule_id"):
            chosen = next((r for r in rules if str(r.id) == request.args.get("rule_id")), None)
            try:
                if chosen is None:
                    raise AdjudicationError("kind", "rule_id")
                result = simulation.simulate(simulation.rule_from_form(chosen), _day(request.args.get("start")),
                                             _day(request.args.get("end")))
            except AdjudicationError as exc:
                refusals.show(exc)
        return self.render("adjudication/page.html", figures=figures.month_figures(month), month=month,
                           reasons={k: str(v) for k, v in REASONS.items()}, rules=rules, result=result,
                           chosen=chosen, may_simulate=may_simulate, args=request.args)
