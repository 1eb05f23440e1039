"""Credentialing registers a new Argentine provider through the Providers screen, then creates a login
for it (Providers → New provider login); the activation email lands in the live app's outbox folder."""
import re
import secrets
from email import policy
from email.parser import BytesParser
from pathlib import Path

from seed.factories import cuit_with_check_digit

CBU = "2850590940090418135201"


def open_menu_entry(page, href):
    page.click(f"nav .dropdown:has(a.dropdown-item[href='{href}']) > .dropdown-toggle")
    page.click(f"nav a.dropdown-item[href='{href}']")
    page.wait_for_url(f"**{href}")


def unique_cuit() -> str:
    """A valid company CUIT no other run has used (the demo data is shared by every browser test)."""
    while True:
        number = cuit_with_check_digit("30", 50_000_000 + secrets.randbelow(40_000_000))
        if number:
            return f"{number[:2]}-{number[2:10]}-{number[10]}"


def emails_to(outbox: Path, address: str) -> list:
    out = []
    for path in outbox.glob("*.eml"):
        with path.open("rb") as handle:
            message = BytesParser(policy=policy.default).parse(handle)
        if message["To"] == address:
            out.append(message)
    return out


def test_credentialing_registers_a_provider_and_creates_its_login(live_app, login_page):
    token = secrets.token_hex(3).upper()
    number, cuit, email = f"E2E-{token}", unique_cuit(), f"cuidados.{token.lower()}@example.org"
    legal_name = f"Cuidados Integrales {token} SRL"

    page = login_page("credentialing@example.org")
    open_menu_entry(page, "/admin/provider/")
    page.click("a[href^='/admin/provider/new/']")
    page.wait_for_url("**/admin/provider/new/**")
    page.fill("#legal_name", legal_name)
    page.select_option("#country", "AR")
    page.select_option("#tax_id_kind", "CUIT")
    page.fill("#tax_id", cuit)
    page.select_option("#tax_condition", "responsable_inscripto")
    page.fill("#provider_number", number.lower())  # stored upper-case
    page.fill("#city", "La Plata")
    page.fill("#cbu", CBU)
    page.click("form.admin-form input[type=submit]:not([name])")
    page.wait_for_url(re.compile(r".*/admin/provider/(\?.*)?$"))
    assert page.locator(".invalid-feedback").count() == 0

    page.goto(f"/admin/provider/?search={number}")
    details = page.locator("a[href*='/admin/provider/details/']")
    assert details.count() == 1
    provider_id = re.search(r"id=(\d+)", details.get_attribute("href")).group(1)

    open_menu_entry(page, "/admin/provider-login/")
    page.fill("#email", email)
    page.fill("#name", "Lucía Coordinadora")
    page.select_option("#locale", "es_AR")
    # The provider picker searches as you type (a payer has thousands of providers).
    page.click("#s2id_providers")
    page.keyboard.type(number)
    page.click(".select2-results .select2-result-selectable")
    assert page.input_value("#providers") == provider_id
    page.click("#provider-login-submit")
    page.wait_for_url("**/admin/user/details/**")

    messages = emails_to(Path(live_app.config["MAIL_OUTBOX"]), email)
    assert len(messages) == 1
    assert messages[0]["Content-Language"] == "es-AR"  # in the language chosen for the login
    body = messages[0].get_body(("plain",)).get_content()
    assert re.search(r"https?://\S+/activate/\S+", body)
