"""How a page shows a refusal (``models.errors.CodedError``): next to its field when the page has
that field, else in the page's error list, else as a flash message. The one translation from a
service's refusal to what the user reads."""
from __future__ import annotations

from flask import flash

from models.errors import CodedError


def show(exc: CodedError, *, form=None, errors: dict | None = None, field: str | None = None) -> None:
    name = exc.field or field
    target = getattr(form, name, None) if form is not None and name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors or []) + [exc.message]
    elif errors is not None:
        errors[name or "form"] = exc.message
    else:
        flash(exc.message, "danger")
