"""Sessions that really end: logout revokes the session and remember-me cookies on the server (that browser
only), idle sessions expire, remember-me lasts REMEMBER_DAYS, cookies are HttpOnly/SameSite=Lax/Secure,
the login page says why the user is there, ``next`` only leads to GET pages, and a login takes one
password hash whether or not the account exists."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import services.accounts
from app import create_app
from models import UserSession
from models.base import db, utcnow
from models.enums import Role
from services import sessions
from tests.conftest import TEST_PASSWORD

EXPIRED_EN = "Your session has expired. Please log in again."


def _log_in(client, user, remember=False):
    data = {"email": user.email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def _copy_cookies(source, target, *names):
    for name in names:
        value = _cookie(source, name)
        if value is not None:
            target.set_cookie(name, value, domain="localhost")


def _new_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def clock(monkeypatch):
    """Move the sessions' clock forward by ``minutes``."""
    offset = {"minutes": 0}
    monkeypatch.setattr(sessions, "utcnow", lambda: utcnow() + timedelta(minutes=offset["minutes"]))

    def _advance(minutes):
        offset["minutes"] += minutes
    return _advance


def test_logout_revokes_the_old_session_cookie(app, client, make_user):
    user = make_user(Role.CLERK)
    _log_in(client, user)
    thief = _new_client(app)
    _copy_cookies(client, thief, "session")
    assert thief.get("/admin/").status_code == 200  # a copied cookie works while the session lives
    assert client.post("/logout").status_code == 302
    response = thief.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert EXPIRED_EN in thief.get("/login").get_data(as_text=True)
    assert thief.get("/admin/").status_code == 302


def test_logout_revokes_the_remember_me_cookie(app, client, make_user):
    user = make_user(Role.CLERK)
    _log_in(client, user, remember=True)
    token = _cookie(client, "remember_token")
    assert token and "|" in token  # Flask-Login signs it
    later = _new_client(app)  # the browser was closed: only the remember-me cookie is left
    later.set_cookie("remember_token", token, domain="localhost")
    assert later.get("/admin/").status_code == 200
    client.post("/logout")
    again = _new_client(app)
    again.set_cookie("remember_token", token, domain="localhost")
    response = again.get("/admin/")
    assert response.status_code == 302
    assert EXPIRED_EN in again.get("/login").get_data(as_text=True)
    assert _cookie(again, "remember_token") in (None, "")  # the dead cookie was deleted


def test_logout_ends_only_this_browser(app, client, make_user):
    user = make_user(Role.CLERK)
    _log_in(client, user)
    phone = _new_client(app)
    _log_in(phone, user)
    client.post("/logout")
    assert client.get("/admin/").status_code == 302
    assert phone.get("/admin/").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id)) == 1


