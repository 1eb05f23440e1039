"""Relatório de valores para emissão de NF: per lot sent in a period, the values presented and
released (the provider bills the payer for what was released). The screen pages by seeking on the send
time; the PDF holds every lot; the period's totals are summed by the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Lot, LotTotal, Provider
from models.base import db, to_money
from models.enums import LotStatus
from services import bulk_sql, keyset
from services.lots import ANALYSED_STATUSES, ZERO
from services.visibility import visible


@dataclass
class NfRow:
    lot: Lot
    guides: int
    presented: Decimal
    released: Decimal | None  # None while the payer has not finished analysing the lot

    @property
    def glosa(self) -> Decimal | None:
        return None if self.released is None else self.presented - self.released


def providers_with_lots() -> list[Provider]:
    """Providers that ever sent a lot (the staff's provider filter of the NF report)."""
    return list(db.session.scalars(
        sa.select(Provider).where(Provider.id.in_(sa.select(Lot.provider_id))).order_by(Provider.legal_name)))


NF_PAGE = 50


def _nf_lots(user, start: date, end: date, provider: Provider | None):
    """Lots ``user`` may see sent in [start, end], not cancelled (index on the send date)."""
    query = sa.select(Lot).where(
        Lot.status != LotStatus.CANCELLED,
        Lot.sent_at >= datetime.combine(start, datetime.min.time()),
        Lot.sent_at < datetime.combine(end + timedelta(days=1), datetime.min.time()))
    query = visible(query, user, "lot", Lot)
    return query.where(Lot.provider_id == provider.id) if provider is not None else query


def _nf_sums(which):
    """Per lot ``which`` picks (a condition on ``LotTotal.lot_id``): how many guides and the value released,
    as ``lot_total`` keeps them."""
    return sa.select(LotTotal.lot_id.label("lot_id"), LotTotal.guides.label("guides"),
                     LotTotal.released.label("released")).where(which)


def _nf_rows(lots: list[Lot]) -> list[NfRow]:
    which = bulk_sql.any_of(LotTotal.lot_id, [lot.id for lot in lots])
    sums = {row.lot_id: row for row in db.session.execute(_nf_sums(which))} if lots else {}
    rows = []
    for lot in lots:
        row = sums.get(lot.id)
        rows.append(NfRow(lot=lot, guides=row.guides if row else 0, presented=to_money(lot.total_amount),
                          released=to_money(row.released if row else 0) if lot.status in ANALYSED_STATUSES
                          else None))
    return rows


def nf_report(user, start: date, end: date, *, provider: Provider | None = None) -> list[NfRow]:
    """Every lot of the period with its values presented and released (the PDF).

    The period filters first, then only those lots' guides and items are added up: the cost follows
    the lots of the period, not the whole items table."""
    query = _nf_lots(user, start, end, provider).options(selectinload(Lot.provider)).order_by(Lot.sent_at, Lot.id)
    return _nf_rows(db.session.scalars(query).all())


def nf_page(user, start: date, end: date, *, provider: Provider | None = None, cursor: str | None = None,
            size: int | None = None) -> keyset.Page[NfRow]:
    """``size`` (``NF_PAGE``) lots of the period after ``cursor`` (the screen), in send order."""
    size = size or NF_PAGE
    query = _nf_lots(user, start, end, provider).options(selectinload(Lot.provider))
    after = keyset.decode(cursor, datetime, int)
    if after is not None:
        query = query.where(sa.or_(Lot.sent_at > after[0], sa.and_(Lot.sent_at == after[0], Lot.id > after[1])))
    lots = db.session.scalars(query.order_by(Lot.sent_at, Lot.id).limit(size + 1)).all()
    more = len(lots) > size
    lots = lots[:size]
    return keyset.Page(_nf_rows(lots), keyset.encode(lots[-1].sent_at, lots[-1].id) if more else None)


def nf_period_totals(user, start: date, end: date, *, provider: Provider | None = None) -> dict[str, Decimal]:
    """The totals of every lot of the period (what ``nf_totals`` gives for all rows), in one query."""
    lots = _nf_lots(user, start, end, provider).with_only_columns(
        Lot.id, Lot.status, Lot.total_amount).subquery()
    sums = _nf_sums(bulk_sql.any_in(LotTotal.lot_id, sa.select(lots.c.id))).subquery()
    analysed = lots.c.status.in_([s.value for s in ANALYSED_STATUSES])
    released = sa.func.coalesce(sums.c.released, 0)
    row = db.session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(lots.c.total_amount), 0),
        sa.func.coalesce(sa.func.sum(sa.case((analysed, released), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((analysed, lots.c.total_amount - released), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sums.c.guides), 0),
    ).select_from(lots.outerjoin(sums, sums.c.lot_id == lots.c.id))).one()
    return {"presented": to_money(row[0]), "released": to_money(row[1]), "glosa": to_money(row[2]),
            "guides": int(row[3])}


def lots_in(user, start: date, end: date, *, provider: Provider | None = None) -> int:
    """How many lots the whole report lists (the period's, bounded by it: index on the send date)."""
    lots = _nf_lots(user, start, end, provider).with_only_columns(Lot.id).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(lots)) or 0


def nf_totals(rows: list[NfRow]) -> dict[str, Decimal]:
    return {
        "presented": sum((r.presented for r in rows), ZERO),
        "released": sum((r.released for r in rows if r.released is not None), ZERO),
        "glosa": sum((r.glosa for r in rows if r.glosa is not None), ZERO),
        "guides": sum(r.guides for r in rows),
    }


