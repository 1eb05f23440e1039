"""The Argentine side: an invoice for an authorization and period already billed in an accepted
invoice is flagged for the reviewer; other periods, adjustments and refused invoices are not."""
from datetime import date

import sqlalchemy as sa

from models import ServiceType
from models.base import db
from models.enums import BillingType, Country, InvoiceStatus, Role
from seed import factories as f
from services.adjudication.invoices import duplicate_periods


def setup_invoices():
    provider = f.make_provider("Marta Cuidadora", country=Country.AR)
    service = db.session.scalar(sa.select(ServiceType).where(ServiceType.country == Country.AR).limit(1))
    beneficiary = f.make_beneficiary(f"{f.unique_suffix():07d}/00", "Afiliado Uno")
    auth = f.make_authorization(f"T{f.unique_suffix()}", provider, beneficiary, service, "100000.00",
                                date(2026, 1, 1), date(2026, 12, 31))
    accepted = f.make_invoice(auth, 1, "1000.00", date(2026, 3, 1), status=InvoiceStatus.ACCEPTED)
    again = f.make_invoice(auth, 2, "1000.00", date(2026, 3, 1), status=InvoiceStatus.IN_AUDIT)
    other_month = f.make_invoice(auth, 3, "1000.00", date(2026, 4, 1), status=InvoiceStatus.IN_AUDIT)
    adjustment = f.make_invoice(auth, 4, "50.00", date(2026, 3, 1), status=InvoiceStatus.IN_AUDIT,
                                billing_type=BillingType.ADJUSTMENT, referenced_invoice=accepted)
    db.session.commit()
    return accepted, again, other_month, adjustment


def test_invoice_for_a_period_already_accepted_is_flagged(app):
    accepted, again, other_month, adjustment = setup_invoices()
    flags = duplicate_periods([accepted, again, other_month, adjustment])
    assert flags == {again.id: accepted.display_number}


def test_flag_shown_to_the_clerk(app, client, login_as):
    _accepted, again, _other, _adj = setup_invoices()
    login_as(Role.CLERK)
    page = client.get(f"/admin/account-audit/invoice/{again.id}").get_data(as_text=True)
    assert 'id="duplicate-period"' in page
    listing = client.get("/admin/account-audit/").get_data(as_text=True)
    assert 'data-flag="duplicate-period"' in listing
