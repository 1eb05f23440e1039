"""Printed verification codes, checkable by anyone: a submission receipt (constancia) of an invoice
or a withholding certificate. The answer says what the paper should say, nothing more."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from models import WithholdingCertificate
from models.base import db
from services.invoices import check_verification_code

CODE_SHAPE = re.compile(r"^[0-9A-Z-]{8,32}$")


@dataclass(frozen=True)
class Verified:
    kind: str  # "invoice" or "certificate"
    number: str
    day: date
    amount: Decimal
    currency: str
    status: object  # an enum member with a translated label, or None
    issuer: str


def verify(code: str | None) -> Verified | None:
    """The document a printed code belongs to, or None (unknown, malformed or forged)."""
    code = (code or "").strip().upper()
    if not CODE_SHAPE.match(code):
        return None
    invoice = check_verification_code(code)
    if invoice is not None:
        return Verified("invoice", invoice.display_number, invoice.invoice_date, invoice.amount,
                        invoice.provider.currency, invoice.status, invoice.provider.legal_name)
    cert = db.session.scalar(select(WithholdingCertificate).where(WithholdingCertificate.verification_code == code))
    if cert is not None:
        return Verified("certificate", str(cert), cert.issued_at, cert.amount, cert.provider.currency, cert.tax,
                        cert.provider.legal_name)
    return None
