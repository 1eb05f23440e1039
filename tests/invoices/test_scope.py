"""Another provider's ids on every invoice endpoint: 404 (never its data), and anonymous → login."""
import pytest

from models import Attachment
from models.base import db
from models.enums import AttachmentKind, InvoiceStatus
from services import drafts, storage
from services import invoice_wizard as wizard
from tests.invoices.pdfs import make_pdf


@pytest.fixture
def foreign(app, world):
    """The other provider's invoice, with a stored attachment."""
    stored = storage.save(make_pdf("secret"), "invoices", ".pdf")
    attachment = Attachment(invoice=world.other_invoice, kind=AttachmentKind.INVOICE_PDF, original_name="x.pdf",
                            stored_name=stored.stored_name, size=stored.size, sha256=stored.sha256)
    db.session.add(attachment)
    db.session.commit()
    return world.other_invoice, attachment


def endpoints(invoice, attachment):
    return [
        ("get", f"/admin/invoice/{invoice.id}/"),
        ("get", f"/admin/invoice/{invoice.id}/receipt.pdf"),
        ("get", f"/admin/invoice/{invoice.id}/attachment/{attachment.id}"),
        ("post", f"/admin/invoice/{invoice.id}/review"),
        ("get", f"/admin/invoice-wizard/edit/{invoice.id}"),
    ]


def test_other_providers_invoice_is_not_found(client, login, world, foreign):
    invoice, attachment = foreign
    login(world.provider_user)
    for method, url in endpoints(invoice, attachment):
        response = getattr(client, method)(url, data={"action": "observe", "remarks": "x"})
        assert response.status_code == 404, url
    db.session.refresh(invoice)
    assert invoice.status == InvoiceStatus.SENT
    listing = client.get("/admin/invoice/?tab=sent&q=" + invoice.authorization.number).get_data(as_text=True)
    assert invoice.display_number not in listing and invoice.provider.legal_name not in listing


def test_the_owner_and_staff_can_open_them(client, login, world, foreign):
    invoice, attachment = foreign
    login(world.other_user)
    for _method, url in endpoints(invoice, attachment)[:3]:
        assert client.get(url).status_code == 200, url
    client.post("/logout")
    login(world.clerk)
    assert client.get(f"/admin/invoice/{invoice.id}/attachment/{attachment.id}").data.startswith(b"%PDF")


def test_attachment_of_another_invoice_through_own_invoice_id(client, login, world, foreign):
    from seed import factories as f
    from tests.invoices.conftest import INVOICE_DATE, PERIOD

    own = f.make_invoice(world.auth, 1, "10.00", PERIOD, invoice_date=INVOICE_DATE)
    db.session.commit()
    _, attachment = foreign
    login(world.provider_user)
    assert client.get(f"/admin/invoice/{own.id}/attachment/{attachment.id}").status_code == 404


def test_a_draft_cannot_be_pointed_at_another_providers_authorization(client, login, world):
    login(world.provider_user)
    drafts.save(world.provider_user, wizard.KIND, wizard.WizardState(
        authorization_id=world.other_auth.id, valid=True,
        files={"invoice_pdf": {"stored_name": "../secret_key", "original_name": "x"}}))
    db.session.commit()
    assert client.get("/admin/invoice-wizard/data").status_code == 404
    assert wizard.current(world.provider_user) is None  # the forged draft is dropped
    assert client.get("/admin/invoice-wizard/file/invoice_pdf").status_code == 404


def test_another_users_draft_is_not_this_users(client, login, world):
    drafts.save(world.clerk, wizard.KIND, wizard.WizardState(
        authorization_id=world.other_auth.id, files={"invoice_pdf": {"stored_name": "x.pdf", "original_name": "x"}}))
    db.session.commit()
    login(world.provider_user)
    assert client.get("/admin/invoice-wizard/data").status_code == 302
    assert client.get("/admin/invoice-wizard/file/invoice_pdf").status_code == 404


def test_anonymous_goes_to_login(client, world, foreign):
    invoice, attachment = foreign
    for method, url in endpoints(invoice, attachment) + [("get", "/admin/invoice/"), ("get", "/admin/invoice-wizard/")]:
        response = getattr(client, method)(url)
        assert response.status_code in (302, 400), url
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_provider_without_link_sees_nothing(client, make_user, login, world):
    from models.enums import Role

    login(make_user(Role.PROVIDER))
    html = client.get("/admin/invoice/?tab=sent").get_data(as_text=True)
    assert world.other_invoice.display_number not in html
