"""Each role's menu in Spanish and Portuguese: an Argentine provider never sees a TISS entry, a
Brazilian provider never the invoice wizard, staff see both countries' flows grouped by job; the
glosa code picker and the lot builder's panel behave in the browser."""
import pytest

from tests.e2e.conftest import start_sp_sadt_lot

LANGUAGES = ["es_AR", "pt_BR"]
TISS = ("/admin/lot-builder/", "/admin/lot-tracking/", "/admin/tiss/", "/admin/tiss_submission/", "/admin/lot/",
        "/admin/guide/", "/admin/billing-run/")
IOMA = ("/admin/invoice-wizard/", "/admin/invoice/", "/admin/invoice_record/", "/admin/authorization/")
STAFF = ("/admin/account-audit/", "/admin/appeals-desk/", "/admin/payment-desk/", "/admin/payment_order_line/")
# Menu words of the seeds, per language: (provider, entries that must be there).
WORDS = {
    ("provider@example.org", "es_AR"): ["Facturación", "Nueva factura", "Facturas", "Libramientos / Mis comprobantes",
                                        "Mis retenciones", "Mi cuenta"],
    ("provider2@example.org", "pt_BR"): ["Lotes", "Novo lote", "Acompanhar lotes", "Enviar XML", "Histórico de envios",
                                         "Demonstrativos", "Recursos de glosa", "Relatórios"],
}


def in_language(page, code):
    page.click("#lang-menu")
    page.click(f"#language-form button[value='{code}']")
    page.wait_for_load_state()


def menu(page) -> tuple[list[str], list[str]]:
    """(hrefs, texts) of every entry of the main menu (categories opened)."""
    hrefs = page.eval_on_selector_all(
        "nav ul.navbar-nav:not(.navbar-right) a[href^='/admin/']", "els => els.map(e => e.getAttribute('href'))")
    texts = page.eval_on_selector_all(
        "nav ul.navbar-nav:not(.navbar-right) a", "els => els.map(e => e.textContent.trim())")
    return hrefs, texts


@pytest.mark.parametrize("language", LANGUAGES)
def test_argentine_provider_menu(login_page, language):
    page = login_page("provider@example.org")
    in_language(page, language)
    hrefs, texts = menu(page)
    assert {"/admin/invoice-wizard/", "/admin/invoice/", "/admin/provider-money/",
            "/admin/my-withholdings/"} <= set(hrefs)
    assert not [h for h in hrefs if h.startswith(TISS + STAFF) or "tiss" in h], hrefs
    for word in WORDS.get(("provider@example.org", language), []):
        assert word in texts, (word, texts)
    assert page.goto("/admin/tiss/").status == 403
    page.goto("/admin/invoice/")
    tabs = page.eval_on_selector_all("#invoice-tabs a", "els => els.map(e => e.firstChild.textContent.trim())")
    if language == "es_AR":
        assert tabs == ["Cargadas", "Enviadas", "Observadas/Devueltas", "Aceptadas", "Ingresadas", "Rechazadas"]
    assert len(tabs) == 6


@pytest.mark.parametrize("language", LANGUAGES)
def test_brazilian_provider_menu(login_page, language):
    page = login_page("provider2@example.org")
    in_language(page, language)
    hrefs, texts = menu(page)
    assert {"/admin/lot-builder/", "/admin/lot-tracking/", "/admin/tiss/", "/admin/tiss_submission/",
            "/admin/statements/", "/admin/my-appeals/", "/admin/reports/"} <= set(hrefs)
    assert not [h for h in hrefs if h.startswith(IOMA + STAFF) or "wizard" in h or "invoice" in h], hrefs
    for word in WORDS.get(("provider2@example.org", language), []):
        assert word in texts, (word, texts)
    assert page.goto("/admin/invoice-wizard/").status == 403
    # The navigation bar stays on one line.
    heights = page.eval_on_selector("nav.navbar", "e => e.getBoundingClientRect().height")
    assert heights < 80
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("email", ["clerk@example.org", "supervisor@example.org", "admin@example.org",
                                   "credentialing@example.org"])
def test_staff_menus(login_page, email, language):
    page = login_page(email)
    in_language(page, language)
    hrefs, _texts = menu(page)
    assert not {"/admin/lot-builder/", "/admin/lot-tracking/", "/admin/provider-money/", "/admin/my-appeals/",
                "/admin/invoice_record/"} & set(hrefs)
    if email == "credentialing@example.org":
        assert "/admin/provider/" in hrefs and "/admin/account-audit/" not in hrefs
    else:  # the payer operates in both countries: both flows, grouped by job
        assert {"/admin/invoice/", "/admin/lot/", "/admin/account-audit/", "/admin/appeals-desk/"} <= set(hrefs)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_glosa_code_picker_searches_and_preselects_nothing(login_page):
    page = login_page("clerk@example.org")
    page.goto("/admin/account-audit/?status=in_analysis")
    page.locator("a[href*='/admin/account-audit/lot/']").first.click()
    page.locator("[data-action='analyse-guide']").first.click()  # glosa forms live on each guide's page
    select = page.locator("select[name=code_id][data-searchable]").first
    assert select.input_value() == ""
    search = page.locator("input.code-search").first
    search.fill("apresentado maior")
    visible = select.evaluate("s => [...s.options].filter(o => o.value && !o.hidden).map(o => o.textContent)")
    assert visible and all("apresentado" in v.lower() for v in visible), visible
    search.fill("1705")
    assert select.evaluate("s => s.options[s.selectedIndex].textContent").startswith("1705 - ")


def test_lot_builder_panel_follows_the_ticks(login_page):
    page = start_sp_sadt_lot(login_page("provider2@example.org"))
    assert page.locator("#selected-count").inner_text() == "0" and page.locator("#go-review").is_disabled()
    # Other browser tests bill some of these guides first: the panel is checked with whatever is left (≥ 1).
    boxes = page.locator("input[data-guide-check]:not([disabled])")
    ticks = min(boxes.count(), 2)
    assert ticks >= 1, "the demo has SP/SADT guides to bill last month"
    for i in range(ticks):
        boxes.nth(i).check()
    assert page.locator("#selected-count").inner_text() == str(ticks)
    total = page.locator("#selected-total").inner_text()
    assert total.startswith("R$\xa0") and "," in total and page.locator("#go-review").is_enabled()
    boxes.nth(0).uncheck()
    assert page.locator("#selected-count").inner_text() == str(ticks - 1)
    if ticks == 1:
        boxes.nth(0).check()
    assert page.locator("#selected-count").inner_text() == "1"
    page.click("#go-review")  # the panel's button keeps the ticks of this page
    page.wait_for_url("**/admin/lot-builder/review")
    assert page.locator("#review-count").inner_text() == "1"
    page.locator("input[data-review-check]").first.uncheck()
    assert page.locator("#review-count").inner_text() == "0" and page.locator("#send-lot").is_disabled()
