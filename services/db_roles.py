"""Two PostgreSQL roles: the owner migrates, the application may only INSERT and SELECT the audit tables.

The owner of the tables can TRUNCATE them, disable or drop their triggers and rewrite rows, so the
application must not connect as the owner. ``flask --app app db-roles grant APP_ROLE``, run as the
owner after every ``flask db upgrade`` (idempotent), gives ``APP_ROLE`` what the application needs:
SELECT/INSERT/UPDATE/DELETE on every table except the append-only audit tables (INSERT and SELECT
only) and ``alembic_version`` (SELECT), USAGE on the sequences (``nextval`` needs no more; UPDATE
would also allow ``setval``, rewinding document numbers), and the same by default on tables and
sequences the owner creates later, so a migration does not lock the application out; running
``grant`` again after it re-applies the audit tables' restriction should a new one appear.
No TRUNCATE, TRIGGER or REFERENCES anywhere, and never ownership: only an owner may ALTER or DROP
a table or its triggers.

``flask --app app db-roles check``, run with the application's own ``DATABASE_URL``, lists what
the connected role could do to rewrite the audit log, and exits 1 if anything.
"""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.engine import Connection

from models.audit_chain import APPEND_ONLY_TABLES
from models.base import db

TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
FORBIDDEN = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER")


class RoleError(click.ClickException):
    pass


def _require_postgresql(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        raise RoleError("database roles exist only on PostgreSQL (SQLite has a single user: nothing to grant)")


def grant(connection: Connection, role: str) -> list[str]:
    """Give ``role`` the application's privileges on the current schema; the statements run."""
    _require_postgresql(connection)
    found = connection.execute(sa.text(
        "SELECT rolsuper, pg_has_role(rolname, current_user, 'MEMBER') AS owner_member, rolname = current_user AS me "
        "FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
    if found is None:
        raise RoleError(f"role {role!r} does not exist: create it first (CREATE ROLE {role} LOGIN PASSWORD '…')")
    if found.me or found.owner_member:
        raise RoleError(f"role {role!r} is, or is a member of, the role running this command (the owner): "
                        "the application needs a role of its own")
    if found.rolsuper:
        raise RoleError(f"role {role!r} is a superuser: superusers bypass every privilege")
    quote = connection.dialect.identifier_preparer.quote
    schema = quote(connection.execute(sa.text("SELECT current_schema()")).scalar_one())
    grantee = quote(role)
    append_only = ", ".join(quote(t) for t in APPEND_ONLY_TABLES)
    statements = [
        f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantee}",
        f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
        f"REVOKE UPDATE, DELETE ON {append_only} FROM {grantee}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_RIGHTS} ON TABLES TO {grantee}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE ON SEQUENCES TO {grantee}",
    ]
    if connection.execute(sa.text("SELECT to_regclass('alembic_version')")).scalar() is not None:
        statements.insert(4, f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {grantee}")
    for statement in statements:
        connection.execute(sa.text(statement))
    return statements


def check(connection: Connection) -> list[str]:
    """What the connected role could do to rewrite the audit tables (empty: nothing)."""
    _require_postgresql(connection)
    problems = []
    if connection.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar():
        problems.append("is a superuser")
    for table in APPEND_ONLY_TABLES:
        owner = connection.execute(sa.text(
            "SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = :table"), {"table": table}).scalar()
        if owner:
            problems.append(f"owns {table} (or may act as its owner): can drop or disable its triggers")
        for right in FORBIDDEN:
            if connection.execute(sa.text("SELECT has_table_privilege(current_user, :table, :right)"),
                                  {"table": table, "right": right}).scalar():
                problems.append(f"may {right} {table}")
    return problems


db_roles_cli = AppGroup("db-roles", help="PostgreSQL roles: the owner migrates, the application connects.")


@db_roles_cli.command("grant")
@click.argument("app_role")
def grant_command(app_role: str) -> None:
    """Run as the owner after ``db upgrade``: APP_ROLE may use every table, only append to the audit tables."""
    statements = grant(db.session.connection(), app_role)
    db.session.commit()
    for statement in statements:
        click.echo(statement)
    click.echo(f"Role {app_role} may now run the application; "
               f"it may only INSERT and SELECT {', '.join(APPEND_ONLY_TABLES)}.")


@db_roles_cli.command("check")
def check_command() -> None:
    """Run as the application: exit 1 if its role could rewrite the audit log."""
    connection = db.session.connection()
    role = connection.execute(sa.text("SELECT current_user")).scalar_one()
    problems = check(connection)
    if problems:
        for problem in problems:
            click.echo(f"role {role} {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"Role {role} may only INSERT and SELECT {', '.join(APPEND_ONLY_TABLES)}.")
