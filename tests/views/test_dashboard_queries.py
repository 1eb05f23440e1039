"""The start page reads the monthly rollups in few statements, whatever the number of providers and months:
the status counts of the three rolled-up entities in one, each chart in one (staff), a provider's whole page
in one (its few cells, added up in Python), and nothing for an entity the user may not see. The figures are
the same as adding up each entity apart (the reference below is the per-entity query the page ran before)."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import url_for

from models import GlosaCode, Invoice, Lot, MonthlyRollup, PayerIdentity, PayerSettings, PaymentOrder, Provider
from models.base import db
from models.enums import Country, GlosaSource, InvoiceStatus, LotStatus, PaymentOrderStatus, Role
from models.values import Competence
from seed import factories as f
from services import charts, dashboard, rollups
from services.visibility import visible
from tests.helpers import argentine_provider
from tests.query_count import assert_flat, queries_for

STATUSES = {"invoice": InvoiceStatus, "lot": LotStatus, "payment_order": PaymentOrderStatus}


def reference_totals(user, entity, *, group_by=(), buckets=None, exclude=None, country=None, since=None):
    """One entity's cells added up by the database, one statement each (what ``rollups.totals`` was)."""
    R = MonthlyRollup
    columns = [getattr(R, name) for name in group_by]
    query = sa.select(*columns, sa.func.sum(R.count), sa.func.sum(R.amount)).where(R.entity == entity)
    if buckets is not None:
        query = query.where(R.bucket.in_([getattr(b, "value", b) for b in buckets]))
    if exclude:
        query = query.where(R.bucket.not_in([getattr(b, "value", b) for b in exclude]))
    if since is not None:
        query = query.where(R.month >= since)
    if country is not None:
        query = query.join(Provider, Provider.id == R.provider_id).where(Provider.country == country)
    query = visible(query, user, entity, R).group_by(*columns)
    return sorted((*row[:-2], int(row[-2] or 0), Decimal(row[-1] or 0).quantize(Decimal("0.01")))
                  for row in db.session.execute(query))


def reference_figures(user, country, today):
    """The three charts' rows computed entity by entity."""
    keys = charts.month_keys(today, 12)
    since = Competence.parse(keys[0]).first_day
    monthly = {k: {"month": k, "billed": Decimal("0.00"), "disallowed": Decimal("0.00"), "paid": Decimal("0.00")}
               for k in keys}
    for entity, (series, buckets, exclude) in charts.MONTHLY_CELLS.items():
        for month, _count, amount in reference_totals(user, entity, group_by=("month",), buckets=buckets,
                                                      exclude=exclude, country=country, since=since):
            if str(Competence.of(month)) in monthly:
                monthly[str(Competence.of(month))][series] += amount
    billed, glosas = {}, {}
    for entity, (_buckets, exclude) in charts.BILLED_CELLS.items():
        for pid, _count, amount in reference_totals(user, entity, group_by=("provider_id",), exclude=exclude,
                                                    country=country):
            billed[pid] = billed.get(pid, Decimal("0.00")) + amount
    for pid, _count, amount in reference_totals(user, "glosa", group_by=("provider_id",), country=country):
        if amount:
            glosas[pid] = amount
    names = dict(db.session.execute(sa.select(Provider.id, Provider.legal_name)).all())
    by_provider = [{"id": pid, "label": names[pid], "value": value,
                    "rate": (value / billed[pid] * 100).quantize(Decimal("0.1")) if billed.get(pid) else Decimal("0")}
                   for pid, value in glosas.items()]
    reasons = {int(b): a for b, _c, a in reference_totals(user, "glosa", group_by=("bucket",), country=country) if a}
    grand = sum(reasons.values(), Decimal("0.00"))
    codes = {c.id: f"{c.code} {c.description}" for c in db.session.scalars(sa.select(GlosaCode))}
    by_reason = [{"id": cid, "label": codes[cid], "value": value,
                  "rate": (value / grand * 100).quantize(Decimal("0.1"))} for cid, value in reasons.items()]
    return [monthly[k] for k in keys], by_provider, by_reason


