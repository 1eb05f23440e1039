"""Login throttling: 5 failures lock the account for 15 minutes (429, even with the right password);
a per-address limit; deactivated and not-activated accounts cannot log in."""
from sqlalchemy import select

from models import AuditLog
from models.base import db
from models.enums import Role
from tests.conftest import TEST_PASSWORD


def _fail(client, email, times=1):
    return [client.post("/login", data={"email": email, "password": "wrong-password-x"}) for _ in range(times)]


def test_sixth_attempt_is_refused_even_with_the_right_password(client, make_user):
    user = make_user(Role.PROVIDER)
    responses = _fail(client, user.email, 5)
    assert [r.status_code for r in responses] == [200] * 5
    assert "locked for 15 minutes" in responses[-1].get_data(as_text=True)
    sixth = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert sixth.status_code == 429
    assert "locked for 15 minutes" in sixth.get_data(as_text=True)
    events = [r.changes.get("event") for r in db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == user.id)) if r.changes]
    assert events.count("login_failed") == 5 and "locked" in events and "login_refused_locked" in events
    assert "login" not in events


def test_four_failures_then_success_resets_the_count(client, make_user):
    user = make_user(Role.PROVIDER)
    _fail(client, user.email, 4)
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302
    client.post("/logout")
    _fail(client, user.email, 4)
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302


def test_lock_lasts_fifteen_minutes_and_is_per_account(client, make_user, monkeypatch):
    import time

    user = make_user(Role.PROVIDER)
    other = make_user(Role.PROVIDER)
    _fail(client, user.email, 5)
    assert client.post("/login", data={"email": other.email, "password": TEST_PASSWORD}).status_code == 302
    client.post("/logout")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 16 * 60)
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 302


def test_unknown_addresses_lock_the_same_way(client):
    _fail(client, "nadie@prestador.example", 5)
    assert _fail(client, "nadie@prestador.example")[0].status_code == 429


def test_per_address_limit(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_LIMIT", "3 per minute")
    for n in range(3):
        assert _fail(client, f"otro{n}@prestador.example")[0].status_code == 200
    assert _fail(client, "otro9@prestador.example")[0].status_code == 429
    user = make_user(Role.PROVIDER)
    assert client.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 429


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user(Role.PROVIDER)
    user.is_enabled = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
