"""Adjudication rules: pure functions over plain facts, no database (issue 15).

``services.adjudication`` loads the facts of a whole lot with one query per kind and calls
``adjudicate``; each rule kind is one function here, returning ``Finding``s with the Tabela 38
code, the amount glosed and the rule that fired. Codes used (Tabela 38):

====  ===========================================================  ======================
code  description                                                  kind
====  ===========================================================  ======================
1005  Atendimento anterior à inclusão do beneficiário              eligibility
1006  Atendimento após o desligamento do beneficiário              eligibility
1016  Beneficiário com atendimento suspenso                        eligibility
1007  Atendimento dentro da carência do beneficiário               waiting_period
1420  Serviço solicitado fora da cobertura                         coverage
1802  Procedimento incompatível com o sexo do beneficiário         sex_age
1803  Idade do beneficiário incompatível com o procedimento        sex_age
1820 / 2009 / 2109 / 2308  quantity above the maximum, per kind    quantity
1823  Procedimento realizado … no prazo inferior ao estipulado     frequency
1702  Cobrança de procedimento em duplicidade                      duplicate
1403 / 1415 / 1405 / 1408  senha missing / another beneficiary or
      procedure / expired / quantity above the authorized          prior_authorization
1705 / 1801  valor apresentado a maior / procedimento inválido     contract_price
====  ===========================================================  ======================
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from flask_babel import format_date, format_decimal, gettext

from models.values import to_money

ZERO = Decimal("0.00")

# ANS caps of waiting periods (Lei 9.656/98 art. 12 V), in days; urgency is 24 hours.
WAITING_CAPS = {"urgency": 1, "childbirth": 300, "other": 180}
# Which procedure-group segmentations a plan's segmentation covers.
COVERS = {
    "ambulatory": {"ambulatory"},
    "hospital": {"hospital"},
    "obstetric": {"hospital", "obstetric"},
    "dental": {"dental"},
    "reference": {"ambulatory", "hospital", "obstetric"},
}
QUANTITY_CODES = {"procedure": "1820", "material": "2009", "medicine": "2109", "fee": "2308"}
# The order rules run in: a duplicate is answered as such (1702) before it could count as a return visit.
KINDS = ("eligibility", "waiting_period", "coverage", "sex_age", "duplicate", "quantity", "frequency",
         "prior_authorization", "contract_price")
# Parameters each kind accepts (all optional: the catalogue and the plan give the defaults).
PARAMETERS: dict[str, dict[str, type]] = {
    "eligibility": {},
    "waiting_period": {"days": int},
    "coverage": {},
    "sex_age": {"sex": str, "min_age": int, "max_age": int},
    "quantity": {"max": int},
    "frequency": {"count": int, "days": int, "per_provider": bool},
    "duplicate": {},
    "prior_authorization": {"all": bool},
    "contract_price": {},
}


@dataclass(frozen=True)
class _Message:
    text: str
    params: dict


def _l(text: str, **params) -> _Message:
    """A message to translate once per adjudication (translating each finding's lazily costs more than
    the rules themselves on a lot with many findings); the msgid is extracted like any ``_l``."""
    return _Message(text, params)


def _shown(value) -> str:
    """A message parameter as its reader writes it: dates and numbers in the locale (05/10/2026; amounts,
    which ``money`` leaves with two decimals, as 150,00; quantities as 2 or 1,5)."""
    if isinstance(value, date):
        return format_date(value, "short")
    if isinstance(value, Decimal):
        return format_decimal(value, format="#,##0.00" if value.as_tuple().exponent == -2 else None)
    return str(value)



# Facts --------------------------------------------------------------------------------
class Line(NamedTuple):
    """One billed item as the rules see it; ``guide`` is the guide's number, ``item`` its position.
    A named tuple: a lot read at intake makes one per item (500 for a 100-guide lot), at a third of a
    frozen dataclass's cost."""

    guide: str
    item: int
    provider_id: int
    beneficiary_id: int | None
    execution_date: date | None
    code: str
    kind: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    authorization_number: str | None = None
    guide_id: int | None = None
    contracted_price: Decimal | None = None


@dataclass(frozen=True)
class Member:
    sex: str | None = None
    birth_date: date | None = None
    plan_id: int | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    suspended_from: date | None = None
    suspended_to: date | None = None


