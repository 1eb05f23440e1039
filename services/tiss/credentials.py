"""Providers' logins to the TISS web services: issue, rotate, revoke, and check a call's login.

Hospital systems send ``loginPrestador`` and, in ``senhaPrestador``, the MD5 hex of the
password (what ANS's st_texto32 leaves room for). The row keeps a werkzeug hash of that
MD5 hex: the password itself is shown once, to the staff member who issued or rotated it,
and never stored. Every change goes through the ORM, so the audit log records it (the hash
masked as ``password_hash`` always is).

A strong hash costs ~0.2 s to check; a hospital system calls many times a minute, so a
check that succeeded is remembered in this process (keyed by the row's current hash, so
rotating or revoking takes effect at once) and later calls with the same secret skip it.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from models import Provider, TissWsCredential
from models.base import db, utcnow
from models.errors import CodedError
from models.permissions import can

LOGIN = re.compile(r"^[A-Za-z0-9._@-]{3,20}$")
LAST_USE_EVERY = timedelta(minutes=1)  # "last use" is written at most this often per login
_DUMMY_HASH = generate_password_hash(hashlib.md5(b"no such login").hexdigest())
_verified: dict[tuple[int, str], str] = {}
_verified_lock = threading.Lock()
_VERIFIED_MAX = 10_000


class CredentialError(CodedError):
    MESSAGES = {
        "forbidden": _l("You are not allowed to manage web-service logins."),
        "login": _l("The login has 3 to 20 letters, digits or . _ @ -."),
        "login_taken": _l("This login is already used by another provider."),
        "exists": _l("This provider already has a web-service login: rotate its password instead."),
        "provider": _l("Choose a provider."),
        "revoked": _l("This login is already revoked."),
    }


def md5_hex(password: str) -> str:
    """What a hospital system sends in ``senhaPrestador`` for ``password``."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def new_password() -> str:
    """24 random URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


def password_hash_of(password: str) -> str:
    """What a row keeps for ``password``: a strong hash of its MD5 hex."""
    return generate_password_hash(md5_hex(password))


def _set_password(row: TissWsCredential, password: str) -> None:
    row.password_hash = password_hash_of(password)


def _require(actor, action: str) -> None:
    if not can(actor, action, "tiss_ws_credential"):
        raise CredentialError("forbidden")


def credential_of(provider_id: int) -> TissWsCredential | None:
    return db.session.scalar(sa.select(TissWsCredential).where(TissWsCredential.provider_id == provider_id))


def issue(provider: Provider | None, login: str | None, actor, password: str | None = None
          ) -> tuple[TissWsCredential, str]:
    """A new login for ``provider`` (default: its provider number) and its password, to be shown once.
    Flushes; the caller commits."""
    _require(actor, "create")
    if provider is None:
        raise CredentialError("provider", "provider")
    login = (login or provider.provider_number or "").strip()
    if not LOGIN.match(login):
        raise CredentialError("login", "login")
    if credential_of(provider.id) is not None:
        raise CredentialError("exists", "provider")
    if db.session.scalar(sa.select(TissWsCredential.id).where(TissWsCredential.login == login)) is not None:
        raise CredentialError("login_taken", "login")
    password = password or new_password()
    row = TissWsCredential(provider_id=provider.id, login=login, issued_by_id=getattr(actor, "id", None))
    _set_password(row, password)
    db.session.add(row)
    db.session.flush()
    return row, password


def rotate(row: TissWsCredential, actor) -> str:
    """A new password (shown once); the old one stops working now. Lifts a revocation."""
    _require(actor, "rotate")
    password = new_password()
    _set_password(row, password)
    row.rotated_at = utcnow()
    row.revoked_at = row.revoked_by_id = None
    db.session.flush()
    return password


def revoke(row: TissWsCredential, actor) -> None:
    """Every call with this login is refused (LoginInvalido) from now on."""
    _require(actor, "revoke")
    if row.revoked_at is not None:
        raise CredentialError("revoked")
    row.revoked_at = utcnow()
    row.revoked_by_id = getattr(actor, "id", None)
    db.session.flush()


# Checking a call ------------------------------------------------------------------------
def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _matches(row: TissWsCredential, secret: str) -> bool:
    key = (row.id, row.password_hash)
    fingerprint = _fingerprint(secret)
    if _verified.get(key) == fingerprint:
        return True
    if not check_password_hash(row.password_hash, secret):
        return False
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        _verified[key] = fingerprint
    return True


def authenticate(login: str | None, sent_secret: str | None) -> TissWsCredential | None:
    """The active login whose password's MD5 hex is ``sent_secret`` (any case), else None.

    An unknown login costs the same hash check as a wrong password, so timing does not
    tell which logins exist.
    """
    secret = (sent_secret or "").strip().lower()
    row = db.session.scalar(sa.select(TissWsCredential).where(TissWsCredential.login == (login or "").strip()))
    if row is None or row.revoked_at is not None:
        check_password_hash(_DUMMY_HASH, secret)
        return None
    return row if _matches(row, secret) else None


def record_use(row: TissWsCredential, address: str | None) -> None:
    """Stamp "last use" (at most once a minute: a plain UPDATE, not an audited change — every
    call is audited on its own)."""
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at < LAST_USE_EVERY and row.last_used_ip == address:
        return
    db.session.execute(sa.update(TissWsCredential.__table__).where(TissWsCredential.__table__.c.id == row.id)
                       .values(last_used_at=now, last_used_ip=(address or None) and address[:45]))
