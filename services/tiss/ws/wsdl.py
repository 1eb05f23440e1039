"""One WSDL per service, generated from the catalog in ANS's naming.

The types are ANS's own: the WSDL imports ``tissWebServicesV<version>.xsd`` (served next to it,
with the files it includes), so clients validate against the official schema.
"""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from services.tiss import NS, schemas
from services.tiss.schemas import ws_file_name
from services.tiss.ws.catalog import SERVICES
from services.tiss.xmlsafe import new_parser

WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"
HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"


def target_namespace(name: str, version: str) -> str:
    return f"http://www.ans.gov.br/tiss/ws/tipos/{name.lower()}/v{version.replace('.', '')}"


@lru_cache(maxsize=64)
def wsdl(name: str, version: str, address: str, schema_location: str) -> bytes:
    """The WSDL of service ``name`` for TISS ``version``, served at ``address``; ``schema_location``
    (relative to the WSDL's URL) is where the web-service XSD is served."""
    handler = SERVICES[name]
    tns = target_namespace(name, version)
    w, s, x = (lambda tag: f"{{{WSDL}}}{tag}"), (lambda tag: f"{{{SOAP}}}{tag}"), (lambda tag: f"{{{XSD}}}{tag}")
    root = etree.Element(w("definitions"), name=name, targetNamespace=tns,
                         nsmap={"wsdl": WSDL, "soap": SOAP, "xsd": XSD, "ans": NS, "tns": tns})
    documentation = etree.SubElement(root, w("documentation"))
    documentation.text = f"TISS {version} - {name}: {handler.request} -> {handler.response}"
    types = etree.SubElement(root, w("types"))
    schema = etree.SubElement(types, x("schema"), targetNamespace=tns, elementFormDefault="qualified")
    etree.SubElement(schema, x("import"), namespace=NS, schemaLocation=f"{schema_location}/{ws_file_name(version)}")

    for message, part, element in ((f"{name}_Request", handler.request, handler.request),
                                   (f"{name}_Response", handler.response, handler.response),
                                   ("tissFault", "tissFaultWS", "tissFaultWS")):
        node = etree.SubElement(root, w("message"), name=message)
        etree.SubElement(node, w("part"), name=part, element=f"ans:{element}")

    port_type = etree.SubElement(root, w("portType"), name=f"{name}_PortType")
    operation = etree.SubElement(port_type, w("operation"), name=f"{name}_Operation")
    etree.SubElement(operation, w("input"), message=f"tns:{name}_Request")
    etree.SubElement(operation, w("output"), message=f"tns:{name}_Response")
    etree.SubElement(operation, w("fault"), name="tissFault", message="tns:tissFault")

    binding = etree.SubElement(root, w("binding"), name=f"{name}_Binding", type=f"tns:{name}_PortType")
    etree.SubElement(binding, s("binding"), style="document", transport=HTTP_TRANSPORT)
    operation = etree.SubElement(binding, w("operation"), name=f"{name}_Operation")
    etree.SubElement(operation, s("operation"), soapAction="", style="document")
    for direction in ("input", "output"):
        etree.SubElement(etree.SubElement(operation, w(direction)), s("body"), use="literal")
    fault = etree.SubElement(operation, w("fault"), name="tissFault")
    etree.SubElement(fault, s("fault"), name="tissFault", use="literal")

    service = etree.SubElement(root, w("service"), name=name)
    port = etree.SubElement(service, w("port"), name=f"{name}_Port", binding=f"tns:{name}_Binding")
    etree.SubElement(port, s("address"), location=address)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


_SCHEMA_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.xsd$")


def schema_file(version: str, file_name: str) -> bytes | None:
    """An XSD of ``version``'s folder (the one holding its web-service XSD), as clients get it: any
    document type declaration dropped (xmldsig's only declares entities it never uses, which strict
    clients refuse). None for a name that is not an XSD of that folder."""
    if not _SCHEMA_NAME.match(file_name or ""):
        return None
    found = schemas.schema_path(version, None, ws_file_name)
    path = found.parent / file_name if found else None
    if path is None or not path.is_file():
        return None
    return _served(str(path.resolve()))


_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>", re.S)


@lru_cache(maxsize=32)
def _served(path: str) -> bytes:
    with open(path, "rb") as handle:
        data = _DOCTYPE.sub(b"", handle.read(), count=1)
    root = etree.fromstring(data, new_parser())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
