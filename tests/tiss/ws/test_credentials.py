"""Credentialing issues, rotates and revokes providers' web-service logins; the password is shown once,
stored only as a hash of its MD5 hex; last use is shown; the matrix decides who may do what."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import zeep.exceptions

from models import AuditLog, TissWsCredential
from models.base import db
from models.enums import Role
from services.tiss.credentials import md5_hex
from tests.tiss.conftest import Clinic
from tests.tiss.ws.conftest import WebServices
from tests.tiss.ws_client import cabecalho, fault_code


def shown_password(html: str) -> str:
    return re.search(r"data-password>([^<]+)<", html).group(1)


def ask_status(ws: WebServices, password: str):
    header = cabecalho("SOLIC_STATUS_PROTOCOLO", ws.sender(), login=ws.login, password=password)
    return ws.call("tissSolicitacaoStatusProtocolo", header,
                   solicitacaoStatusProtocolo={"dadosPrestador": ws.contracted(), "numeroProtocolo": "1"})


def refused(ws: WebServices, password: str) -> str:
    with pytest.raises(zeep.exceptions.Fault) as raised:
        ask_status(ws, password)
    return fault_code(raised.value)


def test_issue_rotate_revoke_and_last_use(client, login_as, clinic, soap_http):
    login_as(Role.CREDENTIALING)
    response = client.post("/admin/tiss-ws-login/", data={"provider": str(clinic.provider.id), "login": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = shown_password(html)
    assert md5_hex(password) in html
    credential = db.session.scalar(sa.select(TissWsCredential).where(TissWsCredential.provider_id ==
                                                                     clinic.provider.id))
    assert credential.login == clinic.provider.provider_number
    assert password not in credential.password_hash and md5_hex(password) not in credential.password_hash
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "tiss_ws_credential"))
    assert audit.changes["password_hash"] == "***"

    ws = WebServices(clinic, soap_http, credential.login)
    assert ask_status(ws, password).situacaoProtocolo.mensagemErro.codigoGlosa == "5054"
    db.session.expire_all()
    assert credential.last_used_at is not None
    listing = client.get("/admin/tiss_ws_credential/").get_data(as_text=True)
    assert credential.login in listing and 'data-status="active"' in listing and password not in listing

    again = client.post("/admin/tiss-ws-login/", data={"provider": str(clinic.provider.id), "login": "OTHER"})
    assert "already has a web-service login" in again.get_data(as_text=True)

    rotated = client.post(f"/admin/tiss-ws-login/{credential.id}/rotate")
    new_password = shown_password(rotated.get_data(as_text=True))
    assert new_password != password
    assert refused(ws, password) == "LoginInvalido"
    assert ask_status(ws, new_password).situacaoProtocolo is not None

    assert client.post(f"/admin/tiss-ws-login/{credential.id}/revoke").status_code == 302
    assert refused(ws, new_password) == "LoginInvalido"
    assert 'data-status="revoked"' in client.get("/admin/tiss_ws_credential/").get_data(as_text=True)
    reissued = shown_password(client.post(f"/admin/tiss-ws-login/{credential.id}/rotate").get_data(as_text=True))
    assert ask_status(ws, reissued).situacaoProtocolo is not None


def test_logins_are_unique_and_well_formed(client, login_as, clinic):
    login_as(Role.CREDENTIALING)
    other = Clinic()
    db.session.commit()
    assert client.post("/admin/tiss-ws-login/", data={"provider": str(clinic.provider.id), "login": "HOSP-1"}
                       ).status_code == 200
    taken = client.post("/admin/tiss-ws-login/", data={"provider": str(other.provider.id), "login": "HOSP-1"})
    assert "already used by another provider" in taken.get_data(as_text=True)
    bad = client.post("/admin/tiss-ws-login/", data={"provider": str(other.provider.id), "login": "a b<"})
    assert "letters, digits" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TissWsCredential)) == 1


def test_who_may_see_and_manage_logins(app, make_user, login, ws, clinic):
    credential = db.session.scalar(sa.select(TissWsCredential).where(TissWsCredential.login == ws.login))
    other = Clinic()
    db.session.commit()

    def client_of(role, providers=()):
        test_client = app.test_client()
        test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return login(make_user(role, providers=providers), test_client)

    clerk = client_of(Role.CLERK)
    assert clerk.get("/admin/tiss_ws_credential/").status_code == 200
    assert clerk.get("/admin/tiss-ws-login/").status_code == 403
    assert clerk.post(f"/admin/tiss-ws-login/{credential.id}/rotate").status_code == 403
    assert clerk.post(f"/admin/tiss-ws-login/{credential.id}/revoke").status_code == 403
    owner = client_of(Role.PROVIDER, [clinic.provider])
    own = owner.get("/admin/tiss_ws_credential/").get_data(as_text=True)
    assert ws.login in own and 'data-action="rotate"' not in own
    stranger = client_of(Role.PROVIDER, [other.provider])
    assert ws.login not in stranger.get("/admin/tiss_ws_credential/").get_data(as_text=True)
    assert stranger.get(f"/admin/tiss_ws_credential/details/?id={credential.id}").status_code == 404
    assert stranger.post(f"/admin/tiss-ws-login/{credential.id}/rotate").status_code == 403
    db.session.expire_all()
    assert credential.rotated_at is None and credential.revoked_at is None
