"""No query per row on the money pages: each page sends as many SQL statements with 50 rows as with 5.

Each test builds 5 rows, counts the statements of one GET, adds 45 rows and counts again
(tests/query_count.py). A page that loads a provider, a total or a glosa per row fails here."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Appeal, Glosa, Job, Lot, PaymentDeduction, PaymentOrder, WithholdingCertificate
from models.base import db
from models.enums import (
    AppealStatus,
    Country,
    DeductionKind,
    GuideType,
    InvoiceStatus,
    ItemKind,
    JobState,
    LotStatus,
    PaymentOrderStatus,
    Role,
    Tax,
    TaxCondition,
)
from models.sequences import next_value
from seed import factories as f
from services import bulk_orders
from tests.helpers import argentine_provider, every_page, invoice_for
from tests.query_count import assert_flat, queries_for

PERIOD = "start=2026-01-01&end=2026-03-31"


def _br_provider(name: str):
    provider = f.make_provider(name, country=Country.BR, tax_condition=TaxCondition.LUCRO_PRESUMIDO,
                               service_codes=("CONSULTA",), iss_rate=Decimal("3.0000"))
    table = f.make_price_table(f"T {name}", provider, [
        ("10101012", "Consulta", ItemKind.PROCEDURE, "150.00"), ("40304361", "Hemograma", ItemKind.PROCEDURE, "25.00"),
    ])
    db.session.flush()
    return provider, table.items


def _lot(provider, items, guides: int, status: LotStatus, code=None, sent=datetime(2026, 2, 1, 10)):
    made = []
    for _ in range(guides):
        n = f.unique_suffix()
        ben = f.make_beneficiary(f"66{n:09d}", f"Paciente {n}")
        made.append(f.make_guide(provider, f"G{n}", GuideType.CONSULTA, ben, date(2026, 1, 5),
                                 [(items[0], 1), (items[1], 2)], execution=date(2026, 1, 5)))
    db.session.flush()
    lot = f.make_lot(provider, made, "2026-01", status, sent_at=sent)
    db.session.flush()
    if code is not None:
        for guide in made:
            db.session.add(Glosa(provider_id=provider.id, lot_id=lot.id, guide_id=guide.id,
                                 guide_item_id=guide.items[0].id, code_id=code.id, amount=Decimal("10.00")))
    return lot


def pages_from(client, url: str, link: str = "next-page") -> list[str]:
    """Every page from ``url`` on, following the ``rel="next"`` link of id ``link`` (at most 10 pages)."""
    pages = []
    while url and len(pages) < 10:
        pages.append(client.get(url).get_data(as_text=True))
        found = re.search(rf'id="{link}"\s+rel="next"\s+href="([^"]+)"', pages[-1])
        url = found.group(1).replace("&amp;", "&") if found else None
    return pages


@pytest.fixture
def clerk(make_user):
    return make_user(Role.CLERK)


# Payment desk --------------------------------------------------------------------------------------------
def _desk_rows(count: int, clerk, codes):
    """``count`` AR providers with an accepted invoice, ``count`` BR providers with a released lot,
    and ``count`` open orders (bulk-created for more AR providers)."""
    for _ in range(count):
        invoice_for(argentine_provider(f"Prestador {f.unique_suffix()}"), status=InvoiceStatus.ACCEPTED)
        provider, items = _br_provider(f"Clínica {f.unique_suffix()}")
        _lot(provider, items, 1, LotStatus.RELEASED, codes["1705"])
    to_order = [invoice_for(argentine_provider(f"Ordem {f.unique_suffix()}"), status=InvoiceStatus.ACCEPTED).provider_id
                for _ in range(count)]
    db.session.flush()
    bulk_orders.create_orders(to_order, date(2026, 3, 10), clerk)
    db.session.commit()


def test_payment_desk_index_is_flat(client, login, clerk, money_setup):
    _desk_rows(5, clerk, money_setup)
    login(clerk)
    small = queries_for(client, "/admin/payment-desk/")
    _desk_rows(45, clerk, money_setup)
    large = queries_for(client, "/admin/payment-desk/")
    page = client.get("/admin/payment-desk/").get_data(as_text=True)
    assert page.count("data-new-order") == 50 and 'id="next-providers"' in page  # 100 payable: a page of 50
    assert page.count("data-order-number") == 50 and 'id="next-orders"' not in page  # exactly one page
    assert_flat(small, large, "payment desk")
    assert not any(" NOT IN " in s.upper() for s in large), "payables must use NOT EXISTS"


def test_open_orders_page_by_date_through_every_open_status(money_setup):
    """Each open status is sought on its own (status, payment_date, number) range and merged: draft, pending
    and approved orders interleaved by date (several on one day: the number decides), paid ones in between
    never shown, every page the next ones, none twice or left out."""
    from services import payments

    provider = argentine_provider("Prestador Órdenes SA")
    statuses = [PaymentOrderStatus.DRAFT, PaymentOrderStatus.PAID, PaymentOrderStatus.PENDING_APPROVAL,
                PaymentOrderStatus.APPROVED, PaymentOrderStatus.CANCELLED]
    made = []
    for n in range(17):
        made.append(PaymentOrder(number=next_value("payment_order"), provider_id=provider.id,
                                 payment_date=date(2026, 5, 1 + n // 3), status=statuses[n % 5],
                                 gross_amount=Decimal("10.00"), deductions_amount=Decimal("0.00"),
                                 net_amount=Decimal("10.00")))
    db.session.add_all(made)
    db.session.commit()
    shown = [order.number for order in every_page(lambda cursor: payments.open_orders_page(cursor, size=2))]
    open_ones = sorted((o for o in made if o.status in payments.OPEN_ORDER), key=lambda o: (o.payment_date, o.number))
    assert [n for n in shown if n in {o.number for o in made}] == [o.number for o in open_ones]
    assert len(shown) == len(set(shown))


# The provider's pages ------------------------------------------------------------------------------------
def _paid_orders(provider, count: int, start: int = 0):
    rule_less = []
    for i in range(count):
        day = date(2026, 1, 1 + (start + i) % 28)
        order = PaymentOrder(number=next_value("payment_order"), provider_id=provider.id, payment_date=day,
                             paid_at=day, status=PaymentOrderStatus.PAID, gross_amount=Decimal("100.00"),
                             deductions_amount=Decimal("3.00"), net_amount=Decimal("97.00"))
        deduction = PaymentDeduction(kind=DeductionKind.WITHHOLDING, code="04", description="ISS",
                                     base_amount=Decimal("100.00"), rate=Decimal("3.0000"), amount=Decimal("3.00"))
        order.deductions.append(deduction)
        db.session.add(order)
        db.session.add(WithholdingCertificate(
            number=next_value("certificate"), deduction=deduction, provider_id=provider.id, issued_at=day,
            tax=Tax.ISS, base_amount=Decimal("100.00"), amount=Decimal("3.00"), signer_name="A",
            signer_position="B", verification_code=f"V{f.unique_suffix():010d}"))
        rule_less.append(order)
    db.session.commit()
    return rule_less


def _debit_notes(provider, count: int):
    for _ in range(count):
        invoice_for(provider, status=InvoiceStatus.REJECTED, debited_amount=Decimal("5.00"))
    db.session.commit()


@pytest.fixture
def provider_user(make_user, money_setup):
    provider, items = _br_provider("Clínica Própria Ltda")
    db.session.commit()
    return provider, make_user(Role.PROVIDER, providers=[provider]), items


@pytest.fixture
def ar_provider_user(make_user, money_setup):
    """Mis comprobantes is an Argentine provider's page (the matrix's country of ``my_documents``)."""
    provider = argentine_provider("Cuidados Propios")
    db.session.commit()
    return provider, make_user(Role.PROVIDER, providers=[provider]), []


# (page, whose provider): Mis comprobantes is Argentine, the demonstrativos Brazilian, withholdings both.
@pytest.mark.parametrize("url,fixture", [("/admin/provider-money/", "ar_provider_user"),
                                         ("/admin/statements/", "provider_user"),
                                         ("/admin/my-withholdings/", "ar_provider_user")])
def test_provider_money_pages_are_flat(client, login, request, url, fixture):
    provider, user, _items = request.getfixturevalue(fixture)
    _paid_orders(provider, 5)
    _debit_notes(provider, 5)
    login(user)
    small = queries_for(client, url)
    _paid_orders(provider, 45, start=5)
    _debit_notes(provider, 45)
    large = queries_for(client, url)
    assert_flat(small, large, url)


def test_my_documents_pages_through_every_document_once(client, login, ar_provider_user):
    provider, user, _items = ar_provider_user
    orders = _paid_orders(provider, 60)
    _debit_notes(provider, 50)  # moved today: newer than January's orders
    login(user)
    seen = [chunk.split('"', 1)[0] for page in pages_from(client, "/admin/provider-money/")
            for chunk in page.split('data-number="')[1:]]
    assert len(seen) == 110 and len(set(seen)) == 110  # 3 pages of 50, nothing twice, nothing lost
    assert all("-" in number for number in seen[:50]) and seen[50:] == [
        f"{o.number:08d}" for o in sorted(orders, key=lambda o: (o.paid_at, o.id), reverse=True)]


# Reports by period, extract, NF report -------------------------------------------------------------------
@pytest.mark.parametrize("url", [f"/admin/reports/?{PERIOD}", f"/admin/reports/extract?{PERIOD}",
                                 f"/admin/nf-report/?{PERIOD}"])
def test_provider_reports_are_flat(client, login, provider_user, money_setup, url):
    provider, user, items = provider_user
    for _ in range(5):
        _lot(provider, items, 2, LotStatus.RELEASED, money_setup["1705"])
    db.session.commit()
    login(user)
    small = queries_for(client, url)
    for _ in range(45):
        _lot(provider, items, 2, LotStatus.RELEASED, money_setup["1705"])
    db.session.commit()
    large = queries_for(client, url)
    assert_flat(small, large, url)


def test_staff_nf_report_is_flat(client, login, clerk, money_setup):
    def lots(count):
        for _ in range(count):
            provider, items = _br_provider(f"Clínica {f.unique_suffix()}")
            _lot(provider, items, 2, LotStatus.RELEASED, money_setup["1705"])
        db.session.commit()

    lots(5)
    login(clerk)
    small = queries_for(client, f"/admin/nf-report/?{PERIOD}")
    lots(45)
    large = queries_for(client, f"/admin/nf-report/?{PERIOD}")
    assert_flat(small, large, "NF report (staff)")


# Account audit ------------------------------------------------------------------------------------------
def test_account_audit_index_is_flat(client, login, clerk, money_setup):
    def rows(count):
        for _ in range(count):
            provider, items = _br_provider(f"Clínica {f.unique_suffix()}")
            _lot(provider, items, 1, LotStatus.IN_ANALYSIS)
            invoice_for(argentine_provider(f"Prestador {f.unique_suffix()}"), status=InvoiceStatus.IN_AUDIT)
        db.session.commit()

    rows(5)
    login(clerk)
    small = queries_for(client, "/admin/account-audit/?status=in_analysis")
    rows(45)
    large = queries_for(client, "/admin/account-audit/?status=in_analysis")
    assert_flat(small, large, "account audit index")


def test_account_audit_lot_is_flat(client, login, clerk, money_setup):
    provider, items = _br_provider("Clínica Auditada Ltda")
    small_lot = _lot(provider, items, 5, LotStatus.IN_ANALYSIS, money_setup["1705"])
    large_lot = _lot(provider, items, 50, LotStatus.IN_ANALYSIS, money_setup["1702"])
    db.session.commit()
    login(clerk)
    small = queries_for(client, f"/admin/account-audit/lot/{small_lot.id}")
    large = queries_for(client, f"/admin/account-audit/lot/{large_lot.id}")
    assert_flat(small, large, "account audit lot")


def test_extract_pages_through_every_guide_with_the_period_total(client, login, provider_user, money_setup):
    provider, user, items = provider_user
    for _ in range(3):
        _lot(provider, items, 90, LotStatus.RELEASED, money_setup["1705"])  # 270 guides, 10.00 glosa each
    db.session.commit()
    login(user)
    pages = pages_from(client, f"/admin/reports/extract?{PERIOD}")
    assert all("R$\xa051,300.00" in page for page in pages)  # 270 × (150 + 2 × 25 - 10 glosa), on every page
    guides = [cell.split("<", 1)[0] for page in pages for cell in page.split('<td>G')[1:]]
    assert len(pages) == 3 and len(guides) == 270 and len(set(guides)) == 270


def test_report_by_period_pages_its_lots_with_the_totals_of_the_whole_period(client, login, provider_user,
                                                                            money_setup, monkeypatch):
    from services import reports

    monkeypatch.setattr(reports, "PERIOD_PAGE", 20)
    provider, user, items = provider_user
    for i in range(45):  # some lots share a send time: the pages seek on (time, id)
        _lot(provider, items, 1, LotStatus.RELEASED, money_setup["1705"] if i % 3 == 0 else None,
             sent=datetime(2026, 2, 1 + i % 20, 10, 0))
    db.session.commit()
    login(user)
    pages = pages_from(client, f"/admin/reports/?{PERIOD}")
    # 45 lots × (150 + 2 × 25) informed; 15 of them with a 10.00 glosa: 9,000.00 - 150.00 released
    assert all('id="released-total">R$\xa08,850.00' in page and "R$\xa09,000.00" in page for page in pages)
    protocols = [row.split("<", 1)[0] for page in pages for row in page.split("<tr><td>")[1:]]
    assert len(pages) == 3 and len(protocols) == 45 and len(set(protocols)) == 45
    assert "Total of the period" in pages[-1] and 'id="first-page"' in pages[-1]
    csv = client.get(f"/admin/reports/?{PERIOD}&format=csv").get_data(as_text=True)
    assert len([line for line in csv.splitlines() if line and line[0].isdigit()]) == 45  # the CSV has every lot


def test_statements_page_through_every_analysed_lot_keeping_the_orders_page(client, login, provider_user,
                                                                           money_setup):
    provider, user, items = provider_user
    lots = [_lot(provider, items, 1, LotStatus.RELEASED) for _ in range(55)]
    db.session.commit()
    login(user)
    pages = pages_from(client, "/admin/statements/", "more-analyses")
    seen = [int(chunk.split('"', 1)[0]) for page in pages for chunk in page.split('data-lot="')[1:]]
    assert len(pages) == 2  # 50 a page, newest protocol first, each lot once
    assert seen == sorted((lot.id for lot in lots), key=lambda i: -db.session.get(Lot, i).protocol_number)


def _appeals(provider, items, count: int, status=AppealStatus.OPEN) -> list[Appeal]:
    made = []
    for _ in range(count):
        lot = _lot(provider, items, 1, LotStatus.RELEASED)
        made.append(Appeal(provider=provider, lot=lot, guide=lot.guides[0], status=status, justification="x",
                           requested_amount=Decimal("10.00")))
    db.session.add_all(made)
    db.session.flush()
    return made


@pytest.mark.parametrize("who", ["clerk", "provider"])
def test_appeal_desks_page_through_every_appeal_in_a_few_queries(client, login, clerk, provider_user, money_setup,
                                                                   who):
    provider, user, items = provider_user
    other, other_items = _br_provider("Clínica Alheia Ltda")
    mine = _appeals(provider, items, 52) + _appeals(provider, items, 3, AppealStatus.ACCEPTED)
    theirs = _appeals(other, other_items, 2)
    db.session.commit()
    login(clerk if who == "clerk" else user)
    base = "/admin/appeals-desk/" if who == "clerk" else "/admin/my-appeals/"
    expected = sorted(a.id for a in (mine + theirs if who == "clerk" else mine))[::-1]
    pages = pages_from(client, base)
    seen = [int(chunk.split('"', 1)[0]) for page in pages for chunk in page.split('data-appeal="')[1:]]
    assert seen == expected and len(pages) == 2  # 50 a page, newest first, each once, nobody else's
    accepted = client.get(f"{base}?status=accepted").get_data(as_text=True)
    assert accepted.count('data-appeal="') == 3
    small = queries_for(client, f"{base}?status=accepted")
    large = queries_for(client, base)
    assert_flat(small, large, "appeal desk")  # provider, lot and guide of 50 rows: not a query per row


def test_nf_report_pages_with_the_totals_of_the_whole_period(client, login, clerk, money_setup, monkeypatch):
    from services import nf_report

    monkeypatch.setattr(nf_report, "NF_PAGE", 20)
    provider, items = _br_provider("Clínica NF Ltda")
    for i in range(45):
        _lot(provider, items, 1, LotStatus.RELEASED if i % 3 else LotStatus.RECEIVED,
             sent=datetime(2026, 2, 1 + i % 28, 10, i))
    db.session.commit()
    login(clerk)
    pages = pages_from(client, f"/admin/nf-report/?{PERIOD}&provider={provider.id}")
    # 45 lots × 200.00 presented; 30 analysed lots × 200.00 released (the items carry no released value yet)
    assert all('id="nf-presented">R$\xa09,000.00' in page for page in pages)
    protocols = [row.split("<", 1)[0] for page in pages for row in page.split("<tr><td>")[1:]]
    assert len(pages) == 3 and len(protocols) == 45 and len(set(protocols)) == 45


def test_the_clerks_appeal_queue_counts_open_appeals_only_on_their_status(client, login, clerk, provider_user,
                                                                          money_setup):
    """The start page's "Appeals to analyse" is the number of open appeals, read on the status index: not a
    count of every appeal by status (a table that only grows)."""
    provider, _user, items = provider_user
    other, other_items = _br_provider("Clínica Recursos Ltda")
    _appeals(provider, items, 3) + _appeals(other, other_items, 2) + _appeals(provider, items, 4, AppealStatus.ACCEPTED)
    db.session.commit()
    login(clerk)
    page = client.get("/admin/").get_data(as_text=True)
    card = page.split('data-queue="open"', 1)[1].split("</a>", 1)[0]
    assert re.search(r">\s*5\s*<", card), card
    statements = queries_for(client, "/admin/")
    on_appeals = [s for s in statements if "FROM appeal" in s]
    assert len(on_appeals) == 1 and "WHERE appeal.status = " in on_appeals[0] and "GROUP BY" not in on_appeals[0]


def test_report_by_period_pages_its_invoices_with_the_totals_of_the_whole_period(client, login, clerk, money_setup,
                                                                               monkeypatch):
    """A provider that bills thousands of invoices a quarter: the report shows a page of them at a time, the
    period's totals on every page, and the CSV still has every one."""
    from services import reports

    monkeypatch.setattr(reports, "PERIOD_PAGE", 20)
    provider = argentine_provider("Facturas Muchas SA")
    for n in range(45):  # several a day: the pages seek on (date, id)
        invoice_for(provider, InvoiceStatus.ACCEPTED, amount="100.00", invoice_date=date(2026, 2, 1 + n % 10),
                    debited_amount=Decimal("10.00") if n % 3 == 0 else Decimal("0.00"))
    invoice_for(provider, InvoiceStatus.DRAFT, amount="999.00", invoice_date=date(2026, 2, 3))  # not billed yet
    db.session.commit()
    login(clerk)
    pages = pages_from(client, f"/admin/reports/?{PERIOD}&provider_id={provider.id}", "next-invoices")
    # 45 × 100.00; 15 of them debited 10.00
    assert all('id="invoice-amount-total">$\xa04,500.00' in page and "$\xa0150.00" in page for page in pages)
    numbers = [row.split("<", 1)[0] for page in pages
               for row in page.split('id="period-invoices"', 1)[1].split("</table>", 1)[0].split("<tr><td>")[1:]]
    assert len(pages) == 3 and len(numbers) == 45 and len(set(numbers)) == 45
    assert 'id="first-invoices"' in pages[-1] and "Total of the period" in pages[-1]
    csv = client.get(f"/admin/reports/?{PERIOD}&provider_id={provider.id}&format=csv").get_data(as_text=True)
    assert len([line for line in csv.splitlines() if line.startswith("invoice,")]) == 45


