"""Locale-aware display of money, dates and statuses (used by admin views, pages and PDFs)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from flask_babel import format_date, format_datetime, format_decimal
from markupsafe import Markup, escape

from models.enums import LabeledEnum
from models.values import example_number, format_number
from services.locale_context import current_locale, local_time

# Symbols users of both countries read without ambiguity (CLDR gives "BRL" in es_AR).
CURRENCY_SYMBOLS = {"ARS": "$", "BRL": "R$", "USD": "US$"}


def money(value: Decimal | None, currency: str = "ARS") -> str:
    """``$ 355.968,00`` / ``R$ 324,40`` with the locale's separators, always two decimals."""
    if value is None:
        return ""
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    return f"{symbol}\xa0{_two_places(value)}"


def amount(value: Decimal | None) -> str:
    """``355.968,00``: an amount whose currency the reader knows from elsewhere."""
    return "" if value is None else _two_places(value)


def _two_places(value) -> str:
    """Babel's ``#,##0.00`` in the user's locale, written by Python's own formatting and the locale's signs:
    a statement or report prints hundreds of amounts, and Babel parses and applies its pattern for each
    (20 µs against 3)."""
    return format(value, ",.2f").translate(_signs(str(current_locale() or "en")))


@lru_cache(maxsize=32)
def _signs(locale: str) -> dict[int, str]:
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale),
                          "-": get_minus_sign_symbol(locale)})


def signed_money(value: Decimal | None, currency: str = "ARS") -> str:
    """``+$ 100,00`` / ``-R$ 12,50``: a credit or a debit on a statement."""
    if value is None:
        return ""
    return ("-" if value < 0 else "+") + money(abs(value), currency)


THOUSANDTHS = Decimal("0.001")


def number(value: Decimal | int | None) -> str:
    """``2,5`` / ``1.234,125``: Babel's ``#,##0.###`` (half-even to three places, no trailing zeros), written
    like ``_two_places``: lists format every quantity of every row (Babel takes 20 µs a number)."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        return format_decimal(value)
    try:
        text = format(value.quantize(THOUSANDTHS, rounding=ROUND_HALF_EVEN), ",f")
    except InvalidOperation:  # more digits than the decimal context holds
        return format_decimal(value)
    return text.rstrip("0").rstrip(".").translate(_signs(str(current_locale() or "en")))


# dd/mm/aaaa as the seed portals write it (CLDR's short format gives "1/12/26" in Spanish). Other languages
# get CLDR's medium format ("Dec 1, 2026"), which no reader mistakes for another day.
DAY_PATTERNS = {"es": ("dd/MM/yyyy", "dd/MM/yyyy HH:mm"), "pt": ("dd/MM/yyyy", "dd/MM/yyyy HH:mm")}


def day(value: date | datetime | None) -> str:
    """A date, or a date and local time (stored UTC, shown in the user's time zone)."""
    if value is None:
        return ""
    locale = current_locale()
    date_pattern, time_pattern = DAY_PATTERNS.get(locale.language if locale else "", ("medium", "medium"))
    if isinstance(value, datetime):
        if time_pattern == "dd/MM/yyyy HH:mm":  # written directly: Babel parses the pattern on every call
            local = local_time(value)
            return f"{local.day:02d}/{local.month:02d}/{local.year:04d} {local.hour:02d}:{local.minute:02d}"
        return format_datetime(value, time_pattern if time_pattern != "medium" else "short")
    if date_pattern == "dd/MM/yyyy":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return format_date(value, date_pattern)


def number_input(value: Decimal | None, places: int | None = None) -> str:
    """A number prefilled in an input, as the user would type it (decimal comma in es_AR/pt_BR, no
    grouping; ``places=2`` for money, else no trailing zeros)."""
    return format_number(value, places=places)


def badge(value: LabeledEnum | None) -> Markup:
    if value is None:
        return Markup("")
    # the class and value are the enum's own identifiers; only the translated label needs escaping
    return Markup(f'<span class="badge badge-{value.badge}" data-status="{value.value}">{escape(value.label)}</span>')


def register_filters(app) -> None:
    app.jinja_env.filters.update(money=money, signed_money=signed_money, number=number, day=day, badge=badge,
                                 number_input=number_input)
    app.jinja_env.globals.update(number_placeholder=example_number)
