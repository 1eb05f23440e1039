"""issue_lot / send_lots: one type, ≤ max guides, protocol, totals, and one active lot per guide."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import AuditLog, Guide, Lot
from models.base import db
from models.enums import GuideStatus, GuideType, LotSource, LotStatus
from services.lot_flow import issue_lot, send_lots
from services.lots import LotError, lot_integrity


def test_issue_lot_protocol_total_and_audit(clinic, provider_user):
    guides = [clinic.guide() for _ in range(3)]
    lot = issue_lot(clinic.provider, guides, competence=clinic.competence, actor=provider_user,
                    source=LotSource.BUILDER)
    db.session.commit()
    assert lot.protocol_number and lot.status == LotStatus.RECEIVED and lot.sent_at
    assert lot.guide_type == GuideType.SP_SADT and len(lot.guides) == 3
    assert lot.expected_payment_date is not None
    # 2×25 + 3×1.35 + 45 = 99.05 per guide
    assert lot.total_amount == Decimal("297.15")
    assert lot_integrity(lot) == (Decimal("297.15"),) * 3
    assert lot.description.startswith(f"LOTE_{lot.number}_")
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "guide",
                                                       AuditLog.entity_id == guides[0].id)).all()
    assert any(r.changes == {"lot_id": [None, lot.id]} for r in rows)
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "lot", AuditLog.action == "create"))


def test_guide_in_active_lot_cannot_enter_another(clinic, provider_user):
    g = clinic.guide()
    issue_lot(clinic.provider, [g], competence=clinic.competence, actor=provider_user)
    db.session.commit()
    with pytest.raises(LotError) as err:
        issue_lot(clinic.provider, [g], competence=clinic.competence, actor=provider_user)
    assert err.value.code == "taken"


def test_stale_guide_object_still_refused_by_database(clinic, provider_user):
    """Even when the Python object says 'free', the conditional UPDATE refuses."""
    g1, g2 = clinic.guide(), clinic.guide()
    first = issue_lot(clinic.provider, [g1], competence=clinic.competence, actor=provider_user)
    db.session.execute(sa.update(Guide.__table__).where(Guide.__table__.c.id == g2.id).values(lot_id=first.id))
    g2.__dict__["lot_id"] = None  # what a second tab loaded before
    lots_before = db.session.scalar(sa.select(sa.func.count(Lot.id)))
    with pytest.raises(LotError) as err:
        issue_lot(clinic.provider, [g2], competence=clinic.competence, actor=provider_user)
    assert err.value.code == "taken"
    assert db.session.scalar(sa.select(sa.func.count(Lot.id))) <= lots_before


def test_one_type_per_lot_and_max(clinic, provider_user):
    with pytest.raises(LotError) as err:
        issue_lot(clinic.provider, [clinic.guide(GuideType.CONSULTA), clinic.guide()],
                  competence=clinic.competence, actor=provider_user)
    assert err.value.code == "mixed_types"
    with pytest.raises(LotError) as err:
        issue_lot(clinic.provider, [], competence=clinic.competence, actor=provider_user)
    assert err.value.code == "empty"


def test_send_splits_250_guides_into_lots_of_100(clinic, provider_user):
    guides = [clinic.guide(GuideType.CONSULTA, day=i % 20) for i in range(250)]
    db.session.commit()
    result = send_lots(clinic.provider, guides, competence=clinic.competence, actor=provider_user)
    db.session.commit()
    assert [len(lot.guides) for lot in result.lots] == [100, 100, 50]
    assert len({lot.protocol_number for lot in result.lots}) == 3
    assert result.total == Decimal("37500.00") and result.guide_count == 250 and not result.errors
    for lot in result.lots:
        total, guides_sum, items_sum = lot_integrity(lot)
        assert total == guides_sum == items_sum == Decimal(len(lot.guides) * 150).quantize(Decimal("0.01"))


def test_send_leaves_out_guides_with_occurrences(clinic, provider_user):
    good = clinic.guide()
    pending = clinic.guide(status=GuideStatus.PENDING)
    result = send_lots(clinic.provider, [good, pending], competence=clinic.competence, actor=provider_user)
    assert [g.number for lot in result.lots for g in lot.guides] == [good.number]
    assert result.errors[0][0] == pending.number and result.errors[0][1][0].code == "1402"
    assert pending.lot_id is None
