"""The one error shape every TISS check returns: glosa code, message, guide number, element at fault.

``TissError`` is a finding (data listed in an answer); ``TissRefused`` is the one raised refusal,
a ``CodedError`` like every other, carrying the finding it stands for in ``.error``."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from models.errors import CodedError


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


class TissRefused(CodedError):
    """A file refused as a whole before its content could be read (5002 and friends): ``code`` is
    the TISS glosa code, ``field`` the element at fault. The message is translated by the raiser
    (it names sizes, encodings, parser errors), so it is kept as given rather than looked up in
    ``MESSAGES``."""

    def __init__(self, code: str, message: str, element: str | None = None):
        super().__init__(code, field=element)
        self.error = TissError(code=code, message=str(message), element=element)

    @property
    def message(self) -> str:
        return self.error.message
