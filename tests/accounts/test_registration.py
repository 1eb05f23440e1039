"""Self-registration ("Registrate") → activation email → log in; tokens used twice, tampered or expired."""
from sqlalchemy import select

from models import AuditLog, User
from models.base import db
from models.enums import Role
from services import accounts
from tests.accounts.conftest import body_of, link_in, mails_to
from tests.helpers import without_nonce

GOOD = "Cuidadora-2026!"


def _register(client, email="nueva@prestador.example", password=GOOD, confirm=None):
    return client.post("/register", data={
        "first_name": "Nora", "last_name": "Nueva", "email": email, "password": password,
        "confirm": confirm if confirm is not None else password,
    })


def _events(entity_id):
    rows = db.session.scalars(select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == entity_id))
    return [r.changes.get("event") for r in rows if r.changes and "event" in r.changes]


def test_registration_page_has_the_fields(client):
    html = client.get("/register").get_data(as_text=True)
    for name in ("first_name", "last_name", "email", "password", "confirm"):
        assert f'name="{name}"' in html
    assert 'for="password"' in html


def test_register_activate_and_log_in(client, outbox):
    response = _register(client)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "nueva@prestador.example"))
    assert user.role == Role.PROVIDER and user.name == "Nora Nueva" and user.activated_at is None

    # Not activated yet: the right password is not enough.
    response = client.post("/login", data={"email": user.email, "password": GOOD})
    assert response.status_code == 200
    assert "not activated yet" in response.get_data(as_text=True)

    [mail] = mails_to(outbox, user.email)
    assert "72 hours" in body_of(mail)
    link = link_in(mail)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert user.activated_at is not None

    response = client.post("/login", data={"email": "NUEVA@prestador.example", "password": GOOD})
    assert response.status_code == 302
    assert {"account_created", "activated", "email_sent", "login"} <= set(_events(user.id))


def test_weak_or_mismatched_passwords_are_refused_next_to_the_field(client):
    html = _register(client, password="short").get_data(as_text=True)
    assert "Use at least 8 characters." in html
    html = _register(client, password="password123").get_data(as_text=True)
    assert "too common" in html
    html = _register(client, password=GOOD, confirm=GOOD + "x").get_data(as_text=True)
    assert "do not match" in html
    assert db.session.scalar(select(User).where(User.email == "nueva@prestador.example")) is None


def test_registering_a_taken_email_gives_the_same_answer(client, outbox, make_user):
    existing = make_user(Role.PROVIDER, email="ya@prestador.example")
    first = _register(client, email="ya@prestador.example").get_data(as_text=True)
    assert "Check your email" in first
    assert db.session.scalar(select(User).where(User.email == "ya@prestador.example")).id == existing.id
    [mail] = mails_to(outbox, "ya@prestador.example")
    assert "already has one" in body_of(mail)


def test_activation_link_works_once(client, outbox):
    _register(client)
    link = link_in(mails_to(outbox, "nueva@prestador.example")[0])
    assert client.post(link).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nueva@prestador.example"))
    activated = user.activated_at
    second = client.post(link)
    assert second.status_code == 400
    html = second.get_data(as_text=True)
    assert 'data-reason="used"' in html and "Send me a new link" in html
    assert user.activated_at == activated


def test_tampered_and_expired_activation_links_change_nothing(client, outbox, monkeypatch):
    _register(client)
    link = link_in(mails_to(outbox, "nueva@prestador.example")[0])
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.post(tampered)
    assert response.status_code == 400 and 'data-reason="invalid"' in response.get_data(as_text=True)

    real_clock = accounts.clock
    monkeypatch.setattr(accounts, "clock", lambda: real_clock() + 73 * 3600)
    response = client.post(link)
    assert response.status_code == 400 and 'data-reason="expired"' in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "nueva@prestador.example"))
    assert user.activated_at is None


def test_resend_activation_same_answer_and_new_link(client, outbox):
    _register(client)
    unknown = client.post("/activate/resend", data={"email": "nadie@prestador.example"}).get_data(as_text=True)
    known = client.post("/activate/resend", data={"email": "nueva@prestador.example"}).get_data(as_text=True)
    assert without_nonce(unknown).replace("nadie", "X") == without_nonce(known).replace("nueva", "X")
    assert len(mails_to(outbox, "nueva@prestador.example")) == 2
    assert mails_to(outbox, "nadie@prestador.example") == []
