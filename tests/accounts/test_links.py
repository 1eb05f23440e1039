""""Vincular con Cliente/Proveedor": a link only when tax id and provider number both match;
staff approve or reject through the workflow; auto-approval by setting; the provider switcher."""
from sqlalchemy import select

from models import AuditLog, PayerSettings, UserProvider
from models.base import db
from models.enums import LinkKind, LinkStatus, Role
from seed import factories as f
from tests.accounts.conftest import body_of, mails_to


def _request(client, tax_id, number, kind="supplier"):
    return client.post("/admin/my-links/", data={"kind": kind, "tax_id": tax_id, "provider_number": number})


def _provider():
    provider = f.make_provider("Marta Beatriz Cuidadora", tax_id="20267565393", provider_number="AR-000101",
                               address="Calle 7 Nº 1234", city="La Plata")
    db.session.commit()
    return provider


def test_new_provider_user_is_pointed_to_the_link_page(client, login_as):
    login_as(Role.PROVIDER)
    assert 'id="link-provider-cta"' in client.get("/admin/").get_data(as_text=True)
    html = client.get("/admin/my-links/").get_data(as_text=True)
    for name in ("kind", "tax_id", "provider_number"):
        assert f'name="{name}"' in html


def test_wrong_provider_number_creates_nothing(client, login_as):
    user = login_as(Role.PROVIDER)
    _provider()
    response = _request(client, "20-26756539-3", "AR-000999")
    assert response.status_code == 200
    assert "No registered provider matches" in response.get_data(as_text=True)
    assert db.session.scalars(select(UserProvider).where(UserProvider.user_id == user.id)).all() == []
    refused = db.session.scalars(select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == user.id))
    assert any(r.changes and r.changes.get("event") == "link_refused" for r in refused)


def test_right_tax_id_with_another_providers_number_is_refused(client, login_as):
    login_as(Role.PROVIDER)
    _provider()
    other = f.make_provider("Otra", provider_number="AR-000555")
    db.session.commit()
    assert "No registered provider matches" in _request(client, "20267565393", other.provider_number).get_data(
        as_text=True)


def test_matching_request_waits_for_approval_then_staff_approve(app, client, login_as, make_user, login, outbox):
    user = login_as(Role.PROVIDER, locale="en")
    provider = _provider()
    response = _request(client, "20-26756539-3", "ar-000101", kind="client")
    assert response.status_code == 302
    link = db.session.scalar(select(UserProvider).where(UserProvider.user_id == user.id))
    assert link.status == LinkStatus.PENDING and link.kind == LinkKind.CLIENT and link.provider_id == provider.id
    assert user.linked_provider_ids == []
    html = client.get("/admin/my-links/").get_data(as_text=True)
    assert 'data-provider-number="AR-000101" data-status="pending"' in html
    assert "already asked" in _request(client, "20267565393", "AR-000101").get_data(as_text=True)

    staff_client = app.test_client()
    staff_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(make_user(Role.CREDENTIALING), staff_client)
    assert 'id="approve-link"' in staff_client.get(f"/admin/user_provider/details/?id={link.id}").get_data(
        as_text=True)
    assert staff_client.post("/admin/user_provider/decide/", data={"id": link.id, "decision": "approve"}
                             ).status_code == 302
    db.session.expire_all()
    assert link.status == LinkStatus.APPROVED and link.decided_by_id is not None
    assert user.linked_provider_ids == [provider.id] and user.active_provider_id == provider.id
    [mail] = mails_to(outbox, user.email)
    assert "approved" in mail["Subject"]
    transitions = db.session.scalars(select(AuditLog).where(AuditLog.entity == "user_provider",
                                                            AuditLog.entity_id == link.id))
    assert any(r.action.value == "transition" for r in transitions)


def test_reject_needs_a_reason(app, client, login_as, make_user, login, outbox):
    user = login_as(Role.PROVIDER)
    _provider()
    _request(client, "20267565393", "AR-000101")
    link = db.session.scalar(select(UserProvider).where(UserProvider.user_id == user.id))
    staff_client = login(make_user(Role.CREDENTIALING), app.test_client())
    staff_client.post("/admin/user_provider/decide/", data={"id": link.id, "decision": "reject"})
    db.session.expire_all()
    assert link.status == LinkStatus.PENDING
    staff_client.post("/admin/user_provider/decide/", data={"id": link.id, "decision": "reject",
                                                             "reason": "No trabaja para este prestador"})
    db.session.expire_all()
    assert link.status == LinkStatus.REJECTED
    assert "No trabaja para este prestador" in body_of(mails_to(outbox, user.email)[0])
    assert "rejected" in _request(client, "20267565393", "AR-000101").get_data(as_text=True)


def test_provider_users_cannot_decide_links(client, login_as, make_user):
    provider = _provider()
    other = make_user(Role.PROVIDER)
    link = f.link(other, provider, status=LinkStatus.PENDING)
    db.session.commit()
    login_as(Role.PROVIDER, providers=[provider])
    client.post("/admin/user_provider/decide/", data={"id": link.id, "decision": "approve"})
    db.session.expire_all()
    assert link.status == LinkStatus.PENDING


def test_auto_approve_setting_and_the_switcher(client, login_as):
    first = f.make_provider("Primero SRL", provider_number="AR-000201")
    db.session.add(PayerSettings(name="Obra Social Test", auto_approve_links=True))
    db.session.commit()
    user = login_as(Role.PROVIDER, providers=[first])
    second = _provider()
    assert _request(client, "20267565393", "AR-000101").status_code == 302
    db.session.expire_all()
    assert sorted(user.linked_provider_ids) == sorted([first.id, second.id])
    html = client.get("/admin/").get_data(as_text=True)
    assert 'id="provider-switcher"' in html
    assert client.post("/switch-provider", data={"provider_id": second.id}).status_code == 302
    db.session.expire_all()
    assert user.current_provider_id == second.id
