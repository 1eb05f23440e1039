"""Web-service fixtures: the clinic's web-service login, zeep clients built from the served WSDLs."""
from __future__ import annotations

import pytest
from lxml import etree

from models.base import db
from models.enums import Role
from seed import factories as f
from services.tiss import Q
from services.tiss.credentials import issue
from tests.tiss.conftest import ANS, SCHEMAS
from tests.tiss.ws_client import cabecalho, make_client, zeep_value

PASSWORD = "test-ws-password-1"
_clients: dict = {}


@pytest.fixture(scope="session")
def soap_http(app):
    """One test client for every zeep client of the run (zeep parses the WSDL and XSDs once per service)."""
    return app.test_client()


class WebServices:
    """The clinic's hospital system: its login, and a zeep client per service."""

    def __init__(self, clinic, soap_http, login: str):
        self.clinic, self.provider, self.login, self.soap_http = clinic, clinic.provider, login, soap_http

    def client(self, service: str):
        if service not in _clients:
            _clients[service] = make_client(self.soap_http, service, SCHEMAS)
        return _clients[service]

    def sender(self, provider=None) -> dict:
        return {"CNPJ": (provider or self.provider).tax_id}

    def header(self, transaction: str, **overrides) -> dict:
        values = {"login": self.login, "password": PASSWORD, "registro_ans": ANS}
        values.update(overrides)
        sender = values.pop("sender", None) or self.sender()
        return cabecalho(transaction, sender, **values)

    def call(self, service: str, header: dict, **body):
        client = self.client(service)
        operation = getattr(client.service, f"{service}_Operation")
        return operation(cabecalho=header, hash="", **body)

    def send_lot(self, data: bytes, **overrides):
        """A lot file's loteGuias sent through tissLoteGuias."""
        client = self.client("tissLoteGuias")
        lot = etree.fromstring(data).find(f"{Q}prestadorParaOperadora/{Q}loteGuias")
        return self.call("tissLoteGuias", self.header("ENVIO_LOTE_GUIAS", **overrides),
                         loteGuias=zeep_value(client, "ctm_guiaLote", lot))

    def contracted(self, provider=None) -> dict:
        return {"cnpjContratado": (provider or self.provider).tax_id}


@pytest.fixture
def credentialing(make_user):
    return make_user(Role.CREDENTIALING)


@pytest.fixture
def ws(clinic, soap_http, credentialing):
    login = f"CLIN{f.unique_suffix():04d}"
    issue(clinic.provider, login, credentialing, password=PASSWORD)
    db.session.commit()
    for client in _clients.values():
        client.tiss_hash.wrong = None
    return WebServices(clinic, soap_http, login)


@pytest.fixture
def staff(make_user):
    return {"clerk": make_user(Role.CLERK), "supervisor": make_user(Role.SUPERVISOR),
            "supervisor2": make_user(Role.SUPERVISOR)}


def protocol_of(answer) -> int:
    return int(answer.recebimentoLote.protocoloRecebimento.detalheProtocolo.numeroProtocolo)


def lot_of(protocol: int):
    import sqlalchemy as sa

    from models import Lot

    return db.session.scalar(sa.select(Lot).where(Lot.protocol_number == protocol))


def glosa_code(code: str = "1705"):
    import sqlalchemy as sa

    from models import GlosaCode
    from models.rules.glosa_codes import description

    row = db.session.scalar(sa.select(GlosaCode).where(GlosaCode.code == code))
    if row is None:
        row = GlosaCode(code=code, description=description(code))
        db.session.add(row)
        db.session.flush()
    return row


def analyse(lot, clerk, glosa: str = "10.00"):
    """The clerk analyses ``lot``: a 1705 glosa of ``glosa`` on the first item of its first guide."""
    from models.enums import LotStatus
    from services import analysis, lot_flow

    lot_flow.move_lot(lot, LotStatus.IN_ANALYSIS, clerk)
    analysis.start_values(lot)
    item = sorted(lot.guides, key=lambda g: g.number)[0].items[0]
    analysis.add_glosa(item, glosa, glosa_code("1705"), "Valor acima da tabela", clerk)
    analysis.finish(lot, clerk)
    db.session.commit()
    return item
