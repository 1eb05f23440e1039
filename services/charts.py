"""The start page's charts: amounts billed, disallowed and paid per month; glosa rate per provider
and per reason; the rows behind each bar.

Every figure is in ONE currency (the providers of one country): sums of pesos
and reais mean nothing. Providers see their own provider's currency; staff see
the payer's by default and may switch when the payer has providers of both
countries. Totals come from the monthly rollups the database keeps as work happens
(``services.rollups``: a few rows per provider and month, whatever the volume); the rows behind a bar
are read page-size at a time off indexes. Provider users only ever see their own provider's figures.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal

from flask import url_for
from flask_babel import format_decimal, pgettext
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from models import Glosa, GlosaCode, Invoice, Lot, PayerSettings, PaymentOrder, Provider
from models.base import db
from models.enums import CURRENCIES, Country, InvoiceStatus, LotStatus, PaymentOrderStatus
from models.values import Competence
from services import formatting, rollups
from services.figure_memo import remembered
from services.url_query import query_string
from services.visibility import ALL, provider_ids, visible

ZERO = Decimal("0.00")
BILLED_LOTS_EXCLUDE = (LotStatus.CANCELLED,)
BILLED_INVOICES_EXCLUDE = (InvoiceStatus.DRAFT, InvoiceStatus.REJECTED)
COUNTRY_OF_CURRENCY = {currency: country for country, currency in CURRENCIES.items()}


def chart_country(user, currency: str | None = None, in_use: list[Country] | None = None) -> Country:
    """The country whose providers' figures ``user`` sees: a provider's own; for staff the one asked
    (``currency``), else the payer's, else the first country the payer has providers in (``in_use``:
    ``countries_in_use()`` when the caller has it already)."""
    if user.is_provider and user.current_provider is not None:
        return user.current_provider.country
    if not user.is_provider and currency in COUNTRY_OF_CURRENCY:
        return COUNTRY_OF_CURRENCY[currency]
    payer = PayerSettings.current()
    in_use = countries_in_use() if in_use is None else in_use
    if payer is not None and (payer.country in in_use or not in_use):
        return payer.country
    return in_use[0] if in_use else Country.AR


def countries_in_use() -> list[Country]:
    """The countries of the payer's providers (a staff currency switch appears when there are two): one
    lookup per country on the (country, tax id) key, not a pass over every provider (DISTINCT)."""
    countries = sorted(Country, key=lambda c: c.value)
    found = db.session.execute(select(*[exists().where(Provider.country == c) for c in countries])).one()
    return [country for country, used in zip(countries, found) if used]


def month_keys(today: date, months: int) -> list[str]:
    return [str(c) for c in Competence.of(today).back(months)]


def _scope(query, model, user, country: Country):
    """Only ``country``'s providers; for a provider user, only its own provider."""
    query = query.join(Provider, Provider.id == model.provider_id).where(Provider.country == country)
    return visible(query, user, model.__tablename__, model)


def _since(keys: list[str]) -> date:
    return Competence.parse(keys[0]).first_day


# What each monthly series adds up: entity → (series, statuses kept (None: all), statuses dropped).
MONTHLY_CELLS = {
    "lot": ("billed", None, BILLED_LOTS_EXCLUDE),
    "invoice": ("billed", None, BILLED_INVOICES_EXCLUDE),
    "glosa": ("disallowed", None, None),
    "payment_order": ("paid", (PaymentOrderStatus.PAID,), None),
}
BILLED_CELLS = {"lot": (None, BILLED_LOTS_EXCLUDE), "invoice": (None, BILLED_INVOICES_EXCLUDE)}


def monthly_amounts(user, country: Country, today: date | None = None, months: int = 12,
                    cells: rollups.Cells | None = None) -> list[dict]:
    """Amounts billed, disallowed and paid in each of the last ``months`` (``cells``: see ``figures``)."""
    today = today or date.today()
    keys = month_keys(today, months)
    rows = {k: {"month": k, "billed": ZERO, "disallowed": ZERO, "paid": ZERO} for k in keys}
    found = rollups.totals_each(user, {entity: (buckets, exclude) for entity, (_s, buckets, exclude)
                                       in MONTHLY_CELLS.items()},
                                group_by=("month",), country=country, since=_since(keys), cells=cells)
    for entity, sums in found.items():
        series = MONTHLY_CELLS[entity][0]
        for month, _count, amount in sums:
            row = rows.get(str(Competence.of(month)))
            if row is not None:
                row[series] += amount
    return [rows[k] for k in keys]


