"""The provider registration rules and the password rules (pure functions)."""
import pytest

from models.enums import Country, TaxCondition, TaxIdKind
from models.rules.passwords import common_passwords, password_errors
from models.rules.providers import ProviderDraft, check_provider


def ar(**overrides) -> ProviderDraft:
    values = dict(legal_name="  Clínica   del Sol ", country=Country.AR, tax_id_kind=TaxIdKind.CUIT,
                  tax_id="30-50001091-2", tax_condition=TaxCondition.RESPONSABLE_INSCRIPTO,
                  provider_number=" ar-000900 ", cbu="2850590940090418135201")
    values.update(overrides)
    return ProviderDraft(**values)


def br(**overrides) -> ProviderDraft:
    values = dict(legal_name="Clínica Boa Vista", country="BR", tax_id_kind="CNPJ", tax_id="11.444.777/0001-61",
                  tax_condition="lucro_presumido", provider_number="BR-1", bank_code="001", bank_agency="1234-5",
                  bank_account="123456-x")
    values.update(overrides)
    return ProviderDraft(**values)


def test_valid_argentine_provider_is_normalised():
    clean, errors = check_provider(ar())
    assert errors == {}
    assert clean["legal_name"] == "Clínica del Sol" and clean["tax_id"] == "30500010912"
    assert clean["provider_number"] == "AR-000900" and clean["cbu"] == "2850590940090418135201"


def test_valid_brazilian_providers():
    clean, errors = check_provider(br())
    assert errors == {} and clean["tax_id"] == "11444777000161" and clean["bank_account"] == "123456-X"
    _, errors = check_provider(br(tax_id_kind="CPF", tax_id="111.444.777-35", tax_condition="pessoa_fisica"))
    assert errors == {}
    # Member names work as well as values (Flask-Admin forms hand back either).
    _, errors = check_provider(br(tax_condition="LUCRO_PRESUMIDO"))
    assert errors == {}


@pytest.mark.parametrize("overrides,field", [
    ({"tax_id": "20-26756539-2"}, "tax_id"),        # wrong check digit
    ({"tax_id": "20-00000001-9"}, "tax_id"),        # remainder 1: stdnum accepts, the strict rule does not
    ({"tax_id": "30500010912x"}, "tax_id"),         # letters are not punctuation
    ({"tax_id": ""}, "tax_id"),
    ({"tax_id_kind": TaxIdKind.CNPJ}, "tax_id_kind"),
    ({"tax_condition": TaxCondition.SIMPLES_NACIONAL}, "tax_condition"),
    ({"provider_number": "AR 000"}, "provider_number"),
    ({"provider_number": "A" * 21}, "provider_number"),
    ({"cbu": "2850590940090418135202"}, "cbu"),      # second check digit wrong
    ({"cbu": "2850590840090418135201"}, "cbu"),      # first check digit wrong
    ({"cbu": "285059094009041813520"}, "cbu"),       # 21 digits
    ({"cbu": ""}, "cbu"),                            # required on registration
    ({"bank_account": "123"}, "bank_account"),       # Brazilian fields on an Argentine provider
    ({"legal_name": "   "}, "legal_name"),
    ({"iibb_rate": "101"}, "iibb_rate"),
    ({"cnes": "12"}, "cnes"),
    ({"service_type_countries": [Country.BR]}, "service_types"),
])
def test_argentine_errors_name_their_field(overrides, field):
    _, errors = check_provider(ar(**overrides))
    assert field in errors and errors[field] is not None


def test_the_remainder_one_cuit_is_valid_for_stdnum():
    from stdnum.ar import cuit

    assert cuit.is_valid("20000000019")  # why the strict rule exists


@pytest.mark.parametrize("overrides,field", [
    ({"tax_id": "11.444.777/0001-62"}, "tax_id"),
    ({"tax_id_kind": "CPF", "tax_id": "111.444.777-35"}, "tax_condition"),  # a CPF is a Pessoa Física
    ({"tax_condition": "pessoa_fisica"}, "tax_condition"),                  # a CNPJ is not
    ({"tax_id_kind": "CUIT"}, "tax_id_kind"),
    ({"bank_code": "1"}, "bank_code"),
    ({"bank_agency": "123456"}, "bank_agency"),
    ({"bank_account": "12-34"}, "bank_account"),
    ({"bank_account": ""}, "bank_account"),
    ({"cbu": "2850590940090418135201"}, "cbu"),
])
def test_brazilian_errors_name_their_field(overrides, field):
    _, errors = check_provider(br(**overrides))
    assert field in errors


def test_bank_account_optional_when_editing_but_checked_if_present():
    assert check_provider(ar(cbu=""), require_bank=False)[1] == {}
    assert "cbu" in check_provider(ar(cbu="123"), require_bank=False)[1]


def test_password_rules():
    assert password_errors("Cuidadora-2026!", "Cuidadora-2026!") == {}
    assert "password" in password_errors("corta1")
    assert "password" in password_errors("x" * 129)
    assert "password" in password_errors("Password123")      # common, any case
    assert "password" in password_errors("contraseña")
    assert "password" in password_errors("abababab")          # two characters repeated
    assert "password" in password_errors("marta.gomez", email="marta.gomez@prestador.example")
    assert "password" in password_errors("NoraNueva", name="Nora Nueva")
    assert set(password_errors("Cuidadora-2026!", "otra")) == {"confirm"}
    assert len(common_passwords()) > 150
    assert all(len(p) >= 8 for p in common_passwords())
