"""Following lots: estorno, removing guides, deleting, the lock once processing starts, totals."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Guide, Lot
from models.base import db
from models.enums import LotStatus, Role
from models.workflow import TransitionError
from services.lot_flow import issue_lot, move_lot
from services.lots import (
    LotError,
    delete_lot,
    lot_integrity,
    record_physical_receipt,
    remove_guide,
    reverse_lot,
)


@pytest.fixture
def lot(clinic, provider_user):
    guides = [clinic.guide() for _ in range(3)]
    made = issue_lot(clinic.provider, guides, competence=clinic.competence, actor=provider_user)
    db.session.commit()
    return made


def test_reversal_cancels_and_releases_guides_for_a_new_lot(lot, clinic, provider_user):
    guides = list(lot.guides)
    reverse_lot(lot, provider_user, "Valores errados, refazer")
    db.session.commit()
    assert lot.status == LotStatus.CANCELLED and lot.total_amount == Decimal("0.00")
    assert all(g.lot_id is None for g in guides)
    again = issue_lot(clinic.provider, guides, competence=clinic.competence, actor=provider_user,
                      number=lot.number)  # number is free again once cancelled
    db.session.commit()
    assert again.id != lot.id and len(again.guides) == 3


def test_reversal_needs_a_reason(lot, provider_user):
    with pytest.raises(LotError) as err:
        reverse_lot(lot, provider_user, "  ")
    assert err.value.code == "reason"


def test_remove_guide_keeps_totals_in_step(lot, provider_user):
    guide = lot.guides[0]
    remove_guide(lot, guide, provider_user)
    db.session.commit()
    assert guide.lot_id is None and len(lot.guides) == 2
    total, guides_sum, items_sum = lot_integrity(lot)
    assert total == guides_sum == items_sum == Decimal("198.10")
    remove_guide(lot, lot.guides[0], provider_user)
    with pytest.raises(LotError) as err:
        remove_guide(lot, lot.guides[0], provider_user)
    assert err.value.code == "last_guide"


def test_delete_releases_guides(lot, provider_user):
    ids = [g.id for g in lot.guides]
    lot_id = lot.id
    delete_lot(lot, provider_user)
    db.session.commit()
    assert db.session.get(Lot, lot_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).where(Guide.id.in_(ids), Guide.lot_id.is_(None))) == 3


def test_processing_locks_the_lot_for_the_provider(lot, provider_user, make_user):
    clerk = make_user(Role.CLERK)
    record_physical_receipt(lot, date.today(), clerk)
    assert lot.physical_received_at == date.today()
    move_lot(lot, LotStatus.IN_ANALYSIS, clerk)
    db.session.commit()
    assert lot.processing_date == date.today()
    for action in (lambda: reverse_lot(lot, provider_user, "quero refazer"),
                   lambda: remove_guide(lot, lot.guides[0], provider_user),
                   lambda: delete_lot(lot, provider_user)):
        with pytest.raises(LotError) as err:
            action()
        assert err.value.code == "locked"
    assert len(lot.guides) == 3


def test_processing_date_alone_locks(lot, provider_user):
    lot.processing_date = date.today()
    db.session.commit()
    with pytest.raises(LotError) as err:
        reverse_lot(lot, provider_user, "quero refazer")
    assert err.value.code == "locked"


def test_other_provider_cannot_touch(lot, make_user, clinic):
    from tests.lots.conftest import Clinic

    stranger = make_user(Role.PROVIDER, providers=[Clinic("Outra Clínica Ltda").provider])
    with pytest.raises(LotError) as err:
        reverse_lot(lot, stranger, "não é meu")
    assert err.value.code == "forbidden"


def test_provider_cannot_receive_or_move(app, lot, provider_user):
    with pytest.raises(LotError):
        record_physical_receipt(lot, date.today(), provider_user)
    with app.test_request_context(), pytest.raises(TransitionError):
        move_lot(lot, LotStatus.IN_ANALYSIS, provider_user)
