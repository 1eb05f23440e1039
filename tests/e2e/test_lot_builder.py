"""provider2 builds an SP/SADT lot in the browser, leaves one guide out, sends it and prints the protocol."""
from tests.e2e.conftest import start_sp_sadt_lot


def test_provider2_builds_and_sends_an_sp_sadt_lot(login_page):
    page = start_sp_sadt_lot(login_page("provider2@example.org"))

    boxes = page.locator("input[data-guide-check]:not([disabled])")
    count = boxes.count()
    assert count >= 3, "the demo has SP/SADT guides to bill last month"
    for i in range(count):
        boxes.nth(i).check()
    page.click("#select-review")
    page.wait_for_url("**/admin/lot-builder/review")
    assert page.locator("#review-count").inner_text() == str(count)

    # Leave one guide out of this lot.
    left_out = page.locator("input[data-review-check]").first
    left_out_number = left_out.get_attribute("data-review-check")
    left_out.uncheck()
    assert page.locator("#review-count").inner_text() == str(count - 1)
    page.click("#send-lot")
    page.wait_for_url("**/admin/lot-builder/summary**")
    assert page.locator("#sum-guides").inner_text() == str(count - 1)
    assert page.locator("#sum-lots").inner_text() == "1"
    protocol = page.locator("[data-protocol]").first.inner_text().strip()
    assert protocol.isdigit()
    assert left_out_number not in page.locator("#processing-summary ~ p").first.inner_text()

    href = page.locator("#print-protocol").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # The lot is followed with its protocol; the left-out guide is still free to bill.
    page.goto(f"/admin/lot-tracking/?protocol={protocol}")
    assert page.locator("#lots-table tbody tr[data-protocol='%s']" % protocol).count() == 1
