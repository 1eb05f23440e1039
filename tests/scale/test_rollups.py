"""The monthly rollups the dashboards read stay equal to the detail tables, whatever changes them."""
import threading
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Glosa, GlosaCode, Invoice, Lot, MonthlyRollup, PaymentOrder, Provider, StatusTotal
from models.base import db
from models.enums import InvoiceStatus, Role
from services import charts, dashboard
from tests.helpers import argentine_provider, invoice_for
from tests.scale.rebuilt import assert_same_after_rebuild, kept_cells


def cells() -> dict:
    R = MonthlyRollup
    return kept_cells(R.entity, R.provider_id, R.month, R.bucket, count=R.count, amount=R.amount)


def status_totals() -> dict:
    """``status_total`` with its slots added up: {(entity, status): (count, amount)}."""
    S = StatusTotal
    rows = db.session.execute(sa.select(S.entity, S.bucket, sa.func.sum(S.count), sa.func.sum(S.amount))
                              .group_by(S.entity, S.bucket)).all()
    return {(e, b): (n, Decimal(a).quantize(Decimal("0.01"))) for e, b, n, a in rows if n or a}


def summed_cells() -> dict:
    """The rollup cells added up per entity and status, as ``status_total`` must hold them."""
    out: dict = {}
    for (entity, _provider, _month, bucket), (n, a) in cells().items():
        count, amount = out.get((entity, bucket), (0, Decimal("0.00")))
        out[(entity, bucket)] = (count + n, amount + a)
    return {key: value for key, value in out.items() if value[0] or value[1]}


def test_status_totals_stay_the_sum_of_the_cells_and_of_the_detail_rows(make_user):
    """Inserts, status and amount changes, bulk updates and deletes, and a rebuild: ``status_total`` is the
    cells added up, and what a clerk's start page counts is what counting the rows gives."""
    provider = argentine_provider("Totales SA")
    invoices = [invoice_for(provider, status, amount="100.00")
                for status in (InvoiceStatus.SENT, InvoiceStatus.SENT, InvoiceStatus.DRAFT)]
    db.session.flush()
    assert status_totals() == summed_cells()
    invoices[0].status = InvoiceStatus.IN_AUDIT
    invoices[1].amount = Decimal("250.25")
    db.session.flush()
    assert status_totals() == summed_cells()
    db.session.execute(sa.update(Invoice).where(Invoice.id == invoices[1].id).values(status=InvoiceStatus.OBSERVED))
    db.session.delete(invoices[2])
    db.session.flush()
    assert status_totals() == summed_cells()
    assert status_totals()[("invoice", InvoiceStatus.OBSERVED.value)][1] >= Decimal("250.25")
    assert_same_after_rebuild(status_totals)
    clerk = make_user(Role.CLERK)
    for model in (Invoice, Lot, PaymentOrder):
        detail = dict(db.session.execute(sa.select(model.status, sa.func.count()).group_by(model.status)).all())
        assert dashboard.status_counts(model, clerk) == {status: n for status, n in detail.items() if n}


def test_creates_status_changes_amount_changes_and_deletes_keep_the_rollups_exact():
    provider = argentine_provider("Rollup SA")
    invoices = [invoice_for(provider, InvoiceStatus.SENT, amount="1000.00") for _ in range(3)]
    code = db.session.scalar(sa.select(GlosaCode).limit(1)) or GlosaCode(code="9999", description="x")
    db.session.add(Glosa(provider=provider, invoice=invoices[0], code=code, amount=Decimal("10.00")))
    db.session.flush()
    assert_same_after_rebuild(cells)
    invoices[0].status = InvoiceStatus.IN_AUDIT
    invoices[1].amount = Decimal("1500.50")
    invoices[2].invoice_date = date(2025, 7, 9)
    db.session.flush()
    assert_same_after_rebuild(cells)
    db.session.execute(sa.update(Invoice).where(Invoice.provider_id == provider.id).values(
        status=InvoiceStatus.ACCEPTED))  # bulk statements too
    db.session.delete(invoices[2])
    db.session.flush()
    assert_same_after_rebuild(cells)
    mine = {k: v for k, v in cells().items() if k[0] == "invoice" and k[1] == provider.id}
    assert sum(n for n, _a in mine.values()) == 2
    assert sum(a for _n, a in mine.values()) == Decimal("2500.50")


def test_dashboard_counts_and_charts_come_from_the_rollups(make_user):
    provider = argentine_provider("Tablero SA")
    for status in (InvoiceStatus.SENT, InvoiceStatus.SENT, InvoiceStatus.DRAFT):
        invoice_for(provider, status, amount="100.00", invoice_date=date.today())
    clerk = make_user(Role.CLERK)
    counts = dashboard.status_counts(Invoice, clerk)
    detail = dict(db.session.execute(sa.select(Invoice.status, sa.func.count()).group_by(Invoice.status)).all())
    assert counts == detail
    provider_user = make_user(Role.PROVIDER, providers=(provider,))
    assert dashboard.status_counts(Invoice, provider_user) == {InvoiceStatus.SENT: 2, InvoiceStatus.DRAFT: 1}
    month = charts.monthly_amounts(provider_user, provider.country)[-1]
    assert month["billed"] == Decimal("200.00")  # drafts are not billed


