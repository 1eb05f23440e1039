"""The lot-analysis page stays light for a 100-guide lot: the lot page is a read-only statement, each
guide is analysed on its own page, and an item's glosa form opens for that item only."""
from __future__ import annotations

from decimal import Decimal

from models import GlosaCode
from models.base import db
from models.enums import GlosaSource, LotStatus, Role
from tests.money.test_query_counts import _br_provider, _lot


def test_hundred_guide_lot_page_is_light_and_guides_are_edited_one_at_a_time(client, login, make_user,
                                                                             money_setup):
    for n in range(300):  # a full code table (Tabela 38 has hundreds): the old page repeated it per item
        db.session.add(GlosaCode(code=f"9{n:03d}", description=f"Motivo de glosa número {n} " + "x" * 40,
                                 source=GlosaSource.TISS))
    provider, items = _br_provider("Hospital Grande Ltda")
    lot = _lot(provider, items, 100, LotStatus.IN_ANALYSIS)
    db.session.commit()
    login(make_user(Role.CLERK))

    page = client.get(f"/admin/account-audit/lot/{lot.id}").get_data(as_text=True)
    assert len(page.encode()) < 300_000, len(page.encode())
    assert "<select" not in page and page.count('data-action="analyse-guide"') == 100
    assert 'data-total="lot"' in page

    guide = lot.guides[0]
    item = guide.items[0]
    guide_url = f"/admin/account-audit/lot/{lot.id}/guide/{guide.id}"
    guide_page = client.get(guide_url).get_data(as_text=True)
    assert guide_page.count("<select") == 1  # the whole-guide glosa only; item forms open one at a time
    assert guide_page.count('data-action="open-glosa"') == len(guide.items)
    opened = client.get(f"{guide_url}?item={item.id}").get_data(as_text=True)
    assert opened.count("<select") == 2 and f'id="code-{item.id}"' in opened

    r = client.post(f"/admin/account-audit/lot/{lot.id}/item/{item.id}/glosa",
                    data={"amount": "20.00", "code_id": money_setup["1705"].id, "reason": "acima"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/guide/{guide.id}#item-{item.id}")
    after = client.get(guide_url).get_data(as_text=True)
    assert "R$\xa020.00" in after
    lot_page = client.get(f"/admin/account-audit/lot/{lot.id}").get_data(as_text=True)
    released = sum((g.total_amount for g in lot.guides), Decimal("0.00")) - Decimal("20.00")
    assert f"R$\xa0{released:,.2f}" in lot_page


def test_guide_of_another_lot_is_not_found(client, login, make_user, money_setup):
    provider, items = _br_provider("Hospital Pequeno Ltda")
    first = _lot(provider, items, 1, LotStatus.IN_ANALYSIS)
    second = _lot(provider, items, 1, LotStatus.IN_ANALYSIS)
    db.session.commit()
    login(make_user(Role.CLERK))
    assert client.get(f"/admin/account-audit/lot/{first.id}/guide/{second.guides[0].id}").status_code == 404
    assert client.post(f"/admin/account-audit/lot/{first.id}/guide/{second.guides[0].id}/accept").status_code == 404
