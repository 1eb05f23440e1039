"""Headless Chromium: the provider files an invoice for trámite 100001 (QR prefill, attachments),
sees it under Enviadas, then the clerk forwards it and the supervisor accepts it."""
import re
from datetime import date

from tests.invoices.pdfs import invoice_pdf, make_pdf


def month_start(day, back=0):
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def logout(page):
    page.click("form[action$='/logout'] button")
    page.wait_for_url("**/login**")


def test_provider_files_clerk_forwards_supervisor_accepts(login_page):
    today = date.today()
    period = month_start(today, 3)  # demo trámite 100001: months up to 4 months ago are billed already
    page = login_page("provider@example.org")
    page.goto("/admin/invoice/")
    page.click("#new-invoice")
    page.fill("#number", "100001")
    page.click("#search-button")
    assert page.locator("#authorization-summary").is_visible()
    assert page.locator("#orders tbody tr").count() >= 1
    page.click("#continue-button")
    page.wait_for_url("**/invoice-wizard/data")

    pdf = invoice_pdf("20267565393", 11, 2, 200, today, "29663.00", "71110383321640")
    page.set_input_files("#qr_pdf", files=[{"name": "factura-200.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    page.click("#read-qr-button")
    page.wait_for_selector("#qr-check")
    assert page.input_value("#number") == "00000200"
    assert page.input_value("#cae") == "71110383321640"
    page.select_option("#billing_type", "normal")
    page.fill("#cae_due_date", today.isoformat())
    page.select_option("#period_month", str(period.month))
    page.select_option("#period_year", str(period.year))
    page.click("#data-continue")
    page.wait_for_url("**/invoice-wizard/attachments")

    page.set_input_files("#attendance_sheet", files=[
        {"name": "planilla.pdf", "mimeType": "application/pdf", "buffer": make_pdf("Planilla firmada")}])
    page.click("#attachments-continue")
    page.wait_for_url("**/invoice-wizard/confirm")
    assert page.inner_text("#summary-number") == "00002-00000200"
    assert page.locator("#qr-ok").is_visible()
    page.click("#send-invoice")
    page.wait_for_url(re.compile(r".*/admin/invoice/\?tab=sent.*"))
    row = page.locator("tr[data-number='00002-00000200']")
    assert row.count() == 1
    assert row.locator("[data-status='sent']").count() == 1
    logout(page)

    page = login_page("clerk@example.org")
    page.goto("/admin/invoice/?tab=sent&q=00002-00000200")
    page.click("tr[data-number='00002-00000200'] a")
    page.wait_for_url(re.compile(r".*/admin/invoice/\d+/$"))
    page.wait_for_load_state()  # the click returns once the navigation starts, not when the page is there
    assert page.locator("#attachments li").count() == 2
    assert page.locator("#qr-ok").is_visible()
    page.click("#forward-button")
    page.wait_for_selector("#invoice-status [data-status='in_audit']")
    logout(page)

    page = login_page("supervisor@example.org")
    page.goto("/admin/invoice/?tab=in_audit&q=00002-00000200")
    page.click("tr[data-number='00002-00000200'] a")
    page.click("#accept-button")
    page.wait_for_selector("#invoice-status [data-status='accepted']")
    assert page.locator("#history tbody tr").count() >= 4  # created, sent, in audit, accepted
    response = page.request.get(page.locator("#receipt-link").get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
