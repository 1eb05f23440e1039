"""Browser tests: a live Liquida with the demo data, driven by Playwright in Debian's Chromium.

The live server has its own database (a SQLite file, or a ``<name>_e2e``
database beside ``TEST_DATABASE_URL``), migrated and seeded once per run.
Without Chromium the tests are skipped with a message saying so.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from models.base import db
from tests.tiss.conftest import find_schemas

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEMO_PASSWORD = "demo-password-1"


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    # By location under this folder, not by "/e2e/" in the path: a checkout in a folder named e2e
    # would otherwise mark (and un-transaction) every test of the suite.
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _e2e_database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    base = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_e2e"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium): browser tests skipped")
    instance = tmp_path_factory.mktemp("e2e-instance")
    url = _e2e_database_url(tmp_path_factory)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        application = create_app({
            "SECRET_KEY": "e2e-secret",
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "MAIL_OUTBOX": str(instance / "outbox"),
            "MAIL_SERVER": "",
            "RATELIMIT_STORAGE_URI": "memory://",
            "TISS_SCHEMA_DIRS": find_schemas(),
        })
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
    with application.app_context():
        upgrade()
        from seed.demo import load_demo

        load_demo()
        db.session.remove()
    return application


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the live app, served from a background thread."""
    port = _free_port()
    server = make_server("127.0.0.1", port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (own cookies) in Spanish (Argentina), the default language."""
    context = browser.new_context(locale="es-AR", base_url=live_server, viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def login_page(page):
    """Log the tab in as a demo user and return it."""
    def _login(email: str, password: str = DEMO_PASSWORD):
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/**")
        return page
    return _login


def start_sp_sadt_lot(page):
    """The lot builder's first step as provider2: an SP/SADT lot of last month; returns on the search page."""
    page.goto("/admin/lot-builder/")
    last_month = date.today().replace(day=1) - timedelta(days=1)
    page.select_option("#guide_type", "sp_sadt")
    page.fill("#competence", f"{last_month.month:02d}/{last_month.year}")
    page.click("#start-next")
    page.wait_for_url("**/admin/lot-builder/search")
    return page
