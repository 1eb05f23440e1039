"""The demo's adjudication data (issue 15; acceptance checks rely on it, keep it fixed):
Provider2's beneficiaries on "Plano Demo Ambulatorial", a small TUSS catalogue, and rules acting at
intake for eligibility, carência, coverage, sex/age, frequency and duplicates."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import (
    AdjudicationRule,
    AdjudicationSettings,
    Beneficiary,
    HealthPlan,
    PlanWaitingPeriod,
    Procedure,
    ProcedureGroup,
)
from models.adjudication import RuleAction, RuleKind, Segmentation, WaitingKind
from models.base import db

PLAN_NAME = "Plano Demo Ambulatorial"
GROUPS = [  # code, name, segmentation, waiting kind
    ("CONSULTAS", "Consultas", Segmentation.AMBULATORY, WaitingKind.OTHER),
    ("EXAMES", "Exames e terapias", Segmentation.AMBULATORY, WaitingKind.OTHER),
    ("URGENCIA", "Urgência e emergência", Segmentation.AMBULATORY, WaitingKind.URGENCY),
    ("INTERNACAO", "Internação e cirurgias", Segmentation.HOSPITAL, WaitingKind.OTHER),
    ("PARTO", "Parto a termo", Segmentation.OBSTETRIC, WaitingKind.CHILDBIRTH),
]
# code, description, group, sex, min age, max age, prior authorization, max per guide, frequency (N, D, per provider)
CATALOGUE = [
    ("10101012", "Consulta em consultório (no horário normal ou preestabelecido)", "CONSULTAS", None, None, None,
     False, Decimal(1), (1, 30, True)),
    ("10101039", "Consulta em pronto socorro", "URGENCIA", None, None, None, False, Decimal(1), None),
    ("40304361", "Hemograma com contagem de plaquetas", "EXAMES", None, None, None, False, Decimal(2), None),
    ("40901300", "US - transvaginal", "EXAMES", "F", 12, None, False, Decimal(1), None),
    ("40901335", "US - próstata via abdominal", "EXAMES", "M", 18, None, False, Decimal(1), None),
    ("31309054", "Cesariana", "PARTO", "F", None, None, True, Decimal(1), None),
]
RULES = [  # name, kind, action, procedure code
    ("Elegibilidade na data do atendimento", RuleKind.ELIGIBILITY, RuleAction.REFUSE, None),
    ("Carência do plano", RuleKind.WAITING_PERIOD, RuleAction.REFUSE, None),
    ("Cobertura da segmentação", RuleKind.COVERAGE, RuleAction.REFUSE, None),
    ("Sexo e idade", RuleKind.SEX_AGE, RuleAction.REFUSE, None),
    ("Quantidade por guia", RuleKind.QUANTITY, RuleAction.PROPOSE, None),
    ("Consulta de retorno (1 em 30 dias)", RuleKind.FREQUENCY, RuleAction.REFUSE, "10101012"),
    ("Cobrança em duplicidade", RuleKind.DUPLICATE, RuleAction.REFUSE, None),
    ("Autorização prévia", RuleKind.PRIOR_AUTHORIZATION, RuleAction.PROPOSE, None),
    ("Valor contratado", RuleKind.CONTRACT_PRICE, RuleAction.REFUSE, None),
]


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def load(today: date) -> None:
    plan = HealthPlan(name=PLAN_NAME, ans_product_number="419999001", segmentation=Segmentation.AMBULATORY)
    groups = {code: ProcedureGroup(code=code, name=name, segmentation=seg, waiting_kind=kind)
              for code, name, seg, kind in GROUPS}
    db.session.add_all([plan, *groups.values()])
    db.session.flush()
    db.session.add_all([PlanWaitingPeriod(plan_id=plan.id, group_id=groups["CONSULTAS"].id, days=30),
                        PlanWaitingPeriod(plan_id=plan.id, group_id=groups["EXAMES"].id, days=180),
                        PlanWaitingPeriod(plan_id=plan.id, group_id=groups["URGENCIA"].id, days=1)])
    for code, description, group, sex, low, high, auth, most, frequency in CATALOGUE:
        count, days, per_provider = frequency or (None, None, False)
        db.session.add(Procedure(code=code, description=description, group_id=groups[group].id, sex=sex,
                                 min_age=low, max_age=high, requires_authorization=auth, max_quantity=most,
                                 frequency_count=count, frequency_days=days, frequency_per_provider=per_provider))
    for name, kind, action, code in RULES:
        db.session.add(AdjudicationRule(name=name, kind=kind, action=action, procedure_code=code))
    # Auto-adjudication starts off: an admin switches it on under Configuration → Auto-adjudication
    db.session.add(AdjudicationSettings(auto_enabled=False, auto_limit=Decimal("5000.00"), sample_percent=10))

    previous = _month_start(today, 1)
    long_ago = _month_start(today, 24)
    cards = [f"8000000000{i:02d}" for i in range(1, 51)]
    db.session.execute(sa.update(Beneficiary).where(Beneficiary.card_number.in_(cards))
                       .values(health_plan_id=plan.id, coverage_start=long_ago))
    # 800000000050: coverage ended the last day of the month before the previous month
    db.session.execute(sa.update(Beneficiary).where(Beneficiary.card_number == "800000000050")
                       .values(coverage_end=previous - timedelta(days=1)))
    # 800000000048: included on the first day of the previous month (30-day carência for consultations)
    db.session.execute(sa.update(Beneficiary).where(Beneficiary.card_number == "800000000048")
                       .values(coverage_start=previous))
    db.session.flush()
