"""Each country's documents carry the payer's identity in that country: a Brazilian provider's
certificate, statement and lot protocol name the CNPJ, registro ANS, address and signer of Brazil,
never the Argentine CUIT; an Argentine provider's, the CUIT and IVA condition."""
from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from models.base import db
from models.enums import Country, PaymentMethod
from seed import demo
from services import payments
from services.payer_identity import identity_for
from tests.money.test_views import _released_lot

CNPJ, CUIT = "34.028.316/0001-03", "30-71000000-6"


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.data.startswith(b"%PDF"), response.status_code
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def paid_order(provider, docs, staff):
    order = payments.create_order(provider, docs, date(2026, 3, 10), staff["clerk"])
    payments.submit(order, staff["clerk"])
    payments.approve(order, staff["supervisor"])
    payments.mark_paid(order, staff["clerk"], date(2026, 3, 11), PaymentMethod.TRANSFER)
    db.session.commit()
    return order


def test_identity_follows_the_providers_country(br_lot, ar_invoice):
    br, ar = identity_for(br_lot.provider), identity_for(ar_invoice.provider)
    assert (br.country, br.tax_id, br.ans_registry, br.tax_id_label) == (Country.BR, demo.PAYER_CNPJ, "419999", "CNPJ")
    assert (ar.country, ar.tax_id, ar.tax_id_label) == (Country.AR, demo.PAYER_CUIT, "CUIT")


def test_brazilian_documents_carry_the_brazilian_identity(client, login, br_lot, money_setup, staff):
    _released_lot(br_lot, staff, money_setup)
    order = paid_order(br_lot.provider, [f"lot:{br_lot.id}"], staff)
    cert = order.deductions[0].certificate
    assert cert.signer_name == "Bruna Signatária"
    login(staff["clerk"])
    for url in (f"/admin/payment-desk/certificate/{cert.id}.pdf", f"/admin/payment-desk/order/{order.id}/statement.pdf",
                f"/admin/account-audit/lot/{br_lot.id}/statement.pdf"):
        text = pdf_text(client.get(url))
        assert "Operadora Teste Ltda" in text and CNPJ in text and "419999" in text, url
        assert "CUIT" not in text and CUIT not in text and "Calle 1" not in text and "IVA" not in text, url
    assert "Bruna Signatária" in pdf_text(client.get(f"/admin/payment-desk/certificate/{cert.id}.pdf"))


def test_argentine_documents_carry_the_argentine_identity(client, login, ar_invoice, money_setup, staff):
    from models.enums import InvoiceStatus
    from models.workflow import transition

    transition(ar_invoice, InvoiceStatus.ACCEPTED, staff["supervisor"])
    db.session.commit()
    order = paid_order(ar_invoice.provider, [f"invoice:{ar_invoice.id}"], staff)
    login(staff["clerk"])
    text = pdf_text(client.get(f"/admin/payment-desk/order/{order.id}/statement.pdf"))
    assert "Obra Social Test" in text and CUIT in text and "Calle 1" in text
    assert CNPJ not in text and "419999" not in text
    for cert in (d.certificate for d in order.deductions if d.certificate is not None):
        text = pdf_text(client.get(f"/admin/payment-desk/certificate/{cert.id}.pdf"))
        assert CUIT in text and "IVA Exento" in text and "Ana Firmante" in text and CNPJ not in text
