"""The prices a provider is paid: code → unit price of the price tables valid on a day (the general
tables, overridden by the provider's own), read once per bulk-intake chunk. The lot builder's checks,
the TISS receiver and the adjudication rules all price items here."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import PriceTable, PriceTableItem
from models.base import db
from models.chunk_memo import once
from models.values import Competence


def price_map(provider_id: int, on: date | None = None) -> dict[str, Decimal]:
    """Code → unit price valid ``on`` (default today): general tables, overridden by the provider's."""
    on = on or date.today()
    return once(("price_map", provider_id, on), lambda: _price_map(provider_id, on))


def _price_map(provider_id: int, on: date) -> dict[str, Decimal]:
    rows = db.session.execute(
        sa.select(PriceTableItem.code, PriceTableItem.unit_price, PriceTable.provider_id)
        .join(PriceTable, PriceTable.id == PriceTableItem.price_table_id)
        .where(
            sa.or_(PriceTable.provider_id == provider_id, PriceTable.provider_id.is_(None)),
            PriceTable.valid_from <= on,
            sa.or_(PriceTable.valid_to.is_(None), PriceTable.valid_to >= on),
        )
        .order_by(PriceTable.provider_id.is_(None).desc(), PriceTable.valid_from)
    ).all()
    prices: dict[str, Decimal] = {}
    for code, unit_price, _owner in rows:  # general first, then the provider's (later wins)
        prices[code] = unit_price
    return prices


def prices_for_competence(provider_id: int, competence: str) -> dict[str, Decimal]:
    first, last = Competence.parse(competence).bounds
    return price_map(provider_id, min(last, max(first, date.today())))
