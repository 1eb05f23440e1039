"""Sessions that really end: one ``UserSession`` row per logged-in browser.

Flask's session cookie and Flask-Login's remember-me cookie both carry ``<user id>:<token>`` (signed by
the app's key); the database keeps only the token's SHA-256. A request is logged in while the row
exists, belongs to that user, is of the user's current ``session_version`` and has not expired:

- logging out deletes the row: that browser's cookies, copied or not, stop working, the user's other
  browsers go on;
- a new password or a deactivation bumps ``User.session_version``: every older row is dead;
- without remember-me a session ends after ``SESSION_IDLE_MINUTES`` without a request; with it, after
  ``REMEMBER_DAYS`` from the login (the user asked this browser to keep them logged in).

Why the database rather than Redis: the check rides on the query that loads the user anyway, a
deactivation and the end of its sessions commit together, and ``make run`` needs nothing besides SQLite.
Activity is written at most once a minute per session, not on every request.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from models.base import db, utcnow
from models.providers import UserProvider
from models.users import User, UserSession

TOUCH_EVERY = timedelta(minutes=1)
EXPIRED = _l("Your session has expired. Please log in again.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_timeout() -> timedelta:
    return timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))


def remember_lifetime() -> timedelta:
    return timedelta(days=int(current_app.config["REMEMBER_DAYS"]))


def start(user: User, remember: bool) -> UserSession:
    """Open a session for ``user`` (before ``login_user``): ``user.get_id()`` then carries its token."""
    now = utcnow()
    db.session.execute(sa.delete(UserSession).where(  # the user's dead sessions go on the way
        UserSession.user_id == user.id,
        sa.or_(UserSession.expires_at < now, UserSession.generation != user.session_version)))
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_hash(token), generation=user.session_version, remember=remember,
                      created_at=now, last_seen_at=now,
                      expires_at=now + (remember_lifetime() if remember else idle_timeout()))
    db.session.add(row)
    db.session.flush()
    user.session_token = token
    g.user_session = row
    return row


def renew(user: User) -> UserSession:
    """After a password change: this browser gets a new session (the old one died with the old
    ``session_version``), keeping its remember-me choice."""
    current = g.get("user_session")
    remember = bool(current is not None and current.remember)
    end(user)
    return start(user, remember)


def load(cookie_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live session, else None (and the cookies are dropped)."""
    try:
        raw_id, token = cookie_id.split(":", 1)
        user_id = int(raw_id)
    except (AttributeError, ValueError):
        return None
    found = db.session.execute(
        sa.select(UserSession, User).join(User, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _hash(token))
        # a provider user's links and their providers come with it: every page asks whom it acts for
        .options(joinedload(User.provider_links).joinedload(UserProvider.provider))
    ).unique().one_or_none()
    if found is None or not _alive(*found, user_id):
        _ended()
        return None
    row, user = found
    user.session_token = token
    g.user_session = row
    return user


def _alive(row: UserSession, user: User, user_id: int) -> bool:
    return row.user_id == user_id and row.generation == user.session_version and row.expires_at > utcnow() \
        and user.is_active


def _ended() -> None:
    """The cookies named a session that is over (logged out, expired, revoked): forget them, and say so once."""
    if session.pop("_user_id", None) is not None or request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"]):
        session["_remember"] = "clear"  # Flask-Login deletes the remember-me cookie
        flash(EXPIRED, "warning")


def touch() -> None:
    """``before_request``: note the activity of the current session (at most once a minute), which
    moves the idle deadline of a session without remember-me."""
    if request.endpoint in (None, "static") or (request.endpoint or "").endswith(".static"):
        return
    if not current_user.is_authenticated:
        return
    row = g.get("user_session")
    now = utcnow()
    if row is None or now - row.last_seen_at < TOUCH_EVERY:
        return
    row.last_seen_at = now
    if not row.remember:
        row.expires_at = now + idle_timeout()
    db.session.commit()


def end(user: User) -> None:
    """Log out this browser: its session row goes, the user's other browsers stay logged in."""
    if user.session_token:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _hash(user.session_token)))
        user.session_token = None


def purge() -> int:
    """Delete expired and revoked sessions (housekeeping); returns how many."""
    stale = sa.delete(UserSession).where(sa.or_(
        UserSession.expires_at < utcnow(),
        UserSession.generation != sa.select(User.session_version).where(User.id == UserSession.user_id)
        .scalar_subquery()))
    return db.session.execute(stale).rowcount


@click.command("purge-sessions")
def purge_sessions_command() -> None:
    """Delete expired and revoked login sessions."""
    count = purge()
    db.session.commit()
    click.echo(f"{count} sessions deleted")
