"""A real SOAP client (zeep, built from the served WSDL) talking to the app through the Flask test client.

The transport validates every answer body against ANS's web-service XSD before zeep reads it,
so each test also proves its answers are schema-valid. The hash plugin stamps the TISS hash on
every request, as a hospital system does.
"""
from __future__ import annotations

from datetime import date, datetime

import requests
from lxml import etree
from requests.structures import CaseInsensitiveDict
from zeep import Client, Plugin, Settings
from zeep.transports import Transport

from services.tiss import NS, Q, hashing, schemas
from services.tiss.credentials import md5_hex
from services.tiss.schemas import ws_file_name

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
VERSION = "4.01.00"


class FlaskTransport(Transport):
    """zeep's transport over ``app.test_client()``; keeps the last answer and checks it against the XSD."""

    def __init__(self, test_client, schema_dirs: str):
        super().__init__()
        self.test_client = test_client
        self.schema_dirs = schema_dirs
        self.last: etree._Element | None = None
        self.last_status: int | None = None

    def load(self, url):
        response = self.test_client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.data

    def post(self, address, message, headers):
        answer = self.test_client.post(address, data=message, headers=dict(headers))
        self.last_status = answer.status_code
        self.last = etree.fromstring(answer.data)
        body = self.last.find(f"{{{SOAP_ENV}}}Body")
        if body is not None and answer.status_code == 200:
            element = body[0]
            schema = schemas.load_schema(VERSION, self.schema_dirs, ws_file_name)
            assert schema.validate(element), schema.error_log
            assert hashing.matching_reading(element) == "utf-8", "the answer's hash"
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.data
        response.headers = CaseInsensitiveDict(answer.headers)
        response.encoding = "utf-8"
        return response


class TissHash(Plugin):
    """Stamps the request element's ``hash`` (MD5 of its leaf texts), unless told to send ``wrong``."""

    def __init__(self):
        self.wrong: str | None = None

    def egress(self, envelope, http_headers, operation, binding_options):
        element = envelope.find(f"{{{SOAP_ENV}}}Body")[0]
        node = element.find(f"{Q}hash")
        node.text = self.wrong or hashing.compute(element)
        return envelope, http_headers


def make_client(test_client, service: str, schema_dirs: str) -> Client:
    transport = FlaskTransport(test_client, schema_dirs)
    plugin = TissHash()
    client = Client(f"http://localhost/tiss/ws/{service}?wsdl", transport=transport, plugins=[plugin],
                    settings=Settings(strict=True))
    client.tiss_hash = plugin
    return client


def cabecalho(transaction: str, sender: dict, *, login: str | None, password: str | None,
              registro_ans: str = "419999", version: str = VERSION, sequence: str = "1") -> dict:
    """A request's cabecalho as zeep takes it; ``sender`` e.g. {"codigoPrestadorNaOperadora": "PRV0002"}."""
    now = datetime.now()
    header = {
        "identificacaoTransacao": {"tipoTransacao": transaction, "sequencialTransacao": sequence,
                                   "dataRegistroTransacao": date.today(), "horaRegistroTransacao": now.time()
                                   .replace(microsecond=0)},
        "origem": {"identificacaoPrestador": sender},
        "destino": {"registroANS": registro_ans},
        "Padrao": version,
    }
    if login is not None:
        header["loginSenhaPrestador"] = {"loginPrestador": login, "senhaPrestador": md5_hex(password or "")}
    return header


def zeep_value(client: Client, type_name: str, element):
    """An lxml element (e.g. a lot file's loteGuias) as the zeep value of ``ans:type_name``."""
    return client.get_type(f"{{{NS}}}{type_name}").parse_xmlelement(element, client.wsdl.types)


def fault_code(fault) -> str:
    """The tissFault of a zeep Fault (its detail holds tissFaultWS)."""
    return fault.detail.find(f".//{Q}tissFault").text
