"""The edges a hostile or careless request meets before any rule: NUL bytes, ids and pages out of range,
Flask-Admin filters and typed fields, downloads named in any script, files gone from disk, lost races."""
from __future__ import annotations

import logging
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_admin.contrib.sqla import ModelView
from sqlalchemy.exc import IntegrityError

import models as m
from models.base import db
from models.enums import Role
from services import payments, storage
from tests.helpers import admin_views
from views.admin.filters import _EnumOne


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("how", ["query", "form", "json", "path"])
def test_a_nul_byte_is_refused_with_a_clear_400(client, login_as, how):
    login_as(Role.ADMIN)
    if how == "query":
        response = client.get("/admin/lot/", query_string={"search": "abc\x00"})
    elif how == "form":
        response = client.post("/admin/lot-tracking/1/move", data={"reason": "a\x00b"})
    elif how == "json":
        response = client.post("/admin/lot-builder/select", json={"guide": ["1\x00"]})
    else:
        response = client.get("/admin/provider/details/%00/")
    assert response.status_code == 400, how
    assert "NUL character" in text(response)


def test_pages_and_ids_out_of_range_are_4xx(client, login_as):
    login_as(Role.ADMIN)
    for url in ("/admin/lot/?page=-1", "/admin/lot/?page=%C2%B2", "/admin/lot/?page=99999999999999999999",
                "/admin/lot-tracking/?page=%C2%B2&protocol=%D9%A1%D9%A2",
                "/admin/invoice/?tab=x&after=x_99999999999999999999",
                "/admin/appeals-desk/?after=99999999999999999999999", "/admin/appeals-desk/?after=%E2%80%AEx",
                "/admin/account-audit/?lots_after=W10&invoices_after=e30",
                "/admin/account-audit/?lots_after=99999999999999999999999",
                "/admin/payment-desk/?orders_after=2026-01-01~99999999999999999999999"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/appeals-desk/?status=nonsense").status_code == 400
    for url in ("/admin/lot/details/?id=abc", "/admin/lot/details/?id=99999999999999999999",
                "/admin/lot-tracking/99999999999999999999", "/admin/invoice/99999999999999999999/review"):
        assert client.get(url).status_code in (404, 405), url


def test_enum_filters_take_what_their_menu_sends_and_drop_the_rest(demo, client, login_as):
    login_as(Role.ADMIN)
    tried = 0
    for view in admin_views().values():
        if not isinstance(view, ModelView) or not view._filters:
            continue
        for key, (_idx, flt) in view._filter_args.items():
            if not isinstance(flt, _EnumOne) or not flt.options:
                continue
            value = flt.options[0][0]
            page = client.get(view.get_url(f"{view.endpoint}.index_view"), query_string={f"flt0_{key}": value})
            assert page.status_code == 200 and "Invalid Filter Value" not in text(page), (view.endpoint, value)
            unknown = client.get(view.get_url(f"{view.endpoint}.index_view"), query_string={f"flt0_{key}": "1"})
            assert unknown.status_code == 200 and "Invalid Filter Value" in text(unknown), view.endpoint
            tried += 1
    assert tried >= 15


def test_a_status_filter_lists_only_that_status(demo, client, login_as):
    login_as(Role.ADMIN)
    view = admin_views()["lot"]
    key = next(k for k, (_i, f) in view._filter_args.items() if isinstance(f, _EnumOne) and f.column.key == "status"
               and type(f).__name__ == "EnumEqualFilter")
    statuses = set(re.findall(r'data-status="([a-z_]+)"', text(client.get("/admin/lot/"))))
    assert len(statuses) > 1
    for status in statuses:
        page = client.get("/admin/lot/", query_string={f"flt0_{key}": status})
        listed = re.findall(r'data-status="([a-z_]+)"', text(page))
        assert listed and set(listed) == {status}, status


def test_flask_admin_money_fields_refuse_nan(app, demo, client, login_as):
    login_as(Role.ADMIN)
    item = db.session.scalars(sa.select(m.PriceTableItem).limit(1)).one()
    before = item.unit_price
    page = client.post(f"/admin/price_table_item/edit/?id={item.id}", data={
        "table": item.price_table_id, "code": item.code, "description": item.description, "kind": item.kind.value,
        "unit_price": "NaN"})
    assert page.status_code == 200 and "Enter a number" in text(page)
    db.session.refresh(item)
    assert item.unit_price == before and item.unit_price.is_finite()
    client.post(f"/admin/price_table_item/edit/?id={item.id}", data={
        "table": item.price_table_id, "code": item.code, "description": item.description, "kind": item.kind.value,
        "unit_price": "1,234.50"})
    db.session.refresh(item)
    assert item.unit_price == Decimal("1234.50")


def _submission(provider, data: bytes | None, filename: str) -> m.TissSubmission:
    stored = storage.save(data or b"<x/>", "tiss", ".xml")
    if data is None:
        storage.delete("tiss", stored.stored_name)
    row = m.TissSubmission(provider_id=provider.id, filename=filename, size=stored.size, sha256=stored.sha256,
                           stored_name=stored.stored_name, accepted=False)
    db.session.add(row)
    db.session.commit()
    return row


def test_a_file_named_in_any_script_downloads_with_rfc5987(demo, demo_login, client):
    provider2 = demo["provider2@example.org"]
    row = _submission(db.session.get(m.Provider, provider2.current_provider_id), b"<lote/>",
                      "lote \u2013 novembro \U0001f600.xml")
    demo_login("provider2@example.org")
    response = client.get(f"/admin/tiss/submission/{row.id}/original")
    assert response.status_code == 200 and response.data == b"<lote/>"
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''lote%20%E2%80%93%20novembro%20%F0%9F%98%80.xml" in disposition
    disposition.encode("latin-1")  # the header itself stays Latin-1 (gunicorn refuses anything else)


def test_a_stored_file_missing_on_disk_is_404_and_logged(demo, demo_login, client, caplog):
    provider2 = demo["provider2@example.org"]
    row = _submission(db.session.get(m.Provider, provider2.current_provider_id), None, "lote.xml")
    demo_login("provider2@example.org")
    with caplog.at_level(logging.ERROR, logger=current_app.logger.name):
        response = client.get(f"/admin/tiss/submission/{row.id}/original")
    assert response.status_code == 404
    assert any(row.stored_name in record.getMessage() for record in caplog.records)


def test_a_lost_race_is_a_409_with_a_sentence(demo, demo_login, client, monkeypatch):
    def lost(*args, **kwargs):
        raise IntegrityError("INSERT INTO payment_order_line", {}, Exception("duplicate key value"))

    monkeypatch.setattr(payments, "create_order", lost)
    demo_login("clerk@example.org")
    provider = db.session.scalars(sa.select(m.Provider).where(m.Provider.legal_name.like("Clínica Vida%"))).one()
    response = client.post(f"/admin/payment-desk/new/{provider.id}", data={
        "action": "create", "payment_date": "2026-03-10",
        "doc": [p.key for p in payments.payables(provider).all][:1]})
    assert response.status_code == 409
    assert "at the same time" in text(response) and "duplicate key" not in text(response)



@pytest.mark.parametrize("value", ["999999", "abc", "3000000000", "99999999999999999999"])
@pytest.mark.parametrize(("endpoint", "field", "model"), [
    ("user_provider", "user", m.UserProvider), ("prior_authorization", "beneficiary", m.PriorAuthorization)])
def test_a_record_id_that_does_not_exist_is_a_field_error(demo, client, login_as, endpoint, field, model, value):
    login_as(Role.ADMIN)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    response = client.post(f"/admin/{endpoint}/new/", data={field: value})
    page = text(response)
    assert response.status_code == 200
    assert "Choose an existing record: this one does not exist." in page
    assert "Someone else changed this record" not in page and "refused by the database" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == before
