"""Liquida application factory: ``flask --app app run`` or ``gunicorn 'app:create_app()'``."""
from __future__ import annotations

import gc
import logging
import warnings
from datetime import timedelta

from flask import Flask, redirect, url_for
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import settings
from extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    secure_cookies(app)
    trust_proxies(app)
    from views import edge

    edge.install(app)
    register_extensions(app)
    register_blueprints(app)
    register_admin(app)
    register_cli(app)
    settle_heap(app)
    return app


def settle_heap(app: Flask) -> None:
    """Put what start-up built (about 240,000 objects: models, views, schemas, locale data) out of the
    garbage collector's reach: every full collection scanned them all and stalled one request in a dozen
    by 150–190 ms. Tests build an app per test and leave them to the collector."""
    if not app.testing:
        gc.freeze()


def secure_cookies(app: Flask) -> None:
    """Session and remember-me cookies are Secure unless a setting turns it off; left unset, only debug
    and tests (plain http on the developer's machine) go without. Remember-me lasts ``REMEMBER_DAYS``."""
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = not (app.debug or app.testing)
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(app.config["REMEMBER_DAYS"]))


def trust_proxies(app: Flask) -> None:
    """Behind nginx, the client's address (login throttling, audit) and the https scheme (secure
    cookies, links in emails) come from the proxy's X-Forwarded-* headers, trusted for that many hops only."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    # SQLite keeps numerics as floats; models.base.Money quantizes them back to the cent.
    warnings.filterwarnings("ignore", message=r"Dialect sqlite\+pysqlite does \*not\* support Decimal")
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"

    from views.i18n import init_babel

    init_babel(app, babel)

    from services import sessions
    from views.headers import init_headers

    login_manager.user_loader(sessions.load)
    app.before_request(sessions.touch)
    init_headers(app)

    from services.jobs.queue import celery_init_app

    celery_init_app(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: foreign keys on, WAL (with synchronous=NORMAL, its recommended pairing: a commit
    survives a crash of the app, only a power cut can lose the last ones, never corrupts) and a busy
    timeout so workers wait instead of failing, and transactions left to SQLAlchemy (pysqlite's
    own handling breaks SAVEPOINT). ``liquida_fold`` is the name searches' folding (services/text_search)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        from services.text_search import FOLD_FUNCTION, fold

        dbapi_connection.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """SQLite: BEGIN, or ``BEGIN IMMEDIATE`` (the write lock up front) for connections with the execution
    option ``sqlite_begin="IMMEDIATE"``."""
    if connection.dialect.name == "sqlite":
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}" if mode in ("IMMEDIATE", "EXCLUSIVE") else "BEGIN")


def register_blueprints(app: Flask) -> None:
    from views.accounts import bp as accounts_bp
    from views.auth import bp as auth_bp
    from views.health import bp as health_bp
    from views.i18n import bp as i18n_bp
    from views.tiss_ws import bp as tiss_ws_bp
    from views.verify import bp as verify_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(tiss_ws_bp)
    csrf.exempt(tiss_ws_bp)  # SOAP calls of hospital systems, authenticated by their TISS login

    @app.route("/")
    def root():
        return redirect(url_for("admin.index"))

    from views.errors import register_error_handlers

    register_error_handlers(app)


def register_admin(app: Flask) -> None:
    from views.admin import build_admin

    build_admin(app)


def register_cli(app: Flask) -> None:
    from seed.cli import seed_cli
    from services.audit_verify import audit_cli
    from services.db_roles import db_roles_cli
    from services.housekeeping import housekeeping_cli
    from services.sessions import purge_sessions_command
    from services.tiss.cli import tiss_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(tiss_cli)
    housekeeping_cli.add_command(purge_sessions_command)
    app.cli.add_command(housekeeping_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(db_roles_cli)
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