@dataclass(frozen=True)
class PlanFacts:
    segmentation: str
    waiting: Mapping[int, int] = field(default_factory=dict)   # group id → days


@dataclass(frozen=True)
class ProcedureFacts:
    code: str
    group_id: int | None = None
    segmentation: str | None = None
    waiting_kind: str = "other"
    sex: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    requires_authorization: bool = False
    max_quantity: Decimal | None = None
    frequency_count: int | None = None
    frequency_days: int | None = None
    frequency_per_provider: bool = False


@dataclass(frozen=True)
class Past:
    """An item already billed (in a lot) by any provider."""

    beneficiary_id: int
    code: str
    execution_date: date
    provider_id: int
    guide_id: int
    quantity: Decimal


@dataclass(frozen=True)
class Senha:
    number: str
    beneficiary_id: int
    code: str
    quantity: Decimal
    valid_to: date


@dataclass(frozen=True)
class RuleFacts:
    id: int | None
    name: str
    kind: str
    action: str = "propose"
    parameters: Mapping = field(default_factory=dict)
    procedure_code: str | None = None
    group_id: int | None = None
    provider_id: int | None = None
    plan_id: int | None = None
    code: str | None = None
    payer_code: str | None = None
    active_from: date | None = None
    active_to: date | None = None


@dataclass
class Facts:
    lines: list[Line]
    members: Mapping[int, Member] = field(default_factory=dict)
    plans: Mapping[int, PlanFacts] = field(default_factory=dict)
    procedures: Mapping[str, ProcedureFacts] = field(default_factory=dict)
    history: list[Past] = field(default_factory=list)
    senhas: Mapping[str, Senha] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    guide: str
    item: int
    code: str
    amount: Decimal
    rule_id: int | None
    rule: str
    action: str
    message: str
    payer_code: str | None = None


# Helpers ------------------------------------------------------------------------------
def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def applies(rule: RuleFacts, line: Line, member: Member | None, procedure: ProcedureFacts | None) -> bool:
    """The rule's scope and active window hold for ``line``."""
    day = line.execution_date
    if day is not None and ((rule.active_from and day < rule.active_from) or (rule.active_to and day > rule.active_to)):
        return False
    if rule.procedure_code and rule.procedure_code != line.code:
        return False
    if rule.group_id and (procedure is None or procedure.group_id != rule.group_id):
        return False
    if rule.provider_id and rule.provider_id != line.provider_id:
        return False
    return not (rule.plan_id and (member is None or member.plan_id != rule.plan_id))


def _scoped(rule: RuleFacts) -> bool:
    return bool(rule.active_from or rule.active_to or rule.procedure_code or rule.group_id or rule.provider_id
                or rule.plan_id)


def settings(rule: RuleFacts, procedure: ProcedureFacts | None):
    """What ``rule`` checks on the lines of ``procedure``'s code, its parameters over the catalogue's
    (resolved once per rule and code, not per line); None when it answers nothing on any such line
    whoever the beneficiary (no limit configured, no authorization required...)."""
    get = rule.parameters.get
    if rule.kind == "quantity":
        limit = get("max", procedure.max_quantity if procedure else None)
        return None if limit is None else Decimal(limit)
    if rule.kind == "frequency":
        count = get("count", procedure.frequency_count if procedure else None)
        days = get("days", procedure.frequency_days if procedure else None)
        per_provider = get("per_provider", procedure.frequency_per_provider if procedure else False)
        return (count, days, per_provider) if count and days else None
    if rule.kind == "coverage":
        return procedure if procedure is not None and procedure.segmentation is not None else None
    if rule.kind == "waiting_period":
        return procedure
    if rule.kind == "sex_age":
        procedure = procedure or ProcedureFacts("")
        sex, low, high = get("sex", procedure.sex), get("min_age", procedure.min_age), get("max_age", procedure.max_age)
        return (sex, low, high) if sex or low is not None or high is not None else None
    if rule.kind == "prior_authorization":
        return True if get("all") or (procedure is not None and procedure.requires_authorization) else None
    return True


def check_parameters(kind: str, parameters) -> str | None:
    """An error key when ``parameters`` do not fit ``kind`` (unknown key, wrong type, negative)."""
    if kind not in PARAMETERS:
        return "kind"
    if parameters in (None, ""):
        return None
    if not isinstance(parameters, dict):
        return "parameters"
    allowed = PARAMETERS[kind]
    for key, value in parameters.items():
        wanted = allowed.get(key)
        if wanted is None:
            return "parameters"
        if wanted is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            return "parameters"
        if wanted is bool and not isinstance(value, bool):
            return "parameters"
        if wanted is str and value not in ("F", "M"):
            return "parameters"
    if kind == "frequency" and parameters.get("count") == 0:
        return "parameters"
    return None


