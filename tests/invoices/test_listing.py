"""The "Facturas" listing: tabs with counts, search, columns, page sizes and keyset paging."""
import re

import pytest

from models.base import db
from models.enums import InvoiceStatus, Role
from seed import factories as f
from seed.scale_invoices import scale_provider, seed_invoices
from services import invoice_list
from tests.invoices.conftest import INVOICE_DATE, PERIOD


def numbers(html):
    return re.findall(r'data-number="([\d-]+)"', html)


def counts(html):
    return dict(re.findall(r'data-count="(\w+)">([^<]*)<', html))


def test_tabs_columns_and_counts_for_a_provider(client, login, world):
    for k, status in enumerate([InvoiceStatus.DRAFT, InvoiceStatus.SENT, InvoiceStatus.IN_AUDIT,
                                InvoiceStatus.OBSERVED, InvoiceStatus.ACCEPTED, InvoiceStatus.ENTERED,
                                InvoiceStatus.REJECTED, InvoiceStatus.SENT]):
        f.make_invoice(world.auth, 80 + k, "29663.00", PERIOD, status=status, invoice_date=INVOICE_DATE)
    db.session.commit()
    login(world.provider_user)
    html = client.get("/admin/invoice/").get_data(as_text=True)
    # "In audit" shows inside "Sent" for providers
    assert counts(html) == {"draft": "1", "sent": "3", "observed": "1", "accepted": "1", "entered": "1",
                            "rejected": "1"}
    for header in ("Procedure no.", "Service", "Last movement", "Period", "Type", "Invoice", "Amount"):
        assert f">{header}</th>" in html
    sent = client.get("/admin/invoice/?tab=sent").get_data(as_text=True)
    assert sorted(numbers(sent)) == ["00002-00000081", "00002-00000082", "00002-00000087"]
    assert world.auth.number in sent and "Factura C" in sent and "Cuidador domiciliario" in sent
    assert "29,663.00" in sent and f"{PERIOD.month:02d}/{PERIOD.year}" in sent
    assert "Marta Cuidadora" in sent and "20-26756539-3" in sent  # name and CUIT header as in the seed


def test_staff_get_an_in_audit_tab(client, login, world):
    f.make_invoice(world.auth, 1, "1.00", PERIOD, status=InvoiceStatus.IN_AUDIT, invoice_date=INVOICE_DATE)
    db.session.commit()
    login(world.supervisor)
    html = client.get("/admin/invoice/").get_data(as_text=True)
    assert 'data-tab="in_audit"' in html and 'aria-current="page"' in html
    assert counts(html)["in_audit"] == "1" and counts(html)["sent"] == "1"  # world.other_invoice
    assert "00002-00000001" in html  # supervisors land on their queue


def test_search(client, login, world):
    f.make_invoice(world.auth, 85, "1.00", PERIOD, status=InvoiceStatus.SENT, invoice_date=INVOICE_DATE,
                   cae="71110383321640")
    f.make_invoice(world.auth, 86, "1.00", PERIOD, status=InvoiceStatus.SENT, invoice_date=INVOICE_DATE)
    db.session.commit()
    login(world.clerk)

    def found(q):
        return sorted(numbers(client.get("/admin/invoice/", query_string={"tab": "sent", "q": q}).get_data(
            as_text=True)))

    assert found("00002-00000085") == ["00002-00000085"]
    assert found("2-85") == ["00002-00000085"]
    assert found("71110383321640") == ["00002-00000085"]
    assert found(world.auth.number) == ["00002-00000085", "00002-00000086"]
    assert found("Otra Clínica") == [world.other_invoice.display_number]
    assert found("100%_") == []
    assert found("<script>") == []


@pytest.mark.parametrize("size", [10, 25])
def test_keyset_paging_walks_every_row_once(client, make_user, login, size):
    seed_invoices(60)
    provider, _ = scale_provider()
    user = make_user(Role.PROVIDER, providers=[provider])
    login(user)
    seen, url = [], f"/admin/invoice/?tab=entered&size={size}"
    for _ in range(20):
        html = client.get(url).get_data(as_text=True)
        seen.extend(numbers(html))
        match = re.search(r'data-page="next" href="([^"]+)"', html)
        if not match or match.group(1) == "#":
            break
        url = match.group(1).replace("&amp;", "&")
    expected = 60 * 10 // 20
    assert len(seen) == len(set(seen)) == expected
    # the last page holds the oldest rows; previous from it goes back
    last = client.get(f"/admin/invoice/?tab=entered&size={size}&last=1").get_data(as_text=True)
    assert numbers(last) == seen[-len(numbers(last)):]
    prev = re.search(r'data-page="prev" href="([^"]+)"', last).group(1).replace("&amp;", "&")
    assert numbers(client.get(prev).get_data(as_text=True)) == seen[-len(numbers(last)) - size:-len(numbers(last))]


def test_page_size_and_bad_cursors(client, make_user, login):
    seed_invoices(40)
    provider, _ = scale_provider()
    login(make_user(Role.PROVIDER, providers=[provider]))
    assert len(numbers(client.get("/admin/invoice/?tab=entered&size=25").get_data(as_text=True))) == 20
    assert len(numbers(client.get("/admin/invoice/?tab=entered&size=7").get_data(as_text=True))) == 10
    assert client.get("/admin/invoice/?tab=nope&after=garbage&before=x_y").status_code == 200


def test_counts_are_capped(app, make_user, monkeypatch):
    seed_invoices(40)
    provider, _ = scale_provider()
    user = make_user(Role.PROVIDER, providers=[provider])
    monkeypatch.setattr(invoice_list, "COUNT_CAP", 5)
    with app.test_request_context():
        page = invoice_list.list_page(user, "entered")
    assert page.counts["entered"] == 5 and "entered" in page.capped
