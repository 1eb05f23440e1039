"""Rough edges a new user met (issue 14 §5): forms that open clean, decisions that disappear once
taken, a second link that does not switch the provider, glosa codes never preselected."""
from __future__ import annotations

import re

import sqlalchemy as sa

import models as m
from models.base import db
from models.enums import LinkStatus, Role
from seed import factories as f
from services import accounts


def test_new_provider_form_opens_clean(client, login_as):
    login_as(Role.CREDENTIALING, locale="es_AR")
    html = client.get("/admin/provider/new/").get_data(as_text=True)
    assert 'id="legal_name"' in html
    assert "Este campo es obligatorio" not in html and "is-invalid" not in html


def test_decided_link_offers_no_approve_or_reject_and_does_not_switch_the_provider(client, login, make_user):
    first, second = f.make_provider("Primero SRL"), f.make_provider("Segundo SRL")
    user = make_user(Role.PROVIDER, providers=[first])
    pending = f.link(user, second, status=LinkStatus.PENDING)
    staff = make_user(Role.CREDENTIALING)
    db.session.commit()
    assert user.current_provider_id == first.id
    login(staff)
    page = client.get(f"/admin/user_provider/details/?id={pending.id}").get_data(as_text=True)
    assert 'id="approve-link"' in page and 'id="reject-link"' in page
    accounts.decide_link(pending, True, staff)
    db.session.commit()
    page = client.get(f"/admin/user_provider/details/?id={pending.id}").get_data(as_text=True)
    assert 'id="approve-link"' not in page and 'id="reject-link"' not in page and 'id="revoke-link"' in page
    db.session.expire_all()
    assert user.current_provider_id == first.id  # still acting for the first provider
    assert sorted(user.linked_provider_ids) == sorted([first.id, second.id])


def test_glosa_code_picker_preselects_nothing(demo, demo_login, client):
    lot = db.session.scalar(sa.select(m.Lot).where(m.Lot.status == m.enums.LotStatus.IN_ANALYSIS).limit(1))
    demo_login("clerk@example.org")
    guide = lot.guides[0]  # the lot page lists guides; each guide's page holds the glosa forms
    html = client.get(f"/admin/account-audit/lot/{lot.id}/guide/{guide.id}").get_data(as_text=True)
    selects = re.findall(r'<select[^>]*name="code_id"[^>]*>(.*?)</select>', html, re.S)
    assert selects
    for options in selects:
        first = re.match(r'\s*<option value="([^"]*)"', options)
        assert first and first.group(1) == ""  # an empty choice first: no code until the clerk picks one
        assert "selected" not in options
    assert 'data-searchable=' in html and " - " in selects[0]  # searchable, code and full description
    # Sending without a code is refused, nothing is written.
    item = lot.guides[0].items[0]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(m.Glosa))
    client.post(f"/admin/account-audit/lot/{lot.id}/item/{item.id}/glosa",
                data={"amount": "1.00", "code_id": "", "reason": "x"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(m.Glosa)) == before


def test_glosa_appeal_beside_each_glosa_for_the_provider(demo, demo_login, client):
    demo_login("provider2@example.org")
    lot = db.session.scalar(sa.select(m.Lot).join(m.Glosa, m.Glosa.lot_id == m.Lot.id).where(
        m.Lot.status.in_([m.enums.LotStatus.RELEASED, m.enums.LotStatus.PAID, m.enums.LotStatus.ANALYSED])).limit(1))
    assert lot is not None
    tracking = client.get(f"/admin/lot-tracking/{lot.id}").get_data(as_text=True)
    # the demonstrativo lists guides; each guide's page shows its glosas
    statement = "".join(client.get(f"/admin/account-audit/lot/{lot.id}/guide/{guide.id}").get_data(as_text=True)
                        for guide in lot.guides)
    glosas = db.session.scalars(sa.select(m.Glosa.id).where(m.Glosa.lot_id == lot.id)).all()
    for html in (tracking, statement):
        links = dict(re.findall(r'data-appeal-glosa="(\d+)" href="([^"]+)"', html))
        appealed = set(re.findall(r'data-appealed="(\d+)"', html))
        assert {str(g) for g in glosas} == set(links) | appealed  # an action (or "appealed") beside each glosa
        assert all(link.startswith(f"/admin/my-appeals/new/{lot.id}") for link in links.values())
        for link in links.values():
            assert client.get(link.replace("&amp;", "&")).status_code == 200
