"""Form pickers (Flask-Admin's ajax lookups) search like the lists: exact numbers, folded names, on indexes."""
import re

import pytest
import sqlalchemy as sa

from models.base import db
from models.enums import Role
from seed import factories as f


@pytest.fixture
def sent(app):
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", record)


def lookup(client, endpoint, name, query):
    response = client.get(f"/admin/{endpoint}/ajax/lookup/", query_string={"name": name, "query": query})
    assert response.status_code == 200
    return [label for _id, label in response.get_json()]


def test_the_beneficiary_picker_finds_names_as_typed_and_card_numbers_whole(client, login_as, sent):
    f.make_beneficiary("ZZPICK0001", "Valentina Gómez Picker")
    f.make_beneficiary("ZZPICK0002", "Valentina Gomes Picker")
    db.session.commit()
    login_as(Role.CLERK)
    assert lookup(client, "guide", "beneficiary", "gomez picker") == ["ZZPICK0001 - Valentina Gómez Picker"]
    assert len(lookup(client, "guide", "beneficiary", "VALENTINA picker")) == 2
    assert lookup(client, "guide", "beneficiary", "ZZPICK0002") == ["ZZPICK0002 - Valentina Gomes Picker"]
    assert lookup(client, "guide", "beneficiary", "ZZPICK000") == []  # numbers match whole, on their index
    assert lookup(client, "guide", "beneficiary", "   ") == []
    lookups = [s for s in sent if "FROM beneficiary" in s and "LIKE" in s]
    assert lookups and not [s for s in lookups if re.search(r"\bILIKE\b|CAST\(", s)]  # Flask-Admin's: no index


def test_a_guide_is_picked_by_its_whole_number(client, login_as):
    from tests.helpers import brazilian_provider_with_guides

    _provider, guides = brazilian_provider_with_guides("Clínica Picker", guides=3)
    db.session.commit()
    login_as(Role.CLERK)
    number = guides[1].number
    assert [label for label in lookup(client, "glosa", "guide", number)] == [str(guides[1])]
    assert lookup(client, "glosa", "guide", number[:-1]) == []
