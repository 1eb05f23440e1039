"""Every invoice rule: formats (parse_draft) and business checks (validate_draft)."""
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

from models.rules import invoices as r
from models.values import Competence

TODAY = date(2026, 5, 15)


def raw(**overrides):
    data = {
        "voucher_type": "11", "billing_type": "normal", "point_of_sale": "0002", "number": "85",
        "cae": "71110383321640", "cae_due_date": "2026-04-20", "period_month": "3", "period_year": "2026",
        "amount": "29663.00", "invoice_date": "2026-04-10", "referenced_invoice_id": "",
    }
    data.update(overrides)
    return data


def ctx(**overrides):
    values = dict(
        today=TODAY, tax_condition="monotributista", valid_from=date(2025, 11, 1), valid_to=date(2026, 10, 31),
        authorized_total=Decimal("355968.00"), billed_total=Decimal("100000.00"),
    )
    values.update(overrides)
    return r.BillingContext(**values)


def codes(raw_data=None, context=None):
    draft, errors = r.parse_draft(raw_data or raw())
    errors = r.merge_errors(errors, r.validate_draft(draft, context or ctx()))
    return r.error_codes(errors)


def test_valid_draft_has_no_errors():
    draft, errors = r.parse_draft(raw())
    assert errors == {}
    assert draft.point_of_sale == 2 and draft.number == 85 and draft.amount == Decimal("29663.00")
    assert draft.display_number == "00002-00000085"
    assert r.validate_draft(draft, ctx()) == {}


# Voucher types per tax condition ---------------------------------------------------------
def test_monotributista_issues_class_c_only():
    allowed = r.allowed_voucher_types("monotributista")
    assert 11 in allowed and 15 in allowed and 211 in allowed
    assert all(r.voucher_class(c) == "C" for c in allowed)
    assert 13 not in allowed  # credit notes are not billed
    assert codes(raw(voucher_type="1")) == {"voucher_type": ["voucher_type_not_allowed"]}
    assert codes(raw(voucher_type="6")) == {"voucher_type": ["voucher_type_not_allowed"]}


def test_responsable_inscripto_issues_a_b_m_not_c():
    allowed = r.allowed_voucher_types("responsable_inscripto")
    assert {1, 6, 51}.issubset(allowed) and 11 not in allowed
    assert codes(raw(voucher_type="1"), ctx(tax_condition="responsable_inscripto")) == {}
    assert "voucher_type" in codes(raw(voucher_type="11"), ctx(tax_condition="responsable_inscripto"))


def test_exento_issues_b_or_c_and_brazilian_conditions_nothing():
    assert {6, 11}.issubset(r.allowed_voucher_types("exento"))
    assert r.allowed_voucher_types("simples_nacional") == []


@pytest.mark.parametrize("value", ["999", "5", "abc", "-11"])
def test_unknown_voucher_type(value):
    assert codes(raw(voucher_type=value))["voucher_type"] == ["voucher_type_unknown"]


# Formats -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["voucher_type", "point_of_sale", "number", "cae", "cae_due_date", "period_month",
                                  "period_year", "amount", "invoice_date", "billing_type"])
def test_every_field_is_required(name):
    assert "required" in codes(raw(**{name: ""}))[name]


@pytest.mark.parametrize("value,expected", [("2", 2), ("0002", 2), ("00002", 2), ("99999", 99999), (" 12 ", 12)])
def test_point_of_sale_accepts_up_to_five_digits(value, expected):
    draft, errors = r.parse_draft(raw(point_of_sale=value))
    assert "point_of_sale" not in errors and draft.point_of_sale == expected


@pytest.mark.parametrize("value", ["0", "00000", "100000", "000002", "2a", "-1", "1.5"])
def test_point_of_sale_out_of_range(value):
    assert codes(raw(point_of_sale=value))["point_of_sale"] == ["point_of_sale_format"]


@pytest.mark.parametrize("value", ["1", "00000085", "99999999"])
def test_number_valid(value):
    assert "number" not in codes(raw(number=value))


@pytest.mark.parametrize("value", ["0", "100000000", "000000001", "12x", "1e5"])
def test_number_invalid(value):
    assert codes(raw(number=value))["number"] == ["number_format"]


