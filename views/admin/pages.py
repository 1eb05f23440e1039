"""Base of the custom (non-CRUD) pages: access from the permission matrix, like SecureModelView."""
from __future__ import annotations

from datetime import date

from flask import abort, request
from flask_login import current_user

from models.base import db
from models.permissions import can
from views.admin.base import SecurePage


class Page(SecurePage):
    """Money-end pages: a few helpers on top of SecurePage."""

    @staticmethod
    def require(action: str, resource: str) -> None:
        if not can(current_user, action, resource):
            abort(403)

    @staticmethod
    def get_or_404(model, ident):
        obj = db.session.get(model, ident)
        if obj is None:
            abort(404)
        return obj


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def period_args(default_days: int = 90) -> tuple[date, date]:
    from datetime import timedelta

    end = parse_date(request.args.get("end")) or date.today()
    start = parse_date(request.args.get("start")) or end - timedelta(days=default_days)
    if start > end:
        start, end = end, start
    return start, end
