"""Lots issued by the lot builder go through the same rules acting at intake as received files."""
from decimal import Decimal

import sqlalchemy as sa

from models import AdjudicationFinding, AdjudicationRule, Glosa
from models.adjudication import FindingStatus, RuleAction, RuleKind
from models.base import db
from models.enums import GuideType, Role
from services.lot_flow import send_lots
from tests.lots.conftest import Clinic


def test_builder_lot_duplicates_are_glosed_at_intake(app, make_user):
    clinic = Clinic()
    db.session.add(AdjudicationRule(name="Duplicidade", kind=RuleKind.DUPLICATE, action=RuleAction.REFUSE))
    db.session.commit()
    provider_user = make_user(Role.PROVIDER, providers=[clinic.provider])
    first = clinic.guide(GuideType.CONSULTA, day=4)
    same = clinic.guide(GuideType.CONSULTA, day=4)
    same.beneficiary_id = first.beneficiary_id
    db.session.commit()
    result = send_lots(clinic.provider, [first], competence=clinic.competence, actor=provider_user)
    assert db.session.scalar(sa.select(Glosa).where(Glosa.lot_id == result.lots[0].id)) is None
    again = send_lots(clinic.provider, [same], competence=clinic.competence, actor=provider_user)
    glosa = db.session.scalar(sa.select(Glosa).where(Glosa.lot_id == again.lots[0].id))
    assert glosa.code.code == "1702" and glosa.amount == Decimal("150.00")
    finding = db.session.scalar(sa.select(AdjudicationFinding).where(AdjudicationFinding.glosa_id == glosa.id))
    assert finding.status == FindingStatus.APPLIED
