"""Dashboard charts: an amount axis with round ticks, bars in proportion, tooltips with the amount, and a table
of the same numbers; the geometry is computed in services/charts.py."""
import re
from decimal import Decimal

from flask_babel import force_locale

from services.charts import hbar_geometry, monthly_geometry, nice_ticks

D = Decimal


def test_round_ticks_cover_the_largest_amount():
    assert nice_ticks(D("1500")) == [0, 500, 1000, 1500]
    assert nice_ticks(D("203663")) == [0, 100000, 200000, 300000]
    assert nice_ticks(D("3")) == [0, 1, 2, 3]
    assert nice_ticks(D("0")) == [0]


def test_monthly_geometry_in_portuguese(app):
    rows = [{"month": "2026-11", "billed": D("0"), "disallowed": D("0"), "paid": D("436.50")},
            {"month": "2026-12", "billed": D("1500.00"), "disallowed": D("30.00"), "paid": D("0")}]
    with app.test_request_context(), force_locale("pt_BR"):
        chart = monthly_geometry(rows, "BRL", height=220)
    assert [t.label for t in chart.ticks] == ["R$\xa00", "R$\xa0500", "R$\xa01.000", "R$\xa01.500"]
    billed = next(b for b in chart.bars if b.series == "billed" and b.month == "2026-12")
    paid = next(b for b in chart.bars if b.series == "paid" and b.month == "2026-11")
    assert billed.height == 210.0 and billed.y == 10.0  # the top tick is 1.500: the bar reaches it
    assert round(paid.height / billed.height, 3) == round(436.5 / 1500, 3)
    assert billed.title == "Faturado · 12/2026 · R$\xa01.500,00"
    assert [name for _colour, name in chart.legend] == ["Faturado", "Glosado", "Pago"]
    assert chart.table[1] == {"month": "12/2026", "billed": "R$\xa01.500,00", "disallowed": "R$\xa030,00",
                              "paid": "R$\xa00,00"}


def test_horizontal_bars_are_proportional_and_named(app):
    rows = [{"id": 1, "label": "Clínica com um nome bem comprido demais para caber", "rate": D("20.0")},
            {"id": 2, "label": "Outra", "rate": D("5.0")}]
    chart = hbar_geometry(rows, "rate", lambda r: f"{r['rate']} %", bar_room=150)
    assert [b.width for b in chart.bars] == [150.0, 37.5]
    assert chart.labels[0][1].endswith("…") and chart.labels[0][2] == rows[0]["label"]
    assert chart.bars[1].title == "Outra: 5.0 %"


def test_the_dashboard_draws_the_axis_and_the_table(demo, demo_login, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-AR"
    demo["clerk@example.org"].locale = "es_AR"
    demo_login("clerk@example.org")
    page = client.get("/admin/").get_data(as_text=True)
    ticks = re.findall(r'data-tick="\d+">([^<]+)<', page)
    assert ticks[0] == "$\xa00" and len(ticks) >= 2 and all(t.startswith("$\xa0") for t in ticks)
    table = page.split('id="chart-monthly-table"', 1)[1].split("</table>", 1)[0]
    assert "<th scope=\"col\" class=\"text-right\">Facturado</th>" in table and table.count("<tr>") == 13
    assert re.search(r"<title>Facturado · \d\d/\d{4} · \$\xa0[\d.]+,\d\d</title>", page)
    assert "namespace(" not in open("templates/admin/_charts.html").read()
