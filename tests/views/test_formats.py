"""Screens show dates as dd/mm/aaaa in Spanish and Portuguese and amounts in the document's currency."""
from datetime import date

from models.enums import Country, ItemKind, Role
from seed import factories as f


def test_a_brazilian_price_table_shows_reais_and_its_dates_day_first(client, login_as):
    login_as(Role.ADMIN, locale="es_AR")
    clinic = f.make_provider("Clínica Real", country=Country.BR)
    f.make_price_table("Tabela Real", clinic, [("10101012", "Consulta", ItemKind.PROCEDURE, "150.00")],
                       valid_from=date(2026, 3, 8))
    items = client.get("/admin/price_table_item/?search=Consulta").get_data(as_text=True)
    assert "R$\xa0150,00" in items and "$\xa0150,00" not in items.replace("R$\xa0150,00", "")
    tables = client.get("/admin/price_table/?search=Tabela+Real").get_data(as_text=True)
    assert "08/03/2026" in tables and "8/3/26" not in tables
