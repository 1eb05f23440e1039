import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from models import AuditLog
from models.audit import AppendOnlyError, acting_as
from models.base import db
from models.enums import AuditAction, InvoiceStatus, Role
from models.workflow import transition
from tests.helpers import argentine_provider, brazilian_provider_with_guides, invoice_for


def rows_for(entity, entity_id):
    return db.session.scalars(
        sa.select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id == entity_id).order_by(AuditLog.id)
    ).all()


def test_create_update_delete_are_recorded_with_actor_and_reason(make_user):
    admin = make_user(Role.ADMIN)
    with acting_as(admin):
        provider = argentine_provider("Auditada SA")
        db.session.flush()
        provider.city = "Tandil"
        provider._audit_reason = "corrección de domicilio"  # the one way to give a change its reason
        db.session.flush()
        pid = provider.id
        db.session.delete(provider)
        db.session.flush()
    rows = rows_for("provider", pid)
    assert [r.action for r in rows] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]
    assert rows[0].changes["legal_name"] == "Auditada SA"
    assert rows[1].changes == {"city": [None, "Tandil"]}
    assert rows[1].reason == "corrección de domicilio"
    assert all(r.actor_id == admin.id and r.actor_label == admin.email for r in rows)


def test_transition_row_has_old_new_status_and_reason(make_user):
    clerk = make_user(Role.CLERK)
    invoice = invoice_for(argentine_provider(), status=InvoiceStatus.SENT)
    transition(invoice, InvoiceStatus.OBSERVED, clerk, reason="Falta planilla")
    last = rows_for("invoice", invoice.id)[-1]
    assert last.action == AuditAction.TRANSITION
    assert last.changes["status"] == ["sent", "observed"]
    assert last.reason == "Falta planilla"


def test_passwords_never_reach_the_audit_log(make_user):
    user = make_user(Role.CLERK)
    user.set_password("another-secret-9")
    db.session.flush()
    for row in rows_for("user", user.id):
        assert "another-secret-9" not in str(row.changes)
        if row.changes and "password_hash" in row.changes:
            value = row.changes["password_hash"]
            assert value == "***" or set(value) <= {"***", None}


def test_audit_rows_cannot_be_changed_through_the_orm():
    argentine_provider("Inmutable SA")
    db.session.flush()
    row = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc())).first()
    row.reason = "tampered"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"])
def test_audit_rows_cannot_be_changed_in_sql(statement):
    argentine_provider("Inmutable SQL SA")
    db.session.flush()
    with pytest.raises(DBAPIError):
        with db.session.begin_nested():
            db.session.execute(sa.text(statement))


def test_admin_audit_screen_is_read_only(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/admin/audit_log/").status_code == 200
    assert client.get("/admin/audit_log/new/").status_code == 302
    row = db.session.scalars(sa.select(AuditLog)).first()
    response = client.post("/admin/audit_log/delete/", data={"id": row.id})
    assert response.status_code == 302
    assert db.session.get(AuditLog, row.id) is not None


def test_rows_removed_from_a_collection_are_recorded_as_deleted(make_user):
    """delete-orphan removals never show in session.deleted: they must still leave a delete row."""
    admin = make_user(Role.ADMIN)
    provider, (guide, _other) = brazilian_provider_with_guides("Órfãos Ltda")
    item = guide.items[0]
    item_id, code = item.id, item.code
    with acting_as(admin):
        item._audit_reason = "item lançado em duplicidade"
        guide.items.remove(item)
        db.session.flush()
    deleted = rows_for("guide_item", item_id)[-1]
    assert deleted.action == AuditAction.DELETE
    assert deleted.changes["code"] == code and deleted.changes["guide_id"] == guide.id
    assert deleted.reason == "item lançado em duplicidade" and deleted.actor_id == admin.id


def test_a_delete_that_fails_leaves_no_delete_row(make_user):
    admin = make_user(Role.ADMIN)
    with acting_as(admin):
        argentine_provider("Rastro SA")
        db.session.flush()  # audit rows now reference the admin: deleting the user must fail
    admin_id = admin.id
    savepoint = db.session.begin_nested()
    db.session.delete(admin)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    savepoint.rollback()
    argentine_provider("Depois SA")
    db.session.flush()
    assert AuditAction.DELETE not in [r.action for r in rows_for("user", admin_id)]
