"""Review of invoices: clerk observes or forwards, supervisor accepts or rejects; state machine,
four-eyes, forged POSTs, emails, audit and the constancia PDF."""
import email
import email.policy
from pathlib import Path

import pytest
from sqlalchemy import select

from models import AuditLog
from models.base import db
from models.enums import InvoiceStatus, Role
from models.workflow import TransitionError, transition
from seed import factories as f
from tests.invoices.conftest import INVOICE_DATE, PERIOD, errors_of


@pytest.fixture
def sent(world):
    invoice = f.make_invoice(world.auth, 85, "29663.00", PERIOD, status=InvoiceStatus.SENT,
                             created_by=world.provider_user, invoice_date=INVOICE_DATE,
                             verification_code="00000001-ABCDEF012345")
    db.session.commit()
    return invoice


def post(client, invoice, action, **data):
    return client.post(f"/admin/invoice/{invoice.id}/review",
                       data={"action": action, "version_id": invoice.version_id, **data})


def outbox(app) -> list[str]:
    """Messages written to the outbox, oldest first, as 'To/Subject/body' text."""
    folder = Path(app.config["MAIL_OUTBOX"])
    out = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        out.append(f"To: {message['To']}\nSubject: {message['Subject']}\n{message.get_content()}")
    return out


def test_clerk_sees_buttons_and_qr_check(client, login, world, sent):
    login(world.clerk)
    html = client.get(f"/admin/invoice/{sent.id}/").get_data(as_text=True)
    assert 'id="observe-form"' in html and 'id="forward-form"' in html and 'id="accept-form"' not in html
    assert 'id="qr-missing"' in html


def test_observe_requires_remarks_then_provider_corrects_and_resends(client, login, world, sent, app, wizard):
    login(world.clerk)
    response = post(client, sent, "observe", remarks="  ")
    assert response.status_code == 400 and "Write the remarks" in errors_of(response)["remarks"][0]
    before = len(outbox(app))
    response = post(client, sent, "observe", remarks="Falta la planilla firmada")
    assert response.status_code == 302
    db.session.refresh(sent)
    assert sent.status == InvoiceStatus.OBSERVED and sent.remarks == "Falta la planilla firmada"
    mails = outbox(app)
    assert len(mails) == before + 1 and "Falta la planilla firmada" in mails[-1]
    assert world.provider_user.email in mails[-1]
    row = db.session.scalar(select(AuditLog).where(AuditLog.entity == "invoice", AuditLog.entity_id == sent.id,
                                                   AuditLog.action == "transition"))
    assert row.reason == "Falta la planilla firmada" and row.actor_id == world.clerk.id
    # the provider sees the remarks, corrects (wizard) and re-sends
    client.post("/logout")
    login(world.provider_user)
    html = client.get(f"/admin/invoice/{sent.id}/").get_data(as_text=True)
    assert "Falta la planilla firmada" in html and 'id="edit-invoice"' in html
    assert "00002-00000085" in client.get("/admin/invoice/?tab=observed").get_data(as_text=True)
    assert client.get(f"/admin/invoice-wizard/edit/{sent.id}").status_code == 302
    assert "Falta la planilla firmada" in client.get("/admin/invoice-wizard/data").get_data(as_text=True)
    import re

    from tests.invoices.conftest import data_for, qr_pdf_for, upload
    from tests.invoices.pdfs import make_pdf

    assert client.post("/admin/invoice-wizard/data", data={**data_for(), "action": "continue"}).status_code == 302
    client.post("/admin/invoice-wizard/attachments", data={
        "invoice_pdf": upload(qr_pdf_for(data_for())), "attendance_sheet": upload(make_pdf("firmada"))},
        content_type="multipart/form-data")
    page = client.get("/admin/invoice-wizard/confirm").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/admin/invoice-wizard/confirm", data={"action": "send", "token": token})
    db.session.refresh(sent)
    assert sent.status == InvoiceStatus.SENT and len(sent.attachments) == 2


def test_full_path_to_accepted_with_four_eyes(client, login, world, sent, app):
    login(world.clerk)
    assert post(client, sent, "forward").status_code == 302
    db.session.refresh(sent)
    assert sent.status == InvoiceStatus.IN_AUDIT and sent.forwarded_by_id == world.clerk.id
    # the clerk cannot accept (forged POST)
    assert post(client, sent, "accept").status_code == 403
    client.post("/logout")
    login(world.supervisor)
    html = client.get(f"/admin/invoice/{sent.id}/").get_data(as_text=True)
    assert 'id="accept-form"' in html and 'id="reject-form"' in html
    assert post(client, sent, "accept").status_code == 302
    db.session.refresh(sent)
    assert sent.status == InvoiceStatus.ACCEPTED and sent.decided_by_id == world.supervisor.id
    assert "Accepted" in outbox(app)[-1]
    # history and receipt
    html = client.get(f"/admin/invoice/{sent.id}/").get_data(as_text=True)
    assert html.count('data-status="accepted"') >= 2  # badge + history


def test_four_eyes_supervisor_who_created_cannot_decide(app, world, sent):
    sent.status = InvoiceStatus.IN_AUDIT
    sent.created_by_id = world.supervisor.id
    db.session.commit()
    with app.test_request_context(), pytest.raises(TransitionError) as info:
        transition(sent, InvoiceStatus.ACCEPTED, world.supervisor)
    assert info.value.code == "four_eyes"
    transition(sent, InvoiceStatus.ACCEPTED, world.supervisor2)
    assert sent.status == InvoiceStatus.ACCEPTED


