"""Flask-Admin lists page by seeking: every row once, in order, the last page straight away; counts capped."""
import re
from html import unescape

import pytest

from models.enums import Role
from seed import factories as f
from views.admin import paging


@pytest.fixture
def beneficiaries():
    rows = [f.make_beneficiary(f"ZZSEEK{i:04d}", f"Seek Person {i:04d}") for i in range(23)]
    f.make_beneficiary("ZZSEEKXNAME", "Ana María Búsqueda")
    return rows


def cards(html: str) -> list[str]:
    """Card numbers shown in the rows (not those inside links' cursors)."""
    return list(dict.fromkeys(re.findall(r"(?<!%22)ZZSEEK\d{4}", html)))


def pager(html: str, name: str) -> str | None:
    found = re.search(rf'data-page="{name}" href="([^"#]+)"', html)
    return unescape(found.group(1)) if found else None


def test_next_links_visit_every_row_once_in_order_and_last_is_the_end(client, login_as, beneficiaries):
    login_as(Role.CLERK)
    url, seen, pages = "/admin/beneficiary/?page_size=10&sort=0&desc=1", [], 0
    while url and pages < 200:
        html = client.get(url).get_data(as_text=True)
        seen += cards(html)
        url, pages = pager(html, "next"), pages + 1
    assert pages >= 3
    assert seen == sorted((b.card_number for b in beneficiaries), reverse=True)
    first = client.get("/admin/beneficiary/?page_size=10&sort=0").get_data(as_text=True)
    last = client.get(pager(first, "last")).get_data(as_text=True)
    assert cards(last)[-1] == max(b.card_number for b in beneficiaries)  # ascending: the highest card ends it
    assert pager(last, "next") is None and pager(last, "prev")
    previous = client.get(pager(last, "prev")).get_data(as_text=True)
    assert cards(previous) and max(cards(previous)) < min(cards(last))


