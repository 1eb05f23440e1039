"""Locale-aware display of money, dates and statuses (used by admin views, pages and PDFs)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal
from markupsafe import Markup

from models.enums import LabeledEnum


def money(value: Decimal | None, currency: str = "ARS") -> str:
    if value is None:
        return ""
    return format_currency(value, currency)


def number(value: Decimal | None) -> str:
    return "" if value is None else format_decimal(value)


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "short")
    return format_date(value, "short")


def badge(value: LabeledEnum | None) -> Markup:
    if value is None:
        return Markup("")
    return Markup('<span class="badge badge-{}" data-status="{}">{}</span>').format(
        value.badge, value.value, value.label
    )


def register_filters(app) -> None:
    app.jinja_env.filters.update(money=money, number=number, day=day, badge=badge)
