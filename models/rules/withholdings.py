"""Withholdings and other deductions of a payment order, computed from rules that are data.

A rule (a ``WithholdingRule`` row, handed in as ``RuleData``) says which tax,
for which country and tax conditions, at what rate (or the provider's own rate:
Ingresos Brutos, ISS), above which non-taxable minimum and from which minimum
amount it is withheld at all. Nothing here knows a tax by name except to pick
the provider's own rate. Everything is Decimal, rounded half-up to the cent.

Monthly accumulation (Argentine Ganancias, RG 830): with a non-taxable
minimum, the tax is computed on everything paid to the provider in the month
(``paid_before`` + this base) minus the minimum, less what was already withheld
in the month (``withheld_before``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from models.base import to_money
from models.enums import Country, DeductionKind, Tax

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")

# TISS codes of debits and credits other than taxes (tipoDebitoCredito).
ADJUSTMENT_CODES = {
    "07": _l("Financial discounts"),
    "08": _l("Adjustment of a previous payment"),
    "09": _l("Court order"),
}
# The provider's own rate replaces the rule's for these taxes (use_provider_rate).
PROVIDER_RATE_FIELD = {Tax.IIBB: "iibb_rate", Tax.ISS: "iss_rate"}


@dataclass(frozen=True)
class RuleData:
    id: int | None
    country: Country
    tax: Tax
    description: str
    rate: Decimal
    tax_conditions: Sequence[str] = ()
    regime_code: str | None = None
    tax_code: str | None = None
    non_taxable_minimum: Decimal = ZERO
    minimum_withholding: Decimal = ZERO
    use_provider_rate: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True

    @classmethod
    def of(cls, row) -> RuleData:
        return cls(
            id=row.id, country=row.country, tax=row.tax, description=row.description, rate=row.rate,
            tax_conditions=tuple(row.tax_conditions or ()), regime_code=row.regime_code, tax_code=row.tax_code,
            non_taxable_minimum=row.non_taxable_minimum or ZERO, minimum_withholding=row.minimum_withholding or ZERO,
            use_provider_rate=row.use_provider_rate, valid_from=row.valid_from, valid_to=row.valid_to,
            active=row.active,
        )


@dataclass(frozen=True)
class ProviderData:
    country: Country
    tax_condition: str
    iibb_rate: Decimal | None = None
    iss_rate: Decimal | None = None

    @classmethod
    def of(cls, provider) -> ProviderData:
        condition = getattr(provider.tax_condition, "value", provider.tax_condition)
        return cls(provider.country, condition, provider.iibb_rate, provider.iss_rate)


@dataclass(frozen=True)
class Withholding:
    rule_id: int | None
    tax: Tax
    description: str
    regime_code: str | None
    tax_code: str | None
    base: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Adjustment:
    """Another debit or a credit (TISS 07-09) typed by staff."""

    kind: DeductionKind
    code: str
    description: str
    amount: Decimal


@dataclass(frozen=True)
class OrderTotals:
    gross: Decimal
    withheld: Decimal
    debits: Decimal
    credits: Decimal
    deductions: Decimal
    net: Decimal
    withholdings: tuple[Withholding, ...] = field(default_factory=tuple)


def applies(rule: RuleData, provider: ProviderData, on: date) -> bool:
    if not rule.active or rule.country != provider.country:
        return False
    if rule.valid_from and on < rule.valid_from:
        return False
    if rule.valid_to and on > rule.valid_to:
        return False
    return provider.tax_condition in set(rule.tax_conditions or ())


def rate_for(rule: RuleData, provider: ProviderData) -> Decimal | None:
    if rule.use_provider_rate:
        attr = PROVIDER_RATE_FIELD.get(rule.tax)
        own = getattr(provider, attr) if attr else None
        return Decimal(own) if own is not None else None
    return Decimal(rule.rate)


def compute_one(rule: RuleData, provider: ProviderData, base: Decimal, *,
                paid_before: Decimal = ZERO, withheld_before: Decimal = ZERO) -> Withholding | None:
    """The withholding one rule makes on ``base``, or None when it withholds nothing."""
    base = to_money(base)
    rate = rate_for(rule, provider)
    if rate is None or rate <= 0 or base <= 0:
        return None
    minimum = to_money(rule.non_taxable_minimum or ZERO)
    if minimum > 0:
        accumulated = to_money(paid_before) + base
        taxable = max(accumulated - minimum, ZERO)
        amount = to_money(taxable * rate / HUNDRED) - to_money(withheld_before)
        taxable_now = min(taxable, base)
    else:
        taxable_now = base
        amount = to_money(base * rate / HUNDRED)
    if amount <= 0 or amount < to_money(rule.minimum_withholding or ZERO):
        return None
    return Withholding(rule.id, rule.tax, rule.description, rule.regime_code, rule.tax_code,
                       taxable_now, rate, to_money(amount))


def compute_withholdings(rules: Iterable[RuleData], provider: ProviderData, base: Decimal, on: date,
                         history: dict | None = None) -> list[Withholding]:
    """Every withholding the applicable rules make on a payment of ``base`` to ``provider`` on ``on``.

    Per tax only the first applicable rule counts (e.g. the Ganancias regime listed first
    for the provider's condition); rules are handed in ordered by id.

    ``history`` maps a rule id to (paid_before, withheld_before) in the same month.
    """
    history = history or {}
    out = []
    taxed = set()
    for rule in rules:
        # One regime per tax: the first applicable rule (in the given order) decides.
        if rule.tax in taxed or not applies(rule, provider, on):
            continue
        taxed.add(rule.tax)
        paid_before, withheld_before = history.get(rule.id, (ZERO, ZERO))
        row = compute_one(rule, provider, base, paid_before=paid_before, withheld_before=withheld_before)
        if row is not None:
            out.append(row)
    return out


def check_adjustment(kind: DeductionKind | None, code: str | None, amount: Decimal | None) -> str | None:
    if kind not in (DeductionKind.DEBIT, DeductionKind.CREDIT):
        return "kind"
    if code not in ADJUSTMENT_CODES:
        return "code"
    if amount is None or to_money(amount) <= 0:
        return "not_positive"
    return None


def order_totals(line_amounts: Iterable[Decimal], withholdings: Iterable[Withholding],
                 adjustments: Iterable[Adjustment] = ()) -> OrderTotals:
    """Gross, each deduction and net of a payment order, to the cent."""
    withholdings = tuple(withholdings)
    adjustments = tuple(adjustments)
    gross = sum((to_money(a) for a in line_amounts), ZERO)
    withheld = sum((w.amount for w in withholdings), ZERO)
    debits = sum((to_money(a.amount) for a in adjustments if a.kind == DeductionKind.DEBIT), ZERO)
    credits = sum((to_money(a.amount) for a in adjustments if a.kind == DeductionKind.CREDIT), ZERO)
    deductions = withheld + debits - credits
    return OrderTotals(gross, withheld, debits, credits, deductions, gross - deductions, withholdings)
