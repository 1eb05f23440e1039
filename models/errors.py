"""The one shape of a refused operation: a code for programs, a message for people, a field.

Subclasses list their ``MESSAGES`` (lazy translations, optionally with
``%(name)s`` parameters); the message is translated when read, in the reader's
locale, so raising works anywhere (requests, CLI, jobs, web services).
``status`` is the HTTP status the refusal answers with when no view handles it
(``views.errors`` turns any unhandled ``CodedError`` into that page).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class CodedError(Exception):
    MESSAGES: dict = {}
    status: int = 400

    def __init__(self, code: str, field: str | None = None, **params):
        self.code = code
        self.field = field
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(self.MESSAGES[self.code])
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message


class NotFound(CodedError):
    """The row does not exist, or the user may not see it: the two answer alike (404)."""

    status = 404
    MESSAGES = {"not_found": _l("Page not found.")}

    def __init__(self, code: str = "not_found", field: str | None = None, **params):
        super().__init__(code, field, **params)
