"""Settings read from the environment, with safe defaults for a single machine.

Nothing secret lives in the code: when SECRET_KEY is unset a random key is
generated once and kept in ``instance/secret_key``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BUNDLED_XSD = str(Path(__file__).resolve().parent / "services" / "tiss" / "xsd")
"""The official TISS schemas shipped with Liquida (ANS publishes them for free use), one folder per version."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _optional_bool(name: str) -> bool | None:
    """A flag left to the app when unset (``None``)."""
    return None if os.environ.get(name) is None else _bool(name, False)


def _secret_key(instance_path: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'liquida.db'}"
    # Heroku-style URLs and the bare driver name both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _engine_options(url: str) -> dict:
    """The connection pool per process: ``DB_POOL_SIZE`` / ``DB_MAX_OVERFLOW`` (README: sizes per core count).

    On PostgreSQL, ``DB_PARALLEL_WORKERS`` (default 0) caps the worker processes one query may start. Pages
    read a bounded number of rows through indexes, so a parallel plan there comes from a misestimate (a
    provider's statuses far from the table's average: thousands of rows expected, a few found), and starting
    its workers costs more than the query (Mis comprobantes at full size: p95 33 → 22 ms without them);
    under load they are extra processes competing for the same cores. JIT compilation is off for the same
    reason: with statistics older than the table's growth, a cost misestimated past ``jit_above_cost`` compiled
    the lot-total trigger's query of every received TISS lot (20 ms of compiling for a 0.3 ms query)."""
    options = {"pool_pre_ping": True}
    for variable, key in (("DB_POOL_SIZE", "pool_size"), ("DB_MAX_OVERFLOW", "max_overflow")):
        if os.environ.get(variable):
            options[key] = int(os.environ[variable])
    if url.startswith("postgresql"):
        workers = int(os.environ.get("DB_PARALLEL_WORKERS") or 0)
        options["connect_args"] = {"options": f"-c max_parallel_workers_per_gather={workers} -c jit=off"}
    return options


def load(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    upload_folder = Path(os.environ.get("UPLOAD_FOLDER", instance / "uploads"))
    outbox = Path(os.environ.get("MAIL_OUTBOX", instance / "outbox"))
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": (database_url := _database_url(instance)),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "UPLOAD_FOLDER": str(upload_folder),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)),
        "MAX_PDF_BYTES": int(os.environ.get("MAX_PDF_BYTES", 10 * 1024 * 1024)),
        "TISS_MAX_XML_BYTES": int(os.environ.get("TISS_MAX_XML_BYTES", 20 * 1024 * 1024)),
        # Versions installed by the payer (instance/tiss) first, then the ones shipped with Liquida.
        "TISS_SCHEMA_DIRS": os.environ.get("TISS_SCHEMA_DIRS", os.pathsep.join([str(instance / "tiss"), BUNDLED_XSD])),
        # TISS web services: calls per provider, and failed calls per address
        "TISS_WS_RATE_LIMIT": os.environ.get("TISS_WS_RATE_LIMIT", "120 per minute"),
        "TISS_WS_FAILURE_LIMIT": os.environ.get("TISS_WS_FAILURE_LIMIT", "60 per 10 minutes"),
        # Cookies: Secure unless turned off (None: on outside debug and tests, see app.secure_cookies).
        "SESSION_COOKIE_SECURE": _optional_bool("SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _optional_bool("REMEMBER_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "remember_token",
        "REMEMBER_DAYS": int(os.environ.get("REMEMBER_DAYS", 14)),
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 30)),
        # Strict-Transport-Security max-age in seconds on https responses (0: not sent).
        "HSTS_SECONDS": int(os.environ.get("HSTS_SECONDS", 0)),
        "WTF_CSRF_ENABLED": _bool("WTF_CSRF_ENABLED", True),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": os.environ.get("BABEL_DEFAULT_LOCALE", "es_AR"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("BABEL_DEFAULT_TIMEZONE", "America/Argentina/Buenos_Aires"),
        "LANGUAGES": ["es_AR", "pt_BR", "en"],
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_LOCKOUT_MINUTES": int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)),
        "LOGIN_IP_LIMIT": os.environ.get("LOGIN_IP_LIMIT", "50 per 15 minutes"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Liquida <no-reply@liquida.local>"),
        "MAIL_OUTBOX": str(outbox),
        "FLASK_ADMIN_SWATCH": os.environ.get("FLASK_ADMIN_SWATCH", "default"),
        # Audit chain checkpoints: signed with AUDIT_KEY (default: a key derived from SECRET_KEY), one every N links.
        "AUDIT_KEY": os.environ.get("AUDIT_KEY") or None,
        "AUDIT_CHECKPOINT_EVERY": int(os.environ.get("AUDIT_CHECKPOINT_EVERY", 1000)),
        # Background jobs (services/jobs): Celery on Redis; with no broker, tasks run inline in the process
        # that starts them, so a bare machine works. Finished jobs' files stay downloadable JOB_RESULT_HOURS.
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", ""),
        "CELERY_RESULT_BACKEND": os.environ.get("CELERY_RESULT_BACKEND", ""),
        "JOB_RESULT_HOURS": int(os.environ.get("JOB_RESULT_HOURS", 72)),
        "JOB_FOLDER": os.environ.get("JOB_FOLDER", str(instance / "jobs")),
        # Bulk TISS intake (several files or a zip): files per request, and a zip's unpacked size
        "TISS_MAX_FILES": int(os.environ.get("TISS_MAX_FILES", 2000)),
        "TISS_MAX_ZIP_BYTES": int(os.environ.get("TISS_MAX_ZIP_BYTES", 512 * 1024 * 1024)),
        # Reports (by period, extrato, NF values) of more lines than this are built by a job, not in the request
        "REPORT_INLINE_LINES": int(os.environ.get("REPORT_INLINE_LINES", 2000)),
        # Payer-wide start-page charts (the same for every clerk) are recomputed at most this often per worker.
        "FIGURES_KEEP_SECONDS": int(os.environ.get("FIGURES_KEEP_SECONDS", 60)),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
    }
