"""Request arguments shared by the custom pages: periods (dates are read by ``models.values``)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import request

from models.values import parse_date_or_none


def period_args(default_days: int = 90) -> tuple[date, date]:
    end = parse_date_or_none(request.args.get("end")) or date.today()
    start = parse_date_or_none(request.args.get("start")) or end - timedelta(days=default_days)
    if start > end:
        start, end = end, start
    return start, end