# The nine kinds: check(rule, setting, line, member, facts, ctx) → (code, amount, message) or None,
# ``setting`` being what ``settings`` resolved for the rule and the line's code ---------------------
def _eligibility(rule, _setting, line, member, facts, _ctx):
    day = line.execution_date
    if member is None or day is None:
        return None
    if member.coverage_start and day < member.coverage_start:
        return "1005", line.total, _l("Service before the beneficiary's inclusion (%(day)s).",
                                      day=member.coverage_start)
    if member.coverage_end and day > member.coverage_end:
        return "1006", line.total, _l("Service after the beneficiary's exclusion (%(day)s).", day=member.coverage_end)
    if member.suspended_from and day >= member.suspended_from and (
            member.suspended_to is None or day <= member.suspended_to):
        return "1016", line.total, _l("The beneficiary's coverage is suspended on the execution date.")
    return None


def waiting_days(days: int, kind: str) -> int:
    """A plan's waiting period, never beyond the ANS cap of the group's kind."""
    return min(days, WAITING_CAPS.get(kind, WAITING_CAPS["other"]))


def _waiting_period(rule, procedure, line, member, facts, _ctx):
    day = line.execution_date
    if member is None or day is None or member.coverage_start is None:
        return None
    days = rule.parameters.get("days")
    if days is None:
        plan = facts.plans.get(member.plan_id)
        days = plan.waiting.get(procedure.group_id) if plan is not None else None
    if not days:
        return None
    end = member.coverage_start + timedelta(days=waiting_days(days, procedure.waiting_kind))
    if day < end:
        return "1007", line.total, _l("Within the plan's waiting period until %(day)s.", day=end - timedelta(days=1))
    return None


def _coverage(rule, procedure, line, member, facts, _ctx):
    if member is None:
        return None
    plan = facts.plans.get(member.plan_id)
    if plan is None or procedure.segmentation in COVERS.get(plan.segmentation, set()):
        return None
    return "1420", line.total, _l("The procedure is outside the plan's segmentation.")


def _sex_age(rule, setting, line, member, _facts, _ctx):
    if member is None:
        return None
    sex, low, high = setting
    if sex and member.sex and member.sex != sex:
        return "1802", line.total, _l("The procedure is incompatible with the beneficiary's sex.")
    if member.birth_date and line.execution_date and (low is not None or high is not None):
        age = age_on(member.birth_date, line.execution_date)
        if (low is not None and age < low) or (high is not None and age > high):
            return "1803", line.total, _l("The beneficiary's age (%(age)s) is incompatible with the procedure.",
                                          age=age)
    return None


def _quantity(rule, limit, line, _member, _facts, ctx):
    key = (rule.id, line.guide, line.code)
    counted = ctx["quantity"]
    before = counted.get(key, 0)
    counted[key] = before + line.quantity
    excess = min(line.quantity, before + line.quantity - limit)
    if excess <= 0:
        return None
    return (QUANTITY_CODES.get(line.kind, "1820"), to_money(line.unit_price * excess),
            _l("Quantity above the maximum of %(max)s per guide.", max=limit))


def _frequency(rule, setting, line, _member, _facts, ctx):
    count, days, per_provider = setting
    day = line.execution_date
    if day is None or line.beneficiary_id is None:
        return None
    since = day - timedelta(days=days - 1)
    own = ctx["own_guides"]
    done = sum(p.quantity for p in ctx["history_by"].get((line.beneficiary_id, line.code), ())
               if since <= p.execution_date <= day and p.guide_id not in own
               and (not per_provider or p.provider_id == line.provider_id))
    seen = ctx["frequency"][(rule.id, line.beneficiary_id, line.code, line.provider_id if per_provider else None)]
    done += sum(q for d, q in seen if since <= d <= day)
    seen.append((day, line.quantity))
    if done >= count:
        return "1823", line.total, _l("More than %(count)s in %(days)s days for this beneficiary.",
                                      count=count, days=days)
    return None


