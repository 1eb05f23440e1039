"""The one shape of a refused operation: a code for programs, a message for people.

Subclasses list their ``MESSAGES`` (lazy translations, optionally with
``%(name)s`` parameters); the message is translated when read, in the reader's
locale, so raising works anywhere (requests, CLI, jobs).
"""
from __future__ import annotations


class CodedError(Exception):
    MESSAGES: dict = {}

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
