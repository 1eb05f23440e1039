"""The Argentine side of the engine: an invoice for an authorization and period already billed in
an accepted invoice is flagged for the reviewer (adjustments aside: they bill a difference on
purpose). The amount check against the authorization stays where it is (models.rules.invoices)."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models import Invoice
from models.base import db
from models.enums import BillingType
from models.invoices import BILLED_STATUSES

ACCEPTED = BILLED_STATUSES


def duplicate_periods(invoices: Iterable[Invoice]) -> dict[int, str]:
    """Invoice id → the accepted invoice that already billed its authorization and period (one query)."""
    ids = [invoice.id for invoice in invoices if invoice.billing_type == BillingType.NORMAL]
    if not ids:
        return {}
    other = aliased(Invoice)
    rows = db.session.execute(
        sa.select(Invoice.id, other.point_of_sale, other.number)
        .join(other, sa.and_(other.authorization_id == Invoice.authorization_id,
                             other.period_year == Invoice.period_year, other.period_month == Invoice.period_month,
                             other.id != Invoice.id, other.status.in_(ACCEPTED),
                             other.billing_type == BillingType.NORMAL))
        .where(Invoice.id.in_(ids)).order_by(other.id))
    out: dict[int, str] = {}
    for invoice_id, point_of_sale, number in rows:
        out.setdefault(invoice_id, f"{point_of_sale:05d}-{number:08d}")
    return out
