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
from flask import current_app
from flask_admin.contrib.sqla import ModelView

import models as m
from models.base import db
from models.enums import Role
from seed import factories as f

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Path arguments holding a row id, and the model whose ids they take.
ID_ARGS = {
    "invoice_id": m.Invoice, "lot_id": m.Lot, "order_id": m.PaymentOrder, "submission_id": m.TissSubmission,
    "attachment_id": m.Attachment, "appeal_id": m.Appeal, "cert_id": m.WithholdingCertificate,
    "guide_id": m.Guide, "provider_id": m.Provider,
}
OTHER_ARGS = {"export_type": "csv", "kind": "billed", "code": "es_AR", "token": "x", "filename": "x.eml"}
# Pages an unlinked provider user may open: its own account and the link request.
ACCOUNT_PAGES = re.compile(r"^/(admin/?|admin/my-links/.*|account/.*|logout|login|register|forgot-password|"
                           r"activate/.*|reset-password/.*|lang/.*|healthz|static/.*|admin/static/.*)$")


def provider_of(row) -> int | None:
    if isinstance(row, m.Provider):
        return row.id
    if isinstance(row, m.Attachment):
        return row.invoice.provider_id if row.invoice else (row.appeal.provider_id if row.appeal else None)
    return getattr(row, "provider_id", None)


def rows_by_owner(model, own: int | None):
    """(one own row id, one foreign row id) of ``model`` in the demo."""
    own_id = foreign_id = None
    for row in db.session.scalars(sa.select(model).order_by(model.id).limit(400)):
        owner = provider_of(row)
        if own is not None and owner == own and own_id is None:
            own_id = row.id
        if owner is not None and owner != own and foreign_id is None:
            foreign_id = row.id
    return own_id, foreign_id


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


def admin_views():
    return {view.endpoint: view for view in current_app.extensions["admin"][0]._views}


def urls_to_try(own: int | None) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET rule: ids of foreign rows (and own rows) in every id slot."""
    pairs = {arg: rows_by_owner(model, own) for arg, model in ID_ARGS.items()}
    views = admin_views()
    out = []
    for rule in current_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        for pick in (1, 0):  # the foreign row first, then the own row
            values = {}
            for arg in rule.arguments:
                values[arg] = pairs[arg][pick] if arg in pairs else OTHER_ARGS.get(arg, "1")
            if any(v is None for v in values.values()):
                continue
            url = rule.build(values, append_unknown=False)[1]
            view = views.get(rule.endpoint.split(".")[0])
            if isinstance(view, ModelView) and rule.endpoint.split(".")[1] in ("details_view", "edit_view"):
                _own, foreign = rows_by_owner(view.model, own) if view.model.__tablename__ != "user" else (1, 1)
                row_id = foreign if pick == 1 else _own
                if row_id is None:
                    continue
                url += f"?id={row_id}"
            elif not rule.arguments:
                foreign_provider = pairs["provider_id"][1]
                url += f"?provider_id={foreign_provider}&provider={foreign_provider}"
            out.append((rule.endpoint, url))
            if not rule.arguments and pick == 1:
                out.append((rule.endpoint, str(rule.rule)))
            if not rule.arguments:
                break
    return out


def body(response) -> str:
    return response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/xml")) else ""


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
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
