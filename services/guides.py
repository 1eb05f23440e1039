"""Guides: editing (execution, team, items priced from the price table), totals and searches.

A guide may be edited by its provider or a clerk only while it is not in a
lot (a lot is sent the moment it is created). Guide total = Σ item totals,
recomputed here after every change.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from models import Beneficiary, Guide, GuideItem, PriceTable, PriceTableItem, Professional, ServiceLocation
from models.base import db, to_money
from models.enums import GuideStatus, GuideType, ItemKind
from models.errors import CodedError
from models.permissions import acts_for, can
from models.values import Competence, parse_money, parse_quantity
from services.lots import recompute_guide_total
from services.text_search import contains, plan_with_values
from services.visibility import visible

MAX_QUANTITY = Decimal("99999.9999")
MAX_UNIT_PRICE = Decimal("999999.99")  # TISS item values are decimal(8,2)


class GuideError(CodedError):
    MESSAGES = {
        "forbidden": _l("You are not allowed to change this guide."),
        "locked": _l("The guide is in a sent lot and can no longer be changed. Remove it from the lot first."),
        "quantity": _l("Enter a quantity greater than zero."),
        "unit_price": _l("Enter a unit value greater than zero."),
        "price_item": _l("Choose an item from your price table."),
        "item": _l("This item is not in the guide."),
        "professional": _l("Choose one of your professionals."),
        "location": _l("Choose one of your service locations."),
        "future": _l("The execution date cannot be in the future."),
    }


def can_edit_guide(guide: Guide, actor) -> bool:
    return can(actor, "edit", "guide") and acts_for(actor, guide.provider_id) and guide.lot_id is None


def _check_editable(guide: Guide, actor, action: str = "edit", resource: str = "guide") -> None:
    if not can(actor, action, resource) or not acts_for(actor, guide.provider_id):
        raise GuideError("forbidden")
    if guide.lot_id is not None:
        raise GuideError("locked")


def update_execution(guide: Guide, actor, *, execution_date: date | None, execution_time: time | None,
                     executing_team: str | None, professional_id: int | None, location_id: int | None,
                     today: date | None = None) -> Guide:
    _check_editable(guide, actor)
    today = today or date.today()
    if execution_date is not None and execution_date > today:
        raise GuideError("future", "execution_date")
    if professional_id is not None:
        prof = db.session.get(Professional, professional_id)
        if prof is None or prof.provider_id not in (guide.provider_id, None):
            raise GuideError("professional", "professional_id")
    if location_id is not None:
        loc = db.session.get(ServiceLocation, location_id)
        if loc is None or loc.provider_id != guide.provider_id:
            raise GuideError("location", "location_id")
    guide.execution_date = execution_date
    guide.execution_time = execution_time
    guide.executing_team = (executing_team or "").strip() or None
    guide.professional_id = professional_id
    guide.location_id = location_id
    for item in guide.items:
        if item.execution_date is None or item.execution_date != execution_date:
            item.execution_date = execution_date
    db.session.flush()
    return guide


def provider_price_items_query(provider_id: int, on: date | None = None):
    on = on or date.today()
    return (
        sa.select(PriceTableItem)
        .join(PriceTable, PriceTable.id == PriceTableItem.price_table_id)
        .where(
            sa.or_(PriceTable.provider_id == provider_id, PriceTable.provider_id.is_(None)),
            PriceTable.valid_from <= on,
            sa.or_(PriceTable.valid_to.is_(None), PriceTable.valid_to >= on),
        )
    )


def search_price_items(provider_id: int, text: str = "", kinds: tuple[ItemKind, ...] = (), limit: int = 25):
    """Price table lines by code prefix or name fragment (the "pesquisar pelo nome ou código" box)."""
    query = provider_price_items_query(provider_id)
    text = (text or "").strip()[:60]
    if text:
        query = query.where(sa.or_(
            PriceTableItem.code.startswith(text, autoescape=True), contains(PriceTableItem.description, text)))
    if kinds:
        query = query.where(PriceTableItem.kind.in_(kinds))
    return list(db.session.scalars(query.order_by(PriceTableItem.description).limit(limit)))


def add_item(guide: Guide, actor, *, price_item_id: int, quantity, unit_price=None) -> GuideItem:
    """Add a price-table item with a confirmed quantity and unit value; the guide total follows."""
    _check_editable(guide, actor, "create", "guide_item")
    price_item = db.session.scalar(
        provider_price_items_query(guide.provider_id).where(PriceTableItem.id == price_item_id))
    if price_item is None:
        raise GuideError("price_item", "price_item_id")
    qty = parse_quantity(quantity, "quantity", minimum=None)
    if qty is None or qty <= 0 or qty > MAX_QUANTITY:
        raise GuideError("quantity", "quantity")
    unit = price_item.unit_price if unit_price in (None, "") else parse_money(unit_price, "unit_price", minimum=None)
    unit = to_money(unit)
    if unit <= 0 or unit > MAX_UNIT_PRICE:
        raise GuideError("unit_price", "unit_price")
    item = GuideItem(
        kind=price_item.kind, code=price_item.code, description=price_item.description,
        execution_date=guide.execution_date, quantity=qty, unit_price=unit, total_amount=to_money(unit * qty),
        price_table_item_id=price_item.id,
    )
    guide.items.append(item)
    recompute_guide_total(guide)
    db.session.flush()
    return item


def remove_item(guide: Guide, actor, item_id: int) -> None:
    _check_editable(guide, actor, "delete", "guide_item")
    item = next((i for i in guide.items if i.id == item_id), None)
    if item is None:
        raise GuideError("item")
    guide.items.remove(item)
    recompute_guide_total(guide)
    db.session.flush()


# Searching ------------------------------------------------------------------------
@dataclass
class GuideFilters:
    """The lot builder's "Pesquise suas guias" bar."""

    status: GuideStatus | None = None
    number: str | None = None
    emission_from: date | None = None
    emission_to: date | None = None
    card_number: str | None = None
    beneficiary_name: str | None = None
    supplies: str | None = None  # None: all · "with": with materials/medicines · "without"
    authorization_from: date | None = None
    authorization_to: date | None = None
    execution_from: date | None = None
    execution_to: date | None = None
    location_id: int | None = None


