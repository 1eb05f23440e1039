"""Menus and pages follow the user's role and country (models.permissions: MATRIX and COUNTRY).

An Argentine provider works the IOMA invoice flow, a Brazilian provider the TISS lot flow; staff work
the flows of the countries the payer operates in. A page outside the user's country or role is not
only missing from the menu: it answers 403 (or 404 for a row), whatever the menu shows.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

import models as m
from models.base import db
from models.enums import Country

# Pages of each country's flow and the staff desks, as a provider would type them.
ARGENTINE = ["/admin/invoice-wizard/", "/admin/invoice/", "/admin/provider-money/", "/admin/authorization/",
             "/admin/invoice_record/"]
BRAZILIAN = ["/admin/lot-builder/", "/admin/lot-tracking/", "/admin/tiss/", "/admin/tiss_submission/",
             "/admin/statements/", "/admin/my-appeals/", "/admin/reports/", "/admin/billing-run/", "/admin/lot/",
             "/admin/guide/", "/admin/nf-report/"]
STAFF_DESKS = ["/admin/account-audit/", "/admin/appeals-desk/", "/admin/payment-desk/",
               "/admin/payment_order_line/", "/admin/payment_deduction/", "/admin/audit_log/"]


def menu_hrefs(client) -> set[str]:
    html = client.get("/admin/").get_data(as_text=True)
    nav = html.split('<ul class="nav navbar-nav', 1)[1].split("navbar-right", 1)[0]  # the menu, not the user's bar
    return set(re.findall(r'href="(/admin/[^"]*)"', nav))


def overview(client) -> set[str]:
    return set(re.findall(r'data-overview="(\w+)"', client.get("/admin/").get_data(as_text=True)))


def test_argentine_provider_sees_the_invoice_flow_only(demo, demo_login, client):
    demo_login("provider@example.org")
    menu = menu_hrefs(client)
    assert {"/admin/invoice-wizard/", "/admin/invoice/", "/admin/provider-money/", "/admin/my-withholdings/",
            "/admin/my-links/"} <= menu
    for url in BRAZILIAN + STAFF_DESKS:
        assert url not in menu, url
        assert client.get(url).status_code in (403, 404), url
    for url in ARGENTINE[:3]:
        assert client.get(url).status_code == 200, url
    lot = db.session.scalar(sa.select(m.Lot).limit(1))
    assert client.get(f"/admin/account-audit/lot/{lot.id}").status_code in (403, 404)
    assert client.get(f"/admin/my-appeals/new/{lot.id}").status_code == 403
    assert overview(client) == {"InvoiceStatus", "PaymentOrderStatus"}
    assert 'data-queue="awaiting_info"' not in client.get("/admin/").get_data(as_text=True)


def test_brazilian_provider_sees_the_lot_flow_only(demo, demo_login, client):
    demo_login("provider2@example.org")
    menu = menu_hrefs(client)
    assert {"/admin/lot-builder/", "/admin/lot-tracking/", "/admin/tiss/", "/admin/tiss_submission/",
            "/admin/statements/", "/admin/my-appeals/", "/admin/reports/"} <= menu
    assert not any("wizard" in href or "invoice" in href for href in menu), menu
    for url in ARGENTINE + STAFF_DESKS:
        assert url not in menu, url
        response = client.get(url)
        if url == "/admin/account-audit/":  # its lots' analyses are read from Demonstrativos
            assert response.headers.get("Location", "").endswith("/admin/statements/"), url
        else:
            assert response.status_code in (403, 404), url
    for url in BRAZILIAN:
        assert client.get(url).status_code == 200, url
    invoice = db.session.scalar(sa.select(m.Invoice).limit(1))
    assert client.get(f"/admin/invoice/{invoice.id}/").status_code in (403, 404)
    assert overview(client) == {"LotStatus", "PaymentOrderStatus"}


def test_staff_work_the_flows_of_the_payers_countries(demo, demo_login, client):
    demo_login("clerk@example.org")
    menu = menu_hrefs(client)
    assert {"/admin/invoice/", "/admin/account-audit/", "/admin/appeals-desk/", "/admin/tiss/"} <= menu
    assert "/admin/invoice_record/" not in menu  # one invoice list: Facturas
    assert not {"/admin/lot-builder/", "/admin/lot-tracking/", "/admin/provider-money/", "/admin/my-appeals/"} & menu
    # A payer operating in Brazil only: its staff see no IOMA invoice flow, anywhere.
    payer = db.session.scalar(sa.select(m.PayerSettings))
    payer.identities.remove(payer.identity(Country.AR))
    db.session.commit()
    menu = menu_hrefs(client)
    assert "/admin/invoice/" not in menu and "/admin/tiss/" in menu
    for url in ("/admin/invoice/", "/admin/invoice-wizard/", "/admin/authorization/", "/admin/invoice_record/"):
        assert client.get(url).status_code == 403, url
    assert overview(client) == {"LotStatus", "PaymentOrderStatus"}


def test_words_of_the_seeds_in_spanish(demo, demo_login, client):
    """The IOMA portal's tab names, Libramientos for payment orders, a voucher type by its name."""
    demo_login("provider@example.org")
    client.post("/lang", data={"code": "es_AR"})
    html = client.get("/admin/invoice/").get_data(as_text=True)
    tabs = re.findall(r'data-tab="\w+"[^>]*>\s*([^<]+?)\s*<span', html)
    assert tabs == ["Cargadas", "Enviadas", "Observadas/Devueltas", "Aceptadas", "Ingresadas", "Rechazadas"]
    assert "Libramientos / Mis comprobantes" in client.get("/admin/").get_data(as_text=True)
    client.post("/logout")
    demo_login("clerk@example.org")
    invoice = db.session.scalar(sa.select(m.Invoice).where(m.Invoice.voucher_type == 11).limit(1))
    details = client.get(f"/admin/invoice_record/details/?id={invoice.id}").get_data(as_text=True)
    assert "Factura C" in details and ">11<" not in details
