"""Values people type, parsed in one place: money and quantities in the user's locale, dates, competences.

Every form field, service and rule that reads an amount, a quantity, a date or a competence (``YYYY-MM``)
from text goes through here, so "1.234,50" means the same on the wizard, the payment desk and the
lot analysis. Numbers are read with Babel's ``parse_decimal`` in the current locale (``es_AR``/``pt_BR``:
``1.234,50``; ``en``: ``1,234.50``), then, when that fails, the other convention (a plain ``1234.50``
is read everywhere); anything that is not plain
digits and separators (``NaN``, ``Infinity``, ``1E+20``, unicode digits) is refused before Babel sees it.
Refusals are ``InvalidValue`` (a ``CodedError``) naming the field, so views show them next to it.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import lazy_gettext as _l

from models.errors import CodedError

MONEY_PLACES = 2
CENT = Decimal("0.01")
MONEY_MAX = Decimal("999999999999.99")  # Numeric(14, 2)
QUANTITY_PLACES = 4
QUANTITY_MAX = Decimal("99999.9999")  # Numeric(9, 4)
RATE_MAX = Decimal("999.9999")  # Numeric(7, 4): percentages
FIRST_YEAR, LAST_YEAR = 1900, 2100
MAX_INT = 2**63 - 1  # BIGINT: the largest id or number a URL may name

_NUMBER = re.compile(r"^[+-]?[0-9][0-9.,]*$", re.ASCII)
_INT = re.compile(r"^-?[0-9]+$", re.ASCII)
_BLANKS = re.compile(r"[\s\u00a0\u202f\u2009']+")
_CURRENCY = re.compile(r"^(?:R\$|US\$|\$|ARS|BRL)")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$", re.ASCII)
_LOCAL_DATE = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$", re.ASCII)
_ISO_MONTH = re.compile(r"^([0-9]{4})-([0-9]{1,2})$", re.ASCII)
_LOCAL_MONTH = re.compile(r"^([0-9]{1,2})/([0-9]{4})$", re.ASCII)


class InvalidValue(CodedError):
    """A typed value that cannot be what the field holds."""

    MESSAGES = {
        "number": _l("Enter a number, e.g. %(example)s."),
        "decimals": _l("At most %(places)s decimals."),
        "range": _l("The value is too large (at most %(maximum)s)."),
        "negative": _l("The value cannot be negative."),
        "positive": _l("The value must be greater than zero."),
        "date": _l("Enter a valid date (dd/mm/yyyy)."),
        "date_range": _l("The date must be between %(first)s and %(last)s."),
        "competence": _l("Enter a month as MM/YYYY."),
    }



def to_money(value) -> Decimal:
    """Round anything numeric to the cent, half up (never through float): the one rounding of money."""
    if value.__class__ is Decimal:  # most calls (no copy: a TISS lot rounds thousands of values)
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)

def current_locale() -> str:
    """The user's locale (Flask-Babel), or the default outside a request."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except (RuntimeError, KeyError):  # no application context
        locale = None
    return str(locale) if locale else "es_AR"


def _decimal(text, *, field, places: int, maximum: Decimal, minimum: Decimal | None, locale) -> Decimal | None:
    if text is None:
        return None
    if isinstance(text, (Decimal, int)) and not isinstance(text, bool):
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidValue("number", field, example=format_number(Decimal("1234.5"), locale, places))
    else:
        raw = _CURRENCY.sub("", _BLANKS.sub("", str(text)))
        if not raw:
            return None
        value = _read(raw, locale or current_locale()) if len(raw) <= 40 else None
        if value is None:
            raise InvalidValue("number", field, example=format_number(Decimal("1234.5"), locale, places))
    if abs(value) > maximum:
        raise InvalidValue("range", field, maximum=format_number(maximum, locale, places))
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise InvalidValue("decimals", field, places=places)
    if minimum is not None and value < minimum:
        raise InvalidValue("negative" if minimum == 0 else "positive", field)
    return value.quantize(Decimal(1).scaleb(-places))


def _read(raw: str, locale: str) -> Decimal | None:
    """Plain digits with the locale's separators, else with a dot for decimals; None otherwise."""
    if not _NUMBER.match(raw.lstrip("+-")) or raw.count("-") + raw.count("+") > 1 or raw[-1] in ".,":
        return None
    for candidate in dict.fromkeys((locale, "en", "es_AR")):  # the user's convention first
        try:
            value = parse_decimal(raw, locale=candidate, strict=True)
        except (NumberFormatError, InvalidOperation, ValueError):
            continue
        if value.is_finite():
            return value
    return None


def parse_money(text, field: str | None = None, *, minimum: Decimal | None = Decimal(0),
                locale: str | None = None) -> Decimal | None:
    """An amount to the cent (None when blank). ``minimum=None`` allows negatives (credits)."""
    return _decimal(text, field=field, places=MONEY_PLACES, maximum=MONEY_MAX, minimum=minimum, locale=locale)