@pytest.mark.parametrize("value", ["7111038332164", "711103833216400", "7111038332164a", "71110-38332164"])
def test_cae_must_be_14_digits(value):
    assert codes(raw(cae=value))["cae"] == ["cae_format"]


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_any_14_digits_is_a_well_formed_cae(cae):
    _, errors = r.parse_draft(raw(cae=cae))
    assert "cae" not in errors


@given(st.text(max_size=20).filter(
    lambda s: not (len(s.strip()) == 14 and s.strip().isascii() and s.strip().isdigit())))
def test_anything_else_is_not_a_cae(cae):
    _, errors = r.parse_draft(raw(cae=cae))
    assert "cae" in errors


@given(st.integers(min_value=-10**9, max_value=10**9))
def test_point_of_sale_range_property(n):
    _, errors = r.parse_draft(raw(point_of_sale=str(n)))
    assert ("point_of_sale" in errors) == (not 1 <= n <= 99999)


@given(st.integers(min_value=0, max_value=10**10))
def test_number_range_property(n):
    _, errors = r.parse_draft(raw(number=str(n)))
    assert ("number" in errors) == (not 1 <= n <= 99999999)


@pytest.mark.parametrize("text,expected", [
    ("29663", "29663.00"), ("29663.5", "29663.50"), ("29663,50", "29663.50"), ("29.663,50", "29663.50"),
    ("29,663.50", "29663.50"), ("$ 1.234.567", "1234567.00"), ("0.01", "0.01"),
])
def test_amount_formats(text, expected):
    assert r.parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["abc", "12.345,678", "1e3", "", "12,3,4", "NaN", "Infinity", "1" * 13, "-5"])
def test_amount_rejects(text):
    assert r.parse_amount(text) is None


def test_amount_reads_dots_as_the_locale_says():
    with force_locale("es_AR"):
        assert r.parse_amount("1.234") == Decimal("1234.00")  # es_AR groups thousands with a dot


def test_amount_must_be_positive():
    assert codes(raw(amount="0"))["amount"] == ["amount_positive"]
    assert codes(raw(amount="0.00"))["amount"] == ["amount_positive"]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2))
def test_amount_round_trip(value):
    assert r.parse_amount(f"{value:.2f}") == value
    assert r.parse_amount(f"{value:.2f}".replace(".", ",")) == value


@pytest.mark.parametrize("text", ["2026-02-30", "31/02/2026", "2026/04/01", "tomorrow", "01-04-2026"])
def test_invalid_dates(text):
    assert codes(raw(invoice_date=text))["invoice_date"] == ["date_format"]


def test_dates_accept_iso_and_dmy():
    assert r.parse_date("10/04/2026") == date(2026, 4, 10)
    assert r.parse_date("2026-04-10") == date(2026, 4, 10)


def test_cae_due_date_not_before_invoice_date():
    assert codes(raw(cae_due_date="2026-04-09"))["cae_due_date"] == ["cae_due_before_invoice"]


@pytest.mark.parametrize("month", ["0", "13", "x"])
def test_month_range(month):
    assert codes(raw(period_month=month))["period_month"] == ["month_invalid"]


def test_year_range():
    assert codes(raw(period_year="1999"))["period_year"] == ["year_invalid"]


def test_billing_type_must_be_known():
    assert codes(raw(billing_type="other"))["billing_type"] == ["billing_type_invalid"]


# Dates vs period and validity -----------------------------------------------------------
def test_invoice_date_not_in_future():
    assert codes(raw(invoice_date="2026-05-16", cae_due_date="2026-05-26"))["invoice_date"] == ["invoice_date_future"]
    assert "invoice_date" not in codes(raw(invoice_date="2026-05-15", cae_due_date="2026-05-25"))


def test_invoice_date_not_before_period():
    assert codes(raw(invoice_date="2026-02-28"))["invoice_date"] == ["invoice_date_before_period"]
    assert "invoice_date" not in codes(raw(invoice_date="2026-03-01"))


def test_period_inside_validity():
    assert codes(raw(period_month="10", period_year="2025", invoice_date="2026-01-05", cae_due_date="2026-01-15")
                 )["period_month"] == ["period_outside_validity"]
    # a period overlapping the first month of validity is fine
    assert codes(raw(period_month="3", period_year="2026"), ctx(valid_from=date(2026, 3, 20))) == {}
    assert codes(raw(period_month="3", period_year="2026"), ctx(valid_to=date(2026, 2, 28)))["period_month"] == [
        "period_outside_validity"]


