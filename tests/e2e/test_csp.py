"""The Content-Security-Policy in Chromium: every menu page of every demo role (and their list, details and
create pages, the public pages) loads with no CSP violation, and what used to be inline (confirm dialogs,
auto-submitting selects, Flask-Admin's filter and action menus) still works."""

import pytest

from tests.e2e.test_roles import ROLES

WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' @' + e.sourceFile + ':' + e.lineNumber);
});
"""


@pytest.fixture
def watched(page):
    """The tab, collecting CSP violations from the page's events and Chromium's console."""
    console = []
    page.add_init_script(WATCH)
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)

    def violations() -> list[str]:
        found = list(page.evaluate("window.__cspViolations || []")) + console
        console.clear()
        return found
    page.violations = violations
    return page


def _open(page, href: str, seen: dict, statuses=(200,)) -> None:
    response = page.goto(href)
    assert response.status in statuses, href
    assert "content-security-policy" in response.headers, href
    page.wait_for_load_state("load")
    found = page.violations()
    if found:
        seen[href] = found


def _menu(page) -> list[str]:
    return page.eval_on_selector_all(
        "nav a.dropdown-item[href^='/admin/'], nav a.nav-link[href^='/admin/']",
        "els => [...new Set(els.map(e => e.getAttribute('href')))]")


def _more_pages(page) -> list[str]:
    """From a list page: its first details, edit and create pages."""
    return page.eval_on_selector_all(
        "a[href*='/details/?id='], a[href*='/edit/?id='], a[href$='/new/'], a[href*='/new/?url=']",
        "els => [...new Set(els.slice(0, 6).map(e => e.getAttribute('href')))]")


@pytest.mark.parametrize("email", ROLES)
def test_no_csp_violation_on_any_menu_page(watched, login_page, email):
    login_page(email)
    seen: dict = {}
    pages = _menu(watched)
    assert pages
    extra = []
    for href in pages:
        _open(watched, href, seen)
        extra += [h for h in _more_pages(watched) if h not in pages and h not in extra][:3]
    for href in extra:  # an editor of an account this role does not manage answers 403, CSP and all
        _open(watched, href, seen, statuses=(200, 403))
    assert not seen, "\n".join(f"{href}: {found}" for href, found in seen.items())


def test_public_pages_have_no_csp_violation(watched):
    seen: dict = {}
    for href in ("/login", "/register", "/forgot-password", "/activate/resend"):
        _open(watched, href, seen)
    watched.goto("/no-such-page")
    assert not seen and not watched.violations(), seen


def test_what_was_inline_still_works(watched, login_page):
    page = login_page("admin@example.org")
    # Flask-Admin's filter menu (javascript: links with an inline onclick before) adds a filter row.
    page.goto("/admin/provider/")
    page.locator(".field-filters").locator("xpath=preceding-sibling::a[1]").click()
    page.locator(".field-filters a.filter").first.click()
    assert page.locator("table.filters tr").count() >= 1
    assert page.url.endswith("/admin/provider/")  # the javascript: link did not navigate
    # Flask-Admin's delete button asks first (an inline onclick before); dismissed, the row stays.
    page.goto("/admin/glosa_code/")
    rows = page.locator("table.model-list tbody tr").count()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("form.icon button[data-confirm]").first.click()
    page.wait_for_timeout(300)
    assert asked and page.locator("table.model-list tbody tr").count() == rows
    assert not page.violations(), page.violations()


def test_the_page_size_select_submits_itself(watched, login_page):
    page = login_page("provider@example.org")
    page.goto("/admin/invoice/")
    page.select_option("#size", index=1)
    page.wait_for_url("**size=**")
    assert not page.violations(), page.violations()


def test_flask_admin_actions_still_run(watched, login_page):
    """"With selected" → an action (an inline onclick before): with nothing selected it says so."""
    page = login_page("credentialing@example.org")
    page.goto("/admin/user_provider/")
    page.locator("[data-model-action]").first.locator("xpath=../preceding-sibling::a[1]").click()
    said = []
    page.once("dialog", lambda dialog: (said.append(dialog.message), dialog.accept()))
    page.locator("[data-model-action]").first.click()
    page.wait_for_timeout(300)
    assert said and page.url.endswith("/admin/user_provider/")
    assert not page.violations(), page.violations()
