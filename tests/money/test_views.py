"""The money screens through HTTP: staff flow, provider pages, PDFs, CSV and provider scoping."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import Glosa
from models.base import db
from models.enums import InvoiceStatus, LotStatus, PaymentMethod, Role
from models.workflow import transition
from seed import factories as f
from services import analysis, payments
from tests.helpers import invoice_for


def _released_lot(lot, staff, codes):
    transition(lot, LotStatus.IN_ANALYSIS, staff["clerk"])
    analysis.start_values(lot)
    analysis.add_glosa(lot.guides[0].items[0], "30.00", codes["1705"], "<script>x</script>", staff["clerk"])
    analysis.finish(lot, staff["clerk"])
    transition(lot, LotStatus.RELEASED, staff["supervisor"])
    db.session.commit()


def test_clerk_analyses_through_the_screen(client, login, br_lot, money_setup, staff):
    login(staff["clerk"])
    r = client.post(f"/admin/account-audit/lot/{br_lot.id}/status", data={"target": "in_analysis"})
    assert r.status_code == 302
    item = br_lot.guides[0].items[0]
    r = client.post(f"/admin/account-audit/lot/{br_lot.id}/item/{item.id}/glosa",
                    data={"amount": "999", "code_id": money_setup["1705"].id, "reason": "x"}, follow_redirects=True)
    assert "Glosas cannot exceed the processed value" in r.get_data(as_text=True)
    client.post(f"/admin/account-audit/lot/{br_lot.id}/item/{item.id}/glosa",
                data={"amount": "30,00", "code_id": money_setup["1705"].id, "reason": "acima"})
    client.post(f"/admin/account-audit/lot/{br_lot.id}/guide/{br_lot.guides[1].id}/glosa",
                data={"code_id": money_setup["1702"].id, "reason": "dup"})
    page = client.get(f"/admin/account-audit/lot/{br_lot.id}").get_data(as_text=True)
    assert 'data-total="lot"' in page and "R$\xa0170.00" in page  # 350 informed - 180 glosas
    r = client.post(f"/admin/account-audit/lot/{br_lot.id}/status", data={"target": "analysed"})
    db.session.refresh(br_lot)
    assert br_lot.status == LotStatus.ANALYSED and br_lot.analysed_by_id == staff["clerk"].id
    pdf = client.get(f"/admin/account-audit/lot/{br_lot.id}/statement.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the analyst cannot release; another supervisor can
    assert client.post(f"/admin/account-audit/lot/{br_lot.id}/status", data={"target": "released"},
                       follow_redirects=True).status_code == 200
    db.session.refresh(br_lot)
    assert br_lot.status == LotStatus.ANALYSED


def test_payment_desk_flow(client, login, br_lot, money_setup, staff):
    _released_lot(br_lot, staff, money_setup)
    login(staff["clerk"])
    assert "Clínica Teste Ltda" in client.get("/admin/payment-desk/").get_data(as_text=True)
    r = client.post(f"/admin/payment-desk/new/{br_lot.provider_id}",
                    data={"doc": [f"lot:{br_lot.id}"], "payment_date": "2026-03-10", "action": "create",
                          "adjustment_kind": "debit", "adjustment_code": "09", "adjustment_amount": "10.00",
                          "adjustment_description": "Judicial"})
    assert r.status_code == 302, r.get_data(as_text=True)
    order = db.session.scalars(db.select(payments.PaymentOrder)).one()
    assert order.gross_amount == Decimal("320.00") and order.net_amount == Decimal("300.40")  # ISS 9.60, debit 10
    oid = order.id
    client.post(f"/admin/payment-desk/order/{oid}/status", data={"target": "pending_approval"})
    client.post(f"/admin/payment-desk/order/{oid}/status", data={"target": "approved"})  # clerk: refused
    db.session.refresh(order)
    assert order.status.value == "pending_approval"
    client.post("/logout")
    login(staff["supervisor"])
    client.post(f"/admin/payment-desk/order/{oid}/status", data={"target": "approved"})
    client.post("/logout")
    login(staff["clerk"])
    r = client.post(f"/admin/payment-desk/order/{oid}/pay", data={"paid_at": "2026-03-11", "method": "transfer",
                                                                  "bank_account": ""})
    assert r.status_code == 302
    db.session.refresh(order)
    assert order.status.value == "paid" and order.method == PaymentMethod.TRANSFER
    pdf = client.get(f"/admin/payment-desk/order/{oid}/statement.pdf")
    assert pdf.data.startswith(b"%PDF")
    cert = order.deductions[0].certificate
    assert client.get(f"/admin/payment-desk/certificate/{cert.id}.pdf").data.startswith(b"%PDF")
    csv = client.get("/admin/payment-desk/withholdings.csv?start=2026-03-01&end=2026-03-31").get_data(as_text=True)
    assert "iss" in csv and "9.60" in csv


def test_provider_pages_and_scoping(client, login, make_user, br_lot, money_setup, staff):
    _released_lot(br_lot, staff, money_setup)
    order = payments.create_order(br_lot.provider, [f"lot:{br_lot.id}"], date(2026, 3, 10), staff["clerk"])
    payments.submit(order, staff["clerk"])
    payments.approve(order, staff["supervisor"])
    payments.mark_paid(order, staff["clerk"], date(2026, 3, 11), PaymentMethod.TRANSFER)
    db.session.commit()
    cert = order.deductions[0].certificate
    owner = make_user(Role.PROVIDER, providers=[br_lot.provider])
    other_provider = f.make_provider("Outro Ltda", country=br_lot.provider.country)
    db.session.commit()
    stranger = make_user(Role.PROVIDER, providers=[other_provider])

    login(owner)
    # Libramientos / Mis comprobantes is the Argentine flow's; a Brazilian provider reads Demonstrativos
    assert client.get("/admin/provider-money/").status_code == 403
    docs = client.get("/admin/statements/").get_data(as_text=True)
    assert f"{order.number:08d}" in docs and f'data-lot="{br_lot.id}"' in docs
    assert client.get(f"/admin/statements/{order.id}.pdf").data.startswith(b"%PDF")
    assert f"{cert.number:08d}" in client.get("/admin/my-withholdings/").get_data(as_text=True)
    assert client.get(f"/admin/my-withholdings/{cert.id}.pdf").status_code == 200
    assert client.get(f"/admin/statements/{order.id}").status_code == 200
    rep = client.get("/admin/reports/?start=2026-01-01&end=2026-03-31").get_data(as_text=True)
    assert "R$\xa0320.00" in rep
    ext = client.get("/admin/reports/extract?start=2026-01-01&end=2026-03-31").get_data(as_text=True)
    assert "Ana Souza" in ext and "Banco do Brasil" in ext
    assert client.get("/admin/reports/extract?start=2026-01-01&end=2026-03-31&format=pdf").data.startswith(b"%PDF")
    csv = client.get("/admin/reports/?start=2026-01-01&end=2026-03-31&format=csv").get_data(as_text=True)
    assert "released" in csv
    analysis_page = client.get(f"/admin/account-audit/lot/{br_lot.id}/guide/{br_lot.guides[0].id}").get_data(
        as_text=True)
    assert "&lt;script&gt;" in analysis_page and "<script>x" not in analysis_page
    # appeal through the screen
    glosa_id = analysis.glosas_by_item(br_lot)[br_lot.guides[0].items[0].id][0].id
    assert client.get(f"/admin/appeals-desk/new/{br_lot.id}").status_code == 403  # the staff desk
    r = client.post(f"/admin/my-appeals/new/{br_lot.id}", data={f"amount_{glosa_id}": "30.00",
                                                                   "justification": "Contrato"})
    assert r.status_code == 302
    client.post("/logout")

    login(stranger)
    for url in (f"/admin/provider-money/order/{order.id}.pdf", f"/admin/my-withholdings/{cert.id}.pdf",
                f"/admin/statements/{order.id}", f"/admin/statements/{order.id}.pdf",
                f"/admin/account-audit/lot/{br_lot.id}", f"/admin/account-audit/lot/{br_lot.id}/statement.pdf",
                f"/admin/account-audit/lot/{br_lot.id}/guide/{br_lot.guides[0].id}",
                f"/admin/my-appeals/new/{br_lot.id}", "/admin/my-appeals/1",
                f"/admin/provider-money/?provider_id={br_lot.provider_id}",
                f"/admin/reports/?provider_id={br_lot.provider_id}",
                f"/admin/payment-desk/certificate/{cert.id}.pdf"):
        assert client.get(url).status_code in (403, 404), url
    assert f"{order.number:08d}" not in client.get("/admin/provider-money/").get_data(as_text=True)
    assert client.get("/admin/payment-desk/").status_code == 403
    assert client.post(f"/admin/account-audit/lot/{br_lot.id}/status",
                       data={"target": "in_analysis"}).status_code in (403, 404)


def test_dashboard_charts_and_drill_down(client, login, make_user, br_lot, money_setup, staff):
    _released_lot(br_lot, staff, money_setup)
    argentine = f.make_provider("Prestador Pesos SA")
    invoice = invoice_for(argentine, status=InvoiceStatus.SENT)
    db.session.add(Glosa(provider=argentine, invoice=invoice, code=money_setup["D01"], amount=Decimal("50.00"),
                         reason="No autorizada"))
    db.session.commit()
    login(staff["supervisor"])
    page = client.get("/admin/").get_data(as_text=True)  # the payer is Argentine: pesos first
    assert 'id="chart-monthly"' in page and 'id="chart-reasons"' in page and 'id="chart-providers"' in page
    assert "· ARS" in page and "D01" in page and "1705" not in page, "reais and pesos are never summed"
    assert 'data-currency="BRL"' in page
    reais = client.get("/admin/?currency=BRL").get_data(as_text=True)
    assert "· BRL" in reais and "1705" in reais and "D01" not in reais
    rows = client.get(f"/admin/drill/provider?key={br_lot.provider_id}&currency=BRL").get_data(as_text=True)
    assert "1705" in rows
    assert "1705" not in client.get(f"/admin/drill/provider?key={br_lot.provider_id}").get_data(as_text=True)
    assert client.get("/admin/drill/nothing").status_code == 404
    assert client.get("/admin/drill/paid?month=2026-13").status_code == 404
    client.post("/logout")
    other = f.make_provider("Outro", country=br_lot.provider.country)
    db.session.commit()
    login(make_user(Role.PROVIDER, providers=[other]))
    assert "1705" not in client.get(f"/admin/drill/provider?key={br_lot.provider_id}").get_data(as_text=True)
