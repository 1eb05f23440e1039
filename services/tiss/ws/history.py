"""Every web-service call in the provider's history (Histórico de envios) and the audit log.

A lot (tissLoteGuias) gets its history row from the receiver itself, as an upload does.
Every other call of an identified provider gets one here: the request kept as its file
(``senhaPrestador`` masked: the MD5 hex of the password is a credential), what was asked
(the protocol) and whether it was answered or refused (the Tabela 38 code, or the fault).
Calls refused before the caller is known (schema, version, sender, login) are only audited
(``endpoint``); the history row's creation is itself in the audit log, under the caller's login.
"""
from __future__ import annotations

import re

from models import TissSubmission
from models.base import db
from models.enums import TissChannel
from services import storage
from services.tiss.intake import STORAGE_KIND

_PASSWORD = re.compile(rb"(<(?:[\w.-]+:)?senhaPrestador\b[^>]*>).*?(</(?:[\w.-]+:)?senhaPrestador\s*>)", re.S)
MASK = b"********************************"


def masked(data: bytes) -> bytes:
    """``data`` with the text of every senhaPrestador replaced (what is stored as the received file)."""
    return _PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(2), data)


def record_call(provider_id: int, service: str, data: bytes, *, version: str | None,
                accepted: bool, protocol: int | None = None, errors: list[dict] | None = None) -> TissSubmission:
    """The history row of a call (flushed; the caller commits with what the call changed)."""
    stored = storage.save(masked(data), STORAGE_KIND, ".xml")
    row = TissSubmission(
        provider_id=provider_id, filename=f"{service}.xml", size=len(data), sha256=stored.sha256,
        stored_name=stored.stored_name, tiss_version=(version or None) and version[:10], accepted=accepted,
        protocol_number=protocol, errors=errors or None, channel=TissChannel.WEB_SERVICE, service=service,
    )
    db.session.add(row)
    db.session.flush()
    return row
