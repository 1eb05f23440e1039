"""Test fixtures: one migrated database per run, one rolled-back transaction per test.

``TEST_DATABASE_URL`` picks the database (PostgreSQL in CI's second pass);
the default is a SQLite file in a temporary folder. Clients speak English
unless a test asks for another language.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

from app import create_app
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
    })
    with application.app_context():
        upgrade()
        with db.engine.begin() as conn:
            from seed.demo import SERVICE_TYPES
            from models import ServiceType

            for code, name, country, guide_type, sheet in SERVICE_TYPES:
                conn.execute(sa.insert(ServiceType.__table__).values(
                    code=code, name=name, country=country.value,
                    guide_type=guide_type.value if guide_type else None, requires_attendance_sheet=sheet))
    yield application


class _ConnectionBound(FlaskSQLAlchemySession):
    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def _transaction(request):
    """Every test runs in a transaction rolled back at its end (commits become savepoints).

    Browser tests (marker ``e2e``) talk to a live server with its own database instead.
    """
    if request.node.get_closest_marker("e2e"):
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # Flask-SQLAlchemy's Session.get_bind() ignores the session's own bind and would hand
        # out pooled engine connections (real commits): _ConnectionBound keeps the test's one.
        db.session = db._make_scoped_session({"bind": connection, "join_transaction_mode": "create_savepoint",
                                              "class_": _ConnectionBound})
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