@pytest.fixture
def cells():
    """Providers of both countries with cells of every entity, status and glosa code over 15 months."""
    rng = random.Random(7)
    codes = [GlosaCode(code=f"Q{n}", description=f"Motivo {n}", source=GlosaSource.PAYER) for n in range(4)]
    providers = [argentine_provider(f"Suma {n} SA") for n in range(3)]
    providers += [f.make_provider(f"Soma {n} Ltda", country=Country.BR, service_codes=("CONSULTA",)) for n in range(2)]
    db.session.add_all(codes)
    db.session.flush()
    buckets = {entity: [s.value for s in statuses] for entity, statuses in STATUSES.items()}
    buckets["glosa"] = [str(code.id) for code in codes]
    for provider in providers:
        for month in Competence.of(date.today()).back(15):
            for entity, kinds in buckets.items():
                for bucket in rng.sample(kinds, k=min(3, len(kinds))):
                    db.session.add(MonthlyRollup(entity=entity, provider_id=provider.id, month=month.first_day,
                                                 bucket=bucket, count=rng.randint(1, 9),
                                                 amount=Decimal(rng.randint(100, 999999)) / 100))
    db.session.flush()
    return providers


def figures_of(user, country, cells=None):
    shown = charts.figures(user, country, date.today(), cells=cells)
    return shown.monthly, shown.by_provider, shown.by_reason


def same_rows(got: list[dict], expected: list[dict], field: str):
    """The same rows, ``got`` largest ``field`` first (equal ones by id)."""
    assert sorted(got, key=lambda r: r["id"]) == sorted(expected, key=lambda r: r["id"])
    assert got == sorted(got, key=lambda r: (-r[field], r["id"]))


def test_staff_figures_are_the_entity_by_entity_sums(cells, make_user):
    clerk = make_user(Role.CLERK)
    for country in (Country.AR, Country.BR):
        monthly, by_provider, by_reason = figures_of(clerk, country)
        ref_monthly, ref_by_provider, ref_by_reason = reference_figures(clerk, country, date.today())
        assert monthly == ref_monthly and any(row["billed"] for row in monthly)
        same_rows(by_provider, ref_by_provider, "rate")
        same_rows(by_reason, ref_by_reason, "value")
        assert len(by_provider) == (3 if country == Country.AR else 2) and len(by_reason) == 4


def test_a_providers_figures_from_its_cells_are_the_entity_by_entity_sums(cells, make_user):
    for provider in (cells[0], cells[3]):  # an Argentine one (invoices) and a Brazilian one (lots)
        user = make_user(Role.PROVIDER, providers=(provider,))
        read = rollups.few_cells(user, rollups.CELLS)
        assert read is not None and {row[1] for row in read.rows} == {provider.id}  # its own cells only
        monthly, by_provider, by_reason = figures_of(user, provider.country, cells=read)
        ref_monthly, _ref_by_provider, ref_by_reason = reference_figures(user, provider.country, date.today())
        assert monthly == ref_monthly == figures_of(user, provider.country)[0]
        same_rows(by_reason, ref_by_reason, "value")
        assert by_provider == []  # that chart is staff's
        models = [Invoice, Lot, PaymentOrder]
        counts = dashboard.rolled_up_counts(models, user, read)
        assert counts == dashboard.rolled_up_counts(models, user)
        for model in models:
            expected = {STATUSES[model.__tablename__](b): n
                        for b, n, _a in reference_totals(user, model.__tablename__, group_by=("bucket",)) if n}
            assert counts[model] == expected


