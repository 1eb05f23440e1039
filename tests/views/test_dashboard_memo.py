"""Staff start-page charts are the payer's figures, the same for every clerk: each worker keeps them
``FIGURES_KEEP_SECONDS`` and says when they were computed; a provider's own charts are always live."""
from datetime import date
from decimal import Decimal

import pytest

from models.enums import InvoiceStatus, Role
from services import charts, figure_memo
from tests.helpers import argentine_provider, invoice_for


@pytest.fixture
def keep_a_minute(app, monkeypatch):
    """Charts kept 60 s, on a clock the test moves."""
    clock = [1000.0]
    monkeypatch.setitem(app.config, "FIGURES_KEEP_SECONDS", 60)
    monkeypatch.setattr(figure_memo.time, "monotonic", lambda: clock[0])
    app.extensions.pop("liquida.figure_memo", None)
    yield clock
    app.extensions.pop("liquida.figure_memo", None)


def billed_this_month(shown: charts.Figures) -> Decimal:
    return shown.monthly[-1]["billed"]


def test_staff_charts_are_kept_for_the_setting_then_recomputed(keep_a_minute, make_user):
    provider = argentine_provider("Memo SA")
    clerk, supervisor = make_user(Role.CLERK), make_user(Role.SUPERVISOR)
    today = date.today()
    first = charts.figures(clerk, provider.country, today)
    assert first.as_of is not None
    invoice_for(provider, InvoiceStatus.SENT, amount="250.00", invoice_date=today)

    keep_a_minute[0] += 59  # within the minute: the same figures, for every clerk and supervisor
    assert billed_this_month(charts.figures(clerk, provider.country, today)) == billed_this_month(first)
    assert charts.figures(supervisor, provider.country, today).as_of == first.as_of

    keep_a_minute[0] += 1  # a minute later: recomputed, with the new invoice
    again = charts.figures(clerk, provider.country, today)
    assert billed_this_month(again) == billed_this_month(first) + Decimal("250.00")
    assert again.as_of >= first.as_of


def test_a_provider_sees_its_own_figures_live(keep_a_minute, make_user):
    provider = argentine_provider("Vivo SA")
    provider_user = make_user(Role.PROVIDER, providers=(provider,))
    today = date.today()
    before = charts.figures(provider_user, provider.country, today)
    invoice_for(provider, InvoiceStatus.SENT, amount="80.00", invoice_date=today)
    after = charts.figures(provider_user, provider.country, today)
    assert before.as_of is None and after.as_of is None
    assert billed_this_month(after) == billed_this_month(before) + Decimal("80.00")


def test_the_start_page_says_when_the_kept_charts_were_computed(keep_a_minute, client, login_as):
    from tests.query_count import counting

    argentine_provider("Hora SA")
    login_as(Role.CLERK)
    assert 'id="charts-as-of"' in client.get("/admin/").get_data(as_text=True)
    with counting() as statements:
        assert client.get("/admin/").status_code == 200
    assert not [s for s in statements if "monthly_rollup.month" in s or "monthly_rollup.provider_id" in s]


def test_with_keeping_off_staff_charts_are_live(make_user):
    provider = argentine_provider("Sin memoria SA")
    clerk = make_user(Role.CLERK)
    today = date.today()
    before = charts.figures(clerk, provider.country, today)
    invoice_for(provider, InvoiceStatus.SENT, amount="10.00", invoice_date=today)
    after = charts.figures(clerk, provider.country, today)
    assert billed_this_month(after) == billed_this_month(before) + Decimal("10.00")
