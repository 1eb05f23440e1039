"""What every web service shares: the call as the layer sees it, the reply a service gives, and the
default steps (validation against the web-service XSD, destination and hash checks).

A service module implements ``Handler.answer``: read the request body into plain values, call
the services (they decide), write the answer body. No business rule lives in a handler.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from lxml import etree

from models import PayerSettings, Provider, TissSubmission
from models.enums import TaxIdKind
from models.rules.glosa_codes import description as glosa_description
from services.tiss import Q, hashing, schemas
from services.tiss.ws.header import Header
from services.tiss.ws.soap import HASH_INVALID, RECIPIENT_INVALID, SCHEMA_INVALID, Fault
from services.tiss.ws.xml import find, local, sub
from services.tiss.xmlsafe import strip_prefixes

MAX_SCHEMA_ERRORS = 5


@dataclass
class Call:
    service: str
    data: bytes
    body: etree._Element                 # the request element (loteGuiasWS, ...)
    header: Header
    schema: etree.XMLSchema | None = None
    payer: PayerSettings | None = None
    provider: Provider | None = None
    principal: object | None = None
    prepared: object | None = None       # what ``validate`` read (the lot: an intake.ReadFile)

    @property
    def registro(self) -> str:
        return (self.payer.ans_registry or "").strip() if self.payer else ""


@dataclass
class Reply:
    """A service's answer body and what the history and audit say about it."""

    body: etree._Element
    transaction: str
    accepted: bool = True
    protocol: int | None = None
    errors: list[dict] = field(default_factory=list)
    submission: TissSubmission | None = None    # the history row, when the service wrote it (the lot)
    fault: Fault | None = None                  # a fault to send once the history row is written


class Handler:
    """One web service: the request element it receives and the answer element it sends."""

    request: str              # the request element (loteGuiasWS)
    response: str             # the answer element (protocoloRecebimentoWS)
    response_body: str        # the answer's body element, after its cabecalho (recebimentoLote)
    transaction: str          # the request's tipoTransacao
    response_transaction: str

    def validate(self, call: Call) -> None:
        """The request against the web-service XSD of its Padrao (SchemaInvalido)."""
        problems = schemas.errors_of(call.schema, call.body)
        if problems:
            raise Fault(SCHEMA_INVALID, schema_message(problems))

    def checks(self, call: Call) -> None:
        """Destination registroANS (DestinatarioInvalido), then the hash (HashInvalido)."""
        if not call.registro or call.header.registro_ans != call.registro:
            raise Fault(RECIPIENT_INVALID, _("The destination registroANS %(value)s is not this payer's.",
                                             value=call.header.registro_ans or "-"))
        try:
            matched = hashing.matching_reading(call.body)
        except hashing.HashError:
            matched = None
        if matched is None:
            raise Fault(HASH_INVALID, _("The hash does not match the content (read as UTF-8 or ISO-8859-1)."))

    def answer(self, call: Call) -> Reply:
        raise NotImplementedError

    # Helpers for answers ------------------------------------------------------------
    def new_body(self) -> etree._Element:
        return etree.Element(f"{Q}{self.response_body}")


def schema_message(problems) -> str:
    parts = []
    for error in problems[:MAX_SCHEMA_ERRORS]:
        message = (error.message or "").replace("{%s}" % Q[1:-1], "")
        path = strip_prefixes(error.path or "")
        parts.append(f"{path}: {message}" if path else message)
    more = len(problems) - MAX_SCHEMA_ERRORS
    return "; ".join(parts) + (f" (+{more})" if more > 0 else "")


def error_entry(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **{k: v for k, v in extra.items() if v is not None}}


def motivo(parent, tag: str, code: str, message: str | None = None):
    """A ct_motivoGlosa element: the Tabela 38 code and a description (≤ 500)."""
    node = sub(parent, tag)
    sub(node, "codigoGlosa", code)
    sub(node, "descricaoGlosa", (message or glosa_description(code))[:500])
    return node


def contracted(parent, provider: Provider, tag: str = "dadosPrestador"):
    """ct_contratadoDados of ``provider``: its CNPJ/CPF, else its code."""
    node = sub(parent, tag)
    if provider.tax_id_kind == TaxIdKind.CNPJ:
        sub(node, "cnpjContratado", provider.tax_id)
    elif provider.tax_id_kind == TaxIdKind.CPF:
        sub(node, "cpfContratado", provider.tax_id)
    else:
        sub(node, "codigoPrestadorNaOperadora", provider.provider_number[:14])
    return node


def names_provider(node, provider: Provider) -> bool:
    """Does a ct_contratadoDados element (the body's dadosPrestador) name ``provider``?"""
    if node is None:
        return True
    child = next((c for c in node if isinstance(c.tag, str)), None)
    if child is None:
        return False
    value = (child.text or "").strip()
    kind = local(child)
    if kind == "codigoPrestadorNaOperadora":
        return value == provider.provider_number
    expected = {"cnpjContratado": TaxIdKind.CNPJ, "cpfContratado": TaxIdKind.CPF}.get(kind)
    return provider.tax_id_kind == expected and value == provider.tax_id


def requested_provider(call: Call, path: str) -> bool:
    """The request body's dadosPrestador (at ``path``) names the caller (else: not found)."""
    return names_provider(find(call.body, path), call.provider)
