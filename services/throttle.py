"""Login throttling on Flask-Limiter's storage (memory by default, Redis via RATELIMIT_STORAGE_URI).

Per account: ``LOGIN_MAX_FAILURES`` failed logins within ``LOGIN_LOCKOUT_MINUTES``
lock the account for ``LOGIN_LOCKOUT_MINUTES`` more; while locked every attempt,
with a right or a wrong password, is refused (HTTP 429). Keys are hashes of the
normalised email, whether or not such an account exists, so the answer does not
reveal which addresses are registered. The per-address limit is a Flask-Limiter
decorator on the login view (``LOGIN_IP_LIMIT``, failed attempts only).
"""
from __future__ import annotations

import hashlib

from flask import current_app
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from extensions import limiter


def _enabled() -> bool:
    return bool(limiter.enabled and getattr(limiter, "_storage", None) is not None)


def _key(email: str) -> str:
    return hashlib.sha256((email or "").strip().casefold().encode()).hexdigest()[:32]


def _minutes() -> int:
    return int(current_app.config.get("LOGIN_LOCKOUT_MINUTES", 15))


def _failures_item() -> RateLimitItemPerMinute:
    return RateLimitItemPerMinute(int(current_app.config.get("LOGIN_MAX_FAILURES", 5)), _minutes())


def _lock_item() -> RateLimitItemPerMinute:
    return RateLimitItemPerMinute(1, _minutes())


def is_locked(email: str) -> bool:
    if not _enabled():
        return False
    return not FixedWindowRateLimiter(limiter.storage).test(_lock_item(), "login-lock", _key(email))


def register_failure(email: str) -> bool:
    """Count one failed login; True when this failure locks the account."""
    if not _enabled():
        return False
    failures = MovingWindowRateLimiter(limiter.storage)
    item = _failures_item()
    failures.hit(item, "login-fail", _key(email))
    if failures.test(item, "login-fail", _key(email)):
        return False
    FixedWindowRateLimiter(limiter.storage).hit(_lock_item(), "login-lock", _key(email))
    failures.clear(item, "login-fail", _key(email))
    return True


def clear_failures(email: str) -> None:
    if _enabled():
        MovingWindowRateLimiter(limiter.storage).clear(_failures_item(), "login-fail", _key(email))


def login_ip_limit() -> str:
    return current_app.config.get("LOGIN_IP_LIMIT", "50 per 15 minutes")


def failed_login(response) -> bool:
    """Flask-Limiter ``deduct_when``: only failed login posts count towards the per-address limit."""
    return response.status_code != 302


def unlock(email: str) -> None:
    """Lift a lock (after the owner proved control of the mailbox by resetting the password)."""
    if _enabled():
        FixedWindowRateLimiter(limiter.storage).clear(_lock_item(), "login-lock", _key(email))
        clear_failures(email)