def test_an_idle_session_expires_and_the_login_page_says_so(app, client, make_user, clock):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-AR"
    user = make_user(Role.CLERK, locale="es_AR")
    _log_in(client, user)
    for _ in range(3):  # activity keeps it alive well past 30 minutes in total
        clock(20)
        assert client.get("/admin/").status_code == 200
    clock(31)
    response = client.get("/admin/invoice/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Tu sesión expiró. Ingresá de nuevo." in client.get("/login").get_data(as_text=True)


def test_the_idle_timeout_is_a_setting(app, client, make_user, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    _log_in(client, make_user(Role.CLERK))
    clock(6)
    assert client.get("/admin/").status_code == 302


def test_remember_me_outlives_idleness_but_not_its_lifetime(app, client, make_user, clock):
    user = make_user(Role.CLERK)
    _log_in(client, user, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie.expires is not None
    days = (cookie.expires.replace(tzinfo=None) - utcnow()).total_seconds() / 86400
    assert 13.9 < days <= 14.01
    clock(8 * 60)  # a working day without a click
    assert client.get("/admin/").status_code == 200
    clock(15 * 24 * 60)
    assert client.get("/admin/").status_code == 302


def test_cookies_are_http_only_same_site_lax_and_secure_outside_tests(app, make_user):
    user = make_user(Role.CLERK)
    production = create_app({k: app.config[k] for k in ("UPLOAD_FOLDER", "MAIL_OUTBOX")}
                            | {"SECRET_KEY": "prod-like", "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})
    assert production.config["SESSION_COOKIE_SECURE"] and production.config["REMEMBER_COOKIE_SECURE"]
    with production.app_context():
        response = production.test_client().post(
            "/login", data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"},
            base_url="https://localhost")
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        flags = cookies[name].lower()
        assert "; secure" in flags and "; httponly" in flags and "samesite=lax" in flags, cookies[name]
    # Tests (and debug) serve plain http: no Secure flag there unless asked.
    assert not app.config["SESSION_COOKIE_SECURE"]


def test_secure_cookies_can_be_turned_off_for_plain_http(app, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    monkeypatch.setenv("REMEMBER_COOKIE_SECURE", "0")
    local = create_app({k: app.config[k] for k in ("UPLOAD_FOLDER", "MAIL_OUTBOX")})
    assert local.config["SESSION_COOKIE_SECURE"] is False and local.config["REMEMBER_COOKIE_SECURE"] is False


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app, client, make_user):
    user = make_user(Role.CLERK)
    _log_in(client, user, remember=True)
    other = _new_client(app)
    _log_in(other, user)
    response = client.post("/account/password", data={
        "current": TEST_PASSWORD, "password": "Otra-Clave-Larga-9", "confirm": "Otra-Clave-Larga-9"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert other.get("/admin/").status_code == 302
    later = _new_client(app)  # this browser's new remember-me cookie works too
    later.set_cookie("remember_token", _cookie(client, "remember_token"), domain="localhost")
    assert later.get("/admin/").status_code == 200


def test_purge_deletes_expired_and_revoked_sessions(app, client, make_user, clock):
    user = make_user(Role.CLERK)
    _log_in(client, user)
    _log_in(_new_client(app), user, remember=True)
    clock(40)
    assert sessions.purge() == 1  # the idle one; the remembered one lives on
    user.set_password("Otra-Clave-Larga-9")
    db.session.flush()
    assert sessions.purge() == 1  # revoked by the new password
    result = app.test_cli_runner().invoke(args=["housekeeping", "purge-sessions"])
    assert result.exit_code == 0 and "0 sessions deleted" in result.output


# next ---------------------------------------------------------------------------------------------
def test_next_to_a_post_only_page_falls_back_to_its_index(client, make_user):
    user = make_user(Role.PROVIDER)
    response = client.post("/login?next=/admin/lot-builder/send", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/admin/lot-builder/"
    client.post("/logout")
    response = client.post("/login?next=/logout", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/admin/"


def test_a_session_lost_on_a_post_comes_back_to_a_get_page(client, make_user):
    """The lot builder's send button after the session ended: log in again, land on the builder."""
    user = make_user(Role.PROVIDER)
    response = client.post("/admin/lot-builder/send")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    response = client.post(login_url, data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/admin/lot-builder/"


def test_a_remaining_405_is_a_styled_translated_page(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-AR"
    response = client.get("/logout")
    html = response.get_data(as_text=True)
    assert response.status_code == 405
    assert "Method Not Allowed" not in html and 'href="/admin/"' in html
    assert "Esta página no se abre así" in html


# timing -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["unknown", "wrong_password", "right_password", "no_password", "deactivated"])
def test_every_login_checks_exactly_one_password_hash(client, make_user, monkeypatch, case):
    """The time of a login answer does not tell whether the email has an account: the same one hash
    is computed for an unknown email as for a real one (timings: bench/login_timing.py)."""
    user = make_user(Role.CLERK)
    email = user.email
    if case == "unknown":
        email = "nobody-here@test.example"
    elif case == "no_password":
        user.password_hash = None
    elif case == "deactivated":
        user.is_enabled = False
    db.session.commit()
    calls = []
    real = services.accounts.check_password_hash
    monkeypatch.setattr(services.accounts, "check_password_hash", lambda *a: calls.append(a) or real(*a))
    password = "a-wrong-password-1" if case == "wrong_password" else TEST_PASSWORD
    response = client.post("/login", data={"email": email, "password": password})
    assert len(calls) == 1
    assert response.status_code == (302 if case == "right_password" else 200)
    method = calls[0][0].split("$", 1)[0]
    assert method == real_method(user)  # the dummy is hashed like real passwords


def real_method(user) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash("x").split("$", 1)[0]
