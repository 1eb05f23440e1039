"""Fixtures of the money end: glosa codes, tax rules (the demo's), a Brazilian lot and an IOMA invoice."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from models import GlosaCode, PayerIdentity, PayerSettings
from models.base import db
from models.enums import Country, GlosaSource, GuideType, InvoiceStatus, ItemKind, LotStatus, Role, TaxCondition
from seed import demo
from seed import factories as f


@pytest.fixture
def money_setup():
    """Payer settings, glosa codes and the demo withholding rules."""
    db.session.add(PayerSettings(name="Obra Social Test", identities=[
        PayerIdentity(country=Country.AR, legal_name="Obra Social Test", tax_id=demo.PAYER_CUIT, address="Calle 1",
                      tax_condition="IVA Exento", signer_name="Ana Firmante", signer_position="Gerente"),
        PayerIdentity(country=Country.BR, legal_name="Operadora Teste Ltda", tax_id=demo.PAYER_CNPJ,
                      ans_registry=demo.PAYER_ANS, address="Rua Um, 1, São Paulo", signer_name="Bruna Signatária",
                      signer_position="Diretora")]))
    codes = {}
    for code, desc, src in (("1705", "Valor apresentado a maior", GlosaSource.TISS),
                            ("1702", "Cobrança em duplicidade", GlosaSource.TISS),
                            ("D01", "Débito: prestación no autorizada", GlosaSource.PAYER)):
        codes[code] = GlosaCode(code=code, description=desc, source=src)
        db.session.add(codes[code])
    demo._withholding_rules()
    db.session.commit()
    return codes


@pytest.fixture
def br_lot(money_setup):
    """A Brazilian provider (Lucro Presumido, ISS 3 %) with a received lot of two guides."""
    provider = f.make_provider("Clínica Teste Ltda", country=Country.BR, tax_condition=TaxCondition.LUCRO_PRESUMIDO,
                               service_codes=("CONSULTA",), iss_rate=Decimal("3.0000"), bank_name="Banco do Brasil",
                               bank_agency="1234", bank_account="5678-9")
    table = f.make_price_table("T", provider, [
        ("10101012", "Consulta", ItemKind.PROCEDURE, "150.00"),
        ("40304361", "Hemograma", ItemKind.PROCEDURE, "25.00"),
    ])
    db.session.flush()
    items = {i.code: i for i in table.items}
    n = f.unique_suffix()
    b1 = f.make_beneficiary(f"77{n:08d}1", "Ana Souza")
    b2 = f.make_beneficiary(f"77{n:08d}2", "João Silva")
    g1 = f.make_guide(provider, f"G{n}1", GuideType.CONSULTA, b1, date(2026, 1, 5),
                      [(items["10101012"], 1), (items["40304361"], 2)], execution=date(2026, 1, 5))
    g2 = f.make_guide(provider, f"G{n}2", GuideType.CONSULTA, b2, date(2026, 1, 6),
                      [(items["10101012"], 1)], execution=date(2026, 1, 6))
    db.session.flush()
    lot = f.make_lot(provider, [g1, g2], "2026-01", LotStatus.RECEIVED, sent_at=datetime(2026, 2, 1, 10))
    db.session.commit()
    return lot


@pytest.fixture
def ar_invoice(money_setup):
    """An Argentine Responsable Inscripto provider (IIBB 2.5 %) with an invoice in audit."""
    provider = f.make_provider("Clínica Argentina SRL", tax_condition=TaxCondition.RESPONSABLE_INSCRIPTO,
                               service_codes=("KINESIOLOGIA",), iibb_rate=Decimal("2.5000"),
                               cbu="2850590940090418135201", bank_name="Banco Provincia")
    n = f.unique_suffix()
    ben = f.make_beneficiary(f"88{n:08d}", "María González")
    auth = f.make_authorization(f"9{n:07d}", provider, ben, f.service_type("KINESIOLOGIA"), "900000.00",
                                date(2025, 1, 1), date(2026, 12, 31))
    invoice = f.make_invoice(auth, 100 + n, "200000.00", date(2026, 1, 1), status=InvoiceStatus.IN_AUDIT)
    db.session.commit()
    return invoice


@pytest.fixture
def staff(make_user):
    return {
        "clerk": make_user(Role.CLERK),
        "clerk2": make_user(Role.CLERK),
        "supervisor": make_user(Role.SUPERVISOR),
        "supervisor2": make_user(Role.SUPERVISOR),
    }


@pytest.fixture(autouse=True)
def _request_context(app, request):
    """Services translate their messages: give them a request (English)."""
    if "client" in request.fixturenames:
        yield
        return
    from flask_babel import force_locale

    with force_locale("en"):
        yield
