"""SOAP 1.1 envelopes in and out, and the ``tissFaultWS`` fault.

A request is parsed with the same guards as an uploaded file (``xmlsafe.parse_document``:
size first, no DTD or entities, UTF-8/ISO-8859-1); its Body must hold exactly the one
element the service receives. Faults are SOAP 1.1 Faults (HTTP 500) whose ``detail``
holds ``tissFaultWS/tissFault`` with ANS's code.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from lxml import etree

from services.tiss import NS, Q, xmlsafe
from services.tiss.errors import TissRefused

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
E = "{%s}" % SOAP_ENV
CONTENT_TYPE = "text/xml; charset=utf-8"

# st_tissFault
SCHEMA_INVALID = "SchemaInvalido"
VERSION_INVALID = "VersaoInvalida"
RECIPIENT_INVALID = "DestinatarioInvalido"
SENDER_INVALID = "RemetenteInvalido"
LOGIN_INVALID = "LoginInvalido"
HASH_INVALID = "HashInvalido"
SERVER_ERROR = "ErroInesperadoServidor"


class Fault(Exception):
    """A tissFaultWS answer: ``code`` is ANS's st_tissFault, ``message`` the faultstring."""

    def __init__(self, code: str, message: str, *, soap_code: str | None = None, status: int = 500,
                 headers: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.headers = code, message, status, headers or {}
        self.soap_code = soap_code or ("Server" if code == SERVER_ERROR else "Client")


@dataclass
class Request:
    envelope: etree._Element
    body: etree._Element          # the one element of soap:Body


def parse(data: bytes, max_bytes: int, expected: str) -> Request:
    """The envelope and its body element ``{TISS}expected``, or a Fault (SchemaInvalido)."""
    try:
        root = xmlsafe.parse_document(data, max_bytes)
    except TissRefused as refused:
        raise Fault(SCHEMA_INVALID, refused.error.message) from refused
    if root.tag == "{%s}Envelope" % SOAP12_ENV:
        raise Fault(SCHEMA_INVALID, _("Only SOAP 1.1 envelopes are accepted."), soap_code="VersionMismatch")
    if root.tag != f"{E}Envelope":
        raise Fault(SCHEMA_INVALID, _("The message is not a SOAP 1.1 envelope."))
    header = root.find(f"{E}Header")
    if header is not None:
        for block in header:
            if isinstance(block.tag, str) and block.get(f"{E}mustUnderstand") in ("1", "true"):
                raise Fault(SCHEMA_INVALID, _("Header %(name)s is not understood here.",
                                              name=etree.QName(block).localname), soap_code="MustUnderstand")
    body = root.find(f"{E}Body")
    children = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if len(children) != 1:
        raise Fault(SCHEMA_INVALID, _("The SOAP Body must hold exactly one element."))
    if children[0].tag != f"{Q}{expected}":
        raise Fault(SCHEMA_INVALID, _("This service receives %(expected)s, not %(found)s.", expected=expected,
                                      found=etree.QName(children[0]).localname))
    return Request(root, children[0])


def envelope(body_element) -> bytes:
    """A SOAP 1.1 envelope around ``body_element`` (UTF-8)."""
    root = etree.Element(f"{E}Envelope", nsmap={"soapenv": SOAP_ENV, "ans": NS})
    etree.SubElement(root, f"{E}Body").append(body_element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fault_envelope(fault: Fault) -> bytes:
    root = etree.Element(f"{E}Envelope", nsmap={"soapenv": SOAP_ENV})
    node = etree.SubElement(etree.SubElement(root, f"{E}Body"), f"{E}Fault")
    etree.SubElement(node, "faultcode").text = f"soapenv:{fault.soap_code}"
    etree.SubElement(node, "faultstring").text = fault.message
    detail = etree.SubElement(node, "detail")
    tiss = etree.SubElement(detail, f"{Q}tissFaultWS", nsmap={"ans": NS})
    etree.SubElement(tiss, f"{Q}tissFault").text = fault.code
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
