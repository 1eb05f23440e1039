"""Fixtures for the invoice flow: a Monotributista carer with an open authorization, staff users,
another provider with its own invoice, and a helper that walks the wizard."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from models import Professional, RejectionReason
from models.base import db
from models.enums import InvoiceStatus, Role, TaxCondition
from seed import factories as f
from tests.invoices.pdfs import invoice_pdf, make_pdf

TODAY = date.today()


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


PERIOD = month_start(TODAY, 1)  # last month: billable, invoice dated this month
INVOICE_DATE = month_start(TODAY, 0)


@dataclass
class World:
    provider: object
    auth: object
    provider_user: object
    clerk: object
    supervisor: object
    supervisor2: object
    other_provider: object
    other_user: object
    other_auth: object
    other_invoice: object
    reasons: list


@pytest.fixture
def world(make_user) -> World:
    provider = f.make_provider("Marta Cuidadora", tax_id="20267565393", tax_condition=TaxCondition.MONOTRIBUTISTA,
                               service_codes=("CUIDADOR_DOMICILIARIO",), email="marta@test.example")
    other = f.make_provider("Otra Clínica SA", tax_condition=TaxCondition.RESPONSABLE_INSCRIPTO,
                            service_codes=("KINESIOLOGIA",))
    beneficiary = f.make_beneficiary(f"B{f.unique_suffix():06d}", "María González")
    professional = Professional(name="Dpto. Asist. Sociales", council="MP", council_number=f"{f.unique_suffix()}")
    db.session.add(professional)
    auth = f.make_authorization(
        f"9{f.unique_suffix():05d}", provider, beneficiary, f.service_type("CUIDADOR_DOMICILIARIO"), "355968.00",
        month_start(TODAY, 6), month_start(TODAY, -6) - timedelta(days=1),
        orders=[("ORDEN CUIDADOR DOMICILIARIO", professional, datetime.combine(month_start(TODAY, 6),
                                                                             datetime.min.time()))],
    )
    other_auth = f.make_authorization(
        f"8{f.unique_suffix():05d}", other, beneficiary, f.service_type("KINESIOLOGIA"), "100000.00",
        month_start(TODAY, 6), month_start(TODAY, -6) - timedelta(days=1),
    )
    db.session.flush()
    other_invoice = f.make_invoice(other_auth, 500, "1000.00", PERIOD, status=InvoiceStatus.SENT, voucher_type=1,
                                   invoice_date=INVOICE_DATE, verification_code=f"V{f.unique_suffix():08d}")
    reasons = [RejectionReason(code=f"R{f.unique_suffix()}", name="Documentación incompleta")]
    db.session.add_all(reasons)
    db.session.commit()
    provider_user = make_user(Role.PROVIDER, providers=[provider])
    other_user = make_user(Role.PROVIDER, providers=[other])
    return World(provider, auth, provider_user, make_user(Role.CLERK), make_user(Role.SUPERVISOR),
                 make_user(Role.SUPERVISOR), other, other_user, other_auth, other_invoice, reasons)


def data_for(**overrides) -> dict:
    values = {
        "voucher_type": "11", "billing_type": "normal", "point_of_sale": "0002", "number": "85",
        "cae": "71110383321640", "cae_due_date": (INVOICE_DATE + timedelta(days=10)).isoformat(),
        "period_month": str(PERIOD.month), "period_year": str(PERIOD.year), "amount": "29663.00",
        "invoice_date": INVOICE_DATE.isoformat(), "referenced_invoice_id": "",
    }
    values.update(overrides)
    return values


def qr_pdf_for(data: dict, cuit: str = "20267565393", **changes) -> bytes:
    merged = {**data, **changes}
    return invoice_pdf(cuit, int(merged["voucher_type"]), int(merged["point_of_sale"]), int(merged["number"]),
                       date.fromisoformat(merged["invoice_date"]), Decimal(merged["amount"]), merged["cae"])


def upload(data: bytes, name: str = "doc.pdf"):
    return (io.BytesIO(data), name)


def errors_of(response) -> dict[str, list[str]]:
    html = response.get_data(as_text=True)
    out: dict[str, list[str]] = {}
    for name, message in re.findall(r'class="invalid-feedback d-block" id="([\w-]+)-error">([^<]*)<', html):
        out.setdefault(name, []).append(message)
    return out


@pytest.fixture
def wizard(client):
    """Walk the wizard: ``wizard(number, data, files, action)`` → the final response."""
    def _walk(auth_number: str, data: dict | None = None, files: dict | None = None, action: str = "send",
              test_client=None):
        c = test_client or client
        data = data or data_for()
        response = c.post("/admin/invoice-wizard/start", data={"number": auth_number})
        assert response.status_code == 302 and response.headers["Location"].endswith("/data"), response.data[:500]
        response = c.post("/admin/invoice-wizard/data", data={**data, "action": "continue"})
        assert response.status_code == 302, errors_of(response)
        if files is None:
            files = {"invoice_pdf": upload(qr_pdf_for(data), "factura.pdf"),
                     "attendance_sheet": upload(make_pdf(), "planilla.pdf")}
        response = c.post("/admin/invoice-wizard/attachments", data=files, content_type="multipart/form-data")
        assert response.status_code == 302, errors_of(response)
        page = c.get("/admin/invoice-wizard/confirm")
        assert page.status_code == 200
        token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        return c.post("/admin/invoice-wizard/confirm", data={"action": action, "token": token})
    return _walk
