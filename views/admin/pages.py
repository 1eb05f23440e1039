"""Request arguments shared by the custom pages: dates and periods."""
from __future__ import annotations

from datetime import date

from flask import request


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
