"""The request's locale and time zone, read where Flask-Babel keeps them once chosen.

A list or report formats a few hundred dates, amounts and labels; Flask-Babel's ``get_locale`` and
``get_timezone`` find the request context through three proxies on every call, and ``to_user_timezone``
adds pytz's ``normalize``. Once chosen for the request (or forced, for an email in the recipient's
language: ``force_locale`` sets the same attribute) the objects sit on ``g._flask_babel``; reading them
there costs a fraction of a microsecond.
"""
from __future__ import annotations

from datetime import UTC, datetime

from babel import Locale
from flask import g
from flask_babel import get_locale, get_timezone


def babel_context():
    """Flask-Babel's per-request namespace, or None outside an application context or before its first use."""
    try:
        return g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:
        return None


def current_locale() -> Locale | None:
    found = getattr(babel_context(), "babel_locale", None)
    return found if found is not None else get_locale()


def local_time(value: datetime) -> datetime:
    """A stored (UTC) date and time in the request's zone; a datetime already aware is converted as it is."""
    zone = getattr(babel_context(), "babel_tzinfo", None) or get_timezone()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)
