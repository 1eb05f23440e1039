"""A clerk sends two TISS XML files in the browser: one gets a protocol, the other every error; both stay in
the history with their PDF and TISS answer."""
import pytest
from lxml import etree

from models.base import db
from tests.tiss.conftest import SCHEMAS, Clinic

pytestmark = pytest.mark.skipif(SCHEMAS is None, reason="TISS schemas not found (set TISS_SCHEMA_DIRS)")


@pytest.fixture
def lot_files(live_app):
    """A good 3-guide SP/SADT file and one whose second guide names an unknown beneficiary card."""
    with live_app.app_context():
        clinic = Clinic()
        db.session.commit()
        good = clinic.lot_file(count=3)
        bad_guide = clinic.guide(card="0000000000")
        bad = clinic.lot_file([clinic.guide(), bad_guide])
        db.session.remove()
    return good, bad, bad_guide.number


def test_clerk_sends_xml_files_and_reads_protocol_and_errors(login_page, lot_files, tmp_path):
    good, bad, bad_number = lot_files
    (tmp_path / "lote_bom.xml").write_bytes(good)
    (tmp_path / "lote_ruim.xml").write_bytes(bad)
    page = login_page("clerk@example.org")
    page.goto("/admin/tiss/")
    page.set_input_files("#files", [str(tmp_path / "lote_bom.xml"), str(tmp_path / "lote_ruim.xml")])
    page.click("#tiss-send")
    page.wait_for_selector("#tiss-results [data-submission]")

    accepted = page.locator("#tiss-results [data-accepted='true']")
    refused = page.locator("#tiss-results [data-accepted='false']")
    assert accepted.count() == 1 and refused.count() == 1
    protocol = accepted.locator("[data-protocol]").inner_text().strip()
    assert protocol.isdigit()
    assert accepted.locator("tbody tr").count() == 3
    error = refused.locator("tr[data-error='1001']")
    assert error.count() == 1 and bad_number in error.inner_text()

    answer = page.request.get(accepted.locator("a[id^=answer-]").get_attribute("href"))
    assert answer.status == 200
    assert protocol in etree.fromstring(answer.body()).findtext(".//{*}numeroProtocolo")
    report = page.request.get(refused.locator("a[id^=report-]").get_attribute("href"))
    assert report.headers["content-type"] == "application/pdf" and report.body().startswith(b"%PDF")

    page.click("#tiss-upload ~ a")  # the page's own link to the history
    history = page.locator("table.model-list tbody")
    assert "lote_bom.xml" in history.inner_text() and "lote_ruim.xml" in history.inner_text()
