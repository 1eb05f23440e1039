"""Account boundaries: credentialing manages provider users only, administrators staff accounts; nobody
changes their own role or deactivates themselves; the last active administrator stays one. Every door
that writes a role or the enabled flag is covered (account actions, Flask-Admin create/edit/ajax, any flush)."""
import threading
import time

import pytest
from flask_login import login_user
from sqlalchemy import delete, select

from models import AuditLog, User
from models.base import db, utcnow
from models.enums import Role
from seed import factories as f
from services import accounts
from services.accounts import AccountForbidden
from tests.accounts.conftest import mails_to
from tests.conftest import TEST_PASSWORD


def _reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def _flashes(client) -> str:
    return client.get("/admin/").get_data(as_text=True)


def test_credentialing_cannot_deactivate_the_administrator(client, staff, make_user):
    admin = make_user(Role.ADMIN)
    staff(Role.CREDENTIALING)
    response = client.post("/admin/user/account/", data={"id": admin.id, "do": "deactivate", "reason": "x"})
    assert response.status_code == 302
    assert "Only administrators create or change staff accounts." in _flashes(client)
    assert _reload(admin).is_enabled
    assert not db.session.scalars(select(AuditLog).where(AuditLog.entity == "user", AuditLog.entity_id == admin.id,
                                                         AuditLog.action == "update")).all()


@pytest.mark.parametrize("role", [Role.CLERK, Role.SUPERVISOR, Role.CREDENTIALING])
@pytest.mark.parametrize("what", ["reset", "resend", "deactivate"])
def test_credentialing_leaves_staff_accounts_alone(client, staff, make_user, outbox, role, what):
    target = make_user(role)
    if what == "resend":
        target.activated_at = None
        db.session.commit()
    staff(Role.CREDENTIALING)
    client.post("/admin/user/account/", data={"id": target.id, "do": what})
    assert _reload(target).is_enabled and not mails_to(outbox, target.email)
    details = client.get(f"/admin/user/details/?id={target.id}").get_data(as_text=True)
    assert 'id="account-actions"' not in details


def test_credentialing_still_manages_provider_users(client, staff, make_user):
    provider_user = make_user(Role.PROVIDER)
    staff(Role.CREDENTIALING)
    assert 'id="account-actions"' in client.get(f"/admin/user/details/?id={provider_user.id}").get_data(as_text=True)
    client.post("/admin/user/account/", data={"id": provider_user.id, "do": "deactivate"})
    assert not _reload(provider_user).is_enabled


def test_credentialing_cannot_open_or_save_a_staff_account_in_the_editor(client, staff, make_user):
    admin = make_user(Role.ADMIN)
    staff(Role.CREDENTIALING)
    assert client.get(f"/admin/user/edit/?id={admin.id}").status_code == 403
    # Today's hole: "demoting" the administrator to a provider user kept the form's provider role.
    response = client.post(f"/admin/user/edit/?id={admin.id}", data={
        "email": admin.email, "name": "Demoted", "role": "provider", "locale": "en"})
    assert response.status_code in (200, 403)
    assert _reload(admin).role == Role.ADMIN and _reload(admin).name != "Demoted"


def test_credentialing_cannot_promote_a_provider_user(client, staff, make_user):
    provider_user = make_user(Role.PROVIDER)
    staff(Role.CREDENTIALING)
    html = client.post(f"/admin/user/edit/?id={provider_user.id}", data={
        "email": provider_user.email, "name": provider_user.name, "role": "admin", "locale": "en",
    }, follow_redirects=True).get_data(as_text=True)
    assert "Only administrators create or change staff accounts." in html
    assert _reload(provider_user).role == Role.PROVIDER
    # Editing what a provider user's account is made of stays allowed.
    client.post(f"/admin/user/edit/?id={provider_user.id}", data={
        "email": provider_user.email, "name": "Nombre Nuevo", "role": "provider", "locale": "pt_BR"})
    assert _reload(provider_user).name == "Nombre Nuevo"


def test_the_admin_manages_staff_but_not_its_own_role_or_account(client, staff, make_user):
    clerk = make_user(Role.CLERK)
    admin = staff(Role.ADMIN)
    client.post(f"/admin/user/edit/?id={clerk.id}", data={
        "email": clerk.email, "name": clerk.name, "role": "supervisor", "locale": "en"})
    assert _reload(clerk).role == Role.SUPERVISOR
    client.post("/admin/user/new/", data={"email": "nueva@payer.example", "name": "Nueva", "role": "clerk",
                                          "locale": "es_AR"})
    assert db.session.scalar(select(User).where(User.email == "nueva@payer.example")).role == Role.CLERK

    html = client.post(f"/admin/user/edit/?id={admin.id}", data={
        "email": admin.email, "name": admin.name, "role": "clerk", "locale": "en",
    }, follow_redirects=True).get_data(as_text=True)
    assert "You cannot change your own role." in html and _reload(admin).role == Role.ADMIN
    client.post("/admin/user/account/", data={"id": admin.id, "do": "deactivate"})
    assert "You cannot deactivate your own account." in _flashes(client) and _reload(admin).is_enabled


