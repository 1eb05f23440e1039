"""Each demo role logs in, lands on its start page and opens every menu entry without an error."""
import pytest

ROLES = [
    "admin@example.org", "clerk@example.org", "credentialing@example.org",
    "supervisor@example.org", "provider@example.org", "provider2@example.org",
]


@pytest.mark.parametrize("email", ROLES)
def test_role_can_open_every_menu_entry(login_page, email):
    page = login_page(email)
    assert page.locator("#current-user").is_visible()
    hrefs = page.eval_on_selector_all(
        "nav a.dropdown-item[href^='/admin/'], nav a.nav-link[href^='/admin/']",
        "els => [...new Set(els.map(e => e.getAttribute('href')))]",
    )
    assert hrefs, "the menu shows at least one screen"
    for href in hrefs:
        response = page.goto(href)
        assert response.status == 200, href
        assert page.locator("nav.navbar").count() >= 1


def test_wrong_password_is_refused_in_spanish(page):
    page.goto("/login")
    page.fill("#email", "clerk@example.org")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_load_state()  # the click returns once the navigation starts, not when the page is there
    assert page.locator(".invalid-feedback").count() == 1
    assert "/login" in page.url