def test_period_not_in_future():
    assert "period_future" in codes(raw(period_month="6", period_year="2026"))["period_month"]


# Amounts vs the authorization ------------------------------------------------------------
def test_normal_invoice_cannot_exceed_remaining():
    context = ctx(authorized_total=Decimal("100000.00"), billed_total=Decimal("70337.00"))
    assert context.remaining == Decimal("29663.00")
    assert codes(raw(amount="29663.00"), context) == {}
    assert codes(raw(amount="29663.01"), context)["amount"] == ["amount_exceeds_remaining"]


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000"), places=2),
       st.decimals(min_value=Decimal("0"), max_value=Decimal("355968"), places=2))
def test_remaining_property(amount, billed):
    context = ctx(billed_total=billed)
    errors = codes(raw(amount=f"{amount:.2f}"), context)
    assert ("amount_exceeds_remaining" in errors.get("amount", [])) == (amount > Decimal("355968.00") - billed)


def test_duplicate_number():
    assert codes(context=ctx(number_taken=True)) == {"number": ["number_taken"]}
    draft, _ = r.parse_draft(raw())
    message = r.validate_draft(draft, ctx(number_taken=True))["number"][0].message
    assert "already used" in message


def test_normal_invoice_once_per_period():
    assert codes(context=ctx(normal_in_period=("00002-00000080",)))["period_month"] == ["period_already_billed"]


# Ajuste --------------------------------------------------------------------------------
def ref(**overrides):
    values = dict(id=7, status="accepted", period_month=3, period_year=2026, display_number="00002-00000080",
                  net_amount=Decimal("29663.00"))
    values.update(overrides)
    return r.ReferenceCandidate(**values)


def test_adjustment_requires_reference():
    assert codes(raw(billing_type="adjustment"))["referenced_invoice_id"] == ["reference_required"]


def test_adjustment_with_accepted_reference_of_same_period():
    context = ctx(references=(ref(),), normal_in_period=("00002-00000080",))
    assert codes(raw(billing_type="adjustment", referenced_invoice_id="7", amount="1500"), context) == {}


@pytest.mark.parametrize("reference", [
    ref(status="sent"), ref(status="rejected"), ref(status="in_audit"), ref(period_month=2), ref(period_year=2025),
    ref(id=8),
])
def test_adjustment_reference_must_be_accepted_same_period(reference):
    context = ctx(references=(reference,))
    assert codes(raw(billing_type="adjustment", referenced_invoice_id="7"), context)["referenced_invoice_id"] == [
        "reference_invalid"]


def test_entered_invoice_can_be_adjusted():
    adjustment = raw(billing_type="adjustment", referenced_invoice_id="7")
    assert codes(adjustment, ctx(references=(ref(status="entered"),))) == {}


def test_one_adjustment_per_referenced_invoice():
    context = ctx(references=(ref(adjusted_by="00002-00000090"),))
    assert codes(raw(billing_type="adjustment", referenced_invoice_id="7"), context)["referenced_invoice_id"] == [
        "reference_already_adjusted"]


def test_adjustment_amount_is_the_difference_and_within_remaining():
    context = ctx(references=(ref(),), authorized_total=Decimal("100000"), billed_total=Decimal("99000"))
    assert codes(raw(billing_type="adjustment", referenced_invoice_id="7", amount="1000.00"), context) == {}
    assert codes(raw(billing_type="adjustment", referenced_invoice_id="7", amount="1000.01"), context)["amount"] == [
        "amount_exceeds_remaining"]


def test_normal_invoice_cannot_reference():
    assert codes(raw(referenced_invoice_id="7"), ctx(references=(ref(),)))["referenced_invoice_id"] == [
        "reference_not_allowed"]


def test_adjustable_references_lists_only_open_accepted():
    context = ctx(references=(ref(), ref(id=8, status="sent"), ref(id=9, adjusted_by="x"), ref(id=10, period_month=2)))
    assert [x.id for x in r.adjustable_references(context)] == [7, 10]
    assert [x.id for x in r.adjustable_references(context, 3, 2026)] == [7]


def test_format_helpers():
    assert r.format_invoice_number(2, 85) == "00002-00000085"
    assert r.voucher_name(11) == "Factura C" and r.voucher_name(None) == "" and r.voucher_name(999) == "999"
    assert Competence(2024, 2).bounds == (date(2024, 2, 1), date(2024, 2, 29))
