"""The "Nueva factura" wizard end to end through HTTP, for providers and clerks."""
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

from sqlalchemy import func, select

from models import Attachment, AuditLog, Invoice
from models.base import db
from models.enums import AttachmentKind, AuthorizationStatus, BillingType, InvoiceStatus, Role
from seed import factories as f
from tests.invoices.conftest import INVOICE_DATE, PERIOD, TODAY, data_for, errors_of, qr_pdf_for, upload
from tests.invoices.pdfs import make_pdf
from tests.query_count import counting


def invoices_of(auth):
    return db.session.scalars(select(Invoice).where(Invoice.authorization_id == auth.id)).all()


def test_step1_shows_the_procedure(client, login, world):
    login(world.provider_user)
    response = client.post("/admin/invoice-wizard/", data={"number": world.auth.number})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Cuidador domiciliario", "ORDEN CUIDADOR DOMICILIARIO", "Dpto. Asist. Sociales", "355,968.00",
                 "Holder", 'id="remaining-total"'):
        assert text in html


def test_step1_messages(client, login, world):
    login(world.provider_user)

    def message(number):
        response = client.post("/admin/invoice-wizard/", data={"number": number})
        assert response.status_code == 422
        return errors_of(response)["number"][0]

    assert "No authorization" in message("no-such")
    # another provider's trámite reads as one that does not exist
    assert "No authorization" in message(world.other_auth.number)
    assert "Enter the procedure number" in message("")
    world.auth.valid_to = INVOICE_DATE - timedelta(days=1)
    db.session.commit()
    assert "expired" in message(world.auth.number)
    world.auth.valid_to = INVOICE_DATE + timedelta(days=300)
    world.auth.status = AuthorizationStatus.CANCELLED
    db.session.commit()
    assert "cancelled" in message(world.auth.number)
    world.auth.status = AuthorizationStatus.ACTIVE
    f.make_invoice(world.auth, 1, "355968.00", PERIOD, status=InvoiceStatus.ACCEPTED)
    db.session.commit()
    assert "fully billed" in message(world.auth.number)
    # start refuses the same cases
    response = client.post("/admin/invoice-wizard/start", data={"number": world.other_auth.number})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/invoice-wizard/")


def test_step1_lists_what_can_be_billed_now(client, login, world, make_user, app):
    """The trámites the user may bill now, expiring first, with what is left; a click starts the wizard."""
    beneficiary = world.auth.beneficiary
    service = world.auth.service_type
    soon = f.make_authorization(f"7{f.unique_suffix():05d}", world.provider, beneficiary, service, "1000.00",
                                PERIOD - timedelta(days=90), INVOICE_DATE + timedelta(days=20))
    hidden = [
        f.make_authorization(f"6{f.unique_suffix():05d}", world.provider, beneficiary, service, "1000.00",
                             PERIOD - timedelta(days=90), INVOICE_DATE - timedelta(days=40)),  # expired
        f.make_authorization(f"5{f.unique_suffix():05d}", world.provider, beneficiary, service, "1000.00",
                             INVOICE_DATE + timedelta(days=40), INVOICE_DATE + timedelta(days=90)),  # not started
    ]
    billed = f.make_authorization(f"4{f.unique_suffix():05d}", world.provider, beneficiary, service, "500.00",
                                  PERIOD - timedelta(days=90), INVOICE_DATE + timedelta(days=10))
    db.session.flush()
    f.make_invoice(billed, 77, "500.00", PERIOD, status=InvoiceStatus.ACCEPTED)
    db.session.commit()
    login(world.provider_user)
    html = client.get("/admin/invoice-wizard/").get_data(as_text=True)
    shown = re.findall(r'<tr data-authorization="([^"]+)"', html)
    assert shown == [soon.number, world.auth.number]  # expiring first; the expired, future, fully billed not
    assert world.other_auth.number not in html  # another provider's
    assert "1,000.00" in html and "355,968.00" in html
    assert f'aria-label="Bill procedure {soon.number}"' in html
    response = client.post("/admin/invoice-wizard/start", data={"number": soon.number})
    assert response.status_code == 302 and "/admin/invoice-wizard/" in response.headers["Location"]
    assert f"Procedure {soon.number}" in client.get(response.headers["Location"]).get_data(as_text=True)
    html = client.get("/admin/invoice-wizard/").get_data(as_text=True)  # back to step 1: the picked one and the others
    assert 'id="continue-button"' in html and "Other procedures you can bill now" in html
    assert re.findall(r'<tr data-authorization="([^"]+)"', html) == [world.auth.number]
    unlinked = login(make_user(Role.PROVIDER), app.test_client())  # no provider link: nothing listed
    assert "data-authorization=" not in unlinked.get("/admin/invoice-wizard/").get_data(as_text=True)
    clerk = login(world.clerk, app.test_client())  # staff bill for providers: every provider's, with its name
    html = clerk.get("/admin/invoice-wizard/").get_data(as_text=True)
    assert world.other_auth.number in html and world.other_provider.legal_name in html
    assert not set(shown) & {a.number for a in hidden}


