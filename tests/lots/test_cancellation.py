"""services.cancellation: providers cancel guides (and lots) the payer has not started analysing."""
from __future__ import annotations

import pytest

from models.base import db
from models.enums import GuideStatus, LotStatus, ProviderStatus, Role
from models.workflow import TransitionError
from seed import factories as f
from services import cancellation, lot_flow
from tests.helpers import brazilian_provider_with_guides


@pytest.fixture
def setup(make_user):
    provider, (loose, in_lot, other) = brazilian_provider_with_guides(guides=3)
    lot = f.make_lot(provider, [in_lot, other], "2026-10", LotStatus.RECEIVED)
    db.session.commit()
    user = make_user(Role.PROVIDER, providers=[provider])
    return provider, loose, in_lot, other, lot, user


def request(guide, protocol=None):
    return cancellation.GuideRequest(kind="2", number=guide.number, protocol=protocol)


def test_a_guide_outside_or_inside_a_received_lot_is_cancelled(setup):
    provider, loose, in_lot, other, lot, user = setup
    outcomes = cancellation.cancel_guides(user, provider.id,
                                          [request(loose), request(in_lot, str(lot.protocol_number))])
    assert [o.status for o in outcomes] == ["1", "1"]
    assert loose.status == GuideStatus.CANCELLED and in_lot.status == GuideStatus.CANCELLED
    assert in_lot.lot_id is None and lot.status == LotStatus.RECEIVED and lot.total_amount == other.total_amount
    [last] = cancellation.cancel_guides(user, provider.id, [request(other)])
    assert last.status == "1" and lot.status == LotStatus.CANCELLED


def test_guides_in_analysis_other_providers_and_other_kinds_are_not_cancelled(setup, make_user):
    provider, loose, in_lot, other, lot, user = setup
    clerk = make_user(Role.CLERK)
    lot_flow.move_lot(lot, LotStatus.IN_ANALYSIS, clerk)
    stranger_provider, (stranger_guide,) = brazilian_provider_with_guides("Outra Clínica", guides=1)
    db.session.commit()
    outcomes = cancellation.cancel_guides(user, provider.id, [
        request(in_lot), request(stranger_guide), cancellation.GuideRequest(kind="3", number=loose.number),
        request(loose, protocol="12345")])
    assert [o.status for o in outcomes] == ["4", "3", "2", "6"]
    with pytest.raises(TransitionError):
        cancellation.cancel_guides(user, stranger_provider.id, [request(stranger_guide)])
    assert in_lot.status == GuideStatus.AUTHORIZED and stranger_guide.status == GuideStatus.AUTHORIZED
    assert cancellation.cancel_lot(user, provider.id, lot.number).status == "4"


def test_a_suspended_provider_or_a_role_without_the_right_cancels_nothing(setup, make_user):
    provider, loose, in_lot, other, lot, user = setup
    with pytest.raises(TransitionError):
        cancellation.cancel_guides(make_user(Role.SUPERVISOR), provider.id, [request(loose)])
    provider.status = ProviderStatus.SUSPENDED
    db.session.commit()
    with pytest.raises(TransitionError) as refused:
        cancellation.cancel_guides(user, provider.id, [request(loose)])
    assert refused.value.code == "suspended"
    with pytest.raises(TransitionError):
        cancellation.cancel_lot(user, provider.id, lot.number)
    assert loose.status == GuideStatus.AUTHORIZED and lot.status == LotStatus.RECEIVED


def test_cancelling_a_lot_releases_its_guides(setup):
    provider, loose, in_lot, other, lot, user = setup
    assert cancellation.cancel_lot(user, provider.id, "NOPE").status == "5"
    outcome = cancellation.cancel_lot(user, provider.id, lot.number, str(lot.protocol_number))
    assert outcome.status == "1" and lot.status == LotStatus.CANCELLED
    assert in_lot.lot_id is None and in_lot.status == GuideStatus.AUTHORIZED
    assert lot_flow.issue_lot(provider, [in_lot, other], competence="2026-10", actor=user).guides
