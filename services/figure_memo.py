"""Payer-wide figures kept a short while in each worker process.

Every clerk's and supervisor's start page draws the same charts from the same rollups (eight queries over
every provider's cells): each worker computes them once per ``FIGURES_KEEP_SECONDS`` instead of once per click,
and the page says when they were computed. 0 turns keeping off (tests, or a payer who wants every click live).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from flask import current_app

from models.base import utcnow

_LOCK = threading.Lock()


def remembered(key: Hashable, compute: Callable[[], Any]) -> tuple[Any, datetime]:
    """(value, when it was computed) for ``key``: the kept value while younger than the setting, else
    ``compute()`` now (and kept). Values are shared between requests: callers must not change them."""
    keep = current_app.config["FIGURES_KEEP_SECONDS"]
    store = current_app.extensions.setdefault("liquida.figure_memo", {})
    now = time.monotonic()
    kept = store.get(key)
    if kept is not None and now - kept[0] < keep:
        return kept[1], kept[2]
    value, computed_at = compute(), utcnow()
    if keep > 0:
        with _LOCK:
            for stale in [k for k, (at, _v, _c) in store.items() if now - at >= keep]:
                del store[stale]
            store[key] = (now, value, computed_at)
    return value, computed_at
