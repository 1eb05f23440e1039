"""The monthly rollups the dashboards read stay equal to the detail tables, whatever changes them."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Glosa, GlosaCode, Invoice, MonthlyRollup
from models.base import db
from models.enums import InvoiceStatus, Role
from services import charts, dashboard
from tests.helpers import argentine_provider, invoice_for
from tests.scale.rebuilt import assert_same_after_rebuild, kept_cells


def cells() -> dict:
    R = MonthlyRollup
    return kept_cells(R.entity, R.provider_id, R.month, R.bucket, count=R.count, amount=R.amount)


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
    by_status = [s for s in statements if "FROM monthly_rollup" in s and "JOIN" not in s]  # not charts
    # invoices, lots and payment orders: the queues and the overview share one statement counting all three
    assert len(by_status) == 1 and "GROUP BY monthly_rollup.entity, monthly_rollup.bucket" in by_status[0], statements


@pytest.mark.postgres_only
def test_postgresql_folds_a_transactions_changes_into_the_rollups_as_it_commits():
    """Writers append deltas (nothing to wait for); the commit folds them into the cell, in key order."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time and writes the rollups at once")
    db.session.execute(sa.text("SET CONSTRAINTS ALL DEFERRED"))  # as outside the tests' savepoints
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
    db.session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))  # what the commit does
    assert mine() == {("invoice", provider.id, month, InvoiceStatus.SENT.value): (2, Decimal("350.00"))}
    assert tuple(pending()) == (0, 0)
    assert_same_after_rebuild(cells)