def _duplicate(rule, _setting, line, _member, _facts, ctx):
    day = line.execution_date
    if day is None or line.beneficiary_id is None:
        return None
    key = (rule.id, line.beneficiary_id, line.code, day)
    first = ctx["duplicate"].setdefault(key, line.guide)
    own = ctx["own_guides"]
    billed = any(p.execution_date == day and p.guide_id not in own
                 for p in ctx["history_by"].get((line.beneficiary_id, line.code), ()))
    if billed or first != line.guide:
        return "1702", line.total, _l("Same beneficiary, procedure and date already billed.")
    return None


def _prior_authorization(rule, _setting, line, _member, facts, _ctx):
    senha = facts.senhas.get(line.authorization_number or "")
    if senha is None:
        return "1403", line.total, _l("The procedure requires a prior authorization (senha) and none was found.")
    if senha.beneficiary_id != line.beneficiary_id or senha.code != line.code:
        return "1415", line.total, _l("The authorization %(number)s is for another beneficiary or procedure.",
                                      number=senha.number)
    if line.execution_date and senha.valid_to < line.execution_date:
        return "1405", line.total, _l("The authorization expired on %(day)s.", day=senha.valid_to)
    if line.quantity > senha.quantity:
        excess = line.quantity - senha.quantity
        return "1408", to_money(line.unit_price * excess), _l("Quantity above the authorized (%(quantity)s).",
                                                           quantity=senha.quantity)
    return None


def _contract_price(rule, _setting, line, _member, _facts, _ctx):
    price = line.contracted_price
    if price is None:
        return "1801", line.total, _l("Item %(code)s is not in the contracted price table.", code=line.code)
    excess = to_money(line.total) - to_money(min(line.unit_price, price) * line.quantity)
    if excess > 0:
        return "1705", excess, _l("Item %(code)s: value above the contracted price (%(table)s).",
                                  code=line.code, table=to_money(price))
    return None


KIND_FUNCTIONS = {
    "eligibility": _eligibility, "waiting_period": _waiting_period, "coverage": _coverage, "sex_age": _sex_age,
    "quantity": _quantity, "frequency": _frequency, "duplicate": _duplicate,
    "prior_authorization": _prior_authorization, "contract_price": _contract_price,
}


def adjudicate(facts: Facts, rules: Iterable[RuleFacts]) -> list[Finding]:
    """Every finding of ``rules`` on ``facts.lines``; an item is never glosed beyond its value.

    Lines are taken in execution-date order, so within a lot the first of two consultations
    passes and the second is the return visit."""
    rules = list(rules)
    history_by: dict[tuple, list[Past]] = defaultdict(list)
    for past in facts.history:
        history_by[(past.beneficiary_id, past.code)].append(past)
    ctx: dict = {"history_by": history_by, "own_guides": {line.guide_id for line in facts.lines if line.guide_id},
                 "quantity": {}, "frequency": defaultdict(list), "duplicate": {}}
    out: list[Finding] = []
    translated: dict[str, str] = {}
    # per procedure code, the rules that can fire on it at all with their settings resolved once (a rule
    # without scope or window skips the scope check): most of a lot's time was calls answering "nothing"
    plans: dict[str, list] = {}
    ordered = sorted(facts.lines, key=lambda x: (x.execution_date or date.min, x.guide, x.item))
    for line in ordered:
        member = facts.members.get(line.beneficiary_id)
        procedure = facts.procedures.get(line.code)
        plan = plans.get(line.code)
        if plan is None:
            plan = plans[line.code] = [(rule, KIND_FUNCTIONS[rule.kind], _scoped(rule), setting) for rule in rules
                                       if (setting := settings(rule, procedure)) is not None]
        left = to_money(line.total)
        for rule, check, scoped, setting in plan:
            if left <= 0:
                break
            if scoped and not applies(rule, line, member, procedure):
                continue
            hit = check(rule, setting, line, member, facts, ctx)
            if hit is None:
                continue
            code, amount, message = hit
            amount = min(to_money(amount), left)
            if amount <= 0:
                continue
            left -= amount
            template = translated.get(message.text)
            if template is None:
                template = translated[message.text] = gettext(message.text)
            text = template % {k: _shown(v) for k, v in message.params.items()} if message.params else template
            out.append(Finding(line.guide, line.item, rule.code or code, amount, rule.id, rule.name, rule.action,
                               text, rule.payer_code))
    return out
