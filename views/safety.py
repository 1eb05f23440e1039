"""Guards for untrusted request data."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BuildError, RequestRedirect


def safe_next(target: str | None) -> str | None:
    """Where to go back to after a login, a language or provider switch: a local page that answers GET.

    Only a local path (no scheme, host, ``//`` or backslash). A URL that only answers POST (a form's
    action, e.g. the lot builder's "send" after the session ended) falls back to its section's index
    page; an unknown path to None (the caller's default, the dashboard).
    """
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return _get_page(parts.path, parts.query, target)


def _get_page(path: str, query: str, target: str) -> str | None:
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except RequestRedirect as moved:  # e.g. a missing trailing slash
        return urlsplit(moved.new_url).path + (f"?{query}" if query else "")
    except MethodNotAllowed:
        return _section_index(adapter, path)
    except HTTPException:
        return None
    return target


def _section_index(adapter, path: str) -> str | None:
    """The index page of the section (blueprint or admin view) a POST-only URL belongs to."""
    try:
        endpoint, _args = adapter.match(path, method="POST")
    except HTTPException:
        return None
    section = endpoint.rpartition(".")[0]
    for name in (f"{section}.index", f"{section}.index_view"):
        if section and name in current_app.view_functions:
            try:
                return url_for(name, _external=False)
            except BuildError:
                return None
    return None