def test_counts_are_capped(client, login_as, beneficiaries, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    login_as(Role.CLERK)
    html = client.get("/admin/beneficiary/?page_size=10").get_data(as_text=True)
    assert re.search(r"\(5\+\)", html)


def test_a_list_that_fits_on_its_page_is_counted_from_it(client, login_as, beneficiaries, monkeypatch):
    """No count query for a search whose matches all show (a name or a number): the rows are the count."""
    def no_count(*_args):
        raise AssertionError("counted by a query")

    login_as(Role.CLERK)
    monkeypatch.setattr(paging, "budgeted_scalar", no_count)
    one = client.get("/admin/beneficiary/?search=ZZSEEK0007").get_data(as_text=True)
    assert cards(one) == ["ZZSEEK0007"] and re.search(r"\(1\)", one)
    last = client.get("/admin/beneficiary/?page_size=50&last=1&search=seek+person").get_data(as_text=True)
    assert len(cards(last)) == 23 and re.search(r"\(23\)", last)


def test_search_exact_numbers_and_names_by_part(client, login_as, beneficiaries):
    login_as(Role.CLERK)
    exact = client.get("/admin/beneficiary/?search=ZZSEEK0007").get_data(as_text=True)
    assert cards(exact) == ["ZZSEEK0007"]
    assert cards(client.get("/admin/beneficiary/?search=ZZSEEK000").get_data(as_text=True)) == []
    by_name = client.get("/admin/beneficiary/?search=maría+búsq").get_data(as_text=True)
    assert "ZZSEEKXNAME" in by_name


def test_malformed_cursors_fall_back_to_the_first_page(client, login_as, beneficiaries):
    login_as(Role.CLERK)
    for bad in ("after=%5B1", "before=garbage", "after=%5B%22x%22%2C%22y%22%5D", "last=2"):
        assert client.get(f"/admin/beneficiary/?{bad}").status_code == 200


def test_provider_guide_items_page_through_its_own_guides_only(client, login_as):
    from tests.helpers import brazilian_provider_with_guides

    mine, guides = brazilian_provider_with_guides("Clínica Seek", guides=30)
    brazilian_provider_with_guides("Clínica Alheia", guides=5)
    login_as(Role.PROVIDER, providers=(mine,))
    expected = sorted((i.id for g in guides for i in g.items), reverse=True)
    url, seen = "/admin/guide_item/?page_size=10", []
    while url and len(seen) < 1000:
        html = client.get(url).get_data(as_text=True)
        seen += [int(x) for x in dict.fromkeys(re.findall(r'details/\?id=(\d+)', html))]
        url = pager(html, "next")
    assert seen == expected  # guide by guide, newest first; nobody else's items


def test_a_providers_item_search_finds_every_match_in_order_within_and_beyond_its_next_guides(
        client, login_as, monkeypatch):
    from decimal import Decimal

    from models import GuideItem
    from models.base import db
    from models.enums import ItemKind
    from tests.helpers import brazilian_provider_with_guides
    from views.admin import lots

    mine, guides = brazilian_provider_with_guides("Clínica Busca", guides=30)
    brazilian_provider_with_guides("Clínica Outra", guides=5)  # the same consultation code, not theirs to see
    for guide in (guides[-1], *guides[:4]):  # the newest, then the oldest: beyond the guides looked in first
        guide.items.append(GuideItem(kind=ItemKind.PROCEDURE, code="40304361", description="Hemograma",
                                     quantity=Decimal(1), unit_price=Decimal(25), total_amount=Decimal(25)))
    db.session.flush()
    monkeypatch.setattr(lots, "SEARCH_WINDOW", 15)
    login_as(Role.PROVIDER, providers=(mine,))

    def walk(url):
        seen = []
        while url and len(seen) < 1000:
            html = client.get(url).get_data(as_text=True)
            seen += [int(x) for x in dict.fromkeys(re.findall(r'details/\?id=(\d+)', html))]
            url = pager(html, "next")
        return seen

    def expected(code):
        return [i for _g, i in sorted(((g.id, i.id) for g in guides for i in g.items if i.code == code), reverse=True)]

    assert walk("/admin/guide_item/?page_size=10&search=10101012") == expected("10101012")
    assert walk("/admin/guide_item/?page_size=10&search=40304361") == expected("40304361")


@pytest.mark.parametrize("eager", [1_000, 2])
def test_a_search_through_a_relationship_finds_the_same_rows_with_few_or_many_matching_parents(
        client, login_as, monkeypatch, eager):
    """Up to EAGER_IDS matching beneficiaries the guides list asks for their ids; past it, each guide's own
    beneficiary is looked up (EXISTS): the same guides either way."""
    from tests.helpers import brazilian_provider_with_guides

    monkeypatch.setattr(paging, "EAGER_IDS", eager)
    _provider, guides = brazilian_provider_with_guides("Clínica Nomes", guides=6)
    for guide, name in zip(guides, ("Ana Souza", "Mariana Lima", "Ana Silva", "Luana Silva", "Pedro Alves",
                                    "Ana Paula Silva")):
        guide.beneficiary.name = name
    from models.base import db

    db.session.flush()
    login_as(Role.CLERK)
    html = client.get("/admin/guide/?search=ana+silva").get_data(as_text=True)
    shown = set(re.findall(r">(G\d+)<", html)) | set(re.findall(r"\b(G\d{4,})\b", html))
    assert {g.number for g in guides if "ana" in g.beneficiary.name.lower() and "silva" in
            g.beneficiary.name.lower()} <= shown
    assert not {guides[0].number, guides[1].number, guides[4].number} & shown


def test_a_search_through_thousands_of_parents_is_not_counted(client, login_as, monkeypatch):
    """Counting it would walk every row of the list (a provider's 100k guides for "Ana"): "10+" at once."""
    from tests.helpers import brazilian_provider_with_guides

    def no_count(*_args):
        raise AssertionError("counted by a query")

    _provider, guides = brazilian_provider_with_guides("Clínica Contagem", guides=12)
    for guide in guides:
        guide.beneficiary.name = f"Ana Contada {guide.number}"
    from models.base import db

    db.session.flush()
    login_as(Role.CLERK)
    monkeypatch.setattr(paging, "budgeted_scalar", no_count)
    monkeypatch.setattr(paging, "EAGER_IDS", 2)  # more matching beneficiaries than that: EXISTS per guide
    html = client.get("/admin/guide/?page_size=10&search=contada").get_data(as_text=True)
    assert re.search(r"\(10\+\)", html)
    monkeypatch.setattr(paging, "EAGER_IDS", 1_000)  # few: their ids, and a count
    with pytest.raises(AssertionError, match="counted by a query"):
        client.get("/admin/guide/?page_size=10&search=contada")


def test_a_count_past_its_time_gives_way_to_the_rows_shown(client, login_as, beneficiaries, monkeypatch):
    monkeypatch.setattr(paging, "budgeted_scalar", lambda session, statement, budget_ms: None)
    login_as(Role.CLERK)
    html = client.get("/admin/beneficiary/?page_size=10&search=seek+person").get_data(as_text=True)
    assert re.search(r"\(10\+\)", html) and len(cards(html)) == 10  # at least the rows shown, more pages follow


def test_a_count_cancelled_at_its_budget_leaves_the_transaction_usable(app):
    import sqlalchemy as sa

    from models.base import db

    session = db.session
    assert paging.budgeted_scalar(session, sa.select(sa.literal(7)), 1_000) == 7
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite has no statement timeout: the count is always answered
    assert paging.budgeted_scalar(session, sa.select(sa.func.pg_sleep(0.5)), 50) is None
    assert session.scalar(sa.select(sa.literal(1))) == 1
    assert session.scalar(sa.text("SHOW statement_timeout")) == "0"  # the budget ended with the count