def glosa_rate_by_provider(user, country: Country, limit: int = 10, cells: rollups.Cells | None = None) -> list[dict]:
    """Share of the billed value disallowed, per provider (highest first; equal rates by provider id)."""
    billed: dict = defaultdict(lambda: ZERO)
    glosas: dict = defaultdict(lambda: ZERO)
    found = rollups.totals_each(user, {**BILLED_CELLS, "glosa": (None, None)}, group_by=("provider_id",),
                                country=country, cells=cells)
    for entity in BILLED_CELLS:
        for pid, _count, amount in found[entity]:
            billed[pid] += amount
    for pid, _count, amount in found["glosa"]:
        if amount:
            glosas[pid] += amount
    if not glosas:
        return []
    names = dict(db.session.execute(
        select(Provider.id, Provider.legal_name).where(Provider.id.in_(list(glosas)))).all())
    out = [{"id": pid, "label": names.get(pid, str(pid)), "value": glosas[pid],
            "rate": (glosas[pid] / billed[pid] * 100).quantize(Decimal("0.1")) if billed[pid] else Decimal("0")}
           for pid in sorted(glosas)]
    out.sort(key=lambda r: r["rate"], reverse=True)
    return out[:limit]


def glosa_by_reason(user, country: Country, limit: int = 10, cells: rollups.Cells | None = None) -> list[dict]:
    """The amount disallowed per glosa code (largest first; equal amounts by code id)."""
    total: dict = defaultdict(lambda: ZERO)
    found = rollups.totals_each(user, {"glosa": (None, None)}, group_by=("bucket",), country=country, cells=cells)
    for bucket, _count, amount in found["glosa"]:
        if amount:
            total[int(bucket)] += amount
    if not total:
        return []
    codes = {cid: f"{code} {description}" for cid, code, description in db.session.execute(
        select(GlosaCode.id, GlosaCode.code, GlosaCode.description).where(GlosaCode.id.in_(list(total))))}
    grand = sum(total.values(), ZERO)
    out = [{"id": cid, "label": codes.get(cid, str(cid)),
            "value": value, "rate": (value / grand * 100).quantize(Decimal("0.1")) if grand else Decimal("0")}
           for cid, value in sorted(total.items())]
    out.sort(key=lambda r: r["value"], reverse=True)
    return out[:limit]


@dataclass(frozen=True)
class Figures:
    """The start page's three charts' rows, and when they were computed (None: just now, for this user)."""
    monthly: list[dict]
    by_provider: list[dict]
    by_reason: list[dict]
    as_of: datetime | None = None


CHARTED = ("lot", "invoice", "glosa", "payment_order")


def figures(user, country: Country, today: date | None = None, cells: rollups.Cells | None = None) -> Figures:
    """The charts' rows for ``user``. A provider user's are its own provider's, computed now (and no glosa rate
    per provider: the page shows that chart to staff only), added up from ``cells`` when given (``rollups.
    few_cells``: its few cells read once for the whole page); staff see the payer's figures, the same for
    everyone with the same rights, kept a while (``services.figure_memo``)."""
    today = today or date.today()

    def compute() -> Figures:
        return Figures(monthly_amounts(user, country, today, cells=cells),
                       [] if user.is_provider else glosa_rate_by_provider(user, country, cells=cells),
                       glosa_by_reason(user, country, cells=cells))

    if user.is_provider:
        return compute()
    rights = tuple(provider_ids(user, entity) is ALL for entity in CHARTED)
    kept, as_of = remembered(("charts", country, rights, today), compute)
    return replace(kept, as_of=as_of)


