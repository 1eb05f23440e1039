"""Argentine invoice rules (IOMA flow): pure functions over plain values, no database.

Two steps, both returning field-keyed errors (``{field: [Issue, ...]}``):

1. ``parse_draft(raw)`` turns what the user typed (strings) into an ``InvoiceDraft``;
   it checks formats (required, CAE 14 digits, point of sale 1–99999, number
   1–99999999, dates, amount).
2. ``validate_draft(draft, ctx)`` checks the draft against its authorization and
   what is already billed (``BillingContext``, built by ``services.invoices``):
   voucher types allowed for the tax condition, uniqueness, dates vs period,
   period inside the validity, remaining total, the Ajuste reference.

Each ``Issue`` carries a stable ``code`` (tests, logs) and a translated message.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from models.base import to_money
from models.values import LAST_YEAR, Competence, InvalidValue, parse_date_or_none, parse_money

# AFIP comprobante codes (RG 1415 tables) ------------------------------------------------
VOUCHER_TYPES: dict[int, tuple[str, str]] = {
    # code: (class, name)
    1: ("A", "Factura A"), 2: ("A", "Nota de Débito A"), 3: ("A", "Nota de Crédito A"), 4: ("A", "Recibo A"),
    6: ("B", "Factura B"), 7: ("B", "Nota de Débito B"), 8: ("B", "Nota de Crédito B"), 9: ("B", "Recibo B"),
    11: ("C", "Factura C"), 12: ("C", "Nota de Débito C"), 13: ("C", "Nota de Crédito C"), 15: ("C", "Recibo C"),
    51: ("M", "Factura M"), 52: ("M", "Nota de Débito M"), 53: ("M", "Nota de Crédito M"), 54: ("M", "Recibo M"),
    201: ("A", "Factura de Crédito Electrónica MiPyME A"), 202: ("A", "Nota de Débito Electrónica MiPyME A"),
    203: ("A", "Nota de Crédito Electrónica MiPyME A"),
    206: ("B", "Factura de Crédito Electrónica MiPyME B"), 207: ("B", "Nota de Débito Electrónica MiPyME B"),
    208: ("B", "Nota de Crédito Electrónica MiPyME B"),
    211: ("C", "Factura de Crédito Electrónica MiPyME C"), 212: ("C", "Nota de Débito Electrónica MiPyME C"),
    213: ("C", "Nota de Crédito Electrónica MiPyME C"),
}
# Credit notes lower what is owed: they are not billed through the wizard.
CREDIT_NOTES = frozenset({3, 8, 13, 53, 203, 208, 213})
# Classes each IVA condition may issue to the payer (an IVA-exempt obra social).
CLASSES_BY_CONDITION: dict[str, tuple[str, ...]] = {
    "monotributista": ("C",),
    "responsable_inscripto": ("A", "B", "M"),
    "exento": ("B", "C"),
}

MAX_POINT_OF_SALE = 99_999
MAX_NUMBER = 99_999_999
CAE_LENGTH = 14

# Statuses whose amount counts as billed against the authorization. Drafts are
# not presented yet and rejected invoices were refused: neither consumes it.
BILLED_STATUSES = frozenset({"sent", "observed", "in_audit", "accepted", "entered"})
# Statuses an Ajuste may reference: accepted (and paid or about to be).
ADJUSTABLE_STATUSES = frozenset({"accepted", "entered"})


def voucher_name(code: int | None) -> str:
    entry = VOUCHER_TYPES.get(code) if code is not None else None
    return entry[1] if entry else (str(code) if code is not None else "")


def voucher_class(code: int | None) -> str | None:
    entry = VOUCHER_TYPES.get(code) if code is not None else None
    return entry[0] if entry else None


def allowed_voucher_types(tax_condition) -> list[int]:
    """AFIP codes a provider with ``tax_condition`` may bill the payer with (Monotributista → class C)."""
    condition = getattr(tax_condition, "value", tax_condition)
    classes = CLASSES_BY_CONDITION.get(condition, ())
    return [code for code, (cls, _) in VOUCHER_TYPES.items() if cls in classes and code not in CREDIT_NOTES]


def format_invoice_number(point_of_sale: int, number: int) -> str:
    return f"{point_of_sale:05d}-{number:08d}"


# Issues -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Issue:
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


MESSAGES = {
    "required": _l("This field is required."),
    "voucher_type_unknown": _l("Select a valid AFIP voucher type."),
    "voucher_type_not_allowed": _l("Your tax condition (%(condition)s) cannot issue this voucher type."),
    "billing_type_invalid": _l("Select Normal or Adjustment."),
    "point_of_sale_format": _l("Point of sale: a number from 1 to 99999 (4 or 5 digits)."),
    "number_format": _l("Voucher number: a number from 1 to 99999999 (up to 8 digits)."),
    "number_taken": _l("Voucher number already used: this voucher type, point of sale and number were already loaded."),
    "cae_format": _l("The CAE is a 14-digit number."),
    "date_format": _l("Enter a valid date (dd/mm/yyyy)."),
    "cae_due_before_invoice": _l("The CAE expiry cannot be before the invoice date."),
    "month_invalid": _l("Select a month from 1 to 12."),
    "year_invalid": _l("Select a valid year."),
    "amount_format": _l("Enter an amount with at most two decimals, e.g. 29663.00."),
    "amount_positive": _l("The amount must be greater than zero."),
    "invoice_date_future": _l("The invoice date cannot be in the future."),
    "invoice_date_before_period": _l("The invoice date cannot be before the billed period (%(start)s)."),
    "period_future": _l("The billed period cannot be in the future."),
    "period_outside_validity": _l("The period is outside the authorization's validity (%(start)s to %(end)s)."),
    "amount_exceeds_remaining": _l("The amount exceeds what remains of the authorized total (%(remaining)s)."),
    "period_already_billed": _l(
        "This period is already billed for this procedure (invoice %(number)s). Use an adjustment for a difference."
    ),
    "reference_required": _l("An adjustment must reference an accepted invoice of this procedure and period."),
    "reference_invalid": _l("The referenced invoice must be an accepted invoice of this procedure and period."),
    "reference_not_allowed": _l("Only an adjustment references another invoice."),
    "reference_already_adjusted": _l("The referenced invoice already has an adjustment (invoice %(number)s)."),
    "cuit_invalid": _l("The CUIT is not valid."),
}


def _text(message) -> str:
    """The translated text; outside a request (CLI, unit tests) the English msgid."""
    try:
        return str(message)
    except RuntimeError:
        return message._args[0]


def issue(code: str, **params) -> Issue:
    text = _text(MESSAGES[code])
    return Issue(code, text % params if params else text)


Errors = dict[str, list[Issue]]


def _add(errors: Errors, name: str, code: str, **params) -> None:
    errors.setdefault(name, []).append(issue(code, **params))


# Parsing ------------------------------------------------------------------------------
@dataclass
class InvoiceDraft:
    voucher_type: int | None = None
    billing_type: str = "normal"
    point_of_sale: int | None = None
    number: int | None = None
    cae: str | None = None
    cae_due_date: date | None = None
    period_month: int | None = None
    period_year: int | None = None
    amount: Decimal | None = None
    invoice_date: date | None = None
    referenced_invoice_id: int | None = None

    @property
    def display_number(self) -> str:
        if self.point_of_sale is None or self.number is None:
            return ""
        return format_invoice_number(self.point_of_sale, self.number)

    @property
    def is_adjustment(self) -> bool:
        return self.billing_type == "adjustment"


_DIGITS = re.compile(r"^\d+$")


def parse_digits(text, max_digits: int, maximum: int) -> int | None:
    """Digits only, at most ``max_digits`` long, value 1..maximum; else None (leading zeros accepted)."""
    text = str(text or "").strip()
    if not _DIGITS.match(text) or len(text) > max_digits:
        return None
    value = int(text)
    return value if 1 <= value <= maximum else None


def parse_amount(text) -> Decimal | None:
    """An amount as the user types it in their locale (``models.values.parse_money``); None when unreadable."""
    try:
        return parse_money(text)
    except InvalidValue:
        return None


def parse_date(value) -> date | None:
    """A date, ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (``models.values.parse_date``); else None."""
    return parse_date_or_none(value)


def parse_draft(raw: Mapping[str, object]) -> tuple[InvoiceDraft, Errors]:
    """Formats only. ``raw`` holds what the form posted (strings or already-typed values)."""
    errors: Errors = {}
    draft = InvoiceDraft()

    def present(name: str) -> bool:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            _add(errors, name, "required")
            return False
        return True

    if present("voucher_type"):
        code = parse_digits(raw["voucher_type"], 3, 999)
        if code not in VOUCHER_TYPES:
            _add(errors, "voucher_type", "voucher_type_unknown")
        else:
            draft.voucher_type = code
    billing = str(raw.get("billing_type") or "").strip()
    if not billing:
        _add(errors, "billing_type", "required")
    elif billing not in ("normal", "adjustment"):
        _add(errors, "billing_type", "billing_type_invalid")
    else:
        draft.billing_type = billing
    if present("point_of_sale"):
        draft.point_of_sale = parse_digits(raw["point_of_sale"], 5, MAX_POINT_OF_SALE)
        if draft.point_of_sale is None:
            _add(errors, "point_of_sale", "point_of_sale_format")
    if present("number"):
        draft.number = parse_digits(raw["number"], 8, MAX_NUMBER)
        if draft.number is None:
            _add(errors, "number", "number_format")
    if present("cae"):
        cae = str(raw["cae"]).strip()
        if len(cae) != CAE_LENGTH or not _DIGITS.match(cae):
            _add(errors, "cae", "cae_format")
        else:
            draft.cae = cae
    for name in ("cae_due_date", "invoice_date"):
        if present(name):
            setattr(draft, name, parse_date(raw[name]))
            if getattr(draft, name) is None:
                _add(errors, name, "date_format")
    if present("period_month"):
        draft.period_month = parse_digits(raw["period_month"], 2, 12)
        if draft.period_month is None:
            _add(errors, "period_month", "month_invalid")
    if present("period_year"):
        year = parse_digits(raw["period_year"], 4, 9999)
        if year is None or not 2000 <= year <= LAST_YEAR:
            _add(errors, "period_year", "year_invalid")
        else:
            draft.period_year = year
    if present("amount"):
        draft.amount = parse_amount(raw["amount"])
        if draft.amount is None:
            _add(errors, "amount", "amount_format")
        elif draft.amount <= 0:
            _add(errors, "amount", "amount_positive")
    ref = raw.get("referenced_invoice_id")
    if ref not in (None, "", 0, "0"):
        draft.referenced_invoice_id = parse_digits(ref, 12, 10**12)
    if draft.cae_due_date and draft.invoice_date and draft.cae_due_date < draft.invoice_date:
        _add(errors, "cae_due_date", "cae_due_before_invoice")
    return draft, errors


# Validation against the authorization -----------------------------------------------
@dataclass(frozen=True)
class ReferenceCandidate:
    """An invoice an Ajuste could reference (same authorization)."""

    id: int
    status: str
    period_month: int
    period_year: int
    display_number: str
    net_amount: Decimal
    adjusted_by: str | None = None  # display number of an existing (not rejected) Ajuste on it


@dataclass(frozen=True)
class BillingContext:
    today: date
    tax_condition: str
    valid_from: date
    valid_to: date
    authorized_total: Decimal
    billed_total: Decimal  # BILLED_STATUSES amounts of the authorization, the edited invoice excluded
    number_taken: bool = False  # same provider, voucher type, point of sale and number exists
    normal_in_period: tuple[str, ...] = ()  # display numbers of other Normal invoices billed for the period
    references: tuple[ReferenceCandidate, ...] = field(default_factory=tuple)

    @property
    def remaining(self) -> Decimal:
        return to_money(self.authorized_total - self.billed_total)


def remaining_total(authorized_total: Decimal, billed_total: Decimal) -> Decimal:
    return to_money(max(Decimal("0"), authorized_total - billed_total))


def validate_draft(draft: InvoiceDraft, ctx: BillingContext, format_day=None, format_money=None) -> Errors:
    """Business rules for a well-formed draft; ``format_*`` render dates and money in messages."""
    fd = format_day or (lambda d: d.strftime("%d/%m/%Y"))
    fm = format_money or (lambda v: f"{v:.2f}")
    errors: Errors = {}
    if draft.voucher_type is not None and draft.voucher_type not in allowed_voucher_types(ctx.tax_condition):
        condition = ctx.tax_condition.replace("_", " ").title()
        _add(errors, "voucher_type", "voucher_type_not_allowed", condition=condition)
    if ctx.number_taken:
        _add(errors, "number", "number_taken")
    if draft.invoice_date is not None and draft.invoice_date > ctx.today:
        _add(errors, "invoice_date", "invoice_date_future")

    if draft.period_month and draft.period_year:
        start, end = Competence(draft.period_year, draft.period_month).bounds
        if start > ctx.today:
            _add(errors, "period_month", "period_future")
        elif end < ctx.valid_from or start > ctx.valid_to:
            _add(errors, "period_month", "period_outside_validity", start=fd(ctx.valid_from), end=fd(ctx.valid_to))
        if draft.invoice_date is not None and draft.invoice_date < start:
            _add(errors, "invoice_date", "invoice_date_before_period", start=fd(start))

    if draft.amount is not None and draft.amount > 0 and draft.amount > ctx.remaining:
        _add(errors, "amount", "amount_exceeds_remaining", remaining=fm(max(ctx.remaining, Decimal("0.00"))))

    if draft.is_adjustment:
        ref = next((r for r in ctx.references if r.id == draft.referenced_invoice_id), None)
        if draft.referenced_invoice_id is None:
            _add(errors, "referenced_invoice_id", "reference_required")
        elif (
            ref is None
            or ref.status not in ADJUSTABLE_STATUSES
            or (ref.period_month, ref.period_year) != (draft.period_month, draft.period_year)
        ):
            _add(errors, "referenced_invoice_id", "reference_invalid")
        elif ref.adjusted_by:
            _add(errors, "referenced_invoice_id", "reference_already_adjusted", number=ref.adjusted_by)
    else:
        if draft.referenced_invoice_id is not None:
            _add(errors, "referenced_invoice_id", "reference_not_allowed")
        if ctx.normal_in_period:
            _add(errors, "period_month", "period_already_billed", number=ctx.normal_in_period[0])
    return errors


def adjustable_references(ctx: BillingContext, month: int | None = None, year: int | None = None):
    """Invoices an Ajuste may reference (optionally for one period)."""
    return [
        r for r in ctx.references
        if r.status in ADJUSTABLE_STATUSES and not r.adjusted_by
        and (month is None or (r.period_month, r.period_year) == (month, year))
    ]


def merge_errors(*many: Errors) -> Errors:
    out: Errors = {}
    for errors in many:
        for name, issues in errors.items():
            out.setdefault(name, []).extend(issues)
    return out


def error_codes(errors: Errors) -> dict[str, list[str]]:
    return {name: [i.code for i in issues] for name, issues in errors.items()}
