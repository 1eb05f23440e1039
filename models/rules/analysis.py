"""Account audit (análise de conta) arithmetic: item values, glosas and the four totals.

Pure functions on Decimals. The invariants every level keeps:
    released = processed - glosas, glosas <= processed, nothing negative,
so totals of items add up to the guide, guides to the lot, to the cent.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from models.base import to_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Totals:
    """The four values of the demonstrativo: informed, processed, glosa and released."""

    informed: Decimal = ZERO
    processed: Decimal = ZERO
    glosa: Decimal = ZERO
    released: Decimal = ZERO

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.informed + other.informed, self.processed + other.processed,
            self.glosa + other.glosa, self.released + other.released,
        )


def sum_totals(parts: Iterable[Totals]) -> Totals:
    out = Totals()
    for part in parts:
        out = out + part
    return out


def processed_amount(unit_price: Decimal, executed_quantity: Decimal) -> Decimal:
    """Valor processado: the contracted unit value times the quantity actually executed."""
    return to_money(Decimal(unit_price) * Decimal(executed_quantity))


def released_amount(processed: Decimal, glosas: Iterable[Decimal]) -> Decimal:
    """Valor liberado: processed minus glosas, never below zero."""
    return max(to_money(processed) - sum((to_money(g) for g in glosas), ZERO), ZERO)


def item_totals(informed: Decimal, processed: Decimal | None, glosas: Iterable[Decimal]) -> Totals:
    glosas = [to_money(g) for g in glosas]
    processed = to_money(informed if processed is None else processed)
    glosa = sum(glosas, ZERO)
    return Totals(to_money(informed), processed, glosa, released_amount(processed, glosas))


def check_executed_quantity(executed: Decimal | None, billed: Decimal) -> str | None:
    """An error code, or None: the executed quantity is between zero and what was billed."""
    if executed is None:
        return "required"
    if executed < 0:
        return "negative"
    if executed > billed:
        return "above_billed"
    return None


def check_glosa(amount: Decimal | None, processed: Decimal, other_glosas: Decimal = ZERO) -> str | None:
    """An error code, or None: a glosa is positive and, with the item's other glosas, within processed."""
    if amount is None:
        return "required"
    amount = to_money(amount)
    if amount <= 0:
        return "not_positive"
    if amount + to_money(other_glosas) > to_money(processed):
        return "above_processed"
    return None


def remaining(processed: Decimal, glosas: Iterable[Decimal]) -> Decimal:
    """What can still be disallowed on an item (used by 'glosa whole guide')."""
    return released_amount(processed, glosas)


def check_invoice_debit(amount: Decimal | None, invoice_amount: Decimal, debited: Decimal = ZERO) -> str | None:
    """An IOMA invoice debit: positive, and all debits together within the invoice amount."""
    if amount is None:
        return "required"
    amount = to_money(amount)
    if amount <= 0:
        return "not_positive"
    if amount + to_money(debited) > to_money(invoice_amount):
        return "above_invoice"
    return None