def drill_rows(user, country: Country, kind: str, month: str | None = None, key: int | None = None,
               limit: int = 100):
    """The newest rows behind a bar (up to ``limit``): glosas, lots/invoices billed or orders paid in a month;
    glosas of a provider or code."""
    start = end = None
    if month:
        year, mon = map(int, month.split("-"))
        start = date(year, mon, 1)
        end = date(year + (mon // 12), mon % 12 + 1, 1)
    if kind == "disallowed" or kind in ("provider", "reason"):
        q = _scope(select(Glosa), Glosa, user, country).order_by(Glosa.created_at.desc(), Glosa.id.desc()).options(
            joinedload(Glosa.code), joinedload(Glosa.lot), joinedload(Glosa.invoice)).limit(limit)
        if start:
            q = q.where(Glosa.created_at >= datetime.combine(start, time.min),
                        Glosa.created_at < datetime.combine(end, time.min))
        if kind == "provider" and key is not None:
            q = q.where(Glosa.provider_id == key)
        if kind == "reason" and key is not None:
            q = q.where(Glosa.code_id == key)
        return "glosas", list(db.session.scalars(q))
    if kind == "paid":
        q = _scope(select(PaymentOrder).where(PaymentOrder.status == PaymentOrderStatus.PAID), PaymentOrder,
                   user, country).order_by(PaymentOrder.paid_at.desc()).limit(limit)
        if start:
            q = q.where(PaymentOrder.paid_at >= start, PaymentOrder.paid_at < end)
        return "orders", list(db.session.scalars(q))
    if kind == "billed":
        lots = _scope(select(Lot).where(Lot.status != LotStatus.CANCELLED), Lot, user, country)
        invoices = _scope(select(Invoice).where(Invoice.status.not_in((InvoiceStatus.DRAFT, InvoiceStatus.REJECTED))),
                          Invoice, user, country)
        if start:
            lots = lots.where(Lot.sent_at >= datetime.combine(start, time.min),
                              Lot.sent_at < datetime.combine(end, time.min))
            invoices = invoices.where(Invoice.invoice_date >= start, Invoice.invoice_date < end)
        lots = lots.order_by(Lot.sent_at.desc(), Lot.id.desc()).options(joinedload(Lot.provider)).limit(limit)
        invoices = invoices.order_by(Invoice.invoice_date.desc(), Invoice.id.desc()).options(
            joinedload(Invoice.provider)).limit(limit)
        return "billed", (list(db.session.scalars(lots)), list(db.session.scalars(invoices)))
    raise ValueError(kind)


# Geometry: what the SVG charts draw, computed here so templates only place shapes --------------------------
MONTHLY_SERIES = (("billed", "#007bff"), ("disallowed", "#dc3545"), ("paid", "#28a745"))


def series_names() -> dict[str, str]:
    """The monthly series' names (amounts: "Pagado", not the status "Pagada")."""
    return {"billed": pgettext("chart", "Billed"), "disallowed": pgettext("chart", "Disallowed"),
            "paid": pgettext("chart", "Paid")}


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    series: str
    value: Decimal
    title: str  # the tooltip: what, when, how much
    month: str | None = None
    key: int | None = None
    href: str | None = None  # the rows behind it (``drill_link``)


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class MonthlyChart:
    width: int
    height: int
    plot_left: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    months: list[tuple[float, str]]  # (x of the label's centre, "03/2026")
    legend: list[tuple[str, str]]  # (colour, series name)
    table: list[dict]  # the same numbers, one row per month, for the accessible table


@dataclass
class HBarChart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str, str, str]]  # (y, the row's name cut to fit, its full name, its value as written)


def nice_ticks(top: Decimal, count: int = 4) -> list[Decimal]:
    """Round axis values from 0 to at least ``top``: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [Decimal(0)]
    raw = top / count
    power = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal("1")
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks, value = [], Decimal(0)
    while value < top:
        ticks.append(value)
        value += step
    return ticks + [value]


def axis_amount(value: Decimal, currency: str) -> str:
    """``$ 300.000``: whole units with the locale's grouping, for an axis."""
    symbol = formatting.CURRENCY_SYMBOLS.get(currency, currency)
    return f"{symbol}\xa0{format_decimal(value, format='#,##0')}"


