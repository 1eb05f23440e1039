"""Language: the user's preference, else ?lang= (kept in the session), else the browser; es_AR by default."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import force_locale

from models.enums import Role
from services.formatting import day, money


def html(response):
    return response.get_data(as_text=True)


def test_default_language_is_spanish_of_argentina(app):
    client = app.test_client()
    page = html(client.get("/login"))
    assert 'lang="es-AR"' in page
    assert "Ingresá a Liquida" in page


def test_browser_language_is_used(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pt-BR,pt;q=0.9"
    assert 'lang="pt-BR"' in html(client.get("/login"))


def test_lang_parameter_is_kept_in_the_session(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pt-BR"
    assert 'lang="en"' in html(client.get("/login?lang=en"))
    assert 'lang="en"' in html(client.get("/login"))


def test_user_preference_wins(client, login_as):
    login_as(Role.CLERK, locale="pt_BR")
    page = html(client.get("/admin/invoice/?lang=en"))
    assert "Faturas" in page


def test_a_get_changes_only_the_session(app, client, login_as):
    """``GET /lang/<code>`` (a link anyone can be sent) never writes the user's stored preference."""
    user = login_as(Role.CLERK, locale="en")
    response = client.get("/lang/es_AR?next=/admin/invoice/")
    assert response.headers["Location"] == "/admin/invoice/"
    assert user.locale == "en"
    anonymous = app.test_client()
    anonymous.get("/lang/pt_BR")
    assert 'lang="pt-BR"' in html(anonymous.get("/login"))


def test_the_menu_stores_the_preference_with_a_post(client, login_as):
    user = login_as(Role.CLERK, locale="en")
    menu = html(client.get("/admin/invoice/"))
    assert 'id="language-form"' in menu and 'name="code" value="es_AR"' in menu
    response = client.post("/lang", data={"code": "es_AR", "next": "/admin/invoice/"})
    assert response.headers["Location"] == "/admin/invoice/"
    assert user.locale == "es_AR"
    assert "Facturas" in html(client.get("/admin/invoice/"))
    assert client.post("/lang", data={"code": "fr"}).status_code == 400 and user.locale == "es_AR"
    assert client.get("/lang").status_code == 405


def test_storing_the_preference_needs_login(client):
    assert client.post("/lang", data={"code": "es_AR"}).status_code == 302


def test_flask_admin_own_strings_are_translated(client, login_as):
    login_as(Role.ADMIN, locale="es_AR")
    page = html(client.get("/admin/provider/"))
    assert "Crear" in page  # Flask-Admin's "Create" from its own Spanish catalog


def test_money_and_dates_follow_the_locale(app):
    with app.test_request_context():
        with force_locale("es_AR"):
            assert money(Decimal("355968.00"), "ARS") == "$\xa0355.968,00"
            assert day(date(2021, 3, 18)) == "18/03/2021"
        with force_locale("pt_BR"):
            assert day(date(2021, 3, 8)) == "08/03/2021"
            assert day(datetime(2026, 12, 2, 1, 30)) == "01/12/2026 22:30"  # stored UTC, shown local
        with force_locale("pt_BR"):
            assert money(Decimal("324.40"), "BRL") == "R$\xa0324,40"
            assert day(date(2025, 2, 24)) == "24/02/2025"
        with force_locale("en"):
            assert money(Decimal("1234.5"), "USD") == "US$\xa01,234.50"
            assert money(Decimal("-10"), "BRL") == "R$\xa0-10.00"


def test_amounts_and_dates_read_as_babel_writes_them(app, monkeypatch):
    """services.formatting writes amounts, quantities and dd/mm/yyyy dates itself (speed): the same text as Babel's
    patterns, signs, rounding and time zone included."""
    import random
    from datetime import timedelta

    from flask_babel import format_date, format_datetime, format_decimal, get_babel

    from services.formatting import amount, number

    rng = random.Random(13)
    values = [Decimal(rng.randint(-10**13, 10**13)) / 100 for _ in range(500)]
    values += [Decimal("0"), Decimal("-0.5"), Decimal("0.005"), Decimal("1.015"), Decimal("12.3456"), 7, 0.1]
    quantities = [Decimal(rng.randint(-10**9, 10**9)) / 10 ** rng.randint(0, 6) for _ in range(500)]
    quantities += [Decimal("2.5000"), Decimal("0.0005"), Decimal("0.0015"), Decimal("-0.0001"), Decimal("1E+3"),
                   Decimal("-0"), 0, 7, -1234567, Decimal("123456789012345678901234.5")]
    moments = [datetime(2020, 1, 1) + timedelta(minutes=rng.randint(0, 10**7)) for _ in range(300)]
    with app.test_request_context():
        for locale in ("es_AR", "pt_BR", "en"):
            with force_locale(locale):
                assert [amount(v) for v in values] == [format_decimal(v, format="#,##0.00") for v in values]
                assert [number(v) for v in quantities] == [format_decimal(v) for v in quantities]
        for locale in ("es_AR", "pt_BR"):
            with force_locale(locale):
                assert [day(m) for m in moments] == [format_datetime(m, "dd/MM/yyyy HH:mm") for m in moments]
                assert [day(m.date()) for m in moments] == [format_date(m.date(), "dd/MM/yyyy") for m in moments]
    # a zone that had summer time (Brazil until 2019): hours that moved are converted as Babel converts them
    summer = [datetime(2015, 1, 1) + timedelta(minutes=rng.randint(0, 3 * 10**6)) for _ in range(300)]
    monkeypatch.setattr(get_babel(app), "default_timezone", "America/Sao_Paulo")
    with app.app_context(), app.test_request_context(), force_locale("pt_BR"):  # a new g: no zone kept
        assert [day(m) for m in summer] == [format_datetime(m, "dd/MM/yyyy HH:mm") for m in summer]
        assert day(datetime(2018, 12, 1, 12)) == "01/12/2018 10:00"  # UTC-2 in summer


def test_quantities_in_lists_are_numbers_of_the_users_language(client, login_as):
    """A stored ``Numeric(…, 4)`` quantity reads "2,5" in Portuguese, not "2.5000"; money keeps its currency."""
    from tests.helpers import brazilian_provider_with_guides

    provider, guides = brazilian_provider_with_guides("Clínica Quantidades", guides=1)
    item = guides[0].items[0]
    item.quantity = Decimal("2.5")
    login_as(Role.PROVIDER, providers=(provider,), locale="pt_BR")
    page = html(client.get("/admin/guide_item/"))
    assert ">2,5<" in "".join(page.split())
    assert "2.5000" not in page
    assert "R$\xa0150,00" in page


def test_translations_follow_the_locale_within_one_request(app):
    """The request keeps the translations it found (views.i18n.RequestDomain): a forced locale (an email
    in the recipient's language) gets its own, and the request's come back after it."""
    from flask_babel import gettext, lazy_gettext

    label = lazy_gettext("Invoices")
    with app.test_request_context("/", headers={"Accept-Language": "pt-BR"}):
        assert (gettext("Invoices"), str(label)) == ("Faturas", "Faturas")
        with force_locale("es_AR"):
            assert (gettext("Invoices"), str(label)) == ("Facturas", "Facturas")
            with force_locale("en"):
                assert gettext("Invoices") == "Invoices"
        assert (gettext("Invoices"), str(label)) == ("Faturas", "Faturas")
