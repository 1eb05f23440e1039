"""Faults: each transport-level problem gives its ANS fault (SOAP 1.1 Fault, HTTP 500), through zeep and
through raw envelopes; limits; nothing half-written."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
import zeep.exceptions
from lxml import etree

from models import AuditLog, Lot, TissSubmission
from models.base import db
from services.tiss import Q, hashing, schemas
from services.tiss.credentials import revoke
from services.tiss.schemas import ws_file_name
from tests.tiss.conftest import SCHEMAS, Clinic
from tests.tiss.ws.conftest import PASSWORD
from tests.tiss.ws_client import SOAP_ENV, fault_code


def fault_of(call) -> tuple[str, str]:
    with pytest.raises(zeep.exceptions.Fault) as raised:
        call()
    return fault_code(raised.value), raised.value.message


def status_request(ws, protocol="1", **header):
    return lambda: ws.call("tissSolicitacaoStatusProtocolo", ws.header("SOLIC_STATUS_PROTOCOLO", **header),
                           solicitacaoStatusProtocolo={"dadosPrestador": ws.contracted(), "numeroProtocolo": protocol})


def raw_status(ws, **header) -> etree._Element:
    """The envelope zeep would send for a status request (hash stamped), as lxml, to be broken by a test."""
    client = ws.client("tissSolicitacaoStatusProtocolo")
    envelope = client.create_message(client.service, "tissSolicitacaoStatusProtocolo_Operation",
                                      cabecalho=ws.header("SOLIC_STATUS_PROTOCOLO", **header), hash="",
                                      solicitacaoStatusProtocolo={"dadosPrestador": ws.contracted(),
                                                                  "numeroProtocolo": "1"})
    stamp(envelope)
    return envelope


def stamp(envelope) -> None:
    body = envelope.find(f"{{{SOAP_ENV}}}Body")[0]
    hashing.stamp(body)


def post(client, service: str, data: bytes, **headers):
    """POST a raw envelope; (response, its soap:Fault or None, its tissFault) — a fault's detail is checked
    against the XSD (tissFaultWS)."""
    response = client.post(f"/tiss/ws/{service}", data=data, content_type="text/xml; charset=utf-8", headers=headers)
    root = etree.fromstring(response.data)
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    code = None
    if fault is not None:
        detail = fault.find(f"detail/{Q}tissFaultWS")
        schema = schemas.load_schema("4.01.00", SCHEMAS, ws_file_name)
        assert schema.validate(detail), schema.error_log
        code = detail.find(f"{Q}tissFault").text
    return response, fault, code


def history(ws) -> list[TissSubmission]:
    return db.session.scalars(sa.select(TissSubmission).where(TissSubmission.provider_id == ws.provider.id)
                              .order_by(TissSubmission.id)).all()


def test_wrong_login_password_or_revoked_login_is_login_invalido(ws):
    assert fault_of(status_request(ws, login="nobody"))[0] == "LoginInvalido"
    assert fault_of(status_request(ws, password="not-the-password"))[0] == "LoginInvalido"
    assert fault_of(status_request(ws, login=None))[0] == "LoginInvalido"
    other = Clinic()
    db.session.commit()
    assert fault_of(status_request(ws, sender={"CNPJ": other.provider.tax_id}))[0] == "LoginInvalido"
    assert ws.client("tissSolicitacaoStatusProtocolo").transport.last_status == 500
    assert history(ws) == []   # the caller is not known: audited only
    events = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "tiss_ws")).all()
    assert len(events) == 4 and {e.changes["fault"] for e in events} == {"LoginInvalido"}
    from models import TissWsCredential

    credential = db.session.scalar(sa.select(TissWsCredential).where(TissWsCredential.login == ws.login))
    revoke(credential, db.session.get(type(credential.issued_by), credential.issued_by_id))
    db.session.commit()
    assert fault_of(status_request(ws))[0] == "LoginInvalido"


def test_unknown_sender_is_remetente_invalido(ws):
    assert fault_of(status_request(ws, sender={"CNPJ": "11222333000181"}))[0] == "RemetenteInvalido"


def test_wrong_hash_is_hash_invalido_and_kept_in_the_history(ws):
    client = ws.client("tissSolicitacaoStatusProtocolo")
    client.tiss_hash.wrong = "0" * 32
    assert fault_of(status_request(ws))[0] == "HashInvalido"
    ws.client("tissLoteGuias").tiss_hash.wrong = "f" * 32
    assert fault_of(lambda: ws.send_lot(ws.clinic.lot_file()))[0] == "HashInvalido"
    rows = history(ws)
    assert [(r.service, r.accepted, r.errors[0]["code"]) for r in rows] == [
        ("tissSolicitacaoStatusProtocolo", False, "5014"), ("tissLoteGuias", False, "5014")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lot).where(Lot.provider_id == ws.provider.id)) == 0


def test_wrong_registro_ans_is_destinatario_invalido(ws):
    assert fault_of(status_request(ws, registro_ans="123456"))[0] == "DestinatarioInvalido"
    assert fault_of(lambda: ws.send_lot(ws.clinic.lot_file(), registro_ans="123456"))[0] == "DestinatarioInvalido"
    assert [r.errors[0]["code"] for r in history(ws)] == ["5006", "5006"]


def test_an_unsupported_padrao_is_versao_invalida(ws, client):
    assert fault_of(status_request(ws, version="4.00.00"))[0] == "VersaoInvalida"
    envelope = raw_status(ws)
    envelope.find(f".//{Q}Padrao").text = "3.05.00"
    stamp(envelope)
    assert post(client, "tissSolicitacaoStatusProtocolo", etree.tostring(envelope))[2] == "VersaoInvalida"
    event = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "tiss_ws")).all()[-1]
    assert event.changes["fault"] == "VersaoInvalida" and event.changes["login"] == ws.login


def test_a_schema_invalid_body_is_schema_invalido(ws, client):
    envelope = raw_status(ws)
    request = envelope.find(f"{{{SOAP_ENV}}}Body")[0]
    number = request.find(f"{Q}solicitacaoStatusProtocolo/{Q}numeroProtocolo")
    number.getparent().remove(number)
    stamp(envelope)
    response, fault, code = post(client, "tissSolicitacaoStatusProtocolo", etree.tostring(envelope))
    assert response.status_code == 500 and code == "SchemaInvalido"
    assert "numeroProtocolo" in fault.findtext("faultstring")
    assert fault.findtext("faultcode").endswith("Client")

    envelope = raw_status(ws)
    envelope.find(f"{{{SOAP_ENV}}}Body")[0].find(f"{Q}cabecalho/{Q}identificacaoTransacao/{Q}tipoTransacao").text \
        = "ENVIO_LOTE_GUIAS"
    stamp(envelope)
    assert post(client, "tissSolicitacaoStatusProtocolo", etree.tostring(envelope))[2] == "SchemaInvalido"
    assert post(client, "tissLoteGuias", etree.tostring(raw_status(ws)))[2] == "SchemaInvalido"


def test_a_lot_with_a_schema_error_is_schema_invalido(ws):
    data = ws.clinic.lot_file(count=1)
    root = etree.fromstring(data)
    root.find(f".//{Q}guiaSP-SADT/{Q}dadosBeneficiario/{Q}atendimentoRN").text = "X"
    code, message = fault_of(lambda: ws.send_lot(etree.tostring(root)))
    assert code == "SchemaInvalido" and "/loteGuiasWS/loteGuias/guiasTISS" in message


def test_malformed_dtd_entities_and_oversized_envelopes(ws, client, app):
    assert post(client, "tissSolicitacaoStatusProtocolo", b"<soapenv:Envelope")[2] == "SchemaInvalido"
    assert post(client, "tissSolicitacaoStatusProtocolo", b"not xml at all")[2] == "SchemaInvalido"
    envelope = raw_status(ws)
    envelope.find(f".//{Q}numeroProtocolo").text = "XXE-HERE"
    good = etree.tostring(envelope, encoding="unicode")
    assert "XXE-HERE" in good
    xxe = ('<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           + good.replace("XXE-HERE", "&xxe;"))
    response, fault, code = post(client, "tissSolicitacaoStatusProtocolo", xxe.encode())
    assert code == "SchemaInvalido" and "root:" not in response.get_data(as_text=True)
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol2;'
            '</soapenv:Body></soapenv:Envelope>')
    assert post(client, "tissSolicitacaoStatusProtocolo", bomb.encode())[2] == "SchemaInvalido"
    previous = app.config["TISS_MAX_XML_BYTES"]
    app.config["TISS_MAX_XML_BYTES"] = 2000
    try:
        envelope = raw_status(ws)
        envelope.append(etree.Comment("x" * 3000))
        big = etree.tostring(envelope)
        response, fault, code = post(client, "tissSolicitacaoStatusProtocolo", big)
        assert code == "SchemaInvalido" and "2000" in fault.findtext("faultstring")
    finally:
        app.config["TISS_MAX_XML_BYTES"] = previous
    assert history(ws) == []


def test_soap_envelope_rules(ws, client):
    soap12 = etree.tostring(raw_status(ws)).replace(SOAP_ENV.encode(), b"http://www.w3.org/2003/05/soap-envelope")
    response, fault, code = post(client, "tissSolicitacaoStatusProtocolo", soap12)
    assert fault.findtext("faultcode").endswith("VersionMismatch") and code == "SchemaInvalido"
    envelope = raw_status(ws)
    header = etree.Element(f"{{{SOAP_ENV}}}Header")
    etree.SubElement(header, "{urn:x}Security", {f"{{{SOAP_ENV}}}mustUnderstand": "1"})
    envelope.insert(0, header)
    response, fault, code = post(client, "tissSolicitacaoStatusProtocolo", etree.tostring(envelope))
    assert fault.findtext("faultcode").endswith("MustUnderstand")
    envelope = raw_status(ws)
    envelope.find(f"{{{SOAP_ENV}}}Body").append(etree.Element(f"{Q}extra"))
    assert post(client, "tissSolicitacaoStatusProtocolo", etree.tostring(envelope))[2] == "SchemaInvalido"
    assert client.post("/tiss/ws/tissNada", data=b"<x/>").status_code == 404


def test_an_unexpected_error_is_a_server_fault_and_writes_nothing(ws, monkeypatch):
    from services.tiss.ws import catalog

    def broken(call):
        db.session.add(TissSubmission(provider_id=ws.provider.id, filename="half", size=0, sha256="x",
                                      stored_name="half-written", accepted=True))
        db.session.flush()
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog.SERVICES["tissSolicitacaoStatusProtocolo"], "answer", broken)
    code, message = fault_of(status_request(ws))
    assert code == "ErroInesperadoServidor" and "boom" not in message
    rows = history(ws)
    assert [(r.filename, r.accepted, r.errors[0]["fault"]) for r in rows] == [
        ("tissSolicitacaoStatusProtocolo.xml", False, "ErroInesperadoServidor")]


def test_per_provider_rate_limit(ws, app):
    previous = app.config["TISS_WS_RATE_LIMIT"]
    app.config["TISS_WS_RATE_LIMIT"] = "2 per minute"
    try:
        status_request(ws, protocol="7")()
        status_request(ws, protocol="7")()
        code, message = fault_of(status_request(ws, protocol="7"))
        client = ws.client("tissSolicitacaoStatusProtocolo")
        assert code == "ErroInesperadoServidor" and client.transport.last_status == 429
    finally:
        app.config["TISS_WS_RATE_LIMIT"] = previous


def test_per_provider_rate_limit_on_redis(ws, app, monkeypatch):
    """The same limit kept in Redis (database 5, or TEST_LIMITS_REDIS_URL), as production keeps it."""
    from limits.storage import RedisStorage

    from extensions import limiter

    try:
        storage = RedisStorage(os.environ.get("TEST_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/5"))
        storage.reset()
    except Exception as exc:  # pragma: no cover - Redis is part of the environment
        pytest.skip(f"Redis unavailable: {exc}")
    monkeypatch.setattr(limiter, "_storage", storage)
    monkeypatch.setitem(app.config, "TISS_WS_RATE_LIMIT", "1 per minute")
    status_request(ws, protocol="7")()
    assert fault_of(status_request(ws, protocol="7"))[0] == "ErroInesperadoServidor"
    assert any(key.startswith(b"LIMITS") or b"tiss-ws" in key for key in storage.storage.keys("*"))
    storage.reset()


def test_failed_calls_are_limited_per_address(ws, app, client):
    previous = app.config["TISS_WS_FAILURE_LIMIT"]
    app.config["TISS_WS_FAILURE_LIMIT"] = "2 per minute"
    try:
        for _ in range(2):
            assert post(client, "tissSolicitacaoStatusProtocolo", b"junk")[0].status_code == 500
        response, fault, code = post(client, "tissSolicitacaoStatusProtocolo", etree.tostring(raw_status(ws)))
        assert response.status_code == 429 and code == "ErroInesperadoServidor"
        assert response.headers["Retry-After"]
    finally:
        app.config["TISS_WS_FAILURE_LIMIT"] = previous


def test_the_password_is_never_accepted_in_clear(ws):
    """senhaPrestador carries the MD5 hex of the password, not the password."""
    from tests.tiss.ws_client import cabecalho

    header = cabecalho("SOLIC_STATUS_PROTOCOLO", ws.sender(), login=ws.login, password=PASSWORD)
    header["loginSenhaPrestador"]["senhaPrestador"] = PASSWORD
    assert fault_of(lambda: ws.call("tissSolicitacaoStatusProtocolo", header, solicitacaoStatusProtocolo={
        "dadosPrestador": ws.contracted(), "numeroProtocolo": "1"}))[0] == "LoginInvalido"


def test_the_endpoint_is_exempt_from_csrf_and_ignores_browser_sessions(ws, app, client, login_as, monkeypatch):
    from models.enums import Role

    login_as(Role.ADMIN)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/admin/tiss-ws-login/", data={"provider": "1"}).status_code == 400   # forms do check
    response, fault, code = post(client, "tissSolicitacaoStatusProtocolo", etree.tostring(raw_status(ws)))
    assert response.status_code == 200 and fault is None
    [row] = history(ws)
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "tiss_submission",
                                                        AuditLog.entity_id == row.id))
    assert audit.actor_label == f"tiss-ws:{ws.login}" and audit.actor_id is None
    response, fault, code = post(client, "tissSolicitacaoStatusProtocolo",
                                 etree.tostring(raw_status(ws, password="wrong")))
    assert code == "LoginInvalido"   # a staff session authorises nothing here