def month_label(key: str) -> str:
    return f"{key[5:]}/{key[:4]}"


def drill_link(currency: str):
    """``link(kind, **args)``: the address of the rows behind a bar, as ``url_for("admin.drill", kind=kind,
    **args, currency=currency)`` writes it; the route built once per kind and each query once (not per bar)."""
    bases: dict[str, str] = {}
    queries: dict[tuple, str] = {}
    tail = query_string([("currency", currency)])

    def link(kind: str, **args) -> str:
        base = bases.get(kind)
        if base is None:
            base = bases[kind] = url_for("admin.drill", kind=kind)
        key = tuple(args.items())
        query = queries.get(key)
        if query is None:
            pairs = [(name, value) for name, value in key if value is not None]
            query = queries[key] = f"{query_string(pairs)}&{tail}" if pairs else tail
        return f"{base}?{query}"

    return link



def monthly_geometry(rows: list[dict], currency: str, width: int = 720, height: int = 220,
                     plot_left: int = 80, link=None) -> MonthlyChart:
    """Grouped bars per month (billed, disallowed, paid) over an amount axis with round ticks; ``link``
    (``drill_link``) gives each bar its address."""
    top = max((r[k] for r in rows for k, _c in MONTHLY_SERIES), default=ZERO)
    names = series_names()
    ticks = nice_ticks(top)
    scale_top = ticks[-1] or Decimal(1)
    plot_height = height - 10
    step = (width - plot_left) / (len(rows) or 1)
    bar_width = step / 4
    bars, months, table = [], [], []
    amounts: dict[str, str] = {}  # each amount written once (months repeat some, 0,00 above all)
    for i, row in enumerate(rows):
        x = plot_left + i * step
        label = month_label(row["month"])
        written = {"month": label}  # the amounts as the table and the tooltips write them
        for j, (series, color) in enumerate(MONTHLY_SERIES):
            bar_height = float(row[series] / scale_top) * plot_height
            text = amounts.get(str(row[series]))
            if text is None:
                text = amounts[str(row[series])] = formatting.money(row[series], currency)
            written[series] = text
            bars.append(Bar(x=round(x + j * bar_width + 4, 1), y=round(height - bar_height, 1),
                            width=round(bar_width - 1, 1), height=round(bar_height, 1), color=color, series=series,
                            value=row[series], month=row["month"], title=f"{names[series]} · {label} · {text}",
                            href=link(series, month=row["month"]) if link else None))
        months.append((round(x + step / 2, 1), label))
        table.append(written)
    axis = [Tick(y=round(height - float(t / scale_top) * plot_height, 1), label=axis_amount(t, currency))
            for t in ticks]
    return MonthlyChart(width=width, height=height, plot_left=plot_left, plot_bottom=height, bars=bars,
                        ticks=axis, months=months, legend=[(c, names[k]) for k, c in MONTHLY_SERIES], table=table)


def hbar_geometry(rows: list[dict], field: str, written, width: int = 420, bar_left: int = 210,
                  bar_room: int = 150, row_height: int = 22, link=None) -> HBarChart:
    """One horizontal bar per row, longest for the largest ``field``; ``written(row)`` says its value;
    ``link(key=row id)`` gives each bar its address."""
    top = max((r[field] for r in rows), default=ZERO)
    bars, labels = [], []
    for i, row in enumerate(rows):
        bar_width = float(row[field] / top) * bar_room if top else 0.0
        text = written(row)
        bars.append(Bar(x=bar_left, y=row_height * i + 4, width=round(bar_width, 1), height=14, color="#dc3545",
                        series=field, value=row[field], key=row["id"], title=f"{row['label']}: {text}",
                        href=link(key=row["id"]) if link else None))
        name = row["label"] if len(row["label"]) <= 34 else row["label"][:33] + "…"
        labels.append((row_height * i + 15, name, row["label"], text))
    return HBarChart(width=width, height=row_height * len(rows) + 4, bars=bars, labels=labels)
