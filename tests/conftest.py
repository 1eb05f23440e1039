"""Test fixtures: one migrated database per run, one rolled-back transaction per test.

``TEST_DATABASE_URL`` picks the database (PostgreSQL in CI's second pass);
the default is a SQLite file in a temporary folder. Clients speak English
unless a test asks for another language.
"""
from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession

from app import create_app
from extensions import limiter
from models.base import db
from models.enums import Role
from seed import factories as f

TEST_PASSWORD = "test-password-1"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_database(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    _reset_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["DATABASE_URL"] = database_url
    application = create_app({
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "MAIL_OUTBOX": str(instance / "outbox"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
        "FIGURES_KEEP_SECONDS": 0,  # charts of each test's own data (tests/views/test_dashboard_memo.py keeps them)
    })
    # Tests keep an app context pushed, and Flask reuses it for test-client requests: without this,
    # ``g`` (Flask-Login's cached user, Babel's locale, Limiter's state) leaked from one request,
    # and one client, to the next.
    request_started.connect(_fresh_request_globals, application)
    with application.app_context():
        upgrade()
        with db.engine.begin() as conn:
            from models import ServiceType
            from seed.demo import SERVICE_TYPES

            for code, name, country, guide_type, sheet in SERVICE_TYPES:
                conn.execute(sa.insert(ServiceType.__table__).values(
                    code=code, name=name, country=country.value,
                    guide_type=guide_type.value if guide_type else None, requires_attendance_sheet=sheet))
    yield application


def _fresh_request_globals(sender, **extra) -> None:
    g.__dict__.clear()


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's Session picks the app's engine in get_bind and ignores ``bind=``:
    without this, tests committed for real instead of into the rolled-back transaction.

    Only sessions of the test's own thread are bound to the test's connection: the browser tests' live
    server (serving from its threads while later tests run) reads the same global ``db.session``, and a
    late request of its own (a page's last scripts) closing its session there rolled back the test's
    savepoints ("no such savepoint"). Its sessions use its own app's engine."""

    def __init__(self, db, *, test_thread=None, **options):
        self.bound = test_thread is None or threading.get_ident() == test_thread
        if not self.bound:
            options.pop("bind", None)
            options.pop("join_transaction_mode", None)
        super().__init__(db, **options)

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if not self.bound:
            return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        return bind if bind is not None else self.bind


@pytest.fixture(autouse=True)
def _transaction(request):
    """Every test runs in a transaction rolled back at its end (commits become savepoints).

    Browser tests (marker ``e2e``) talk to a live server with its own database instead, and so do the
    tests of a real Celery worker (marker ``worker``).
    Login-throttling counters start empty for every test.
    """
    if limiter.initialized:
        limiter.reset()
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("worker"):
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        if connection.dialect.name == "postgresql":  # what a commit would fold (migration 0016), at once
            connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        original = db.session
        db.session = db._make_scoped_session({
            "bind": connection, "join_transaction_mode": "create_savepoint", "class_": _ConnectionBoundSession,
            "test_thread": threading.get_ident(),
        })
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def make_user():
    """Create a user of ``role`` (English by default) with the test password."""
    def _make(role: Role, email: str | None = None, locale: str = "en", providers=()):
        user = f.make_user(email or f"{role.value}{f.unique_suffix()}@test.example", role, locale=locale,
                           password=TEST_PASSWORD)
        for provider in providers:
            f.link(user, provider)
        db.session.commit()
        return user
    return _make


@pytest.fixture
def login(client):
    """Log ``client`` in as ``user``."""
    def _login(user, test_client=None):
        c = test_client or client
        response = c.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return c
    return _login


@pytest.fixture
def login_as(make_user, login):
    """A logged-in client for a new user of ``role``."""
    def _login_as(role: Role, **kwargs):
        user = make_user(role, **kwargs)
        login(user)
        return user
    return _login_as


@pytest.fixture
def demo():
    """The demo payer loaded inside this test's transaction; returns its users by email."""
    from models import User
    from seed.demo import load_demo

    load_demo()
    return {u.email: u for u in db.session.scalars(sa.select(User))}


@pytest.fixture
def demo_login(client):
    """Log ``client`` (or another test client) in as a demo user."""
    def _login(email, test_client=None):
        c = test_client or client
        response = c.post("/login", data={"email": email, "password": f.DEMO_PASSWORD})
        assert response.status_code == 302
        return c
    return _login
