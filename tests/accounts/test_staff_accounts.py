"""Credentialing creates provider logins, resends activation, deactivates/reactivates, triggers resets."""
from sqlalchemy import select

from models import AuditLog, User
from models.base import db
from models.enums import LinkStatus, Role
from tests.accounts.conftest import body_of, link_in, mails_to
from tests.conftest import TEST_PASSWORD

CHOSEN = "Mi-Clave-Segura-1"


def _events(user_id):
    return [r.changes.get("event") for r in db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == user_id)) if r.changes]


def test_credentialing_creates_a_provider_login_that_activates_with_a_chosen_password(
        app, client, staff, provider_factory, outbox):
    staff()
    one, two = provider_factory("Uno SRL"), provider_factory("Dos SA")
    page = client.get("/admin/provider-login/")
    assert page.status_code == 200 and 'name="providers"' in page.get_data(as_text=True)
    response = client.post("/admin/provider-login/", data={
        "email": "Nuevo@Prestador.example", "name": "Nuevo Usuario", "locale": "pt_BR", "providers": [one.id, two.id],
    })
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nuevo@prestador.example"))
    assert user.role == Role.PROVIDER and user.password_hash is None and user.locale == "pt_BR"
    assert sorted(link.provider_id for link in user.provider_links) == sorted([one.id, two.id])
    assert all(link.status == LinkStatus.APPROVED for link in user.provider_links)

    [mail] = mails_to(outbox, user.email)
    assert mail["Content-Language"] == "pt-BR"
    assert "72 hours" in body_of(mail) or "72" in body_of(mail)
    link = link_in(mail)

    anonymous = app.test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert 'name="password"' in anonymous.get(link).get_data(as_text=True)
    assert anonymous.post(link, data={"password": CHOSEN, "confirm": CHOSEN}).status_code == 302
    assert anonymous.post("/login", data={"email": user.email, "password": CHOSEN}).status_code == 302
    # Linked to two providers: the switcher is there.
    assert 'id="provider-switcher"' in anonymous.get("/admin/").get_data(as_text=True)
    assert {"account_created", "activated"} <= set(_events(user.id))


def test_duplicate_email_is_refused_next_to_the_field(client, staff, provider_factory, make_user):
    staff()
    existing = make_user(Role.PROVIDER)
    provider = provider_factory()
    html = client.post("/admin/provider-login/", data={
        "email": existing.email, "name": "Otro", "locale": "es_AR", "providers": [provider.id],
    }).get_data(as_text=True)
    assert "A user with this email already exists." in html


def test_clerk_cannot_create_provider_logins(client, staff):
    staff(Role.CLERK)
    assert client.get("/admin/provider-login/").status_code == 403


def test_resend_deactivate_reactivate_and_reset(app, client, staff, make_user, login, outbox, provider_factory):
    staff()
    provider = provider_factory()
    client.post("/admin/provider-login/", data={
        "email": "pend@prestador.example", "name": "Pendiente", "locale": "en", "providers": [provider.id]})
    pending = db.session.scalar(select(User).where(User.email == "pend@prestador.example"))
    details = client.get(f"/admin/user/details/?id={pending.id}").get_data(as_text=True)
    assert 'data-account-action="resend"' in details
    assert client.post("/admin/user/account/", data={"id": pending.id, "do": "resend"}).status_code == 302
    assert len(mails_to(outbox, pending.email)) == 2

    active = make_user(Role.PROVIDER, providers=[provider])
    browser = login(active, app.test_client())
    assert browser.get("/admin/").status_code == 200
    client.post("/admin/user/account/", data={"id": active.id, "do": "deactivate", "reason": "Dejó la empresa"})
    db.session.expire_all()
    assert not active.is_enabled
    assert browser.get("/admin/").status_code == 302  # its session ended
    assert browser.post("/login", data={"email": active.email, "password": TEST_PASSWORD}).status_code == 200

    client.post("/admin/user/account/", data={"id": active.id, "do": "reactivate"})
    assert browser.post("/login", data={"email": active.email, "password": TEST_PASSWORD}).status_code == 302

    client.post("/admin/user/account/", data={"id": active.id, "do": "reset"})
    [mail] = mails_to(outbox, active.email)
    assert "/reset-password/" in link_in(mail) and "reset the password" in body_of(mail)
    events = _events(active.id)
    assert {"deactivated", "reactivated", "password_reset_requested"} <= set(events)


def test_only_credentialing_and_admin_manage_accounts(client, staff, make_user):
    target = make_user(Role.PROVIDER)
    staff(Role.SUPERVISOR)
    assert client.post("/admin/user/account/", data={"id": target.id, "do": "deactivate"}).status_code == 403


def test_credentialing_cannot_create_staff_accounts(client, staff):
    staff()
    client.post("/admin/user/new/", data={"email": "jefe@prestador.example", "name": "Jefe", "role": "admin"})
    assert db.session.scalar(select(User).where(User.email == "jefe@prestador.example")) is None


def test_the_provider_picker_searches_by_name_number_and_tax_id_ten_at_a_time(client, staff, provider_factory):
    staff()
    for n in range(12):
        provider_factory(f"Sanatorio Picker {n:02d} SA")
    wanted = provider_factory("Clínica Única Buscada SRL")

    def lookup(query, **extra):
        return client.get("/admin/provider-login/ajax/lookup/", query_string={"name": "providers", "query": query,
                                                                             **extra})

    by_name = lookup("Única BUSCADA").get_json()
    assert by_name == [[wanted.id, str(wanted)]]
    assert lookup(wanted.provider_number).get_json() == by_name
    assert lookup(wanted.tax_id[2:10]).get_json() == by_name
    first_page = lookup("Picker").get_json()
    assert len(first_page) == 10 and [label for _id, label in first_page] == sorted(text for _i, text in first_page)
    assert len(lookup("Picker", offset=10).get_json()) == 2
    assert lookup("x", name="users").status_code == 404

    page = client.get(f"/admin/provider-login/?provider_id={wanted.id}").get_data(as_text=True)
    assert 'data-role="select2-ajax"' in page  # preselected when coming from the provider's page:
    assert f'data-json="[[{wanted.id}, ' in page and f'value="{wanted.id}"' in page


def test_the_provider_picker_is_closed_to_providers(client, make_user, login, provider_factory):
    provider = provider_factory("Privado SA")
    login(make_user(Role.PROVIDER, providers=[provider]))
    assert client.get("/admin/provider-login/ajax/lookup/?name=providers&query=SA").status_code in (302, 403)
