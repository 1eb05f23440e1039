"""The four values of the account analysis (informed, processed, glosa, released) per lot or per
guide: per lot read from ``lot_total`` (kept by the database as rows change), per guide computed by
the database in one grouped query instead of loading every item and glosa.

Same arithmetic as ``models.rules.analysis.item_totals``: processed defaults to informed, released
is processed minus the item's glosas, never below zero; the sums of items give guides and lots.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa

from models import Glosa, Guide, GuideItem, LotTotal
from models.base import db, to_money
from models.rules.analysis import Totals
from services import bulk_sql

ZERO = Decimal("0.00")


def _values(*glosa_filters):
    """The item glosas subquery (of the glosas matching ``glosa_filters``) and an item's processed, glosa
    and released expressions over it: the arithmetic every total here shares."""
    glosas = (sa.select(Glosa.guide_item_id, sa.func.sum(Glosa.amount).label("glosa"))
              .where(*glosa_filters, Glosa.guide_item_id.is_not(None))
              .group_by(Glosa.guide_item_id).subquery())
    processed = sa.func.coalesce(GuideItem.processed_amount, GuideItem.total_amount)
    glosa = sa.func.coalesce(glosas.c.glosa, 0)
    return glosas, processed, glosa, sa.case((processed - glosa > 0, processed - glosa), else_=0)


def _item_values(lot_ids: list[int], guide_ids: list[int] | None = None):
    """One row per item of the lots (only of ``guide_ids`` when given): its lot, guide and the four values."""
    glosa_filter = Glosa.guide_id.in_(guide_ids) if guide_ids is not None else Glosa.lot_id.in_(lot_ids)
    guide_filter = Guide.id.in_(guide_ids) if guide_ids is not None else Guide.lot_id.in_(lot_ids)
    glosas, processed, glosa, released = _values(glosa_filter)
    return (sa.select(Guide.lot_id.label("lot_id"), Guide.id.label("guide_id"),
                      GuideItem.total_amount.label("informed"), processed.label("processed"),
                      glosa.label("glosa"), released.label("released"))
            .join(GuideItem, GuideItem.guide_id == Guide.id)
            .outerjoin(glosas, glosas.c.guide_item_id == GuideItem.id)
            .where(guide_filter)).subquery()


def _totals(informed, processed, glosa, released) -> Totals:
    return Totals(to_money(informed or 0), to_money(processed or 0), to_money(glosa or 0), to_money(released or 0))


def _grouped(lot_ids: Iterable[int], key: str, guide_ids: list[int] | None = None) -> dict[int, Totals]:
    lot_ids = sorted(set(lot_ids))
    if not lot_ids or guide_ids == []:
        return {}
    items = _item_values(lot_ids, guide_ids)
    rows = db.session.execute(sa.select(
        items.c[key], sa.func.sum(items.c.informed), sa.func.sum(items.c.processed), sa.func.sum(items.c.glosa),
        sa.func.sum(items.c.released)).group_by(items.c[key]))
    return {row[0]: _totals(*row[1:]) for row in rows}


def lot_totals(lot_ids: Iterable[int]) -> dict[int, Totals]:
    """Per lot id: the lot's four totals, one indexed read of ``lot_total`` whatever the lots' size."""
    lot_ids = sorted(set(lot_ids))
    if not lot_ids:
        return {}
    rows = db.session.execute(sa.select(LotTotal.lot_id, LotTotal.informed, LotTotal.processed, LotTotal.glosa,
                                        LotTotal.released).where(bulk_sql.any_of(LotTotal.lot_id, lot_ids)))
    return {row[0]: _totals(*row[1:]) for row in rows}


def summed_lot_totals(lots) -> Totals:
    """The four totals of every lot ``lots`` (a subquery with an ``id`` column) selects, added up by the
    database: a period's figures without loading its lots."""
    row = db.session.execute(sa.select(
        sa.func.sum(LotTotal.informed), sa.func.sum(LotTotal.processed), sa.func.sum(LotTotal.glosa),
        sa.func.sum(LotTotal.released)).where(bulk_sql.any_in(LotTotal.lot_id, sa.select(lots.c.id)))).one()
    return _totals(*row)


def computed_lot_totals(lot_ids: Iterable[int]) -> dict[int, Totals]:
    """Per lot id: the four totals added up from the items and glosas (lots without items are absent):
    what ``lot_total`` must hold."""
    return _grouped(lot_ids, "lot_id")


def lot_total_rows():
    """(lot_id, guides, informed, processed, glosa, released) of every lot with guides, from the detail
    rows: what ``services.rollups.rebuild`` writes into ``lot_total``."""
    glosas, processed, _glosa, released = _values()
    return (sa.select(Guide.lot_id, sa.func.count(sa.distinct(Guide.id)),
                      *(sa.func.coalesce(sa.func.sum(x), 0) for x in (GuideItem.total_amount, processed,
                                                                       glosas.c.glosa, released)))
            .outerjoin(GuideItem, GuideItem.guide_id == Guide.id)
            .outerjoin(glosas, glosas.c.guide_item_id == GuideItem.id)
            .where(Guide.lot_id.is_not(None)).group_by(Guide.lot_id))


def guide_totals(lot_ids: Iterable[int], guide_ids: Iterable[int] | None = None) -> dict[int, Totals]:
    """Per guide id of the given lots (only ``guide_ids`` when given): the guide's four totals."""
    return _grouped(lot_ids, "guide_id", sorted(set(guide_ids)) if guide_ids is not None else None)
