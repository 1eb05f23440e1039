"""Least privilege on PostgreSQL: the application's role may only INSERT and SELECT the audit tables.

The role is created and granted inside the test's transaction (``CREATE ROLE`` and ``GRANT`` roll back
with it) by ``flask db-roles grant`` run as the owner; ``SET LOCAL ROLE`` then makes every privilege
check that of the application's role, as a connection logging in as it would.
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from models import AuditChainLink, AuditLog, Provider
from models.audit import record_event
from models.base import db
from tests.helpers import argentine_provider

INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def app_role(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("database roles exist only on PostgreSQL: on SQLite the hash chain is the only protection")
    name = f"liquida_app_{uuid.uuid4().hex[:12]}"
    db.session.execute(sa.text(f'CREATE ROLE "{name}" NOLOGIN'))
    record_event("db_roles_test", 1, "before the grant")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["db-roles", "grant", name])
    assert result.exit_code == 0, result.output
    return name


def as_role(role: str) -> None:
    db.session.execute(sa.text(f'SET LOCAL ROLE "{role}"'))


REFUSED = [
    "TRUNCATE audit_log",
    "TRUNCATE audit_chain CASCADE",
    "UPDATE audit_log SET reason = 'rewritten'",
    "DELETE FROM audit_log",
    "UPDATE audit_chain SET hash = prev_hash",
    "DELETE FROM audit_chain",
    "DELETE FROM audit_checkpoint",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_no_update",
    "DROP TRIGGER audit_log_no_update ON audit_log",
    "DROP TRIGGER audit_log_no_truncate ON audit_log",
    "DROP TABLE audit_log CASCADE",
    "INSERT INTO audit_log (id, at, actor_label, entity, action) SELECT id, at, 'x', 'x', 'event' FROM audit_log "
    "ON CONFLICT (id) DO UPDATE SET reason = 'x'",
    "SELECT setval('audit_log_id_seq', 1)",
]


@pytest.mark.postgres_only
@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_rewrite_the_audit_log(app_role, statement):
    with pytest.raises(DBAPIError) as refused:
        with db.session.begin_nested():
            as_role(app_role)
            db.session.execute(sa.text(statement))
    assert refused.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE, refused.value
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.entity == "db_roles_test")) == 1


@pytest.mark.postgres_only
def test_the_app_role_does_the_apps_work_and_appends_to_the_chain(app, app_role, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EVERY", 1)  # a checkpoint written by the app role too
    as_role(app_role)
    provider = argentine_provider("Rol Mínimo SA")
    db.session.flush()
    provider.city = "Tandil"
    record_event("db_roles_test", 2, "as the application")
    db.session.commit()
    assert db.session.scalar(sa.text("SELECT current_user")) == app_role
    db.session.delete(db.session.get(Provider, provider.id))
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.entity == "provider", AuditLog.entity_id == provider.id).order_by(AuditLog.id)).all()
    assert [row.value for row in rows] == ["create", "update", "delete"]
    linked = db.session.scalar(sa.select(sa.func.count()).select_from(AuditChainLink).join(
        AuditLog, AuditLog.id == AuditChainLink.audit_id).where(AuditLog.entity == "provider",
                                                                AuditLog.entity_id == provider.id))
    assert linked == 3
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    checked = runner.invoke(args=["db-roles", "check"])
    assert checked.exit_code == 0 and f"Role {app_role} may only INSERT and SELECT" in checked.output


@pytest.mark.postgres_only
def test_tables_a_later_migration_creates_stay_usable(app_role):
    """Default privileges: the owner's next tables and sequences come with the application's rights."""
    db.session.execute(sa.text("CREATE TABLE later_table (id serial PRIMARY KEY, note text)"))
    as_role(app_role)
    db.session.execute(sa.text("INSERT INTO later_table (note) VALUES ('a')"))
    db.session.execute(sa.text("UPDATE later_table SET note = 'b'"))
    db.session.execute(sa.text("DELETE FROM later_table"))


@pytest.mark.postgres_only
def test_check_names_what_the_owner_could_do(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("database roles exist only on PostgreSQL")
    result = app.test_cli_runner().invoke(args=["db-roles", "check"])
    assert result.exit_code == 1
    assert "owns audit_log" in result.output and "may TRUNCATE audit_log" in result.output


@pytest.mark.postgres_only
@pytest.mark.parametrize("role, message", [
    ("liquida_no_such_role", "does not exist"),
    ("postgres", "the application needs a role of its own"),
])
def test_grant_refuses_roles_that_would_not_help(app, role, message):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("database roles exist only on PostgreSQL")
    result = app.test_cli_runner().invoke(args=["db-roles", "grant", role])
    assert result.exit_code == 1 and message in result.output


def test_sqlite_says_it_has_no_roles(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite answer")
    result = app.test_cli_runner().invoke(args=["db-roles", "grant", "liquida_app"])
    assert result.exit_code == 1 and "only on PostgreSQL" in result.output
