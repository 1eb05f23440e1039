"""The one error shape every TISS check returns: glosa code, message, guide number, element at fault."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TissError:
    code: str
    message: str
    guide: str | None = None
    element: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict) -> TissError:
        return cls(code=str(data.get("code", "")), message=str(data.get("message", "")),
                   guide=data.get("guide"), element=data.get("element"))


class TissRefused(Exception):
    """A file refused as a whole before its content could be read (5002 and friends)."""

    def __init__(self, code: str, message: str, element: str | None = None):
        super().__init__(message)
        self.error = TissError(code=code, message=str(message), element=element)
