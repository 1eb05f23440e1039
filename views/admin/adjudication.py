"""CRUD screens of adjudication: plans, the procedure catalogue, rules, senhas, settings, findings.
Admins configure; every save goes through ``services.adjudication.config`` checks."""
from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l

from services.adjudication import config
from views.admin.base import SecureModelView


def _scope(view, context, model, name) -> str:
    """Procedure, group, provider and plan a rule is limited to, in one cell."""
    parts = [str(part) for part in (model.procedure_code, model.group, model.provider, model.plan) if part]
    return "; ".join(parts) or gettext("Every guide")


def _validity(view, context, model, name) -> str:
    if not model.active_from and not model.active_to:
        return ""
    start, end = (format_date(day, "short") if day else "…" for day in (model.active_from, model.active_to))
    return f"{start} – {end}"


class HealthPlanView(SecureModelView):
    column_list = ("name", "ans_product_number", "segmentation", "active")
    column_labels = {"name": _l("Name"), "ans_product_number": _l("ANS product registration"),
                     "segmentation": _l("Segmentation"), "active": _l("Active")}
    column_searchable_list = ("name", "ans_product_number")
    form_excluded_columns = ("waiting_periods", "created_at", "updated_at")
    column_default_sort = "name"


class ProcedureGroupView(SecureModelView):
    column_list = ("code", "name", "segmentation", "waiting_kind")
    column_labels = {"code": _l("Code"), "name": _l("Name"), "segmentation": _l("Covered by segmentation"),
                     "waiting_kind": _l("Waiting-period cap")}
    column_default_sort = "code"


class PlanWaitingPeriodView(SecureModelView):
    column_list = ("plan", "group", "days")
    column_labels = {"plan": _l("Plan"), "group": _l("Procedure group"), "days": _l("Waiting period (days)")}

    def on_model_change(self, form, model, is_created):
        config.check_waiting_period(model)
        super().on_model_change(form, model, is_created)


class ProcedureView(SecureModelView):
    column_list = ("code", "description", "group", "sex", "min_age", "max_age", "requires_authorization",
                   "max_quantity", "frequency_count", "frequency_days", "frequency_per_provider")
    column_labels = {
        "code": _l("TUSS code"), "description": _l("Description"), "group": _l("Group"), "sex": _l("Sex (F/M)"),
        "min_age": _l("Minimum age"), "max_age": _l("Maximum age"),
        "requires_authorization": _l("Requires prior authorization"), "max_quantity": _l("Maximum per guide"),
        "frequency_count": _l("At most (times)"), "frequency_days": _l("In (days)"),
        "frequency_per_provider": _l("Per provider"),
    }
    column_searchable_list = ("code", "description")
    column_default_sort = "code"

    def on_model_change(self, form, model, is_created):
        config.check_procedure(model)
        super().on_model_change(form, model, is_created)


class AdjudicationRuleView(SecureModelView):
    # scope and validity in one cell each: the whole rule fits a laptop's screen
    column_list = ("name", "kind", "action", "active", "glosa_code", "payer_code", "scope", "parameters",
                   "validity")
    column_formatters = {"scope": _scope, "validity": _validity}
    column_labels = {
        "name": _l("Name"), "kind": _l("Rule kind"), "action": _l("Action"), "glosa_code": _l("Tabela 38 code"),
        "payer_code": _l("Payer's own code"), "procedure_code": _l("Procedure (TUSS)"), "group": _l("Group"),
        "provider": _l("Provider"), "plan": _l("Plan"), "parameters": _l("Parameters"),
        "active_from": _l("Active from"), "active_to": _l("Active to"), "active": _l("Active"),
        "scope": _l("Scope"), "validity": _l("Validity"),
    }
    column_descriptions = {
        "parameters": _l('JSON, by kind: frequency {"count": 1, "days": 30, "per_provider": true}; quantity '
                         '{"max": 2}; waiting_period {"days": 30}; sex_age {"sex": "F", "min_age": 0, '
                         '"max_age": 12}; prior_authorization {"all": true}. Empty: the catalogue decides.'),
        "glosa_code": _l("Empty: the kind's own Tabela 38 code."),
    }
    column_filters = ("kind", "action", "active")
    column_searchable_list = ("name", "glosa_code", "procedure_code")
    form_excluded_columns = ("created_at", "updated_at")

    def on_model_change(self, form, model, is_created):
        config.check_rule(model)
        super().on_model_change(form, model, is_created)


class PriorAuthorizationView(SecureModelView):
    column_list = ("number", "beneficiary", "provider", "procedure_code", "quantity", "valid_to")
    column_labels = {"number": _l("Authorization (senha)"), "beneficiary": _l("Beneficiary"),
                     "provider": _l("Provider"), "procedure_code": _l("Procedure (TUSS)"),
                     "quantity": _l("Authorized quantity"), "valid_to": _l("Valid to")}
    column_searchable_list = ("number", "procedure_code")
    form_excluded_columns = ("created_at", "updated_at")
    form_ajax_refs = {"beneficiary": {"fields": ("card_number", "name"), "modes": {"card_number": "exact"},
                                      "page_size": 10}}


class AdjudicationSettingsView(SecureModelView):
    offers = frozenset({"create", "edit"})
    column_list = ("auto_enabled", "auto_limit", "sample_percent")
    column_labels = {"auto_enabled": _l("Analyse clean lots automatically"),
                     "auto_limit": _l("Only lots up to this value"), "sample_percent": _l("Sampled to a clerk (%)")}

    def on_model_change(self, form, model, is_created):
        config.check_settings(model)
        super().on_model_change(form, model, is_created)


class WatchedProviderView(SecureModelView):
    column_list = ("provider", "reason", "created_at")
    column_labels = {"provider": _l("Provider"), "reason": _l("Reason"), "created_at": _l("Since")}
    form_excluded_columns = ("created_at", "updated_at")


class AdjudicationFindingView(SecureModelView):
    """Read-only: findings are written by the engine and decided on the analysis page."""

    offers = frozenset({"export"})
    column_list = ("created_at", "provider_id", "lot_id", "guide_id", "rule", "code", "amount", "status",
                   "removal_reason", "decided_by")
    column_labels = {"created_at": _l("When"), "provider_id": _l("Provider"), "lot_id": _l("Lot"),
                     "guide_id": _l("Guide"), "rule": _l("Rule"), "code": _l("Code"), "amount": _l("Amount"),
                     "status": _l("Status"), "removal_reason": _l("Why removed"), "decided_by": _l("Decided by")}
    column_filters = ("status", "code", "lot_id")
    column_default_sort = ("id", True)
    simple_list_pager = True