def test_four_eyes_forwarder_cannot_decide(app, world, sent):
    sent.status = InvoiceStatus.IN_AUDIT
    sent.forwarded_by_id = world.supervisor.id
    db.session.commit()
    for target in (InvoiceStatus.ACCEPTED, InvoiceStatus.REJECTED):
        with app.test_request_context(), pytest.raises(TransitionError) as info:
            transition(sent, target, world.supervisor, reason="x")
        assert info.value.code == "four_eyes"


def test_reject_needs_a_reason_from_the_list(client, login, world, sent, app):
    sent.status = InvoiceStatus.IN_AUDIT
    db.session.commit()
    login(world.supervisor)
    response = post(client, sent, "reject", remarks="sin motivo")
    assert response.status_code == 400 and "Select a rejection reason" in errors_of(response)["rejection_reason_id"][0]
    world.reasons[0].active = False
    db.session.commit()
    assert post(client, sent, "reject", rejection_reason_id=world.reasons[0].id).status_code == 400
    world.reasons[0].active = True
    db.session.commit()
    response = post(client, sent, "reject", rejection_reason_id=world.reasons[0].id, remarks="Período duplicado")
    assert response.status_code == 302
    db.session.refresh(sent)
    assert sent.status == InvoiceStatus.REJECTED and sent.rejection_reason_id == world.reasons[0].id
    assert sent.rejection_text == "Período duplicado"
    assert "Documentación incompleta" in outbox(app)[-1]
    assert "Período duplicado" in client.get(f"/admin/invoice/{sent.id}/").get_data(as_text=True)


@pytest.mark.parametrize("status,role,action,expected", [
    (InvoiceStatus.SENT, Role.SUPERVISOR, "accept", 409),      # illegal from Sent
    (InvoiceStatus.DRAFT, Role.CLERK, "forward", 409),         # illegal from Draft
    (InvoiceStatus.ACCEPTED, Role.SUPERVISOR, "reject", 409),  # decided already
    (InvoiceStatus.REJECTED, Role.CLERK, "observe", 409),
    (InvoiceStatus.IN_AUDIT, Role.CLERK, "accept", 403),       # not the clerk's to decide
    (InvoiceStatus.SENT, Role.ADMIN, "forward", 403),
    (InvoiceStatus.SENT, Role.CLERK, "entered", 409),          # unknown action
])
def test_forged_posts_are_refused(client, login, make_user, world, sent, status, role, action, expected):
    sent.status = status
    db.session.commit()
    login(make_user(role))
    response = post(client, sent, action, remarks="x", rejection_reason_id=world.reasons[0].id)
    assert response.status_code == expected
    db.session.refresh(sent)
    assert sent.status == status


def test_provider_cannot_review_its_own_invoice(client, login, world, sent):
    login(world.provider_user)
    assert post(client, sent, "forward").status_code == 403
    assert post(client, sent, "observe", remarks="x").status_code == 403
    db.session.refresh(sent)
    assert sent.status == InvoiceStatus.SENT


def test_stale_page_is_a_conflict(client, login, world, sent):
    sent.status = InvoiceStatus.IN_AUDIT
    db.session.commit()
    stale_version = sent.version_id
    login(world.supervisor)
    assert post(client, sent, "accept").status_code == 302
    db.session.refresh(sent)
    response = client.post(f"/admin/invoice/{sent.id}/review", data={
        "action": "reject", "version_id": stale_version, "rejection_reason_id": world.reasons[0].id})
    assert response.status_code == 409
    db.session.refresh(sent)
    assert sent.status == InvoiceStatus.ACCEPTED


def test_receipt_pdf_for_provider_and_staff(client, login, world, sent):
    login(world.clerk)
    post(client, sent, "forward")
    client.post("/logout")
    login(world.provider_user)
    response = client.get(f"/admin/invoice/{sent.id}/receipt.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.mimetype == "application/pdf"
    import pypdfium2 as pdfium

    text = pdfium.PdfDocument(response.data)[0].get_textpage().get_text_range()
    assert "00000001-ABCDEF012345" in text and "00002-00000085" in text and world.clerk.email in text


def test_receipt_contents(app, world, sent):
    from flask import render_template

    from models.rules.invoices import voucher_name
    from services.invoices import status_history
    from services.pdf import html_to_pdf

    transition(sent, InvoiceStatus.IN_AUDIT, world.clerk)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template("pdf/invoice_receipt.html", invoice=sent, history=status_history(sent), payer=None,
                               generated_at=None, voucher_name=voucher_name)
    assert "00000001-ABCDEF012345" in html and "00002-00000085" in html and "Factura C" in html
    assert "In audit" in html
    assert html_to_pdf(html).startswith(b"%PDF")


def test_draft_has_no_receipt(client, login, world):
    draft = f.make_invoice(world.auth, 86, "10.00", PERIOD, status=InvoiceStatus.DRAFT, invoice_date=INVOICE_DATE)
    db.session.commit()
    login(world.provider_user)
    assert client.get(f"/admin/invoice/{draft.id}/receipt.pdf").status_code == 404
