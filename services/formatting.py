"""Locale-aware display of money, dates and statuses (used by admin views, pages and PDFs)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime, format_decimal, get_locale
from markupsafe import Markup

from models.enums import LabeledEnum
from models.values import example_number, format_number

# Symbols users of both countries read without ambiguity (CLDR gives "BRL" in es_AR).
CURRENCY_SYMBOLS = {"ARS": "$", "BRL": "R$", "USD": "US$"}


def money(value: Decimal | None, currency: str = "ARS") -> str:
    """``$ 355.968,00`` / ``R$ 324,40`` with the locale's separators, always two decimals."""
    if value is None:
        return ""
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    return f"{symbol}\xa0{format_decimal(value, format='#,##0.00')}"


def signed_money(value: Decimal | None, currency: str = "ARS") -> str:
    """``+$ 100,00`` / ``-R$ 12,50``: a credit or a debit on a statement."""
    if value is None:
        return ""
    return ("-" if value < 0 else "+") + money(abs(value), currency)


def number(value: Decimal | None) -> str:
    return "" if value is None else format_decimal(value)


def day(value: date | datetime | None) -> str:
    """``01/12/2026`` (``01/12/2026 14:05``) in es_AR and pt_BR, as their users write dates."""
    if value is None:
        return ""
    numeric = str(get_locale() or "")[:2] in ("es", "pt")
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm" if numeric else "medium")
    return format_date(value, "dd/MM/yyyy" if numeric else "medium")


def number_input(value: Decimal | None, places: int | None = None) -> str:
    """A number prefilled in an input, as the user would type it (decimal comma in es_AR/pt_BR, no
    grouping; ``places=2`` for money, else no trailing zeros)."""
    return format_number(value, places=places)


def badge(value: LabeledEnum | None) -> Markup:
    if value is None:
        return Markup("")
    return Markup('<span class="badge badge-{}" data-status="{}">{}</span>').format(
        value.badge, value.value, value.label
    )


def register_filters(app) -> None:
    app.jinja_env.filters.update(money=money, signed_money=signed_money, number=number, day=day, badge=badge,
                                 number_input=number_input)
    app.jinja_env.globals.update(number_placeholder=example_number)
