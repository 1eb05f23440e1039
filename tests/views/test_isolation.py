"""A provider user never reaches another provider's rows, on any endpoint of any screen."""
import csv
import io

import pytest
import sqlalchemy as sa

import models as m
from models.base import db
from models.permissions import PROVIDER_SCOPED

SCOPED_MODELS = {
    "invoice_record": m.Invoice, "authorization": m.Authorization, "lot": m.Lot, "guide": m.Guide, "glosa": m.Glosa,
    "appeal": m.Appeal, "payment_order": m.PaymentOrder, "withholding_certificate": m.WithholdingCertificate,
    "provider": m.Provider, "user_provider": m.UserProvider, "professional": m.Professional,
    "service_location": m.ServiceLocation, "guide_item": m.GuideItem, "authorization_order": m.AuthorizationOrder,
    "payment_order_line": m.PaymentOrderLine, "payment_deduction": m.PaymentDeduction,
    "appeal_item": m.AppealItem, "price_table_item": m.PriceTableItem, "tiss_ws_credential": m.TissWsCredential,
}


def resource(endpoint):
    return SCOPED_MODELS[endpoint].__tablename__


def owned_query(endpoint, select):
    """``select`` restricted to rows whose provider (possibly through the parent) is known."""
    model = SCOPED_MODELS[endpoint]
    *hops, column = PROVIDER_SCOPED[resource(endpoint)].split(".")
    owner = model
    for hop in hops:
        relationship = getattr(owner, hop)
        select = select.join(relationship)
        owner = relationship.property.mapper.class_
    return select, getattr(owner, column)


def foreign_ids(endpoint, own_provider_id):
    query, column = owned_query(endpoint, sa.select(SCOPED_MODELS[endpoint].id))
    return db.session.scalars(query.where(column != own_provider_id)).all()


# The demo's Brazilian rows belong to provider2 and its Argentine rows to provider (and nine other
# Argentine providers): each screen is probed by a provider user who does NOT own the rows tried. A
# screen of the other country's flow answers 403 as a whole (models.permissions.COUNTRY).
PROBER = {endpoint: "provider2@example.org" for endpoint in SCOPED_MODELS}
PROBER.update({e: "provider@example.org" for e in (
    "lot", "guide", "glosa", "appeal", "professional", "service_location", "guide_item", "appeal_item",
    "price_table_item", "tiss_ws_credential", "invoice_record", "authorization", "authorization_order")})


def refusal(client, endpoint) -> int:
    """404 for a foreign row of a screen the prober may open; 403 for a screen it may not."""
    return 404 if client.get(f"/admin/{endpoint}/").status_code == 200 else 403


@pytest.fixture
def provider_client(request, demo, demo_login, client):
    email = PROBER.get(getattr(request, "param", None), "provider2@example.org")
    demo_login(email)
    return client, demo[email].current_provider_id


@pytest.mark.parametrize("provider_client,endpoint", [(e, e) for e in sorted(SCOPED_MODELS)],
                         indirect=["provider_client"])
def test_details_edit_delete_of_foreign_rows_are_refused(provider_client, endpoint):
    client, own = provider_client
    ids = foreign_ids(endpoint, own)
    assert ids, f"the demo has foreign {endpoint} rows to try"
    model = SCOPED_MODELS[endpoint]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(model))
    expected = refusal(client, endpoint)
    for row_id in ids[:3]:
        assert client.get(f"/admin/{endpoint}/details/?id={row_id}").status_code == expected
        assert client.get(f"/admin/{endpoint}/edit/?id={row_id}").status_code in (302, expected)
        client.post(f"/admin/{endpoint}/delete/", data={"id": row_id})
        client.post(f"/admin/{endpoint}/action/", data={"action": "delete", "rowid": [row_id]})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == before


@pytest.mark.parametrize("provider_client,endpoint", [(e, e) for e in sorted(SCOPED_MODELS)],
                         indirect=["provider_client"])
def test_list_and_export_show_only_own_rows(provider_client, endpoint):
    client, own = provider_client
    model = SCOPED_MODELS[endpoint]
    query, column = owned_query(endpoint, sa.select(sa.func.count()).select_from(model))
    own_count = db.session.scalar(query.where(column == own))
    page = client.get(f"/admin/{endpoint}/?page_size=100")
    if refusal(client, endpoint) == 403:  # a screen of the other country's flow: nothing to list or export
        assert page.status_code == 403 and client.get(f"/admin/{endpoint}/export/csv/").status_code == 403
        return
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for row_id in foreign_ids(endpoint, own)[:20]:
        assert f'name="rowid" value="{row_id}"' not in html
        assert f"details/?id={row_id}&" not in html
    export = client.get(f"/admin/{endpoint}/export/csv/")
    if export.status_code == 200:
        rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
        assert len(rows) - 1 == own_count


def test_relationship_lookups_are_closed_to_providers(provider_client):
    client, _ = provider_client
    for endpoint, name in [("guide", "beneficiary"), ("guide", "provider"), ("authorization", "provider"),
                           ("glosa", "lot"), ("user_provider", "user")]:
        response = client.get(f"/admin/{endpoint}/ajax/lookup/?name={name}&query=a")
        assert response.status_code == 403, (endpoint, name)


def test_provider_sees_its_own_rows(provider_client):
    client, own = provider_client
    own_lot = db.session.scalar(sa.select(m.Lot.id).where(m.Lot.provider_id == own))
    assert client.get(f"/admin/lot/details/?id={own_lot}").status_code == 200