SUPPLY_KINDS = (ItemKind.MATERIAL, ItemKind.MEDICINE)
SEARCH_LIMIT = 500


def default_filters(competence: str) -> GuideFilters:
    first, last = Competence.parse(competence).bounds
    return GuideFilters(emission_from=first, emission_to=last)


def guide_search_query(provider_id: int, guide_type: GuideType | None, filters: GuideFilters):
    query = sa.select(Guide).where(Guide.provider_id == provider_id)
    if guide_type is not None:
        query = query.where(Guide.guide_type == guide_type)
    if filters.status is not None:
        query = query.where(Guide.status == filters.status)
    if filters.number:
        query = query.where(Guide.number == filters.number.strip())
    if filters.emission_from:
        query = query.where(Guide.emission_date >= filters.emission_from)
    if filters.emission_to:
        query = query.where(Guide.emission_date <= filters.emission_to)
    if filters.execution_from:
        query = query.where(Guide.execution_date >= filters.execution_from)
    if filters.execution_to:
        query = query.where(Guide.execution_date <= filters.execution_to)
    if filters.authorization_from:
        query = query.where(Guide.authorization_date >= filters.authorization_from)
    if filters.authorization_to:
        query = query.where(Guide.authorization_date <= filters.authorization_to)
    if filters.location_id:
        query = query.where(Guide.location_id == filters.location_id)
    if filters.card_number or filters.beneficiary_name:
        beneficiaries = sa.select(Beneficiary.id)
        if filters.card_number:
            beneficiaries = beneficiaries.where(Beneficiary.card_number == filters.card_number.strip())
        if filters.beneficiary_name:
            plan_with_values()
            beneficiaries = beneficiaries.where(contains(Beneficiary.name, filters.beneficiary_name.strip()[:60]))
        query = query.where(Guide.beneficiary_id.in_(beneficiaries))
    if filters.supplies in ("with", "without"):
        has = sa.exists().where(GuideItem.guide_id == Guide.id, GuideItem.kind.in_(SUPPLY_KINDS))
        query = query.where(has if filters.supplies == "with" else ~has)
    return query


def search_guides(provider_id: int, guide_type: GuideType | None, filters: GuideFilters,
                  limit: int = SEARCH_LIMIT) -> list[Guide]:
    """Matching guides (emission order), with items and beneficiary loaded for the occurrence checks."""
    query = (guide_search_query(provider_id, guide_type, filters)
             .options(selectinload(Guide.items), selectinload(Guide.beneficiary))
             .order_by(Guide.emission_date, Guide.number).limit(limit))
    return list(db.session.scalars(query))


def billable_guides(provider_id: int, start: date, end: date, limit: int = SEARCH_LIMIT) -> list[Guide]:
    """Faturamento de atendimentos: authorized guides executed in the period and not yet in a lot."""
    query = (
        sa.select(Guide)
        .where(Guide.provider_id == provider_id, Guide.status == GuideStatus.AUTHORIZED, Guide.lot_id.is_(None),
               Guide.execution_date >= start, Guide.execution_date <= end)
        .options(selectinload(Guide.items), selectinload(Guide.beneficiary))
        .order_by(Guide.guide_type, Guide.execution_date, Guide.number).limit(limit)
    )
    return list(db.session.scalars(query))


def professionals_of(provider) -> list[Professional]:
    """The provider's professionals, by name (the executing-professional picker)."""
    return list(db.session.scalars(
        sa.select(Professional).where(Professional.provider_id == provider.id).order_by(Professional.name)))


def contracted_guide_types(provider) -> list[GuideType]:
    """The provider's contracted service types that are TISS guide types (the builder's "Tipo")."""
    types = {st.guide_type for st in provider.service_types if st.guide_type is not None}
    return [t for t in GuideType if t in types]


def next_guides(user, from_id: int | None, newer: bool, limit: int) -> sa.Select:
    """The ids of the next ``limit`` guides ``user`` may see from guide ``from_id`` on (included), newest
    first when ``newer``, as a query: a provider's page of guide items starts from these (index
    ``guide (provider_id, id)``)."""
    query = visible(sa.select(Guide.id), user, "guide", Guide)
    if from_id is not None:
        query = query.where(Guide.id <= from_id if newer else Guide.id >= from_id)
    return query.order_by(Guide.id.desc() if newer else Guide.id.asc()).limit(limit)


def next_guide_ids(user, from_id: int | None, newer: bool, limit: int) -> list[int]:
    return list(db.session.scalars(next_guides(user, from_id, newer, limit)))
