"""TISS fixtures: the official schemas (shipped in services/tiss/xsd), a Brazilian clinic and a lot-file builder."""
from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from lxml import etree

from models import PayerSettings, Professional, ServiceLocation
from models.base import db, to_money
from models.enums import Country, GuideType, ItemKind
from seed import factories as f
from seed.demo import PAYER_ANS, PRICE_ITEMS
from services.tiss import Q, hashing
from services.tiss.export import build_lot_message
from settings import BUNDLED_XSD

ANS = PAYER_ANS
# The demo price table's procedures, material, medicine and fee used by the test files.
PRICES = [row for row in PRICE_ITEMS
          if row[0] in {"10101012", "40304361", "40302040", "70000001", "90000001", "60000732"}]


def find_schemas() -> str:
    """TISS_SCHEMA_DIRS from the environment, else the 4.01.00 schemas shipped with Liquida."""
    return os.environ.get("TISS_SCHEMA_DIRS") or str(Path(BUNDLED_XSD) / "4.01.00")


SCHEMAS = find_schemas()
HASH_VECTORS = Path(__file__).resolve().parent / "data" / "hash-vectors"


@pytest.fixture(autouse=True)
def tiss_schemas(app):
    previous = app.config.get("TISS_SCHEMA_DIRS")
    app.config["TISS_SCHEMA_DIRS"] = SCHEMAS
    yield SCHEMAS
    app.config["TISS_SCHEMA_DIRS"] = previous


def first_of_last_month() -> date:
    return (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)


class Clinic:
    """A Brazilian provider of the payer with ANS 419999, its price table, patients and a doctor."""

    def __init__(self):
        settings = PayerSettings.current()
        if settings is None:
            db.session.add(PayerSettings(name="Operadora Teste", country=Country.BR, ans_registry=ANS))
        else:
            settings.ans_registry = ANS
        self.provider = f.make_provider("Clínica Teste Ltda", country=Country.BR,
                                        service_codes=("CONSULTA", "SP_SADT", "HONORARIOS"), cnes="2345678")
        self.table = f.make_price_table("Tabela Teste", self.provider, PRICES, valid_from=date(2020, 1, 1))
        self.patients = [f.make_beneficiary(f"8{f.unique_suffix():013d}", f"Paciente {i}") for i in range(3)]
        self.doctor = Professional(provider=self.provider, name="Dra. Helena Martins", council="CRM",
                                   council_number=f"{f.unique_suffix():06d}", council_state="SP", cbo="225125")
        self.location = ServiceLocation(provider=self.provider, name="Unidade Centro", cnes="2345678")
        db.session.add_all([self.doctor, self.location])
        db.session.flush()
        self.prices = {i.code: i for i in self.table.items}
        self.day = first_of_last_month() + timedelta(days=4)
        self._n = 0

    def item(self, code, quantity=1, unit_price=None, total=None, kind=None):
        row = self.prices.get(code)
        unit = Decimal(unit_price) if unit_price is not None else (row.unit_price if row else Decimal("10.00"))
        qty = Decimal(quantity)
        return SimpleNamespace(
            kind=kind or (row.kind if row else ItemKind.PROCEDURE), code=code,
            description=row.description if row else f"Item {code}", execution_date=self.day, quantity=qty,
            unit_price=unit, total_amount=to_money(Decimal(total) if total is not None else unit * qty),
        )

    def guide(self, guide_type=GuideType.SP_SADT, items=None, number=None, card=None, **fields):
        self._n += 1
        if items is None:
            items = ([self.item("10101012")] if guide_type == GuideType.CONSULTA else
                     [self.item("40304361", 2), self.item("40302040"), self.item("70000001", 3),
                      self.item("90000001"), self.item("60000732")])
        values = dict(
            number=number or f"{self.provider.id:03d}{f.unique_suffix():07d}", guide_type=guide_type,
            operator_number=None, authorization_number=f"S{self._n:05d}", authorization_date=self.day,
            authorization_valid_to=self.day + timedelta(days=60),
            beneficiary=SimpleNamespace(card_number=card or self.patients[self._n % 3].card_number),
            emission_date=self.day, execution_date=self.day, execution_time=time(9, 30),
            professional=self.doctor, location=self.location, items=items,
        )
        values.update(fields)
        values["total_amount"] = sum((i.total_amount for i in values["items"]), Decimal("0.00"))
        return SimpleNamespace(**values)

    def lot_file(self, guides=None, lot_number=None, provider=None, registro_ans=ANS, encoding="ISO-8859-1",
                 guide_type=GuideType.SP_SADT, count=2) -> bytes:
        guides = guides if guides is not None else [self.guide(guide_type) for _ in range(count)]
        return build_lot_message(provider or self.provider, lot_number or f"L{f.unique_suffix():06d}", guides,
                                 registro_ans=registro_ans, when=datetime(2026, 1, 15, 10, 0), encoding=encoding)


@pytest.fixture
def clinic(app):
    c = Clinic()
    db.session.commit()
    return c


def restamp(data: bytes, change=None) -> bytes:
    """Parse ``data``, apply ``change(root)``, stamp a correct hash again and serialise."""
    root = etree.fromstring(data)
    if change:
        change(root)
    hashing.stamp(root)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1")


def find(root, path):
    return root.find("/".join(Q + p for p in path.split("/")))


@pytest.fixture(autouse=True)
def _english():
    """Messages built outside a request are read in English here."""
    with force_locale("en"):
        yield
