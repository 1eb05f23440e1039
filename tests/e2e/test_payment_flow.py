"""The money path in the browser: the clerk builds a payment order for Marta Beatriz Cuidadora's accepted
invoice(s) and submits it, the supervisor approves it (the clerk cannot), the clerk pays it, and the
provider downloads the payment statement and the Ingresos Brutos withholding certificate."""
import re

PROVIDER_NUMBER = "AR-000101"  # Marta Beatriz Cuidadora (provider@example.org): monotributista, IIBB 1.5 %


def logout(page):
    page.click("form[action$='/logout'] button")
    page.wait_for_url("**/login**")


def open_menu_entry(page, href):
    """Open a screen through the navbar: the dropdown holding ``href``, then the entry itself (or the
    entry of its own: the provider's pages)."""
    if page.locator(f"nav a.nav-link[href='{href}']").count():
        page.click(f"nav a.nav-link[href='{href}']")
        page.wait_for_url(f"**{href}")
        return
    page.click(f"nav .dropdown:has(a.dropdown-item[href='{href}']) > .dropdown-toggle")
    page.click(f"nav a.dropdown-item[href='{href}']")
    page.wait_for_url(f"**{href}")


def get_pdf(page, href):
    response = page.request.get(href)
    assert response.status == 200, href
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_clerk_creates_supervisor_approves_clerk_pays_provider_downloads(login_page):
    page = login_page("clerk@example.org")
    open_menu_entry(page, "/admin/payment-desk/")
    page.click(f"#payable-providers tr[data-provider-number='{PROVIDER_NUMBER}'] a[data-new-order]")
    page.wait_for_url("**/admin/payment-desk/new/*")
    invoices = page.locator("#payables input[name=doc][value^='invoice:']")
    assert invoices.count() >= 1, "the demo provider has an accepted invoice to pay"
    assert page.locator("#payables input[name=doc]:not(:checked)").count() == 0  # everything payable is proposed
    assert page.locator("#preview [data-tax='iibb']").count() == 1  # Ingresos Brutos is withheld
    page.click("#create-order")
    page.wait_for_url(re.compile(r".*/admin/payment-desk/order/\d+$"))
    order_url = page.url
    number = page.inner_text("#order-number").strip()
    assert page.locator("#order-status [data-status='draft']").count() == 1
    assert page.locator("#order-lines tr[data-deduction='withholding']").count() == 1

    page.click("#order-status-form button[data-target='pending_approval']")
    page.wait_for_selector("#order-status [data-status='pending_approval']")
    # Four eyes: the clerk who built the order is offered no approval, and a forged request is refused.
    assert page.locator("button[data-target='approved']").count() == 0
    page.request.post(f"{order_url}/status", form={
        "csrf_token": page.locator("#order-status-form input[name=csrf_token]").input_value(), "target": "approved"})
    page.goto(order_url)
    assert page.locator("#order-status [data-status='pending_approval']").count() == 1
    logout(page)

    page = login_page("supervisor@example.org")
    open_menu_entry(page, "/admin/payment-desk/")
    page.click(f"#open-orders tr[data-order-number='{number}'] a")
    page.wait_for_url(order_url)
    page.click("#order-status-form button[data-target='approved']")
    page.wait_for_selector("#order-status [data-status='approved']")
    assert page.locator("#pay-form").count() == 0  # paying is the clerk's job
    logout(page)

    page = login_page("clerk@example.org")
    page.goto(order_url)
    page.select_option("#method", "transfer")
    assert page.input_value("#bank_account") == "2850590940090418135201"  # the provider's CBU
    page.click("#mark-paid")
    page.wait_for_selector("#order-status [data-status='paid']")
    certificate = page.get_attribute("#order-lines a[data-certificate]", "data-certificate")
    get_pdf(page, page.get_attribute("#statement-pdf", "href"))
    logout(page)

    page = login_page("provider@example.org")
    open_menu_entry(page, "/admin/provider-money/")
    row = page.locator(f"#documents tr[data-number='{number}']")
    assert row.locator("[data-status='paid']").count() == 1
    get_pdf(page, row.locator("a[data-download]").get_attribute("href"))
    open_menu_entry(page, "/admin/my-withholdings/")
    cert_row = page.locator(f"#certificates tr[data-certificate='{certificate}']")
    assert cert_row.get_attribute("data-tax") == "iibb"
    get_pdf(page, cert_row.locator("a[data-download]").get_attribute("href"))


def test_brazilian_order_awaiting_approval_is_approved_paid_and_its_iss_certificate_downloaded(login_page):
    """The demo's order for the released SP/SADT lot of provider2 (built by the clerk) goes the rest of the way."""
    page = login_page("supervisor@example.org")
    page.goto("/admin/payment-desk/")
    pending = page.locator("#open-orders tr[data-provider-number='PRV0002']:has([data-status='pending_approval'])")
    assert pending.count() >= 1
    number = pending.first.get_attribute("data-order-number")
    pending.first.locator("a").click()
    page.wait_for_url(re.compile(r".*/admin/payment-desk/order/\d+$"))
    order_url = page.url
    page.click("#order-status-form button[data-target='approved']")
    page.wait_for_selector("#order-status [data-status='approved']")
    logout(page)

    page = login_page("clerk@example.org")
    page.goto(order_url)
    assert page.input_value("#bank_account") == "98765-4"  # Brazilian providers: bank / agency / account
    page.click("#mark-paid")
    page.wait_for_selector("#order-status [data-status='paid']")
    certificate = page.get_attribute("#order-lines a[data-certificate]", "data-certificate")
    logout(page)

    page = login_page("provider2@example.org")
    page.goto("/admin/statements/")  # Demonstrativos (Libramientos / Mis comprobantes is Argentine)
    row = page.locator(f"#statements tr[data-number='{number}']")
    assert row.locator("[data-status='paid']").count() == 1
    get_pdf(page, row.locator("a[data-download]").get_attribute("href"))
    page.goto("/admin/my-withholdings/")
    cert_row = page.locator(f"#certificates tr[data-certificate='{certificate}']")
    assert cert_row.get_attribute("data-tax") == "iss"
    get_pdf(page, cert_row.locator("a[data-download]").get_attribute("href"))
