"""The audit log reads like a history: translated names, names instead of ids, labels instead of keys, local
dates, a link to the record, filters by entity and user; ids resolved with one query per entity kind."""
import html

import sqlalchemy as sa
from sqlalchemy import event

from models import AuditLog, User
from models.base import db
from models.enums import Country, Role
from seed import factories as f
from services.audit_history import describe


def text_of(response):
    return response.get_data(as_text=True)


def test_a_change_of_active_provider_reads_with_the_providers_name(client, login_as, make_user):
    login_as(Role.ADMIN, locale="es_AR")
    clinic = f.make_provider("Clínica X", country=Country.BR)
    user = make_user(Role.PROVIDER, email="historia@test.example", providers=[clinic])
    user.active_provider_id = clinic.id
    db.session.commit()

    page = html.unescape(text_of(client.get("/admin/audit_log/?flt0_0=user")))
    assert f"<strong>Prestador activo</strong>: — → {clinic}</li>" in page
    assert f'<a href="/admin/user/details/?id={user.id}">Usuario<br><small>{user}</small></a>' in page
    table = page.split("list-unstyled", 1)[1]
    assert "active_provider_id" not in table and "None" not in table


def test_portuguese_history_translates_statuses_and_formats_dates(client, login_as, make_user):
    login_as(Role.ADMIN, locale="pt_BR")
    user = make_user(Role.CLERK, email="datas@test.example")
    user.is_enabled = False
    db.session.commit()
    page = text_of(client.get("/admin/audit_log/?flt0_0=user"))
    body = page.split('id="model-list"', 1)[-1] if 'id="model-list"' in page else page
    assert "<strong>Habilitado</strong>: — → Não" in body or "<strong>Habilitado</strong>: Sim → Não" in body
    assert "Usuário<br><small>Datas &lt;datas@test.example&gt;</small>" in body and "Alterado" in body
    assert "True" not in body and "False" not in body


def test_a_page_is_described_with_one_query_per_entity_kind(app, make_user):
    providers = [f.make_provider(f"Prestador {i}") for i in range(6)]
    db.session.flush()
    for provider in providers:
        user = make_user(Role.PROVIDER, providers=[provider])
        user.active_provider_id = provider.id
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(60)).all()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context():
            entries = describe(rows)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(entries) == len(rows)
    assert all(" IN (" in s for s in statements), "every name loaded set-based, no row on its own"
    kinds = {s.split("\nFROM ", 1)[1].split()[0] for s in statements}
    assert len(statements) <= 3 * len(kinds) < len(rows)
    changed = [c for e in entries.values() for c in e.changes if c.old is not None and c.new.startswith("P")]
    assert changed, "the provider's name, not its id"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) >= 6


def test_every_field_the_history_shows_has_a_name_in_both_languages(app):
    """A change reads with the field's name from models.labels; a column with no label there got its own name
    sentence-cased ("Auto enabled", "Max quantity"), English on Spanish and Portuguese screens when the
    catalog had no such entry."""
    from babel.support import Translations

    from models.labels import entity_label, field_label

    catalogs = {lang: Translations.load(app.root_path + "/translations", [lang])._catalog
                for lang in ("es_AR", "pt_BR")}
    missing = set()
    for mapper in db.Model.registry.mappers:
        if not getattr(mapper.class_, "__audited__", True):
            continue
        table = mapper.local_table
        names = [field_label(attr.columns[0].name) for attr in mapper.column_attrs  # what the audit records
                 if attr.columns[0].table is table] + [entity_label(table.name)]
        for lazy in names:
            msgid = lazy._args[0]
            missing.update(f"{lang}: {table.name} {msgid!r}" for lang, catalog in catalogs.items()
                           if not catalog.get(msgid))
    assert not missing, sorted(missing)


def test_the_auto_adjudication_settings_read_in_spanish(client, login_as):
    from decimal import Decimal

    from models import AdjudicationSettings

    login_as(Role.ADMIN, locale="es_AR")
    db.session.add(AdjudicationSettings(auto_enabled=True, auto_limit=Decimal("7000.00"), sample_percent=5))
    db.session.commit()
    page = html.unescape(text_of(client.get("/admin/audit_log/?flt0_0=adjudication_settings")))
    body = page.split("list-unstyled", 1)[1]
    assert "<strong>Analizar automáticamente los lotes sin observaciones</strong>: Sí" in body
    assert "<strong>Solo lotes de hasta este valor</strong>: 7.000,00" in body
    assert "<strong>Muestreo para auditor (%)</strong>: 5" in body
    assert "Auto enabled" not in body and "7000.00" not in page  # the record is no longer named by its limit