def test_cells_add_up_as_the_database_does(cells, make_user):
    user = make_user(Role.PROVIDER, providers=(cells[1],))
    read = rollups.few_cells(user, rollups.CELLS)
    since = Competence.of(date.today()).back(6)[0].first_day
    wanted = {"invoice": (None, (InvoiceStatus.DRAFT,)), "glosa": (None, None),
              "payment_order": ((PaymentOrderStatus.PAID, "approved"), None), "lot": (None, None)}
    for group_by in ((), ("month",), ("provider_id",), ("bucket",), ("month", "bucket")):
        for country in (None, Country.AR, Country.BR):
            for after in (None, since):
                kwargs = {"group_by": group_by, "country": country, "since": after}
                got = rollups.totals_each(user, wanted, cells=read, **kwargs)
                expected = rollups.totals_each(user, wanted, **kwargs)
                assert {e: sorted(rows) for e, rows in got.items()} == {e: sorted(rows) for e, rows in expected.items()}
    assert rollups.totals_each(user, wanted, cells=read)["invoice"]  # not all empty
    assert rollups.totals_each(user, wanted, cells=read)["lot"] == []  # an Argentine provider sees no lots


def test_staff_of_one_country_see_that_countrys_figures_only(cells, make_user):
    db.session.add(PayerSettings(name="Solo AR", identities=[PayerIdentity(country=Country.AR, legal_name="Solo AR")]))
    db.session.flush()
    clerk = make_user(Role.CLERK)
    assert rollups.visible_groups(clerk, rollups.CELLS) == [["invoice", "glosa", "payment_order"]]  # no lots
    monthly, by_provider, by_reason = figures_of(clerk, Country.BR)
    ref_monthly, ref_by_provider, ref_by_reason = reference_figures(clerk, Country.BR, date.today())
    assert monthly == ref_monthly
    assert rollups.totals_each(clerk, {"lot": (None, None)}, group_by=("month",)) == {"lot": []}  # lots: not theirs
    same_rows(by_provider, ref_by_provider, "rate")
    same_rows(by_reason, ref_by_reason, "value")


def rollup_statements(statements) -> list[str]:
    return [s for s in statements if "monthly_rollup" in s]


def more_cells(providers, months: int):
    """More providers of each country, with cells over more months."""
    for n, provider in enumerate(list(providers)):
        twin = f.make_provider(f"{provider.legal_name} {n} bis", country=provider.country)
        db.session.flush()
        for month in Competence.of(date.today()).back(months):
            for entity, bucket in (("invoice", "sent"), ("lot", "received"), ("payment_order", "paid")):
                db.session.add(MonthlyRollup(entity=entity, provider_id=twin.id, month=month.first_day, bucket=bucket,
                                             count=1, amount=Decimal("10.00")))
    db.session.flush()


@pytest.mark.parametrize("country", [Country.AR, Country.BR])
def test_a_providers_start_page_reads_its_cells_once(cells, make_user, login, client, country):
    provider = cells[0] if country == Country.AR else cells[3]
    login(make_user(Role.PROVIDER, providers=(provider,)))
    few = queries_for(client, "/admin/")
    assert len(rollup_statements(few)) == 1, few  # the counts and the charts: one statement
    assert not [s for s in few if "WHERE false" in s], few  # an entity out of sight is not asked for
    more_cells(cells, 30)
    assert_flat(few, queries_for(client, "/admin/"), "a provider's start page")


def test_staff_start_page_statements_do_not_grow_with_providers_or_months(cells, login_as, client):
    login_as(Role.SUPERVISOR)
    few = queries_for(client, "/admin/")
    # the status counts from the cells added up already, then the monthly amounts, the rate per provider and
    # the amounts per reason from the cells
    assert len([s for s in few if "FROM status_total" in s]) == 1, few
    assert len(rollup_statements(few)) == 3, few
    more_cells(cells, 30)
    assert_flat(few, queries_for(client, "/admin/"), "a supervisor's start page")


def test_bar_links_are_what_url_for_writes(app, cells):
    with app.test_request_context():
        for currency in ("ARS", "BRL"):
            link = charts.drill_link(currency)
            for kind, args in (("billed", {"month": "2026-03"}), ("paid", {"month": "2025-12"}),
                               ("provider", {"key": cells[0].id}), ("reason", {"key": 7}), ("billed", {"month": None})):
                assert link(kind, **args) == url_for("admin.drill", kind=kind, **args, currency=currency)
