"""The ``cabecalho`` of a web-service message: read from a request, written on an answer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from services.tiss import Q
from services.tiss.ws.xml import sub, text

# ct_prestadorIdentificacao (origem) ↔ ct_contratadoDados (dadosPrestador of the bodies)
CONTRACTED = {"CNPJ": "cnpjContratado", "CPF": "cpfContratado",
              "codigoPrestadorNaOperadora": "codigoPrestadorNaOperadora"}
IDENTIFIED = {value: key for key, value in CONTRACTED.items()}


@dataclass(frozen=True)
class Header:
    transaction: str | None
    sequence: str | None
    version: str | None
    sender_kind: str | None        # CNPJ, CPF or codigoPrestadorNaOperadora
    sender_value: str | None
    registro_ans: str | None       # destino
    login: str | None
    password: str | None           # senhaPrestador: the MD5 hex of the password


def read(body) -> Header | None:
    """The request's cabecalho (None when it has none); read before validation, so defensively."""
    header = body.find(f"{Q}cabecalho")
    if header is None:
        return None
    sender = header.find(f"{Q}origem/{Q}identificacaoPrestador")
    kind = value = None
    if sender is not None:
        child = next((c for c in sender if isinstance(c.tag, str)), None)
        if child is not None:
            kind, value = etree.QName(child).localname, (child.text or "").strip()
    return Header(
        transaction=text(header, "identificacaoTransacao/tipoTransacao"),
        sequence=text(header, "identificacaoTransacao/sequencialTransacao"),
        version=text(header, "Padrao"),
        sender_kind=kind,
        sender_value=value,
        registro_ans=text(header, "destino/registroANS"),
        login=text(header, "loginSenhaPrestador/loginPrestador"),
        password=text(header, "loginSenhaPrestador/senhaPrestador"),
    )


def write(parent, request: Header, transaction: str, registro_ans: str, when: datetime | None = None):
    """The answer's cabecalho: from the payer's registroANS to the provider as it named itself."""
    when = when or datetime.now()
    header = sub(parent, "cabecalho")
    ident = sub(header, "identificacaoTransacao")
    sub(ident, "tipoTransacao", transaction)
    sub(ident, "sequencialTransacao", (request.sequence or "1")[:12])
    sub(ident, "dataRegistroTransacao", when.date().isoformat())
    sub(ident, "horaRegistroTransacao", when.strftime("%H:%M:%S"))
    sub(sub(header, "origem"), "registroANS", registro_ans)
    sub(sub(sub(header, "destino"), "identificacaoPrestador"), request.sender_kind, request.sender_value)
    sub(header, "Padrao", request.version)
    return header
