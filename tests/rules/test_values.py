"""The one parser of typed money, quantities, dates and competences (models.values)."""
from datetime import date
from decimal import Decimal

import pytest

from models.values import Competence, InvalidValue, format_number, parse_date, parse_money, parse_quantity


@pytest.mark.parametrize("locale,text,expected", [
    ("es_AR", "1.234,50", "1234.50"), ("pt_BR", "1.234,50", "1234.50"), ("en", "1,234.50", "1234.50"),
    ("es_AR", "1234.50", "1234.50"), ("pt_BR", "1234,5", "1234.50"), ("en", "1234.50", "1234.50"),
    ("es_AR", "$ 1.234.567", "1234567.00"), ("pt_BR", "R$ 150,00", "150.00"), ("es_AR", "1.234", "1234.00"),
    ("es_AR", " 12,30 ", "12.30"), ("pt_BR", "1\u00a0234,50", "1234.50"), ("en", "0", "0.00"),
])
def test_money_in_the_users_locale(locale, text, expected):
    assert parse_money(text, locale=locale) == Decimal(expected)


@pytest.mark.parametrize("text,code", [
    ("NaN", "number"), ("Infinity", "number"), ("-Infinity", "number"), ("1E+20", "number"), ("1e3", "number"),
    ("²", "number"), ("١٢", "number"), ("12,", "number"), ("abc", "number"), ("1\x00", "number"),
    ("0,001", "decimals"), ("1.2345", "decimals"), ("1" * 13, "range"), ("9" * 400, "number"), ("-1", "negative"),
])
def test_money_refusals_are_coded(text, code):
    with pytest.raises(InvalidValue) as refused:
        parse_money(text, "amount", locale="es_AR")
    assert refused.value.code == code and refused.value.field == "amount"
    assert refused.value.message  # a sentence for the field


def test_blank_is_none_and_negatives_only_when_asked():
    assert parse_money("  ", locale="es_AR") is None
    assert parse_money("-5,00", minimum=None, locale="es_AR") == Decimal("-5.00")
    assert parse_money(Decimal("999999999999.99")) == Decimal("999999999999.99")
    with pytest.raises(InvalidValue):
        parse_money(Decimal("NaN"))


def test_quantities_keep_four_decimals_within_numeric_9_4():
    assert parse_quantity("1,5", locale="pt_BR") == Decimal("1.5000")
    assert parse_quantity("99999,9999", locale="pt_BR") == Decimal("99999.9999")
    for bad in ("100000", "0,00001", "NaN"):
        with pytest.raises(InvalidValue):
            parse_quantity(bad, "quantity", locale="pt_BR")


def test_numbers_written_back_in_the_locale():
    assert format_number(Decimal("3.0000"), "es_AR") == "3"
    assert format_number(Decimal("1.5000"), "pt_BR") == "1,5"
    assert format_number(Decimal("29663.00"), "es_AR", 2) == "29663,00"
    assert format_number(Decimal("29663"), "en", 2) == "29663.00"


@pytest.mark.parametrize("text,expected", [
    ("2026-04-10", date(2026, 4, 10)), ("10/04/2026", date(2026, 4, 10)), ("1/2/1900", date(1900, 2, 1)),
])
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text,code", [
    ("0000-00-00", "date"), ("2026-02-30", "date"), ("2026x01", "date"), ("0001-01-01", "date_range"),
    ("2101-01-01", "date_range"), ("²026-01-01", "date"), (date(1, 1, 1), "date_range"),
])
def test_impossible_dates_refused(text, code):
    with pytest.raises(InvalidValue) as refused:
        parse_date(text, "on")
    assert refused.value.code == code


def test_competence():
    march = Competence.parse("03/2026")
    assert march == Competence.parse("2026-03") == Competence.parse("2026-3") == Competence.of(date(2026, 3, 9))
    assert str(march) == "2026-03" and march.label == "03/2026"
    assert march.bounds == (date(2026, 3, 1), date(2026, 3, 31))
    assert Competence(2024, 2).last_day == date(2024, 2, 29)
    assert Competence(2026, 12).next() == Competence(2027, 1)
    assert Competence(2026, 1).previous() == Competence(2025, 12)
    assert [str(c) for c in Competence(2026, 2).back(3)] == ["2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize("text", ["2026x01", "0000-00", "13/2026", "2026-13", "", "26-03", "1899-12", "03/2026/1"])
def test_bad_competences(text):
    with pytest.raises(InvalidValue):
        Competence.parse(text)