def parse_quantity(text, field: str | None = None, *, minimum: Decimal | None = Decimal(0),
                   locale: str | None = None) -> Decimal | None:
    """A quantity with up to four decimals (None when blank)."""
    return _decimal(text, field=field, places=QUANTITY_PLACES, maximum=QUANTITY_MAX, minimum=minimum,
                    locale=locale)


def parse_rate(text, field: str | None = None, *, minimum: Decimal | None = Decimal(0),
               locale: str | None = None) -> Decimal | None:
    """A percentage such as a tax rate (``3,5`` = 3.5 %), up to four decimals (None when blank)."""
    return _decimal(text, field=field, places=QUANTITY_PLACES, maximum=RATE_MAX, minimum=minimum, locale=locale)


def format_number(value: Decimal | None, locale: str | None = None, places: int | None = None) -> str:
    """``value`` as the user types it back: the locale's decimal sign, no grouping; ``places`` fixed
    decimals (money: 2), else no trailing zeros (quantities)."""
    if value is None:
        return ""
    pattern = "0." + ("0" * places if places is not None else "#" * QUANTITY_PLACES)
    return format_decimal(Decimal(value), format=pattern, locale=locale or current_locale())


def int_arg(text) -> int:
    """An integer from a URL or form: ASCII digits (``²`` and ``١٢`` are not), within 64 bits.
    ValueError otherwise, so ``request.args.get(name, default, type=int_arg)`` falls back to the default."""
    raw = str(text).strip()
    if not _INT.match(raw) or len(raw) > 20:
        raise ValueError(text)
    value = int(raw)
    if abs(value) > MAX_INT:
        raise ValueError(text)
    return value


def example_number(places: int | None = MONEY_PLACES) -> str:
    """How to type a number here (a placeholder): "1234,50" in es_AR/pt_BR, "1234.50" in English."""
    return format_number(Decimal("1234.5") if places else Decimal("1.5"), places=places)


# Dates -------------------------------------------------------------------------------------------------
def _checked(day: date, field) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidValue("date_range", field, first=FIRST_YEAR, last=LAST_YEAR)
    return day


def parse_date(text, field: str | None = None) -> date | None:
    """``YYYY-MM-DD`` (date inputs) or ``DD/MM/YYYY``, a real day of 1900–2100; None when blank."""
    if text is None:
        return None
    if isinstance(text, datetime):
        return _checked(text.date(), field)
    if isinstance(text, date):
        return _checked(text, field)
    raw = str(text).strip()
    if not raw:
        return None
    iso, local = _ISO_DATE.match(raw), _LOCAL_DATE.match(raw)
    if iso:
        year, month, day = (int(x) for x in iso.groups())
    elif local:
        day, month, year = (int(x) for x in local.groups())
    else:
        raise InvalidValue("date", field)
    try:
        value = date(year, month, day)
    except ValueError:
        raise InvalidValue("date", field) from None
    return _checked(value, field)


def parse_date_or_none(text) -> date | None:
    """A date from a query argument: anything unreadable counts as not given."""
    try:
        return parse_date(text)
    except InvalidValue:
        return None


# Competence (the month a lot or invoice bills) ---------------------------------------------------------
@dataclass(frozen=True, order=True)
class Competence:
    """A billing month. Stored as ``YYYY-MM`` (``str()``), shown as ``MM/YYYY`` (``label``)."""

    year: int
    month: int

    def __post_init__(self):
        if not (FIRST_YEAR <= self.year <= LAST_YEAR and 1 <= self.month <= 12):
            raise InvalidValue("competence", "competence")

    @classmethod
    def parse(cls, text, field: str | None = "competence") -> Competence:
        """``YYYY-MM`` or ``MM/YYYY``; ``InvalidValue('competence')`` otherwise."""
        if isinstance(text, Competence):
            return text
        raw = str(text or "").strip()
        iso, local = _ISO_MONTH.match(raw), _LOCAL_MONTH.match(raw)
        if iso:
            year, month = int(iso.group(1)), int(iso.group(2))
        elif local:
            month, year = int(local.group(1)), int(local.group(2))
        else:
            raise InvalidValue("competence", field)
        if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
            raise InvalidValue("competence", field)
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Competence:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year:04d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def bounds(self) -> tuple[date, date]:
        return self.first_day, self.last_day

    def next(self) -> Competence:
        return Competence.of(self.last_day + timedelta(days=1))

    def previous(self) -> Competence:
        return Competence.of(self.first_day - timedelta(days=1))

    def back(self, months: int) -> list[Competence]:
        """The ``months`` competences ending with this one, oldest first."""
        out = [self]
        while len(out) < months:
            out.insert(0, out[0].previous())
        return out