@pytest.mark.parametrize("report,path", [("extract", "/admin/reports/extract"), ("period", "/admin/reports/"),
                                         ("nf", "/admin/nf-report/")])
def test_a_long_report_is_built_by_a_job_and_downloaded_from_its_page(app, client, login, make_user, provider_user,
                                                                      money_setup, monkeypatch, report, path):
    """Past ``REPORT_INLINE_LINES`` a PDF or CSV is queued (a year's extrato passes the web worker's time limit): the
    user lands on the job's page and downloads the same file a short period gets at once; another
    provider's user cannot see the job or its file."""
    provider, user, items = provider_user
    for _ in range(3):
        _lot(provider, items, 4, LotStatus.RELEASED)  # 12 guides in 3 lots
    db.session.commit()
    login(user)
    formats = ("pdf",) if report == "nf" else ("csv", "pdf")
    inline = {fmt: client.get(f"{path}?{PERIOD}&format={fmt}") for fmt in formats}
    assert all(r.status_code == 200 for r in inline.values())
    monkeypatch.setitem(app.config, "REPORT_INLINE_LINES", 2)
    for fmt in formats:
        queued = client.get(f"{path}?{PERIOD}&format={fmt}")
        assert queued.status_code == 302 and "/admin/jobs/" in queued.headers["Location"]
        page = client.get(queued.headers["Location"]).get_data(as_text=True)
        assert "it is being prepared in the background" in page and 'id="job-download"' in page
        job = db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(1)).one()
        assert job.state == JobState.DONE and job.total == (12 if report == "extract" else 3)
        download = client.get(f"/admin/jobs/{job.id}/result")
        assert download.status_code == 200
        if fmt == "csv":
            assert download.get_data() == inline["csv"].get_data()
        else:
            assert download.get_data()[:5] == b"%PDF-" and len(download.get_data()) > 1000
    other, _other_items = _br_provider("Clínica Vizinha Ltda")
    db.session.commit()
    client.post("/logout")
    login(make_user(Role.PROVIDER, providers=[other]))
    assert client.get(f"/admin/jobs/{job.id}").status_code == 404
    assert client.get(f"/admin/jobs/{job.id}/result").status_code == 404


def test_asking_again_for_a_report_still_in_the_making_gives_the_same_job(app, provider_user, money_setup):
    from services import report_exports

    provider, user, _items = provider_user
    with app.test_request_context():
        first = report_exports.start(user, "extract", provider, "pdf", date(2026, 1, 1), date(2026, 3, 31), 5000)
        again = report_exports.start(user, "extract", provider, "pdf", date(2026, 1, 1), date(2026, 3, 31), 5000)
        other = report_exports.start(user, "extract", provider, "csv", date(2026, 1, 1), date(2026, 3, 31), 5000)
        assert again.id == first.id and other.id != first.id
        first.state = JobState.FAILED
        db.session.flush()
        assert report_exports.start(user, "extract", provider, "pdf", date(2026, 1, 1), date(2026, 3, 31),
                                    5000).id not in (first.id, other.id)
