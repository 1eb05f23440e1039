"""Password rules for every page that sets one (registration, activation, reset)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common_passwords.txt"

MESSAGES = {
    "short": _l("Use at least 8 characters."),
    "long": _l("Use at most 128 characters."),
    "common": _l("This password is too common: choose one that is harder to guess."),
    "personal": _l("Do not use your email or your name as password."),
    "mismatch": _l("The two passwords do not match."),
}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_errors(password: str | None, confirm: str | None = None, *, email: str = "", name: str = "") -> dict:
    """``{field: message}`` for ``password`` / ``confirm``; empty when the password is acceptable."""
    password = password or ""
    errors: dict[str, object] = {}
    folded = password.casefold()
    if len(password) < MIN_LENGTH:
        errors["password"] = MESSAGES["short"]
    elif len(password) > MAX_LENGTH:
        errors["password"] = MESSAGES["long"]
    elif folded in common_passwords() or len(set(password)) <= 2:
        errors["password"] = MESSAGES["common"]
    else:
        personal = {email.casefold(), email.split("@")[0].casefold(), name.replace(" ", "").casefold()}
        if folded.replace(" ", "") in {p for p in personal if p}:
            errors["password"] = MESSAGES["personal"]
    if confirm is not None and confirm != password:
        errors["confirm"] = MESSAGES["mismatch"]
    return errors