def test_an_administrator_can_retire_another_but_never_the_last(app, client, staff, make_user):
    other = make_user(Role.ADMIN)
    staff(Role.ADMIN)
    client.post("/admin/user/account/", data={"id": other.id, "do": "deactivate"})
    assert not _reload(other).is_enabled
    client.post("/admin/user/account/", data={"id": other.id, "do": "reactivate"})
    client.post(f"/admin/user/edit/?id={other.id}", data={
        "email": other.email, "name": other.name, "role": "supervisor", "locale": "en"})
    assert _reload(other).role == Role.SUPERVISOR


def test_the_last_active_administrator_cannot_be_deactivated_or_demoted(app, make_user):
    only = make_user(Role.ADMIN)
    pending = f.make_user(f"pend{f.unique_suffix()}@test.example", Role.ADMIN, password=None)
    pending.activated_at = None  # invited, never activated: not an administrator anyone can rely on
    db.session.commit()
    with pytest.raises(AccountForbidden) as refused:
        accounts.set_enabled(None, only, False)  # the system (CLI, jobs) is bound too
    assert refused.value.code == "last_admin" and refused.value.status == 403
    db.session.rollback()
    only = _reload(only)
    only.role = Role.CLERK  # any other door: the flush refuses
    with pytest.raises(AccountForbidden):
        db.session.flush()
    db.session.rollback()

    second = make_user(Role.ADMIN)
    accounts.set_enabled(None, _reload(only), False)  # with another active administrator it is fine
    db.session.commit()
    with pytest.raises(AccountForbidden):
        accounts.set_enabled(None, _reload(second), False)


def test_any_other_door_is_guarded_at_flush(app, make_user):
    admin = make_user(Role.ADMIN)
    make_user(Role.ADMIN)
    credentialing = make_user(Role.CREDENTIALING)
    with app.test_request_context():
        login_user(credentialing)
        admin.is_enabled = False
        with pytest.raises(AccountForbidden):
            db.session.flush()
        db.session.rollback()
        db.session.add(User(email="x@staff.example", name="X", role=Role.SUPERVISOR, is_enabled=True))
        with pytest.raises(AccountForbidden):
            db.session.flush()
        db.session.rollback()
    with app.test_request_context():  # anonymous: only self-registration of a provider user
        db.session.add(User(email="y@staff.example", name="Y", role=Role.ADMIN, is_enabled=True))
        with pytest.raises(AccountForbidden):
            db.session.flush()
        db.session.rollback()
        db.session.add(User(email="z@prov.example", name="Z", role=Role.PROVIDER, is_enabled=True))
        db.session.flush()


def test_ajax_list_updates_change_no_user(client, staff, make_user):
    admin = make_user(Role.ADMIN)
    staff(Role.CREDENTIALING)
    response = client.post("/admin/user/ajax/update/", data={"list_form_pk": admin.id, "role": "provider"})
    assert 400 <= response.status_code < 500
    assert _reload(admin).role == Role.ADMIN


def test_supervisors_manage_no_account(client, staff, make_user):
    provider_user = make_user(Role.PROVIDER)
    staff(Role.SUPERVISOR)
    assert client.post("/admin/user/account/", data={"id": provider_user.id, "do": "deactivate"}).status_code == 403
    assert client.get(f"/admin/user/edit/?id={provider_user.id}").status_code in (302, 403)  # no editor
    assert _reload(provider_user).is_enabled


def test_deactivated_user_cannot_log_in_after_a_refused_change(client, app, make_user, login):
    """A refused change leaves nothing half-written: the administrator still logs in."""
    admin = make_user(Role.ADMIN)
    credentialing = make_user(Role.CREDENTIALING)
    login(credentialing)
    client.post("/admin/user/account/", data={"id": admin.id, "do": "deactivate"})
    other = app.test_client()
    assert other.post("/login", data={"email": admin.email, "password": TEST_PASSWORD}).status_code == 302


@pytest.mark.postgres_only
def test_two_administrators_retiring_each_other_at_once_leave_one(app):
    """Each sees the other active; the row locks make the second wait and then refuse (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer on one file lock: row-level races only exist on PostgreSQL")
    saved = db.session
    db.session = db._make_scoped_session({})  # real connections that commit, not the test's rollback
    ids = []
    try:
        assert not db.session.scalars(select(User).where(User.role == Role.ADMIN, User.is_enabled.is_(True),
                                                         User.activated_at.is_not(None))).all()
        admins = [f.make_user(f"race{n}{f.unique_suffix()}@test.example", Role.ADMIN) for n in range(2)]
        for admin in admins:
            admin.activated_at = utcnow()
        db.session.commit()
        ids = [a.id for a in admins]
        db.session.remove()
        ready = threading.Barrier(2)
        outcomes: list[str] = []

        def retire(target_id):
            with app.app_context():
                try:
                    target = db.session.get(User, target_id)
                    ready.wait(timeout=10)
                    accounts.set_enabled(None, target, False)
                    time.sleep(0.4)  # hold the locks: the other one must wait
                    db.session.commit()
                    outcomes.append("done")
                except AccountForbidden as refused:
                    db.session.rollback()
                    outcomes.append(refused.code)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=retire, args=(target,)) for target in reversed(ids)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(outcomes) == ["done", "last_admin"]
        assert len([u for u in db.session.scalars(select(User).where(User.id.in_(ids))) if u.is_enabled]) == 1
    finally:
        db.session.remove()
        if ids:  # a plain DELETE: the test's own administrators go, whatever the guard says of users
            db.session.execute(delete(User).where(User.id.in_(ids)))
            db.session.commit()
        db.session.remove()
        db.session = saved