def test_step1_in_pt_BR_calls_the_tramite_a_tramite(client, login, world):
    """In Portuguese the wizard says "trâmite" where the Spanish says "trámite": the search, the list of
    those to bill, its column and its buttons (other screens keep their wording)."""
    world.provider_user.locale = "pt_BR"
    db.session.commit()
    login(world.provider_user)
    html = client.get("/admin/invoice-wizard/").get_data(as_text=True)
    step1 = html[html.index('id="search-form"'):]
    for text in ("Buscar trâmite", "Trâmites que você pode faturar agora", "<th scope=\"col\">Nº do trâmite</th>",
                 f'aria-label="Faturar o trâmite {world.auth.number}"'):
        assert text in step1, text
    assert "autoriza" not in step1.lower()


def duplicate_ids(html: str) -> list[str]:
    class Ids(HTMLParser):
        def __init__(self):
            super().__init__()
            self.ids = Counter()

        def handle_starttag(self, tag, attrs):
            self.ids.update(value for name, value in attrs if name == "id")

    parser = Ids()
    parser.feed(html)
    return [value for value, n in parser.ids.items() if n > 1]


def test_step1_has_no_duplicate_ids_and_each_form_its_csrf_token(client, login, world, monkeypatch, app):
    """With CSRF on (as in production): the list's buttons and Continue post their own token, and the page
    repeats no id (the search form's CSRF field keeps its id, the others have none)."""
    login(world.provider_user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def tokens(html):
        return re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)

    listing = client.get("/admin/invoice-wizard/").get_data(as_text=True)
    assert re.findall(r'<tr data-authorization="([^"]+)"', listing) == [world.auth.number]
    assert duplicate_ids(listing) == []
    assert len(tokens(listing)) >= listing.count('<form method="post"')
    assert client.post("/admin/invoice-wizard/start", data={"number": world.auth.number}).status_code == 400
    response = client.post("/admin/invoice-wizard/start", data={"number": world.auth.number,
                                                               "csrf_token": tokens(listing)[-1]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/invoice-wizard/data")
    found = client.get("/admin/invoice-wizard/").get_data(as_text=True)  # the draft's trámite, and Continue
    assert 'id="continue-button"' in found and duplicate_ids(found) == []
    continue_form = found[found.index('action="/admin/invoice-wizard/start"'):found.index('id="continue-button"')]
    [token] = tokens(continue_form)
    response = client.post("/admin/invoice-wizard/start", data={"number": world.auth.number, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/invoice-wizard/data")


def test_grace_days_after_validity(client, login, world, monkeypatch, app):
    """INVOICE_GRACE_DAYS after its validity a trámite is still listed and found by the search; a day later,
    neither: step 1's list and its search agree."""
    monkeypatch.setitem(app.config, "INVOICE_GRACE_DAYS", 10)
    beneficiary, service = world.auth.beneficiary, world.auth.service_type
    last_day, past = (
        f.make_authorization(f"{prefix}{f.unique_suffix():05d}", world.provider, beneficiary, service, "1000.00",
                             TODAY - timedelta(days=120), TODAY - timedelta(days=days))
        for prefix, days in (("7", 10), ("6", 11))
    )
    db.session.commit()
    login(world.provider_user)
    html = client.get("/admin/invoice-wizard/").get_data(as_text=True)
    shown = re.findall(r'<tr data-authorization="([^"]+)"', html)
    assert last_day.number in shown and past.number not in shown
    assert client.post("/admin/invoice-wizard/", data={"number": last_day.number}).status_code == 200
    response = client.post("/admin/invoice-wizard/", data={"number": past.number})
    assert response.status_code == 422 and "expired" in errors_of(response)["number"][0]


def test_provider_files_and_sends_an_invoice(client, login, world, wizard, app):
    login(world.provider_user)
    response = wizard(world.auth.number)
    assert response.status_code == 302 and "tab=sent" in response.headers["Location"]
    [invoice] = invoices_of(world.auth)
    assert invoice.status == InvoiceStatus.SENT
    assert invoice.display_number == "00002-00000085" and invoice.amount == Decimal("29663.00")
    assert invoice.created_by_id == world.provider_user.id == invoice.submitted_by_id
    assert {a.kind for a in invoice.attachments} == {AttachmentKind.INVOICE_PDF, AttachmentKind.ATTENDANCE_SHEET}
    assert invoice.qr_data["number"] == 85 and invoice.qr_mismatches is None
    assert re.match(r"^\d{8}-[0-9A-F]{12}$", invoice.verification_code)
    # stored under the upload folder with generated names
    for a in invoice.attachments:
        assert a.stored_name != a.original_name and re.match(r"^[0-9a-f]{32}\.pdf$", a.stored_name)
    # audited and emailed
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "invoice",
                                                                AuditLog.entity_id == invoice.id)).all()
    assert {a.value for a in actions} >= {"create", "transition", "event"}
    listing = client.get("/admin/invoice/?tab=sent").get_data(as_text=True)
    assert "00002-00000085" in listing


def test_save_draft_keeps_it_loaded(client, login, world, wizard):
    login(world.provider_user)
    wizard(world.auth.number, action="draft")
    [invoice] = invoices_of(world.auth)
    assert invoice.status == InvoiceStatus.DRAFT and invoice.verification_code is None
    assert "00002-00000085" in client.get("/admin/invoice/?tab=draft").get_data(as_text=True)
    # then edit and send it
    assert client.get(f"/admin/invoice-wizard/edit/{invoice.id}").status_code == 302
    response = client.post("/admin/invoice-wizard/data", data={**data_for(amount="20000.00"), "action": "continue"})
    assert response.status_code == 302
    assert client.post("/admin/invoice-wizard/attachments", data={}).status_code == 302  # existing attachments count
    page = client.get("/admin/invoice-wizard/confirm").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/admin/invoice-wizard/confirm", data={"action": "send", "token": token})
    db.session.refresh(invoice)
    assert invoice.status == InvoiceStatus.SENT and invoice.amount == Decimal("20000.00")
    assert len(invoices_of(world.auth)) == 1
    assert invoice.qr_mismatches == {"amount": {"typed": "20000.00", "qr": "29663.00"}}


def test_clerk_files_for_a_provider(client, login, world, wizard):
    login(world.clerk)
    wizard(world.auth.number)
    [invoice] = invoices_of(world.auth)
    assert invoice.provider_id == world.provider.id and invoice.created_by_id == world.clerk.id
    assert invoice.status == InvoiceStatus.SENT


def test_errors_are_shown_next_to_fields_and_kept(client, login, world):
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    bad = data_for(voucher_type="1", cae="123", point_of_sale="123456", number="0", amount="999999",
                   invoice_date=(INVOICE_DATE + timedelta(days=400)).isoformat())
    response = client.post("/admin/invoice-wizard/data", data={**bad, "action": "continue"})
    assert response.status_code == 422
    errors = errors_of(response)
    assert "cannot issue this voucher type" in errors["voucher_type"][0]
    assert "14-digit" in errors["cae"][0]
    assert "1 to 99999" in errors["point_of_sale"][0]
    assert "1 to 99999999" in errors["number"][0]
    assert "future" in errors["invoice_date"][0]
    assert "exceeds what remains" in errors["amount"][0]
    html = response.get_data(as_text=True)
    for name in ("voucher_type", "billing_type", "point_of_sale", "number", "cae", "cae_due_date", "period_month",
                 "period_year", "amount", "invoice_date"):
        assert f'<label for="{name}"' in html
    # going back and forth keeps what was typed
    assert client.get("/admin/invoice-wizard/attachments").status_code == 302  # not valid yet
    html = client.get("/admin/invoice-wizard/data").get_data(as_text=True)
    assert 'value="999999"' in html and 'value="123456"' in html


def test_back_keeps_valid_data(client, login, world):
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    client.post("/admin/invoice-wizard/data", data={**data_for(number="4321"), "action": "continue"})
    html = client.get("/admin/invoice-wizard/data").get_data(as_text=True)
    assert 'value="4321"' in html
    # restarting the same procedure keeps the draft
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    assert 'value="4321"' in client.get("/admin/invoice-wizard/data").get_data(as_text=True)


def test_duplicate_number_is_refused(client, login, world):
    f.make_invoice(world.auth, 85, "100.00", f.date(2020, 1, 1) if hasattr(f, "date") else PERIOD,
                   status=InvoiceStatus.REJECTED, invoice_date=INVOICE_DATE)
    db.session.commit()
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    response = client.post("/admin/invoice-wizard/data", data={**data_for(), "action": "continue"})
    assert errors_of(response)["number"] == [
        "Voucher number already used: this voucher type, point of sale and number were already loaded."]


def test_period_outside_validity_and_before_period(client, login, world):
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    start = world.auth.valid_from
    before = start - timedelta(days=40)
    response = client.post("/admin/invoice-wizard/data", data={
        **data_for(period_month=str(before.month), period_year=str(before.year)), "action": "continue"})
    assert "outside the authorization" in errors_of(response)["period_month"][0]
    response = client.post("/admin/invoice-wizard/data", data={
        **data_for(invoice_date=(PERIOD - timedelta(days=1)).isoformat()), "action": "continue"})
    assert "before the billed period" in errors_of(response)["invoice_date"][0]


def test_attachments_are_required_and_checked(client, login, world, app):
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    client.post("/admin/invoice-wizard/data", data={**data_for(), "action": "continue"})
    response = client.post("/admin/invoice-wizard/attachments", data={}, content_type="multipart/form-data")
    errors = errors_of(response)
    assert response.status_code == 422
    assert errors["invoice_pdf"] == ["This document is required."]
    assert errors["attendance_sheet"] == ["This document is required."]
    # not a PDF by content (even if named .pdf), and too big
    fake = upload(b"<html><script>alert(1)</script></html>", "factura.pdf")
    big = upload(b"%PDF-1.4\n" + b"0" * (app.config["MAX_PDF_BYTES"]) + b"\n%%EOF", "big.pdf")
    response = client.post("/admin/invoice-wizard/attachments", data={"invoice_pdf": fake, "attendance_sheet": big},
                           content_type="multipart/form-data")
    errors = errors_of(response)
    assert errors["invoice_pdf"] == ["The file is not a PDF."]
    assert errors["attendance_sheet"] == ["The file is larger than 10 MB."]
    # a valid invoice PDF is kept while the sheet is still missing
    response = client.post("/admin/invoice-wizard/attachments",
                           data={"invoice_pdf": upload(qr_pdf_for(data_for()), "f.pdf")},
                           content_type="multipart/form-data")
    assert list(errors_of(response)) == ["attendance_sheet"]
    assert client.get("/admin/invoice-wizard/file/invoice_pdf").status_code == 200
    response = client.post("/admin/invoice-wizard/attachments",
                           data={"attendance_sheet": upload(make_pdf(), "p.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert client.get("/admin/invoice-wizard/confirm").status_code == 200


def test_attendance_sheet_only_when_the_service_requires_it(client, login, world, wizard):
    world.auth.service_type.requires_attendance_sheet = False
    db.session.commit()
    login(world.provider_user)
    wizard(world.auth.number, files={"invoice_pdf": upload(qr_pdf_for(data_for()), "f.pdf")})
    assert invoices_of(world.auth)[0].status == InvoiceStatus.SENT


def test_double_click_creates_one_invoice(client, login, world):
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    client.post("/admin/invoice-wizard/data", data={**data_for(), "action": "continue"})
    client.post("/admin/invoice-wizard/attachments", data={
        "invoice_pdf": upload(qr_pdf_for(data_for())), "attendance_sheet": upload(make_pdf())},
        content_type="multipart/form-data")
    page = client.get("/admin/invoice-wizard/confirm").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    with client.session_transaction() as sess:
        saved_session = dict(sess)
    first = client.post("/admin/invoice-wizard/confirm", data={"action": "send", "token": token})
    # the second click carries the old cookie (same wizard state)
    with client.session_transaction() as sess:
        sess.update(saved_session)
    second = client.post("/admin/invoice-wizard/confirm", data={"action": "send", "token": token})
    assert first.status_code == second.status_code == 302
    assert "/admin/invoice/" in second.headers["Location"]
    assert len(invoices_of(world.auth)) == 1
    # and once the wizard is gone, a replay is refused politely
    third = client.post("/admin/invoice-wizard/confirm", data={"action": "send", "token": token})
    assert third.status_code == 302 and len(invoices_of(world.auth)) == 1


def test_qr_prefill_and_mismatch_warning(client, login, world):
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    pdf = qr_pdf_for(data_for(number="777", amount="1234.50"))
    response = client.post("/admin/invoice-wizard/data", data={
        "action": "read_qr", "qr_pdf": upload(pdf, "factura.pdf"), "billing_type": "normal"},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="00000777"' in html and 'value="1234.50"' in html and 'value="71110383321640"' in html
    assert 'value="00002"' in html
    # complete the rest but type a different amount: a warning, recorded on the invoice
    client.post("/admin/invoice-wizard/data", data={
        **data_for(number="777", amount="1234.00"), "action": "continue"})
    response = client.post("/admin/invoice-wizard/attachments", data={"attendance_sheet": upload(make_pdf())},
                           content_type="multipart/form-data")
    assert response.status_code == 302  # the QR PDF was kept as the invoice PDF
    page = client.get("/admin/invoice-wizard/confirm").get_data(as_text=True)
    assert 'data-mismatch="amount"' in page
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/admin/invoice-wizard/confirm", data={"action": "send", "token": token})
    [invoice] = invoices_of(world.auth)
    assert invoice.qr_mismatches == {"amount": {"typed": "1234.00", "qr": "1234.50"}}


def test_qr_with_another_cuit_warns(client, login, world):
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    pdf = qr_pdf_for(data_for(), cuit="30500010912")
    response = client.post("/admin/invoice-wizard/data", data={"action": "read_qr", "qr_pdf": upload(pdf)},
                           content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "30500010912" in html and 'data-mismatch="cuit"' in html


def test_pdf_without_qr_is_kept_with_a_warning(client, login, world):
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    response = client.post("/admin/invoice-wizard/data", data={"action": "read_qr", "qr_pdf": upload(make_pdf())},
                           content_type="multipart/form-data")
    assert "No AFIP QR code" in response.get_data(as_text=True)


def test_adjustment_flow(client, login, world, wizard):
    accepted = f.make_invoice(world.auth, 80, "29663.00", PERIOD, status=InvoiceStatus.ACCEPTED,
                              invoice_date=INVOICE_DATE)
    db.session.commit()
    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    response = client.post("/admin/invoice-wizard/data", data={**data_for(), "action": "continue"})
    assert "already billed" in errors_of(response)["period_month"][0]
    response = client.post("/admin/invoice-wizard/data", data={**data_for(billing_type="adjustment"),
                                                               "action": "continue"})
    assert "must reference an accepted invoice" in errors_of(response)["referenced_invoice_id"][0]
    adjustment = data_for(billing_type="adjustment", referenced_invoice_id=str(accepted.id), amount="1500.00",
                          voucher_type="12", number="90")
    files = {"invoice_pdf": upload(qr_pdf_for(adjustment)), "attendance_sheet": upload(make_pdf()),
             "referenced_invoice": upload(make_pdf("Factura 80"))}
    response = client.post("/admin/invoice-wizard/data", data={**adjustment, "action": "continue"})
    assert response.status_code == 302
    response = client.post("/admin/invoice-wizard/attachments", data={
        "invoice_pdf": files["invoice_pdf"], "attendance_sheet": files["attendance_sheet"]},
        content_type="multipart/form-data")
    assert list(errors_of(response)) == ["referenced_invoice"]
    response = client.post("/admin/invoice-wizard/attachments",
                           data={"referenced_invoice": files["referenced_invoice"]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/admin/invoice-wizard/confirm").get_data(as_text=True)
    assert "31,163.00" in page  # month total with this adjustment: 29,663 + 1,500
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/admin/invoice-wizard/confirm", data={"action": "send", "token": token})
    adj = db.session.scalar(select(Invoice).where(Invoice.billing_type == BillingType.ADJUSTMENT,
                                                  Invoice.authorization_id == world.auth.id))
    assert adj.referenced_invoice_id == accepted.id and adj.status == InvoiceStatus.SENT
    assert AttachmentKind.REFERENCED_INVOICE in {a.kind for a in adj.attachments}
    # a second adjustment of the same invoice is refused
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    response = client.post("/admin/invoice-wizard/data", data={**adjustment, "number": "91", "action": "continue"})
    assert "already has an adjustment" in errors_of(response)["referenced_invoice_id"][0]


def test_nothing_half_written_when_the_send_fails(client, login, world, monkeypatch):
    from models import workflow

    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    client.post("/admin/invoice-wizard/data", data={**data_for(), "action": "continue"})
    client.post("/admin/invoice-wizard/attachments", data={
        "invoice_pdf": upload(qr_pdf_for(data_for())), "attendance_sheet": upload(make_pdf())},
        content_type="multipart/form-data")
    page = client.get("/admin/invoice-wizard/confirm").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)

    def refuse(*args, **kwargs):
        raise workflow.TransitionError("forbidden")

    monkeypatch.setattr("services.invoices.transition", refuse)
    response = client.post("/admin/invoice-wizard/confirm", data={"action": "send", "token": token})
    assert response.status_code == 302
    assert invoices_of(world.auth) == []
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_roles_without_create_cannot_use_the_wizard(client, login_as):
    from models.enums import Role

    login_as(Role.SUPERVISOR)
    assert client.get("/admin/invoice-wizard/").status_code == 403
    assert client.post("/admin/invoice-wizard/start", data={"number": "1"}).status_code == 403


def test_a_lost_session_keeps_the_wizard_where_it_was(app, client, login, world):
    """The draft lives on the server: a new session (another device, an expired cookie) finds it."""
    from tests.invoices.conftest import data_for

    login(world.provider_user)
    client.post("/admin/invoice-wizard/start", data={"number": world.auth.number})
    typed = {**data_for(), "cae": "12345678901234", "action": "continue"}
    client.post("/admin/invoice-wizard/data", data=typed)
    fresh = app.test_client()
    login(world.provider_user, fresh)
    page = fresh.get("/admin/invoice-wizard/data")
    assert page.status_code == 200
    assert 'value="12345678901234"' in page.get_data(as_text=True)
    assert fresh.get("/admin/invoice-wizard/attachments").status_code == 200  # step 2 was valid: step 3 opens


def test_step1_list_costs_the_same_whatever_the_number_of_tramites(client, login, world):
    """No query per trámite listed, and at most three reads past fully billed ones: the page sends as many
    statements for 3 trámites as for 25, and as many with 70 fully billed ones expiring first as with 140."""
    service = world.auth.service_type

    def add(count, valid_to, amount="1000.00"):  # each for its own beneficiary (shown on every row)
        made = [f.make_authorization(f"8{f.unique_suffix():05d}", world.provider,
                                     f.make_beneficiary(f"B{f.unique_suffix():06d}", "Afiliada"), service, amount,
                                     PERIOD - timedelta(days=90), valid_to) for _ in range(count)]
        db.session.flush()
        return made

    def page():
        with counting() as seen:
            html = client.get("/admin/invoice-wizard/").get_data(as_text=True)
        return seen.count, re.findall(r'<tr data-authorization="([^"]+)"', html)

    login(world.provider_user)
    add(2, INVOICE_DATE + timedelta(days=200))
    db.session.commit()
    few, shown = page()
    assert len(shown) == 3
    add(22, INVOICE_DATE + timedelta(days=200))
    db.session.commit()
    many, shown = page()
    assert len(shown) == 20 and many == few

    def bill_first(count, first_number):
        for n, auth in enumerate(add(count, INVOICE_DATE + timedelta(days=5), "100.00"), start=first_number):
            f.make_invoice(auth, n, "100.00", PERIOD, status=InvoiceStatus.ACCEPTED)
        db.session.commit()

    bill_first(70, 900)
    skipping, shown = page()
    assert shown == []  # three reads of fully billed ones: the search finds the others
    bill_first(70, 970)
    assert page() == (skipping, [])
