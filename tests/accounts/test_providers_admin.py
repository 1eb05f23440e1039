"""Registering providers through the credentialing screen, and suspending them through the workflow."""
from datetime import date

import pytest
from sqlalchemy import select

from models import Provider
from models.base import db
from models.enums import InvoiceStatus, ProviderStatus, Role, TaxCondition
from models.permissions import can_submit
from models.workflow import TransitionError, transition
from seed import factories as f


def _form(**overrides):
    data = {
        "legal_name": "Clínica del Sol SRL", "country": "AR", "tax_id_kind": "CUIT", "tax_id": "30-50001091-2",
        "tax_condition": "responsable_inscripto", "provider_number": "ar-000900", "cbu": "2850590940090418135201",
        "city": "La Plata",
    }
    data.update(overrides)
    return data


def test_register_an_argentine_provider(client, staff):
    staff()
    response = client.post("/admin/provider/new/", data=_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    provider = db.session.scalar(select(Provider).where(Provider.provider_number == "AR-000900"))
    assert provider.tax_id == "30500010912" and provider.tax_condition == TaxCondition.RESPONSABLE_INSCRIPTO
    assert provider.cbu == "2850590940090418135201" and provider.status == ProviderStatus.ACTIVE


def test_register_a_brazilian_provider(client, staff):
    staff()
    response = client.post("/admin/provider/new/", data=_form(
        legal_name="Clínica Boa Vista Ltda", country="BR", tax_id_kind="CNPJ", tax_id="11.444.777/0001-61",
        tax_condition="lucro_presumido", provider_number="BR-1", cbu="", bank_code="001", bank_agency="1234-5",
        bank_account="123456-7"))
    assert response.status_code == 302, response.get_data(as_text=True)
    provider = db.session.scalar(select(Provider).where(Provider.provider_number == "BR-1"))
    assert provider.tax_id == "11444777000161" and provider.bank_account == "123456-7"


@pytest.mark.parametrize("field,value,message", [
    ("tax_id", "20-26756539-2", "Invalid CUIT"),
    ("cbu", "2850590940090418135202", "Invalid CBU"),
    ("tax_condition", "simples_nacional", "does not exist in the provider"),
    ("provider_number", "AR 000 900!", "Use 1 to 20 letters"),
])
def test_invalid_fields_are_refused_next_to_the_field(client, staff, field, value, message):
    staff()
    response = client.post("/admin/provider/new/", data=_form(**{field: value}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html and "invalid-feedback" in html
    assert db.session.scalar(select(Provider).where(Provider.legal_name == "Clínica del Sol SRL")) is None


def test_duplicate_tax_id_and_provider_number_are_refused(client, staff):
    staff()
    f.make_provider("Ya Registrado", tax_id="30500010912", provider_number="AR-000900")
    db.session.commit()
    html = client.post("/admin/provider/new/", data=_form()).get_data(as_text=True)
    assert "A provider with this tax id is already registered." in html
    assert "This provider number is already in use." in html


def test_editing_keeps_its_own_tax_id(client, staff):
    staff()
    provider = f.make_provider("Propio", tax_id="30500010912", provider_number="AR-000900",
                               cbu="2850590940090418135201")
    db.session.commit()
    response = client.post(f"/admin/provider/edit/?id={provider.id}", data=_form(legal_name="Propio Renombrado"))
    assert response.status_code == 302
    db.session.expire_all()
    assert provider.legal_name == "Propio Renombrado"


def test_suspend_requires_a_reason_and_blocks_submitting(client, staff, make_user):
    clerk = staff()
    provider = f.make_provider("A Suspender")
    db.session.commit()
    provider_user = make_user(Role.PROVIDER, providers=[provider])
    details = client.get(f"/admin/provider/details/?id={provider.id}").get_data(as_text=True)
    assert 'data-target-status="suspended"' in details

    client.post("/admin/provider/status/", data={"id": provider.id, "target": "suspended", "reason": ""})
    db.session.expire_all()
    assert provider.status == ProviderStatus.ACTIVE  # a reason is required

    client.post("/admin/provider/status/", data={"id": provider.id, "target": "suspended", "reason": "Deuda"})
    db.session.expire_all()
    assert provider.status == ProviderStatus.SUSPENDED
    assert not can_submit(provider_user, provider)

    # The workflow refuses a provider user's submission for a suspended provider.
    beneficiary = f.make_beneficiary("9990001/00", "Afiliada Test")
    authorization = f.make_authorization("990001", provider, beneficiary, f.service_type("KINESIOLOGIA"),
                                         "1000.00", date(2026, 1, 1), date(2026, 12, 31))
    invoice = f.make_invoice(authorization, 1, "500.00", date(2026, 2, 1), created_by=provider_user)
    db.session.commit()
    with pytest.raises(TransitionError) as error:
        transition(invoice, InvoiceStatus.SENT, provider_user)
    assert error.value.code == "suspended"
    db.session.rollback()

    client.post("/admin/provider/status/", data={"id": provider.id, "target": "active"})
    db.session.expire_all()
    assert provider.status == ProviderStatus.ACTIVE and can_submit(provider_user, provider)
    assert clerk is not None


def test_clerk_cannot_suspend(client, staff):
    staff(Role.CLERK)
    provider = f.make_provider("Intocable")
    db.session.commit()
    client.post("/admin/provider/status/", data={"id": provider.id, "target": "suspended", "reason": "x"})
    db.session.expire_all()
    assert provider.status == ProviderStatus.ACTIVE
