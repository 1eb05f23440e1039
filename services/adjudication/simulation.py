"""Rule simulation: before activating or changing a rule, run it over the guides of a past period
and see how many guides and how much money it would glose, per provider. Guides are read in
keyset chunks (by id), each chunk with the engine's set-based lookups, so a period of any size
runs in bounded memory (up to a year; the page runs it as a background job, ``simulation_job``)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import Guide, GuideItem, PriceTable, PriceTableItem, Provider
from models.base import db
from models.rules.adjudication import Line, RuleFacts
from services.adjudication import engine
from services.adjudication.errors import AdjudicationError

CHUNK = 500


@dataclass
class ProviderImpact:
    provider: str
    guides: int = 0
    amount: Decimal = Decimal("0.00")


@dataclass
class Simulation:
    start: date
    end: date
    guides_read: int = 0
    providers: list[ProviderImpact] = field(default_factory=list)

    @property
    def guides(self) -> int:
        return sum(p.guides for p in self.providers)

    @property
    def amount(self) -> Decimal:
        return sum((p.amount for p in self.providers), Decimal("0.00"))


def _chunks(start: date, end: date):
    """Guide ids in lots, executed in [start, end], in keyset chunks by (execution date, id): each chunk
    spans few days, so the history its rules read stays small."""
    after = (start - timedelta(days=1), 0)
    while True:
        rows = db.session.execute(
            sa.select(Guide.execution_date, Guide.id)
            .where(Guide.execution_date.between(start, end), Guide.lot_id.is_not(None),
                   sa.tuple_(Guide.execution_date, Guide.id) > sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
            .order_by(Guide.execution_date, Guide.id).limit(CHUNK)).all()
        if not rows:
            return
        yield [row[1] for row in rows]
        after = tuple(rows[-1])


def _prices(provider_ids: set[int], on: date, prices: dict) -> None:
    """Contracted prices of every provider not yet in ``prices`` (one query): general tables,
    overridden by the provider's own, valid ``on``."""
    wanted = provider_ids - prices.keys()
    if not wanted:
        return
    general: dict[str, Decimal] = {}
    own: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for code, unit_price, owner in db.session.execute(
            sa.select(PriceTableItem.code, PriceTableItem.unit_price, PriceTable.provider_id)
            .join(PriceTable, PriceTable.id == PriceTableItem.price_table_id)
            .where(sa.or_(PriceTable.provider_id.in_(wanted), PriceTable.provider_id.is_(None)),
                   PriceTable.valid_from <= on, sa.or_(PriceTable.valid_to.is_(None), PriceTable.valid_to >= on))
            .order_by(PriceTable.valid_from)):
        (general if owner is None else own[owner])[code] = unit_price
    for provider_id in wanted:
        prices[provider_id] = {**general, **own.get(provider_id, {})}


def _lines(ids: list[int], prices: dict, on: date | None = None) -> list[Line]:
    rows = db.session.execute(
        sa.select(Guide.id, Guide.provider_id, Guide.beneficiary_id, Guide.execution_date,
                  Guide.authorization_number, GuideItem.code, GuideItem.kind, GuideItem.quantity,
                  GuideItem.unit_price, GuideItem.total_amount, GuideItem.execution_date)
        .join(GuideItem, GuideItem.guide_id == Guide.id).where(Guide.id.in_(ids)).order_by(Guide.id, GuideItem.id))
    rows = rows.all()
    _prices({row[1] for row in rows}, on or date.today(), prices)
    lines, position = [], {}
    for g_id, provider_id, ben, day, senha, code, kind, qty, unit, total, i_day in rows:
        index = position[g_id] = position.get(g_id, -1) + 1
        lines.append(Line(f"{g_id}", index, provider_id, ben, i_day or day, code, getattr(kind, "value", kind), qty,
                          unit, total, senha, g_id, prices[provider_id].get(code)))
    return lines


def check_period(start: date | None, end: date | None) -> None:
    if start is None or end is None or end < start or end - start > timedelta(days=366):
        raise AdjudicationError("period", "start")


def guides_in(start: date, end: date) -> int:
    """How many guides the simulation will read (the job's total; counted once, in the job)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Guide).where(
        Guide.execution_date.between(start, end), Guide.lot_id.is_not(None))) or 0


def simulate(rule: RuleFacts, start: date, end: date, on_chunk: Callable[[int], None] | None = None) -> Simulation:
    """What ``rule`` alone would have glosed on the guides executed between ``start`` and ``end``;
    ``on_chunk(guides read so far)`` after each keyset chunk (a job's progress)."""
    check_period(start, end)
    out = Simulation(start, end)
    glosed: dict[int, set[str]] = defaultdict(set)
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    prices: dict = {}
    provider_of: dict[str, int] = {}
    for ids in _chunks(start, end):
        lines = _lines(ids, prices, end)
        out.guides_read += len(ids)
        provider_of.update({line.guide: line.provider_id for line in lines})
        for finding in engine.run(lines, [rule]):
            provider_id = provider_of[finding.guide]
            glosed[provider_id].add(finding.guide)
            amounts[provider_id] += finding.amount
        if on_chunk is not None:
            on_chunk(out.guides_read)
    names = dict(db.session.execute(
        sa.select(Provider.id, Provider.legal_name).where(Provider.id.in_(list(glosed)))).all())
    out.providers = sorted((ProviderImpact(names.get(pid, str(pid)), len(guides), amounts[pid])
                            for pid, guides in glosed.items()), key=lambda p: -p.amount)
    return out


def rule_from_form(row) -> RuleFacts:
    """A RuleFacts of a (possibly unsaved) AdjudicationRule row, as the simulation form builds it."""
    return RuleFacts(id=row.id, name=row.name or "", kind=getattr(row.kind, "value", row.kind),
                     action=getattr(row.action, "value", row.action) or "propose", parameters=row.parameters or {},
                     procedure_code=row.procedure_code, group_id=row.group_id, provider_id=row.provider_id,
                     plan_id=row.plan_id, code=row.glosa_code, payer_code=row.payer_code)
