"""One web-service call, start to end: envelope in → validate → identify and authenticate the caller
→ the service → answer (cabecalho, body, hash) → envelope out. Nothing here decides a business rule.

Order of the checks, each a ``tissFaultWS`` (HTTP 500) when it fails:

1. size (before reading the body), a well-formed SOAP 1.1 envelope, no DTD/entities,
   the service's request element ......................................... SchemaInvalido
2. ``Padrao`` with installed schemas ........................................ VersaoInvalida
3. ``tipoTransacao`` of the service, valid against the XSD of the Padrao ...... SchemaInvalido
4. ``origem`` names a registered provider ................................. RemetenteInvalido
5. its login and senhaPrestador (MD5 hex of the password) ..................... LoginInvalido
6. per-provider rate limit (HTTP 429)
7. destination ``registroANS`` is the payer's ............................ DestinatarioInvalido
8. the message hash .............................................................. HashInvalido

Then the service answers; business refusals are answers with Tabela 38 codes. Calls of an
identified provider are kept in its history (faults from step 7 on, too); earlier faults are
audited only. The answer carries its own hash.
"""
from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from limits import parse as parse_limit
from limits.strategies import FixedWindowRateLimiter
from lxml import etree

from extensions import limiter
from models import PayerSettings, TissWsCredential
from models.audit import acting_as, record_event
from models.base import db
from services.tiss import NS, Q, hashing, schemas
from services.tiss.credentials import record_use
from services.tiss.schemas import ws_file_name
from services.tiss.ws import caller, header, history, soap
from services.tiss.ws.base import Call
from services.tiss.ws.catalog import SERVICES
from services.tiss.ws.soap import Fault

log = logging.getLogger(__name__)

# The Tabela 38 code a fault is kept with in the history
FAULT_CODES = {soap.SCHEMA_INVALID: "5002", soap.VERSION_INVALID: "5028", soap.RECIPIENT_INVALID: "5006",
               soap.SENDER_INVALID: "5005", soap.LOGIN_INVALID: "5005", soap.HASH_INVALID: "5014",
               soap.SERVER_ERROR: ""}


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)


def handle(service: str, data: bytes, remote_addr: str | None = None) -> Response:
    """Answer one call of ``service`` (a name of the catalog) whose body is ``data``."""
    handler = SERVICES[service]
    seen: list[Call] = []   # the call, once its cabecalho was read (what a fault is recorded with)
    with ExitStack() as stack:
        try:
            return _answer(handler, service, data, remote_addr, seen, stack)
        except Fault as fault:
            return _fault(service, fault, seen[0] if seen else None, data)
        except Exception:
            log.exception("TISS web service %s failed", service)
            fault = Fault(soap.SERVER_ERROR, _("Unexpected error of the payer's system; try again later."))
            return _fault(service, fault, seen[0] if seen else None, data)


def _answer(handler, service: str, data: bytes, remote_addr: str | None, seen: list, stack: ExitStack
            ) -> Response:
    request = soap.parse(data, current_app.config["TISS_MAX_XML_BYTES"], handler.request)
    head = header.read(request.body)
    if head is None or not head.version:
        raise Fault(soap.SCHEMA_INVALID, _("The message has no cabecalho with its Padrao."))
    call = Call(service, data, request.body, head, payer=PayerSettings.current())
    seen.append(call)
    call.schema = _schema(head.version)
    if head.transaction != handler.transaction:
        raise Fault(soap.SCHEMA_INVALID, _("This service receives tipoTransacao %(expected)s, not %(found)s.",
                                           expected=handler.transaction, found=head.transaction or "-"))
    handler.validate(call)
    call.provider, call.principal = caller.identify(head)
    stack.enter_context(acting_as(label=call.principal.email))   # the audit log names the login
    _throttle(call)
    record_use(db.session.get(TissWsCredential, call.principal.credential_id), remote_addr)
    handler.checks(call)
    reply = handler.answer(call)
    if reply.fault is not None:   # the service kept the refusal in the history already
        db.session.commit()
        return Response(reply.fault.status, soap.fault_envelope(reply.fault))
    answer = etree.Element(f"{Q}{handler.response}", nsmap={"ans": NS})
    header.write(answer, head, reply.transaction, call.registro)
    answer.append(reply.body)
    etree.SubElement(answer, f"{Q}hash").text = ""
    hashing.stamp(answer)
    if reply.submission is None:
        history.record_call(call.provider.id, service, data, version=head.version,
                            accepted=reply.accepted, protocol=reply.protocol, errors=reply.errors)
    db.session.commit()
    return Response(200, soap.envelope(answer))


def too_large(size: int, limit: int) -> str:
    return _("The message has %(size)s bytes; the limit is %(limit)s bytes.", size=size, limit=limit)


def too_many_failures() -> str:
    return _("Too many failed calls from this address. Try again later.")


def _schema(version: str):
    """The web-service XSD of ``version``, when both it and the message XSD are installed."""
    if schemas.schema_path(version) is None or schemas.schema_path(version, None, ws_file_name) is None:
        raise Fault(soap.VERSION_INVALID, _("TISS version %(version)s is not accepted here.", version=version[:10]))
    return schemas.load_schema(version, None, ws_file_name)


def _throttle(call: Call) -> None:
    """At most TISS_WS_RATE_LIMIT calls per provider (Flask-Limiter's storage: Redis in production)."""
    if not limiter.enabled or getattr(limiter, "_storage", None) is None:
        return
    item = parse_limit(current_app.config["TISS_WS_RATE_LIMIT"])
    window = FixedWindowRateLimiter(limiter.storage)
    if not window.hit(item, "tiss-ws", str(call.provider.id)):
        reset = window.get_window_stats(item, "tiss-ws", str(call.provider.id)).reset_time
        raise Fault(soap.SERVER_ERROR, _("Too many calls: at most %(limit)s. Try again later.", limit=str(item)),
                    status=429, headers={"Retry-After": str(max(1, int(reset - time.time()) + 1))})


def _fault(service: str, fault: Fault, call: Call | None, data: bytes) -> Response:
    """Roll back the call's work; keep it in the provider's history once the provider was identified
    (not for a rate limit), audit it otherwise; answer the fault."""
    db.session.rollback()
    identified = call is not None and call.principal is not None
    try:
        if identified and fault.status != 429:
            history.record_call(call.provider.id, service, data,
                                version=call.header.version, accepted=False,
                                errors=[{"code": FAULT_CODES[fault.code], "message": fault.message,
                                         "fault": fault.code}])
        else:
            head = call.header if call is not None else None
            record_event("tiss_ws", None, "tiss_ws_fault", service=service, fault=fault.code,
                         message=fault.message[:300], login=(head.login if head else None),
                         sender=(head.sender_value if head else None))
        db.session.commit()
    except Exception:
        log.exception("TISS web service %s: the fault could not be recorded", service)
        db.session.rollback()
    return Response(fault.status, soap.fault_envelope(fault), fault.headers)
