"""Recurso de glosa: what may be appealed and what a decision means. Pure functions."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from models.base import to_money
from models.enums import AppealStatus

ZERO = Decimal("0.00")
JUSTIFICATION_MAX = 500


def check_justification(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text:
        return "required"
    if len(text) > JUSTIFICATION_MAX:
        return "too_long"
    return None


def appealable(glosa_amount: Decimal, already_claimed: Decimal) -> Decimal:
    """What is left to appeal on a glosa once pending and accepted claims are counted."""
    return max(to_money(glosa_amount) - to_money(already_claimed), ZERO)


def check_appeal_amount(amount: Decimal | None, available: Decimal) -> str | None:
    if amount is None:
        return "required"
    amount = to_money(amount)
    if amount < 0:
        return "negative"
    if amount > to_money(available):
        return "above_glosa"
    return None


def check_accepted_amount(accepted: Decimal | None, appealed: Decimal) -> str | None:
    if accepted is None:
        return "required"
    accepted = to_money(accepted)
    if accepted < 0:
        return "negative"
    if accepted > to_money(appealed):
        return "above_appealed"
    return None


def decision_status(pairs: Iterable[tuple[Decimal, Decimal]]) -> AppealStatus:
    """(appealed, accepted) per item → accepted fully, partly or denied."""
    pairs = [(to_money(a), to_money(b)) for a, b in pairs]
    accepted = sum((b for _, b in pairs), ZERO)
    appealed = sum((a for a, _ in pairs), ZERO)
    if accepted <= 0:
        return AppealStatus.DENIED
    if accepted == appealed:
        return AppealStatus.ACCEPTED
    return AppealStatus.PARTIALLY_ACCEPTED
