"""Lookups read once per chunk of bulk work instead of once per file.

A bulk TISS intake receives a chunk of files in ONE transaction: the payer's settings, the adjudication
settings and rules, the sender, its prices and the payment calendar cannot change under it, yet each file
read them again (a dozen queries per 100-guide lot). Inside ``kept()`` the functions that ask ``once``
compute each answer the first time and reuse it until the block ends; outside, they compute every time.
Kept values are shared by the files of the chunk: callers must not change them.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_MEMO: ContextVar[dict | None] = ContextVar("chunk_memo", default=None)


@contextmanager
def kept() -> Iterator[None]:
    """Keep the answers of ``once`` for the duration of the block (one transaction's worth of work)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or inside ``kept()`` the answer it gave for ``key`` earlier in the block."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]
