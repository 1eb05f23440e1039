"""What every request must pass before any view sees it, and what no view may let through as a 500.

- Text holding a NUL byte (query string, form, JSON) is refused with 400: PostgreSQL cannot store
  it, and no field of ours holds one.
- ``<int:…>`` URL parts beyond a 64-bit id do not match (404) instead of overflowing the database.
- A database refusal of a value (``DataError``: out of range, bad encoding) is a 400; a lost race
  (``IntegrityError`` on a unique key, ``StaleDataError`` on a row someone else changed) is a 409.
  The session is rolled back first, so nothing is half-written.
"""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from models.base import db

MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``int`` URL parts: at most a 64-bit signed integer (the ids the database can hold)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_bytes() -> None:
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.keys(), *request.form.values()]
    if any("\x00" in text for text in texts):
        raise BadRequest(_("The request contains a NUL character, which no field accepts. Remove it and try again."))
    if request.is_json and _has_nul(request.get_json(silent=True)):
        raise BadRequest(_("The request contains a NUL character, which no field accepts. Remove it and try again."))


def _page(code: int, message: str):
    return render_template("errors/error.html", code=code, error=None, message=message), code


def install(app) -> None:
    """Before any route is added: the id converter; then the checks and the database-error pages."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)

    @app.errorhandler(DataError)
    def value_refused(error):
        db.session.rollback()
        current_app.logger.warning("value refused by the database on %s: %s", request.path, error.orig)
        return _page(400, _("A value is out of range or not valid here. Check what you typed and try again."))

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    def lost_race(error):
        db.session.rollback()
        current_app.logger.info("conflict on %s: %s", request.path, getattr(error, "orig", error))
        return _page(409, _("Someone else saved a change to the same record at the same time. "
                            "Reload the page to see it, then try again if still needed."))
