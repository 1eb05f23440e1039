"""A list's row buttons (views/admin/row_actions.py): drawn once per page, each row gets its own id in them,
with the return URL, the delete form and its CSRF token, and only the buttons the matrix allows."""
import html
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from flask_admin.contrib.sqla import ModelView

from models import Glosa, GlosaCode
from models.base import db
from models.enums import InvoiceStatus, Role
from seed import factories as f
from tests.helpers import invoice_for
from views.admin import row_actions
from views.admin.base import SecureModelView

LIST = "/admin/glosa/?sort=0&page_size=10"


@pytest.fixture
def glosas():
    provider = f.make_provider("Prestador Botones")
    code = GlosaCode(code=f"B{f.unique_suffix() % 10**6}", description="Botones")
    rows = [Glosa(provider=provider, invoice=invoice_for(provider, status=InvoiceStatus.SENT), code=code,
                  amount=Decimal("10.00") + n, reason=f"Motivo {n}") for n in range(3)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _cells(page: str) -> list[str]:
    return re.findall(r'<td class="list-buttons-column">(.*?)</td>', page, re.S)


def _query(href: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(html.unescape(href)).query).items()}


def _page(client) -> str:
    response = client.get(LIST)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_clerk_gets_view_edit_and_delete_for_each_row(client, login_as, glosas):
    login_as(Role.CLERK)
    page = _page(client)
    return_url = "/admin/glosa/?sort=0&page_size=10"
    cells = _cells(page)
    assert len(cells) == len(glosas)
    shown = set()
    for cell in cells:
        links = re.findall(r'<a class="icon" href="([^"]+)" title="([^"]+)">\s*<span class="([^"]+)">', cell)
        assert [(urlsplit(html.unescape(href)).path, title, icon) for href, title, icon in links] == [
            ("/admin/glosa/details/", "View Record", "fa fa-eye glyphicon glyphicon-eye-open"),
            ("/admin/glosa/edit/", "Edit Record", "fa fa-pencil glyphicon glyphicon-pencil"),
        ]
        (view_id, view_back), (edit_id, edit_back) = [
            (_query(href)["id"], _query(href)["url"]) for href, _title, _icon in links]
        assert view_id == edit_id and view_back == edit_back == return_url
        form = re.search(r'<form class="icon" method="POST" action="/admin/glosa/delete/">(.*?)</form>', cell, re.S)
        assert form, cell
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(1)))
        assert fields["id"] == view_id and html.unescape(fields["url"]) == return_url
        assert fields["csrf_token"]
        assert 'data-confirm="Are you sure you want to delete this record?"' in form.group(1)
        assert "onclick" not in form.group(1)
        shown.add(int(view_id))
    assert shown == {glosa.id for glosa in glosas}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_user_who_may_only_read_gets_only_the_view_button(client, login_as, glosas, role):
    login_as(role)
    page = _page(client)
    cells = _cells(page)
    assert len(cells) == len(glosas)
    for cell in cells:
        assert re.findall(r'href="([^"?]+)', cell) == ["/admin/glosa/details/"]
        assert "<form" not in cell and "fa-pencil" not in cell and "fa-trash" not in cell
    assert {int(_query(href)["id"]) for cell in cells for href in re.findall(r'href="([^"]+)"', cell)} == {
        glosa.id for glosa in glosas}
    assert "/admin/glosa/edit/" not in page and "/admin/glosa/delete/" not in page


def test_the_buttons_are_flask_admins_own_markup(client, login_as, glosas, monkeypatch):
    """The page is the same, byte for byte, as when Flask-Admin draws each button for each row."""
    login_as(Role.CLERK)
    ours = _page(client)
    monkeypatch.setattr(SecureModelView, "get_list_row_actions", ModelView.get_list_row_actions)
    theirs = _page(client)

    def same(page: str) -> str:
        return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1…",  # signed with the second it was drawn in
                      re.sub(r'nonce="[^"]+"', 'nonce="…"', page))
    assert "fa-trash" in ours and same(ours) == same(theirs)


def test_other_row_actions_are_drawn_as_before():
    custom = row_actions.template.LinkRowAction("fa fa-star", "/star/{row_id}")
    actions = row_actions.once_per_page([row_actions.template.EditRowAction(), custom])
    assert isinstance(actions[0], row_actions.OncePerPage) and actions[1] is custom


@pytest.mark.parametrize("key", ["17", "a b", "x/y?z=1&w", "é~.,_-'!$()*:;@+%1F", "1\x1frow-id\x1f"])
def test_an_id_is_quoted_as_url_for_quotes_it(app, key):
    with app.test_request_context():
        expected = url_for("glosa.details_view", id=key, url="/back")
        placeholder = url_for("glosa.details_view", id=row_actions.ROW_ID, url="/back")
    assert placeholder.replace(row_actions._QUOTED_ROW_ID, row_actions.url_quote(key)) == expected
