"""Form fields for typed values, read and written in the user's locale through ``models.values``.

``MoneyField`` and ``QuantityField`` accept "1.234,50" in es_AR/pt_BR and "1,234.50" in English (a
plain "1234.50" everywhere), refuse NaN, exponents, extra decimals and out-of-range values with the
parser's message, and show their value back with the locale's decimal sign (quantities without
trailing zeros). ``DateField`` refuses days outside 1900–2100 (a guide executed in year 1).
"""
from __future__ import annotations

import re
from decimal import Decimal

from wtforms import DateField as _DateField
from wtforms import StringField

from models import values

CANONICAL = re.compile(r"^-?[0-9]+\.[0-9]{2}$", re.ASCII)  # str(Decimal) of an amount


class _NumberField(StringField):
    places: int | None = None

    def __init__(self, label=None, validators=None, *, minimum: Decimal | None = Decimal(0), **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum = minimum

    def parse(self, text):
        raise NotImplementedError

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = self.parse(valuelist[0])
            except values.InvalidValue as exc:
                raise ValueError(exc.message) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        data = self.data
        if isinstance(data, str) and CANONICAL.match(data):  # a stored value, e.g. "29663.00"
            data = Decimal(data)
        if isinstance(data, (Decimal, int)):
            return values.format_number(data, places=self.places)
        return data or ""  # a draft as the user typed it

    def __call__(self, **kwargs):
        kwargs.setdefault("placeholder", values.example_number(self.places))
        return super().__call__(**kwargs)


class MoneyField(_NumberField):
    """An amount to the cent (``Decimal``); ``minimum=None`` lets credits be negative."""

    places = values.MONEY_PLACES

    def parse(self, text):
        return values.parse_money(text, self.name, minimum=self.minimum)


class QuantityField(_NumberField):
    """A quantity with up to four decimals (``Decimal``), shown without trailing zeros."""

    def parse(self, text):
        return values.parse_quantity(text, self.name, minimum=self.minimum)


class RateField(_NumberField):
    """A percentage (``Decimal``, up to four decimals), shown without trailing zeros."""

    def parse(self, text):
        return values.parse_rate(text, self.name, minimum=self.minimum)


def typed(field) -> str:
    """The text the user typed in ``field`` (or its data when the form was filled from a draft)."""
    if field.raw_data:
        return field.raw_data[0]
    return field.data if isinstance(field.data, str) else ("" if field.data is None else str(field.data))


class DateField(_DateField):
    """A date input (``YYYY-MM-DD``) whose day lies between 1900 and 2100."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            try:
                values.parse_date(self.data, self.name)
            except values.InvalidValue as exc:
                self.data = None
                raise ValueError(exc.message) from None
