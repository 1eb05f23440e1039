"""Words typed in a search box: matched as typed, and planned for what they are (services.text_search)."""
import re
from datetime import date
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from models import Beneficiary, Provider
from models.base import db
from models.enums import Country, GuideType, ItemKind, Role
from seed import factories as f
from services import guides as guide_svc
from services.text_search import contains, contains_pattern, fold

PLAN_FOR_VALUES = "SET LOCAL plan_cache_mode = force_custom_plan"


def test_wildcards_typed_in_a_search_are_plain_characters(client, login_as):
    f.make_beneficiary("ZZPCT1", "Ana 50% Descuento")
    f.make_beneficiary("ZZPCT2", "Ana 500 Descuento")
    f.make_beneficiary("ZZUND1", "Bea_Two")
    f.make_beneficiary("ZZUND2", "BeaXTwo")
    db.session.commit()
    login_as(Role.CLERK)
    percent = client.get("/admin/beneficiary/?search=50%25").get_data(as_text=True)
    assert "ZZPCT1" in percent and "ZZPCT2" not in percent
    underscore = client.get("/admin/beneficiary/?search=bea_two").get_data(as_text=True)
    assert "ZZUND1" in underscore and "ZZUND2" not in underscore
    assert contains_pattern("a\\b_%") == "%a\\\\b\\_\\%%"


def test_the_lot_builders_name_search_takes_the_name_as_typed():
    provider = f.make_provider("Clínica Literal", country=Country.BR)
    table = f.make_price_table("Tabela", provider, [("10101012", "Consulta", ItemKind.PROCEDURE, "100.00")])
    db.session.flush()
    item = table.items[0]
    for card, name in (("ZZLIT1", "Rui_Lima"), ("ZZLIT2", "RuiXLima")):
        f.make_guide(provider, card, GuideType.CONSULTA, f.make_beneficiary(card, name), date(2026, 5, 4),
                     [(item, 1)])
    db.session.commit()
    found = guide_svc.search_guides(provider.id, None, guide_svc.GuideFilters(beneficiary_name="rui_lima"))
    assert [guide.number for guide in found] == ["ZZLIT1"]
    assert [row.code for row in guide_svc.search_price_items(provider.id, "consulta")] == ["10101012"]
    assert guide_svc.search_price_items(provider.id, "%") == []


def test_names_are_found_as_people_type_them(client, login_as):
    """Without accents, in capitals, or with accents the name lacks: "gomez" finds Gómez."""
    f.make_beneficiary("ZZACC1", "Valentina Gómez")
    f.make_beneficiary("ZZACC2", "João Conceição")
    f.make_beneficiary("ZZACC3", "Ana Gomez")
    db.session.commit()
    login_as(Role.CLERK)
    cards = ("ZZACC1", "ZZACC2", "ZZACC3")
    for typed, expected in (("gomez", {"ZZACC1", "ZZACC3"}), ("GÓMEZ", {"ZZACC1", "ZZACC3"}),
                            ("joao conceicao", {"ZZACC2"}), ("CONCEIÇÃO", {"ZZACC2"}), ("gómes", set())):
        html = client.get(f"/admin/beneficiary/?search={quote(typed)}").get_data(as_text=True)
        assert {card for card in cards if card in html} == expected, typed


def test_a_renamed_beneficiary_is_found_by_the_new_name(client, login_as):
    beneficiary = f.make_beneficiary("ZZREN1", "Joana Prado")
    db.session.commit()
    beneficiary.name = "Joana Conceição Prado"
    db.session.commit()
    login_as(Role.CLERK)
    assert "ZZREN1" in client.get("/admin/beneficiary/?search=conceicao").get_data(as_text=True)


def test_provider_and_lot_builder_searches_fold_accents_too():
    provider = f.make_provider("Clínica São Lucas", country=Country.BR)
    table = f.make_price_table("Tabela", provider, [("10101012", "Consulta eletiva", ItemKind.PROCEDURE, "100.00")])
    db.session.flush()
    f.make_guide(provider, "ZZFOLD1", GuideType.CONSULTA, f.make_beneficiary("ZZFOLD1", "Conceição Araújo"),
                 date(2026, 5, 4), [(table.items[0], 1)])
    db.session.commit()
    assert db.session.scalars(sa.select(Provider.id).where(contains(Provider.legal_name, "CLINICA SAO"))).all() == [
        provider.id]
    found = guide_svc.search_guides(provider.id, None, guide_svc.GuideFilters(beneficiary_name="conceicao araujo"))
    assert [guide.number for guide in found] == ["ZZFOLD1"]
    assert fold("ÁÉÍÓÚ Ñandú Ação") == "aeiou nandu acao"


@pytest.mark.postgres_only
def test_the_folded_name_is_what_the_trigram_index_holds(app):
    """The search's expression is the index's (a mismatch would scan every beneficiary)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL index")
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    query = sa.select(Beneficiary.id).where(contains(Beneficiary.name, "gomez"))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.scalars(sa.text(f"EXPLAIN {compiled}")))
    assert "ix_beneficiary_name_trgm" in plan and "name_search" in plan  # folded once, when written
    assert db.session.scalar(sa.text("SELECT liquida_fold('Conceição GÓMEZ')")) == fold("Conceição GÓMEZ")
    db.session.rollback()


@pytest.fixture
def statements(app):
    """The SQL the application sends, in order."""
    sent = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        yield sent
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _planned_for_values_before_matching(sent: list[str]) -> bool:
    first_like = next(i for i, statement in enumerate(sent) if re.search(r"\bI?LIKE\b", statement, re.I))
    return PLAN_FOR_VALUES in sent[:first_like]


@pytest.mark.postgres_only
def test_searches_plan_their_statements_for_the_words_searched(client, login_as, make_user, login, statements):
    """A generic plan (kept after a worker ran the same search five times) costs a pattern at 0.05 % of the
    rows and reads every match of a common name; a plan for the words walks the list's index instead."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    login_as(Role.CLERK)
    statements.clear()
    assert client.get("/admin/beneficiary/?search=Carla+Gómez").status_code == 200
    assert _planned_for_values_before_matching(statements)

    statements.clear()
    assert client.get("/admin/invoice/?q=Clínica").status_code == 200
    assert _planned_for_values_before_matching(statements)

    statements.clear()
    guide_svc.search_guides(f.make_provider("Clínica Plano", country=Country.BR).id, None,
                            guide_svc.GuideFilters(beneficiary_name="Carla"))
    assert _planned_for_values_before_matching(statements)
    assert db.session.scalar(sa.text("SHOW plan_cache_mode")) == "force_custom_plan"
    db.session.rollback()
    assert db.session.scalar(sa.text("SHOW plan_cache_mode")) == "auto"  # for that transaction only
