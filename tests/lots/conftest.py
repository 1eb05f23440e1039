"""Fixtures for guides and lots: a Brazilian provider with a price table and guides to bill."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from models import PaymentCalendarEntry
from models.base import db
from models.enums import Country, GuideStatus, GuideType, ItemKind, Role
from seed import factories as f

PRICE_ITEMS = [
    ("10101012", "Consulta em consultório", ItemKind.PROCEDURE, "150.00"),
    ("40304361", "Hemograma com contagem de plaquetas", ItemKind.PROCEDURE, "25.00"),
    ("70000001", "Seringa descartável 10 ml", ItemKind.MATERIAL, "1.35"),
    ("90000001", "Dipirona sódica 500 mg/ml ampola", ItemKind.MEDICINE, "3.20"),
    ("60000732", "Taxa de sala de observação", ItemKind.FEE, "45.00"),
]


def last_month(today: date | None = None) -> date:
    today = today or date.today()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


class Clinic:
    """A provider, its price table, beneficiaries and a guide factory for one competence."""

    def __init__(self, name="Clínica Teste Ltda", services=("CONSULTA", "SP_SADT", "HONORARIOS")):
        self.provider = f.make_provider(name, country=Country.BR, service_codes=services)
        self.table = f.make_price_table(f"Tabela {name}", self.provider, PRICE_ITEMS)
        self.month = last_month()
        self.competence = f"{self.month.year}-{self.month.month:02d}"
        self.beneficiaries = [
            f.make_beneficiary(f"9{f.unique_suffix():011d}", f"Paciente {i}") for i in range(3)
        ]
        db.session.add(PaymentCalendarEntry(received_until=date.today() + timedelta(days=400 + f.unique_suffix()),
                                            payment_date=date.today() + timedelta(days=430)))
        db.session.flush()
        self.items = {i.code: i for i in self.table.items}
        self._n = 0

    def guide(self, guide_type=GuideType.SP_SADT, lines=None, day=3, status=GuideStatus.AUTHORIZED, **fields):
        self._n += 1
        if lines is None:
            lines = ([(self.items["10101012"], 1)] if guide_type == GuideType.CONSULTA else
                     [(self.items["40304361"], 2), (self.items["70000001"], 3), (self.items["60000732"], 1)])
        execution = fields.pop("execution", self.month + timedelta(days=day))
        number = fields.pop("number", f"{self.provider.id}{self._n:06d}")
        g = f.make_guide(self.provider, number, guide_type, self.beneficiaries[self._n % 3],
                         self.month + timedelta(days=day), lines, execution=execution, status=status, **fields)
        db.session.flush()
        return g


@pytest.fixture
def clinic(app):
    c = Clinic()
    db.session.commit()
    return c


@pytest.fixture
def provider_user(clinic, make_user):
    return make_user(Role.PROVIDER, providers=[clinic.provider])
