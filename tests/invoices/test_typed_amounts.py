"""The wizard reads amounts as the user types them in their locale (models.values), like every money field."""
from models.base import db
from tests.invoices.conftest import data_for, errors_of


def _start(client, login, world, locale):
    world.provider_user.locale = locale
    db.session.commit()
    login(world.provider_user)
    assert client.post("/admin/invoice-wizard/start", data={"number": world.auth.number}).status_code == 302


def test_wizard_takes_1234_50_as_typed_in_es_AR(client, login, world):
    _start(client, login, world, "es_AR")
    response = client.post("/admin/invoice-wizard/data", data={**data_for(amount="1.234,50"), "action": "continue"})
    assert response.status_code == 302, errors_of(response)
    page = client.get("/admin/invoice-wizard/data").get_data(as_text=True)
    assert 'value="1.234,50"' in page  # the draft keeps what was typed


def test_wizard_refuses_nan_and_exponents_next_to_the_amount(client, login, world):
    _start(client, login, world, "es_AR")
    for typed in ("NaN", "1E+20", "Infinity", "12,345"):
        response = client.post("/admin/invoice-wizard/data", data={**data_for(amount=typed), "action": "continue"})
        assert response.status_code == 422 and errors_of(response).get("amount"), typed


def test_a_stored_amount_is_shown_with_a_decimal_comma(client, login, world):
    _start(client, login, world, "pt_BR")
    page = client.get("/admin/invoice-wizard/data").get_data(as_text=True)
    assert 'placeholder="1234,50"' in page
