"""services.eligibility.check: the one place that says whether a card may be attended."""
from datetime import date

from models.base import db
from seed import factories as f
from services import eligibility


def test_known_active_card_is_eligible_an_inactive_one_is_not_an_unknown_one_is_invalid():
    active = f.make_beneficiary("700000000001", "Ana Ativa")
    inactive = f.make_beneficiary("700000000002", "Bruno Inativo", active=False)
    db.session.flush()
    assert eligibility.check(" 700000000001 ", date(2026, 5, 1)) == (True, None, active)
    assert eligibility.check("700000000002", date(2026, 5, 1)) == (False, "1016", inactive)
    assert eligibility.check("999", date(2026, 5, 1)) == (False, "1001", None)
    assert eligibility.check("", None) == (False, "1001", None)
    assert eligibility.check(None) == (False, "1001", None)
