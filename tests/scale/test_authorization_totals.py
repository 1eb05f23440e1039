"""What is billed of each authorization, kept by the database per invoice status, stays equal to its
invoices whatever changes them: the ORM, bulk statements, moves between authorizations, deletes."""
from decimal import Decimal

import sqlalchemy as sa

from models import AuthorizationTotal, Invoice
from models.base import db
from models.enums import InvoiceStatus
from services import invoices
from tests.helpers import argentine_provider, invoice_for
from tests.scale.rebuilt import assert_same_after_rebuild, kept_cells


def kept() -> dict:
    T = AuthorizationTotal
    return kept_cells(T.authorization_id, T.status, count=T.count, amount=T.amount)


def test_creates_status_and_amount_changes_moves_and_deletes_keep_the_totals_exact():
    provider = argentine_provider("Trámites SA")
    first = invoice_for(provider, InvoiceStatus.SENT, amount="1000.00")
    auth = first.authorization
    second = invoice_for(provider, InvoiceStatus.DRAFT, amount="250.25")
    other_auth = second.authorization
    second.authorization = auth
    third = invoice_for(provider, InvoiceStatus.ACCEPTED, amount="99.99")
    db.session.flush()
    assert_same_after_rebuild(kept)
    assert invoices.billing_of(auth).billed_total == Decimal("1000.00")
    assert invoices.billing_of(auth).draft_total == Decimal("250.25")
    first.status = InvoiceStatus.ACCEPTED
    second.amount = Decimal("300.10")
    third.authorization = auth  # moved: leaves its authorization's totals
    db.session.flush()
    assert_same_after_rebuild(kept)
    assert invoices.billing_of(auth).billed_total == Decimal("1099.99")
    assert invoices.billing_of(auth, exclude_invoice_id=first.id).billed_total == Decimal("99.99")
    assert invoices.billing_of(other_auth).billed_total == Decimal("0.00")
    db.session.execute(sa.update(Invoice).where(Invoice.authorization_id == auth.id).values(
        status=InvoiceStatus.REJECTED))  # bulk statements too
    db.session.delete(third)
    db.session.flush()
    assert_same_after_rebuild(kept)
    billing = invoices.billing_of(auth)
    assert (billing.billed_total, billing.draft_total, billing.remaining) == (
        Decimal("0.00"), Decimal("0.00"), auth.authorized_total)
    assert kept()[(auth.id, InvoiceStatus.REJECTED.value)] == (2, Decimal("1300.10"))