def test_the_start_page_counts_each_entity_by_status_once(client, login_as):
    from tests.query_count import counting

    login_as(Role.CLERK)
    client.get("/admin/")  # warm: first-request work is not the page's
    with counting() as statements:
        assert client.get("/admin/").status_code == 200
    by_status = [s for s in statements if "FROM status_total" in s]
    # invoices, lots and payment orders: the queues and the overview share one statement counting all three,
    # from the cells added up already (not from every provider's and month's cells)
    assert len(by_status) == 1 and "GROUP BY status_total.entity, status_total.bucket" in by_status[0], statements
    assert not [s for s in statements if "FROM monthly_rollup" in s and "JOIN" not in s], statements


@pytest.mark.postgres_only
def test_postgresql_folds_a_transactions_changes_into_the_rollups_as_it_commits():
    """Writers append deltas (nothing to wait for); the commit folds them into the cell, in key order."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time and writes the rollups at once")
    db.session.execute(sa.text("SET CONSTRAINTS ALL DEFERRED"))  # as outside the tests' savepoints
    before = status_totals().get(("invoice", InvoiceStatus.SENT.value), (0, Decimal("0.00")))
    provider = argentine_provider("Diferido SA")
    invoices = [invoice_for(provider, InvoiceStatus.SENT, amount=amount) for amount in ("100.00", "250.00")]
    month = invoices[0].invoice_date.replace(day=1)

    def mine() -> dict:
        return {key: value for key, value in cells().items() if key[1] == provider.id}

    def pending() -> tuple:
        return db.session.execute(sa.text("SELECT count(*), coalesce(sum(count), 0) FROM rollup_pending "
                                          "WHERE provider_id = :p"), {"p": provider.id}).one()

    assert mine() == {}  # no rollup row touched (so none locked) before the commit
    assert tuple(pending()) == (2, 2)
    assert status_totals().get(("invoice", InvoiceStatus.SENT.value), (0, Decimal("0.00"))) == before
    db.session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))  # what the commit does
    assert mine() == {("invoice", provider.id, month, InvoiceStatus.SENT.value): (2, Decimal("350.00"))}
    assert status_totals()[("invoice", InvoiceStatus.SENT.value)] == (before[0] + 2, before[1] + Decimal("350.00"))
    assert tuple(pending()) == (0, 0)
    assert_same_after_rebuild(cells)


@pytest.mark.postgres_only
def test_committers_sharing_a_slot_all_commit_and_keep_status_totals_exact(app):
    """24 transactions commit at once, each into cells of its own (no cell to wait for); 24 backends on 16
    slots, so some share one. In a shared slot the first creates an "observed" cell (the fold's INSERT
    trigger) and adds to a "sent" one it had (the UPDATE trigger), the next the other way round: their
    upserts of the slot's two rows meet in opposite orders (a pause between a statement's upserts makes
    sure they overlap). Every transaction commits (no deadlock) and ``status_total`` is the cells added up."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    saved, db.session = db.session, db._make_scoped_session({})
    provider_id, writers = None, 24
    engine = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)  # a connection (backend) each
    add = sa.text("INSERT INTO rollup_pending (entity, provider_id, month, bucket, count, amount) "
                  "VALUES ('invoice', :p, :m, :b, 1, 10)")
    try:
        provider = argentine_provider("Concurrencia SA")
        db.session.commit()
        provider_id = provider.id
        months = [date(1990 + k // 12, 1 + k % 12, 1) for k in range(writers)]
        with engine.begin() as conn:
            for month in months:  # the cells each writer has before: "sent" in its month, "observed" 10 years on
                conn.execute(add, {"p": provider_id, "m": month, "b": "sent"})
                conn.execute(add, {"p": provider_id, "m": month.replace(year=month.year + 10), "b": "observed"})
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE FUNCTION test_pause() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.1); "
                                 "RETURN NULL; END $$ LANGUAGE plpgsql"))
            conn.execute(sa.text("CREATE TRIGGER test_pause AFTER INSERT OR UPDATE ON status_total "
                                 "FOR EACH STATEMENT EXECUTE FUNCTION test_pause()"))
        ready, errors, seen, lock = threading.Barrier(writers), [], {}, threading.Lock()

        def writer(k: int) -> None:
            month = months[k]
            try:
                with engine.begin() as conn:
                    slot = conn.execute(sa.text("SELECT pg_backend_pid() % 16")).scalar()
                    with lock:
                        first = seen.setdefault(slot, k) == k
                    cells = ([(month, "sent"), (month, "observed")] if first else  # update sent, create observed
                             [(month.replace(year=month.year + 10), "observed"), (month.replace(year=month.year + 20),
                                                                                "sent")])
                    for cell_month, bucket in cells:
                        conn.execute(add, {"p": provider_id, "m": cell_month, "b": bucket})
                    ready.wait(timeout=20)  # then all commit (and fold) at once
            except Exception as exc:  # noqa: BLE001 (the assertion shows what went wrong)
                errors.append(repr(exc))

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(seen) < writers  # some slot was shared
        assert errors == []
        db.session.remove()
        assert status_totals() == summed_cells()
    finally:
        db.session.remove()  # its reads of status_total would hold up dropping the trigger
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS test_pause ON status_total"))
            conn.execute(sa.text("DROP FUNCTION IF EXISTS test_pause()"))
        engine.dispose()
        db.session.remove()
        if provider_id is not None:
            db.session.delete(db.session.get(Provider, provider_id))  # its cells go with it, and their sums
            db.session.commit()
            assert status_totals() == summed_cells()
        db.session.remove()
        db.session = saved
