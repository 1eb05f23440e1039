"""The menu bar drawn once per kind of reader, not at every page.

Flask-Admin draws the menu by asking each of its ~70 entries ``is_accessible`` and ``is_visible``: a
tenth of a list page's CPU. What the bar shows depends only on the reader's role, the countries it
works in, whether it is a provider user, the language and the screen that is open (the active entry):
``MatrixAccess`` and the views that override it read nothing else (``tests/views/test_menu_cache.py``
checks it for users who differ in everything else). So each process keeps the drawn HTML per that key;
the key set is small (roles × countries × languages × screens) and bounded here anyway.
"""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from models.permissions import countries_of

MAX_ENTRIES = 1024
_drawn: dict[tuple, Markup] = {}


def reader_key(user) -> tuple:
    """What the menu of ``user`` depends on (an anonymous or inactive user sees the public menu)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ("anonymous",)
    return (user.role, countries_of(user), user.is_provider)


def menu(admin_view, draw: Callable[[], str]) -> Markup:
    """The menu for the current reader on ``admin_view``'s screen; ``draw`` renders it when not kept yet."""
    key = (reader_key(current_user._get_current_object()), str(get_locale()), admin_view.endpoint)
    html = _drawn.get(key)
    if html is None:
        if len(_drawn) >= MAX_ENTRIES:
            _drawn.clear()
        html = _drawn[key] = Markup(draw())
    return html


def forget() -> None:
    """Drop every kept menu (tests; a process picks up new screens at its restart anyway)."""
    _drawn.clear()
