"""Security headers on every kind of response: an HTML page, a CSV export, a generated PDF, an uploaded
attachment, an XML file, an error page, a static file. And no template brings back what the
Content-Security-Policy blocks (inline handlers, scripts without the nonce, style attributes)."""
import re
from pathlib import Path

import pytest

from app import create_app
from models import Attachment
from models.base import db
from models.enums import AttachmentKind, InvoiceStatus, Role
from services import storage
from services.invoices import UPLOAD_KIND
from tests.helpers import argentine_provider, invoice_for
from tests.invoices.pdfs import make_pdf

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _assert_secured(response, html=False):
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    policy = headers.getlist("Content-Security-Policy")[0]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    nonce = next(s for s in directives["script-src"] if s.startswith("'nonce-"))[7:-1]
    assert len(nonce) >= 22
    if html:
        body = response.get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    return nonce


@pytest.fixture
def invoice_with_attachment(app):
    provider = argentine_provider("Headers SA")
    invoice = invoice_for(provider, status=InvoiceStatus.SENT)
    stored = storage.save(make_pdf("factura"), UPLOAD_KIND, ".pdf")
    db.session.add(Attachment(invoice=invoice, kind=AttachmentKind.INVOICE_PDF, original_name="factura marzo.pdf",
                              stored_name=stored.stored_name, size=stored.size, sha256=stored.sha256))
    db.session.commit()
    return invoice


def test_html_pages_carry_the_headers_and_a_fresh_nonce(app, client, login_as):
    _assert_secured(app.test_client().get("/login"), html=True)
    login_as(Role.ADMIN)
    first = _assert_secured(client.get("/admin/provider/"), html=True)
    second = _assert_secured(client.get("/admin/provider/"), html=True)
    assert first != second


def test_downloads_errors_and_static_files_carry_the_headers(client, login_as, invoice_with_attachment):
    login_as(Role.ADMIN)
    csv = client.get("/admin/provider/export/csv/")
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and "Headers SA" in csv.get_data(as_text=True)
    _assert_secured(csv)
    attachment = invoice_with_attachment.attachments[0]
    pdf = client.get(f"/admin/invoice/{invoice_with_attachment.id}/attachment/{attachment.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    _assert_secured(pdf)
    assert "sandbox" in pdf.headers.getlist("Content-Security-Policy")  # the view's own policy is kept
    _assert_secured(client.get("/admin/no-such-page"))
    _assert_secured(client.get("/static/liquida.js"))
    _assert_secured(client.get("/admin/static/vendor/jquery.min.js"))


def test_generated_pdf_and_xml_carry_the_headers(client, demo, demo_login):
    demo_login("provider2@example.org")
    from models import Lot

    lot = db.session.query(Lot).filter(Lot.protocol_number.is_not(None)).first()
    pdf = client.get(f"/admin/lot-tracking/{lot.id}/protocol.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    _assert_secured(pdf)
    client.post("/logout")
    demo_login("clerk@example.org")
    xml = client.get(f"/admin/tiss/lot/{lot.id}/export.xml")
    assert xml.status_code == 200 and "xml" in xml.mimetype
    _assert_secured(xml)


def test_hsts_is_a_setting_sent_on_https_only(app):
    secured = create_app({k: app.config[k] for k in ("UPLOAD_FOLDER", "MAIL_OUTBOX")}
                         | {"TESTING": True, "HSTS_SECONDS": 31536000})
    client = secured.test_client()
    assert client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"] \
        == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers
    assert "Strict-Transport-Security" not in app.test_client().get("/login", base_url="https://localhost").headers


# What the policy blocks must not come back through a template -------------------------------------
PAGES = [p for p in TEMPLATES.rglob("*.html") if not {"pdf", "email"} & set(p.relative_to(TEMPLATES).parts)]
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
JS_URL = re.compile(r"=\s*[\"']\s*javascript:(?!void\(0\))", re.IGNORECASE)  # Flask-Admin's void(0): liquida.js


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_nothing_the_policy_blocks(path):
    text = path.read_text()
    assert not INLINE_HANDLER.search(text), "inline event handler: use data-* and static/liquida.js"
    assert all("csp_nonce()" in tag or "admin_csp_nonce_attribute" in tag for tag in SCRIPT_TAG.findall(text)), \
        "<script> without the request's nonce"
    assert not STYLE_ATTR.search(text), "style attribute: use a class in static/liquida.css"
    assert not JS_URL.search(text), "javascript: URL"
