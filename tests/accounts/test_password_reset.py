""""Olvidé mi contraseña": same answer for every address, a 1-hour single-use link, other sessions end."""
from sqlalchemy import select

from models import AuditLog
from models.base import db
from models.enums import Role
from services import accounts
from tests.accounts.conftest import body_of, link_in, mails_to
from tests.conftest import TEST_PASSWORD
from tests.helpers import without_nonce

NEW = "Otra-Clave-2026"


def test_forgot_password_page_is_linked_from_login(client):
    assert 'id="forgot-link"' in client.get("/login").get_data(as_text=True)
    assert 'name="email"' in client.get("/forgot-password").get_data(as_text=True)


def test_same_answer_whether_or_not_the_email_exists(client, make_user, outbox):
    user = make_user(Role.PROVIDER, email="marta@prestador.example")
    known = client.post("/forgot-password", data={"email": user.email})
    unknown = client.post("/forgot-password", data={"email": "nadie@prestador.example"})
    assert known.status_code == unknown.status_code == 200
    normalise = lambda r, who: without_nonce(r.get_data(as_text=True)).replace(who, "EMAIL")  # noqa: E731
    assert normalise(known, user.email) == normalise(unknown, "nadie@prestador.example")
    assert len(mails_to(outbox, user.email)) == 1
    assert mails_to(outbox, "nadie@prestador.example") == []


def test_reset_link_sets_password_once_and_ends_other_sessions(app, client, make_user, login, outbox):
    user = make_user(Role.PROVIDER, email="marta@prestador.example")
    other_session = login(user, app.test_client())
    assert other_session.get("/admin/").status_code == 200

    client.post("/forgot-password", data={"email": user.email})
    [mail] = mails_to(outbox, user.email)
    assert "60 minutes" in body_of(mail)
    link = link_in(mail)
    assert 'name="password"' in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302

    # The other browser is logged out; the old password no longer works, the new one does.
    assert other_session.get("/admin/").status_code == 302
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 200
    assert client.post("/login", data={"email": user.email, "password": NEW}).status_code == 302

    # Used twice: refused with a page offering a new link; the password stays.
    second = client.post(link, data={"password": "Tercera-Clave-99", "confirm": "Tercera-Clave-99"})
    assert second.status_code == 400
    assert 'data-reason="used"' in second.get_data(as_text=True)
    db.session.expire_all()
    assert user.check_password(NEW)
    events = [r.changes.get("event") for r in db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == user.id)) if r.changes]
    assert "password_reset_requested" in events and "password_reset" in events


def test_reset_link_expires_after_one_hour(client, make_user, outbox, monkeypatch):
    user = make_user(Role.PROVIDER, email="marta@prestador.example")
    client.post("/forgot-password", data={"email": user.email})
    link = link_in(mails_to(outbox, user.email)[0])
    real_clock = accounts.clock
    monkeypatch.setattr(accounts, "clock", lambda: real_clock() + 3601)
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-reason="expired"' in html and 'action="/forgot-password"' in html
    db.session.expire_all()
    assert user.check_password(TEST_PASSWORD)


def test_weak_new_password_is_refused(client, make_user, outbox):
    user = make_user(Role.PROVIDER, email="marta@prestador.example")
    client.post("/forgot-password", data={"email": user.email})
    link = link_in(mails_to(outbox, user.email)[0])
    html = client.post(link, data={"password": "12345678", "confirm": "12345678"}).get_data(as_text=True)
    assert "too common" in html
    db.session.expire_all()
    assert user.check_password(TEST_PASSWORD)


def test_deactivated_account_gets_no_reset_mail(client, make_user, outbox):
    user = make_user(Role.PROVIDER, email="marta@prestador.example")
    user.is_enabled = False
    db.session.commit()
    client.post("/forgot-password", data={"email": user.email})
    assert mails_to(outbox, user.email) == []


def test_change_password_keeps_this_session_and_ends_others(app, client, make_user, login):
    user = make_user(Role.PROVIDER)
    login(user)
    other = login(user, app.test_client())
    response = client.post("/account/password", data={"current": TEST_PASSWORD, "password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert other.get("/admin/").status_code == 302
