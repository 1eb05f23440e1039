"""One WSDL per service in ANS's naming, importing ANS's own web-service XSD (served with its includes)."""
from __future__ import annotations

import pytest
from lxml import etree

from services.tiss import NS
from services.tiss.ws.catalog import SERVICES

W = "{http://schemas.xmlsoap.org/wsdl/}"
S = "{http://schemas.xmlsoap.org/wsdl/soap/}"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_its_wsdl_in_ans_naming(client, name):
    response = client.get(f"/tiss/ws/{name}?wsdl")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = etree.fromstring(response.data)
    handler = SERVICES[name]
    messages = {m.get("name"): m.find(f"{W}part").get("element") for m in root.findall(f"{W}message")}
    assert messages == {f"{name}_Request": f"ans:{handler.request}", f"{name}_Response": f"ans:{handler.response}",
                        "tissFault": "ans:tissFaultWS"}
    assert root.nsmap["ans"] == NS
    [port_type] = root.findall(f"{W}portType")
    assert port_type.get("name") == f"{name}_PortType"
    assert port_type.find(f"{W}operation").get("name") == f"{name}_Operation"
    binding = root.find(f"{W}binding")
    assert binding.get("name") == f"{name}_Binding"
    assert binding.find(f"{S}binding").get("style") == "document"
    assert binding.find(f"{W}operation/{W}input/{S}body").get("use") == "literal"
    address = root.find(f"{W}service/{W}port/{S}address").get("location")
    assert root.find(f"{W}service").get("name") == name and address == f"http://localhost/tiss/ws/{name}"


def test_the_imported_schemas_are_served_without_doctype(client):
    wsdl = etree.fromstring(client.get("/tiss/ws/tissLoteGuias?WSDL").data)
    location = wsdl.find(".//{http://www.w3.org/2001/XMLSchema}import").get("schemaLocation")
    assert location == "schemas/4.01.00/tissWebServicesV4_01_00.xsd"
    assert client.get(f"/tiss/ws/{location}").status_code == 200
    dsig = client.get("/tiss/ws/schemas/4.01.00/xmldsig-core-schema.xsd")
    assert dsig.status_code == 200 and b"<!DOCTYPE" not in dsig.data and b"SignatureType" in dsig.data
    for bad in ("../4.01.00/tissV4_01_00.xsd", "secret_key", "tissV4_01_00.xml", "%2e%2e%2fsecret_key"):
        assert client.get(f"/tiss/ws/schemas/4.01.00/{bad}").status_code == 404
    assert client.get("/tiss/ws/schemas/9.99.99/tissWebServicesV9_99_99.xsd").status_code == 404
    assert client.get("/tiss/ws/tissInexistente?wsdl").status_code == 404
    assert client.get("/tiss/ws/tissLoteGuias").status_code == 200  # a plain note, not the WSDL
