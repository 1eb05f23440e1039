"""A new provider registers, activates through the emailed link (read from the outbox folder),
links the account to the demo provider, gets approved by credentialing and logs in."""
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import select

from models import User, UserProvider
from models.base import db

EMAIL = "nueva.cuidadora@example.org"
PASSWORD = "Cuidadora-2026!"


def _activation_link(outbox: Path) -> str:
    for path in sorted(outbox.glob("*.eml"), reverse=True):
        message = BytesParser(policy=policy.default).parse(path.open("rb"))
        if message["To"] == EMAIL:
            return re.search(r"https?://\S+/activate/\S+", message.get_body(("plain",)).get_content()).group(0)
    raise AssertionError("no activation email in the outbox")


def test_register_activate_link_and_log_in(browser, live_server, live_app, page, login_page):
    page.goto("/login")
    page.click("#register-link")
    page.fill("#first_name", "Nélida")
    page.fill("#last_name", "Cuidadora")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("#register-submit")
    page.wait_for_selector("#check-email[data-kind=register]")

    page.goto(_activation_link(Path(live_app.config["MAIL_OUTBOX"])))
    page.click("#activate-submit")
    page.wait_for_url("**/login")

    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    page.click("#link-provider-cta")
    page.select_option("#kind", "supplier")
    page.fill("#tax_id", "20-26756539-3")
    page.fill("#provider_number", "AR-000101")
    page.click("#link-submit")
    page.wait_for_selector("tr[data-provider-number='AR-000101'][data-status=pending]")

    with live_app.app_context():
        link_id = db.session.scalar(select(UserProvider.id).join(User, UserProvider.user_id == User.id)
                                    .where(User.email == EMAIL))
        db.session.remove()
    staff = browser.new_context(locale="es-AR", base_url=live_server).new_page()
    staff.goto("/login")
    staff.fill("#email", "credentialing@example.org")
    staff.fill("#password", "demo-password-1")
    staff.click("button[type=submit]")
    staff.wait_for_url("**/admin/**")
    staff.goto(f"/admin/user_provider/details/?id={link_id}")
    staff.click("#approve-link")
    staff.wait_for_selector("#link-status .badge-success")
    staff.context.close()

    page.goto("/admin/my-links/")
    page.wait_for_selector("tr[data-provider-number='AR-000101'][data-status=approved]")
    page.click("nav form[action='/logout'] button")
    page.wait_for_url("**/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/**")
    assert "Marta Beatriz Cuidadora" in page.inner_text("#current-user")
    assert page.locator("#link-provider-cta").count() == 0
    assert page.goto("/admin/invoice/").status == 200
