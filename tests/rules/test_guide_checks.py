"""Every occurrence rule that keeps a guide out of a lot (pure, no database)."""
from datetime import date
from decimal import Decimal

import pytest

from models.rules.guide_checks import (
    GuideFacts,
    ItemFacts,
    facts_from_guide,
    guide_occurrences,
)
from models.values import Competence, InvalidValue

TODAY = date(2025, 2, 25)
PRICES = {"10101012": Decimal("150.00"), "70000001": Decimal("1.35"), "60000732": Decimal("45.00"),
          "99999999": Decimal("0.00")}


def item(code="10101012", kind="procedure", quantity="1", unit="150.00", total=None):
    q, u = Decimal(quantity), Decimal(unit)
    return ItemFacts(code=code, kind=kind, quantity=q, unit_price=u,
                     total=Decimal(total) if total is not None else (q * u).quantize(Decimal("0.01")))


def guide(**overrides):
    base = dict(number="6113079", guide_type="sp_sadt", status="authorized", beneficiary_known=True,
                authorization_valid_to=date(2025, 3, 31), execution_date=date(2025, 2, 17),
                items=(item(), item("70000001", "material", "2", "1.35")))
    base.update(overrides)
    return GuideFacts(**base)


def codes(g, **kwargs):
    params = dict(competence="2025-02", today=TODAY, prices=PRICES, in_active_lot=False)
    params.update(kwargs)
    return [o.code for o in guide_occurrences(g, **params)]


def test_clean_guide_has_no_occurrence():
    assert codes(guide()) == []


@pytest.mark.parametrize("status", ["not_authorized", "pending", "denied", "cancelled"])
def test_not_authorized(status):
    assert codes(guide(status=status)) == ["1402"]


def test_authorization_expired_before_execution():
    assert codes(guide(authorization_valid_to=date(2025, 2, 10))) == ["1405"]


def test_authorization_valid_on_execution_day():
    assert codes(guide(authorization_valid_to=date(2025, 2, 17))) == []


def test_execution_date_missing():
    occ = guide_occurrences(guide(execution_date=None), competence="2025-02", today=TODAY, prices=PRICES,
                            in_active_lot=False)
    assert [(o.code, o.field) for o in occ] == [("1317", "execution_date")]


def test_execution_date_in_future():
    # Still in the competence month but after today.
    assert codes(guide(execution_date=date(2025, 2, 27))) == ["1809"]


def test_execution_outside_competence():
    assert codes(guide(execution_date=date(2025, 1, 31))) == ["1701"]
    assert codes(guide(), competence="2025-03", today=date(2025, 3, 30)) == ["1701"]


def test_in_active_lot_and_duplicate():
    assert codes(guide(), in_active_lot=True) == ["1308"]
    assert codes(guide(), duplicate=True) == ["1308"]


def test_unknown_beneficiary():
    assert codes(guide(beneficiary_known=False)) == ["1001"]


def test_item_not_in_table_per_kind():
    g = guide(items=(item("12345678"), item("55555555", "material", unit="2.00"),
                     item("66666666", "medicine", unit="2.00"), item("77777777", "fee", unit="2.00")))
    assert codes(g) == ["1801", "2001", "2101", "2301"]


def test_quantity_not_positive_per_kind():
    g = guide(items=(item(quantity="0"), item("70000001", "material", "-1", "1.35", total="0.00"),
                     item("60000732", "fee", "0", "45.00")))
    assert codes(g) == ["1806", "2005", "2304"]


def test_item_without_price():
    assert codes(guide(items=(item(unit="0.00"),))) == ["1708"]
    assert codes(guide(items=(item("99999999", unit="5.00"),))) == ["1708"]


def test_value_above_or_below_table():
    assert codes(guide(items=(item(unit="180.00"),))) == ["1705"]
    assert codes(guide(items=(item(unit="120.00"),))) == ["1706"]


def test_item_total_must_be_quantity_times_unit():
    assert codes(guide(items=(item(total="151.00"),))) == ["1705"]
    assert codes(guide(items=(item(total="149.00"),))) == ["1706"]


def test_guide_without_items():
    assert codes(guide(items=())) == ["1801"]


def test_occurrence_points_at_item_index_and_message(app):
    occ = guide_occurrences(guide(items=(item(), item("12345678"))), competence="2025-02", today=TODAY,
                            prices=PRICES, in_active_lot=False)
    assert occ[0].item == 1 and occ[0].field == "code"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(occ[0].message) == "Item 12345678 is not in the price table."


def test_several_occurrences_accumulate():
    g = guide(status="pending", execution_date=None, beneficiary_known=False)
    assert sorted(codes(g, in_active_lot=True)) == ["1001", "1308", "1317", "1402"]


@pytest.mark.parametrize("bad", ["2025-13", "25-02", "2025/02", "", "abcd-ef"])
def test_bad_competence(bad):
    with pytest.raises(InvalidValue):
        Competence.parse(bad)


def test_facts_from_orm_like_row():
    class Obj:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    from models.enums import GuideStatus, GuideType, ItemKind

    row = Obj(number="1", guide_type=GuideType.CONSULTA, status=GuideStatus.AUTHORIZED,
              beneficiary=Obj(active=True), authorization_valid_to=None, execution_date=date(2025, 2, 1),
              items=[Obj(code="10101012", kind=ItemKind.PROCEDURE, quantity=Decimal("1"),
                         unit_price=Decimal("150.00"), total_amount=Decimal("150.00"))])
    facts = facts_from_guide(row)
    assert facts.guide_type == "consulta" and facts.status == "authorized" and facts.beneficiary_known
    assert facts.items[0].kind == "procedure"
    assert codes(facts) == []
