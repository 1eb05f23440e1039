"""Query strings written the way Werkzeug's ``url_for`` writes them, for links built many times a page
without calling ``url_for`` for each (chart bars, a list's row buttons): the same bytes, so the copies
cannot drift from what ``url_for`` would give (tests/views/test_row_actions.py and the dashboard tests
compare them)."""
from __future__ import annotations

from urllib.parse import quote_plus, urlencode

SAFE = "!$'()*,/:;?@"  # what werkzeug.urls leaves unquoted in a query argument


def quote(value) -> str:
    """One query value as ``url_for`` writes it."""
    return quote_plus(str(value), safe=SAFE)


def query_string(pairs) -> str:
    """``name=value&…`` as ``url_for`` writes its keyword arguments."""
    return urlencode(pairs, safe=SAFE)
