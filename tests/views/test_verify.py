"""Anyone can check a printed verification code; unknown and forged codes are not found."""
import sqlalchemy as sa

import models as m
from models.base import db
from services.invoices import verification_code_for


def submitted_invoice():
    """A demo invoice given its constancia code as the wizard's sending does."""
    invoice = db.session.scalar(sa.select(m.Invoice).order_by(m.Invoice.id).limit(1))
    invoice.verification_code = verification_code_for(invoice.id, 4242)
    db.session.flush()
    return invoice


def test_a_constancia_code_shows_its_invoice(client, demo):
    invoice = submitted_invoice()
    response = client.get(f"/verify?code={invoice.verification_code.lower()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="verified-document"' in html and invoice.display_number in html


def test_a_certificate_code_shows_its_certificate(client, demo):
    cert = db.session.scalar(sa.select(m.WithholdingCertificate).limit(1))
    html = client.get(f"/verify?code={cert.verification_code}").get_data(as_text=True)
    assert f"{cert.number:08d}" in html and cert.provider.legal_name in html


def test_unknown_forged_and_hostile_codes_are_not_found(client, demo):
    invoice = submitted_invoice()
    serial, digest = invoice.verification_code.split("-")
    forged = f"{serial}-{'0' * len(digest)}"
    for code in (forged, "00000000-ABCDEF012345", "<script>", "x" * 500, "1\x00"):
        response = client.get("/verify", query_string={"code": code})
        assert response.status_code in (400, 404), code
        assert 'id="verified-document"' not in response.get_data(as_text=True)
    assert client.get("/verify").status_code == 200
