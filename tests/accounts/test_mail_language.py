"""Emails arrive in the recipient's language, through a real SMTP server on loopback: the user's preference,
else the language of the provider's country, else the payer's default; money and dates in that language."""
from datetime import date

import pytest

from models.base import db
from models.enums import Country, InvoiceStatus, LinkStatus, Role
from seed import factories as f
from services import accounts
from services.invoices import notify_provider
from tests.accounts.test_mail import smtp_server  # noqa: F401  (the aiosmtpd fixture)


def received(smtp_server, address):  # noqa: F811
    [message] = [m for rcpt, m in smtp_server.messages if rcpt == [address]]
    return message["Subject"], message.get_body(("plain",)).get_content(), message["Content-Language"]


@pytest.fixture
def providers():
    ar = f.make_provider("Cuidados del Sur", country=Country.AR, email="sur@test.example",
                         service_codes=("CUIDADOR_DOMICILIARIO",))
    br = f.make_provider("Clínica Boa Vista", country=Country.BR, email="boavista@test.example")
    db.session.flush()
    return ar, br


def test_staff_created_logins_get_the_activation_in_their_providers_language(app, smtp_server, providers):  # noqa: F811
    ar, br = providers
    with app.test_request_context():
        accounts.create_provider_login("ana@sur.example", "Ana Sur", [ar])
        accounts.create_provider_login("joao@boavista.example", "João Vista", [br])
        db.session.commit()  # mail leaves once the transaction that asked for it commits

    subject, body, language = received(smtp_server, "ana@sur.example")
    assert (subject, language) == ("Activá tu cuenta de Liquida", "es-AR")
    assert "Hola Ana Sur:" in body and "El personal de la obra social te creó una cuenta" in body
    assert "Hello" not in body and "valid for" not in body

    subject, body, language = received(smtp_server, "joao@boavista.example")
    assert (subject, language) == ("Ative sua conta do Liquida", "pt-BR")
    assert "Olá, João Vista," in body and "A equipe da operadora criou uma conta do Liquida" in body
    assert "O link vale por 72 horas" in body and "Hello" not in body


def test_link_decision_reaches_a_user_without_preference_in_the_providers_language(
        app, smtp_server, providers, make_user):  # noqa: F811
    _, br = providers
    user = make_user(Role.PROVIDER, email="maria@boavista.example", locale=None)
    link = f.link(user, br, status=LinkStatus.PENDING)
    staff = make_user(Role.CREDENTIALING)
    with app.test_request_context():
        accounts.decide_link(link, False, staff, reason="CNPJ não confere")
        db.session.commit()

    subject, body, _ = received(smtp_server, "maria@boavista.example")
    assert subject == "Seu vínculo com Clínica Boa Vista foi rejeitado"
    assert "Seu pedido para atuar por Clínica Boa Vista" in body and "Motivo: CNPJ não confere" in body


def test_invoice_status_in_spanish_with_argentine_money_and_the_preference_wins(
        app, smtp_server, providers, make_user):  # noqa: F811
    ar, _ = providers
    spanish = make_user(Role.PROVIDER, email="sin-preferencia@sur.example", locale=None, providers=[ar])
    english = make_user(Role.PROVIDER, email="english@sur.example", locale="en", providers=[ar])
    beneficiary = f.make_beneficiary(f"B{f.unique_suffix():06d}", "María González")
    auth = f.make_authorization("100777", ar, beneficiary, f.service_type("CUIDADOR_DOMICILIARIO"), "355968.00",
                                date(2026, 1, 1), date(2026, 12, 31))
    invoice = f.make_invoice(auth, 80, "29663.00", date(2026, 2, 1), status=InvoiceStatus.OBSERVED,
                             remarks="Falta la planilla")
    db.session.flush()
    with app.test_request_context():
        assert notify_provider(invoice) == 2
        db.session.commit()

    subject, body, language = received(smtp_server, spanish.email)
    assert subject.startswith(f"Factura {invoice.display_number}: Observada") and language == "es-AR"
    assert "Hola:" in body and "importe $\xa029.663,00" in body and "trámite 100777" in body
    assert "Corregí la factura" in body
    subject, body, language = received(smtp_server, english.email)
    assert subject.startswith("Invoice ") and "amount $\xa029,663.00" in body and language == "en"
