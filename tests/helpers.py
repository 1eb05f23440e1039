"""Small builders shared by tests (on top of seed.factories)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from models.base import db
from models.enums import Country, GuideType, InvoiceStatus, ItemKind, TaxCondition
from seed import factories as f


def argentine_provider(name: str = "Prestador SA", **fields):
    return f.make_provider(name, tax_condition=TaxCondition.MONOTRIBUTISTA,
                           service_codes=("CUIDADOR_DOMICILIARIO",), **fields)


def invoice_for(provider, status: InvoiceStatus = InvoiceStatus.DRAFT, number: int | None = None,
                amount: str = "1000.00", created_by=None, **fields):
    n = f.unique_suffix()
    beneficiary = f.make_beneficiary(f"AR{n:08d}", f"Afiliado {n}")
    auth = f.make_authorization(f"T{n:07d}", provider, beneficiary, f.service_type("CUIDADOR_DOMICILIARIO"),
                                "100000.00", date(2026, 1, 1), date(2026, 12, 31))
    invoice = f.make_invoice(auth, number or n, amount, date(2026, 3, 1), status=status, created_by=created_by,
                             **fields)
    db.session.flush()
    return invoice


def brazilian_provider_with_guides(name: str = "Clínica Teste Ltda", guides: int = 2):
    provider = f.make_provider(name, country=Country.BR, service_codes=("CONSULTA", "SP_SADT"))
    table = f.make_price_table(f"Tabela {name}", provider, [
        ("10101012", "Consulta em consultório", ItemKind.PROCEDURE, "150.00"),
        ("40304361", "Hemograma", ItemKind.PROCEDURE, "25.00"),
    ])
    db.session.flush()
    consult = table.items[0]
    made = []
    for _ in range(guides):
        n = f.unique_suffix()
        beneficiary = f.make_beneficiary(f"9{n:011d}", f"Beneficiário {n}")
        made.append(f.make_guide(provider, f"G{n}", GuideType.CONSULTA, beneficiary, date(2026, 10, 5),
                                 [(consult, Decimal(1))], execution=date(2026, 10, 5)))
    db.session.flush()
    return provider, made


def without_nonce(html: str) -> str:
    """A page without its per-request CSP nonce, to compare two answers."""
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)
