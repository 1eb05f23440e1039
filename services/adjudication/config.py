"""Checks of what admins configure (rules, plans' waiting periods, the catalogue); the admin
screens call them before saving, so a bad row never reaches the engine."""
from __future__ import annotations

import json

import sqlalchemy as sa

from models import GlosaCode
from models.base import db
from models.rules import adjudication as rules
from models.rules.glosa_codes import TABLE_38
from services.adjudication.errors import AdjudicationError


def parse_parameters(value) -> dict:
    """The parameters as a dict: JSON text from a form, a dict, or nothing."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise AdjudicationError("parameters", "parameters") from None
    if not isinstance(value, dict):
        raise AdjudicationError("parameters", "parameters")
    return value


def check_rule(rule) -> None:
    """Raise AdjudicationError when the rule row cannot run as configured."""
    kind = getattr(rule.kind, "value", rule.kind)
    parameters = parse_parameters(rule.parameters)
    error = rules.check_parameters(kind, parameters)
    if error:
        raise AdjudicationError(error, "parameters" if error == "parameters" else "kind")
    rule.parameters = parameters or None
    if rule.active_from and rule.active_to and rule.active_to < rule.active_from:
        raise AdjudicationError("window", "active_to")
    if rule.glosa_code and rule.glosa_code not in TABLE_38 and not _payer_code_exists(rule.glosa_code):
        raise AdjudicationError("code", "glosa_code")
    if rule.payer_code and not _payer_code_exists(rule.payer_code):
        raise AdjudicationError("code", "payer_code")


def _payer_code_exists(code: str) -> bool:
    return db.session.scalar(sa.select(GlosaCode.id).where(GlosaCode.code == code).limit(1)) is not None


def check_waiting_period(period) -> None:
    """ANS caps: 24 hours for urgency, 300 days for childbirth, 180 days for the rest."""
    group = period.group
    kind = getattr(getattr(group, "waiting_kind", None), "value", "other")
    cap = rules.WAITING_CAPS[kind]
    if period.days is None or period.days < 0 or period.days > cap:
        raise AdjudicationError("waiting_cap", "days", days=cap)


def check_procedure(procedure) -> None:
    if procedure.sex not in (None, "", "F", "M"):
        raise AdjudicationError("sex", "sex")
    procedure.sex = procedure.sex or None
    if procedure.min_age is not None and procedure.max_age is not None and procedure.min_age > procedure.max_age:
        raise AdjudicationError("age_range", "min_age")


def check_settings(settings) -> None:
    if settings.sample_percent is None or not 0 <= settings.sample_percent <= 100:
        raise AdjudicationError("percent", "sample_percent")
