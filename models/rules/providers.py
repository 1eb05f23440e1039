"""Provider registration rules: one pure function checks a provider's identity and bank data.

No database here: duplicates (tax id, provider number) are looked up by
``services.providers`` and reported through the same error mapping. Errors are
``{field_name: translated message}`` so forms show them next to the field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from models.enums import Country, TaxCondition, TaxIdKind
from models.rules.tax_ids import digits, is_valid_cbu, is_valid_cnpj, is_valid_cpf, is_valid_cuit

TAX_ID_KINDS = {Country.AR: {TaxIdKind.CUIT}, Country.BR: {TaxIdKind.CNPJ, TaxIdKind.CPF}}
TAX_CONDITIONS = {
    Country.AR: {TaxCondition.RESPONSABLE_INSCRIPTO, TaxCondition.MONOTRIBUTISTA, TaxCondition.EXENTO},
    Country.BR: {
        TaxCondition.SIMPLES_NACIONAL, TaxCondition.LUCRO_PRESUMIDO, TaxCondition.LUCRO_REAL,
        TaxCondition.PESSOA_FISICA, TaxCondition.ISENTO,
    },
}
PROVIDER_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9./-]{0,19}$")
BR_BANK_CODE = re.compile(r"^\d{3}$")
BR_AGENCY = re.compile(r"^\d{1,5}(-[\dX])?$")
BR_ACCOUNT = re.compile(r"^\d{1,12}(-[\dX])?$")
CNES = re.compile(r"^\d{7}$")

MESSAGES = {
    "required": _l("This field is required."),
    "country": _l("Choose Argentina or Brazil."),
    "tax_id_kind": _l("Argentine providers use a CUIT; Brazilian providers a CNPJ or a CPF."),
    "cuit": _l("Invalid CUIT: it must have 11 digits with a valid check digit (e.g. 20-26756539-3)."),
    "cnpj": _l("Invalid CNPJ: it must have 14 digits with valid check digits."),
    "cpf": _l("Invalid CPF: it must have 11 digits with valid check digits."),
    "tax_condition": _l("This tax condition does not exist in the provider's country."),
    "cpf_condition": _l("A provider with a CPF is a natural person (Pessoa Física), and only such a provider."),
    "provider_number": _l("Use 1 to 20 letters, digits, dots, slashes or hyphens."),
    "cbu": _l("Invalid CBU: it must have 22 digits with both check digits valid."),
    "cbu_required": _l("Enter the CBU of the provider's bank account."),
    "not_for_ar": _l("Argentine providers are paid to a CBU: leave the Brazilian bank fields empty."),
    "not_for_br": _l("Brazilian providers are paid to bank/agency/account: leave the CBU empty."),
    "bank_code": _l("Enter the 3-digit bank code (COMPE), e.g. 001."),
    "bank_agency": _l("Enter the agency number (up to 5 digits, optional check digit: 1234-5)."),
    "bank_account": _l("Enter the account number (up to 12 digits, optional check digit: 12345-6)."),
    "cnes": _l("The CNES code has 7 digits."),
    "service_country": _l("A contracted service belongs to another country."),
    "rate": _l("Enter a percentage between 0 and 100."),
    "duplicate_tax_id": _l("A provider with this tax id is already registered."),
    "duplicate_number": _l("This provider number is already in use."),
}


def _value(member):
    return getattr(member, "value", member)


@dataclass
class ProviderDraft:
    """What a credentialing clerk typed, as plain values (enum members or their string values)."""

    legal_name: str | None = None
    country: object = None
    tax_id_kind: object = None
    tax_id: str | None = None
    tax_condition: object = None
    provider_number: str | None = None
    cbu: str | None = None
    bank_code: str | None = None
    bank_agency: str | None = None
    bank_account: str | None = None
    cnes: str | None = None
    iibb_rate: object = None
    iss_rate: object = None
    service_type_countries: list = field(default_factory=list)


def enum_member(cls, value):
    """An enum member from a member, its value or its name; None when blank or unknown."""
    if value is None or value == "":
        return None
    value = _value(value)
    try:
        return cls(value)
    except ValueError:
        return cls.__members__.get(str(value))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_provider(draft: ProviderDraft, *, require_bank: bool = True) -> tuple[dict, dict]:
    """Answer ``(clean_values, errors)``. ``clean_values`` holds normalised fields to store."""
    errors: dict[str, object] = {}
    clean: dict[str, object] = {}

    if _blank(draft.legal_name):
        errors["legal_name"] = MESSAGES["required"]
    else:
        clean["legal_name"] = " ".join(draft.legal_name.split())

    country = enum_member(Country, draft.country)
    kind = enum_member(TaxIdKind, draft.tax_id_kind)
    condition = enum_member(TaxCondition, draft.tax_condition)
    if country is None:
        errors["country"] = MESSAGES["country"]

    # Tax id ---------------------------------------------------------------
    if kind is None:
        errors["tax_id_kind"] = MESSAGES["required"]
    elif country is not None and kind not in TAX_ID_KINDS[country]:
        errors["tax_id_kind"] = MESSAGES["tax_id_kind"]
    number = digits(draft.tax_id)
    if _blank(draft.tax_id):
        errors["tax_id"] = MESSAGES["required"]
    elif kind is not None:
        valid = {TaxIdKind.CUIT: is_valid_cuit, TaxIdKind.CNPJ: is_valid_cnpj, TaxIdKind.CPF: is_valid_cpf}[kind]
        if not valid(draft.tax_id) or not re.fullmatch(r"[\d.\-/ ]+", draft.tax_id.strip()):
            errors["tax_id"] = MESSAGES[kind.value.lower()]
        else:
            clean["tax_id"] = number

    # Tax condition ----------------------------------------------------------
    if condition is None:
        errors["tax_condition"] = MESSAGES["required"]
    elif country is not None and condition not in TAX_CONDITIONS[country]:
        errors["tax_condition"] = MESSAGES["tax_condition"]
    elif kind is not None and (kind == TaxIdKind.CPF) != (condition == TaxCondition.PESSOA_FISICA) \
            and country == Country.BR:
        errors["tax_condition"] = MESSAGES["cpf_condition"]

    # Provider number ----------------------------------------------------------
    provider_number = (draft.provider_number or "").strip().upper()
    if not provider_number:
        errors["provider_number"] = MESSAGES["required"]
    elif not PROVIDER_NUMBER.match(provider_number):
        errors["provider_number"] = MESSAGES["provider_number"]
    else:
        clean["provider_number"] = provider_number

    # Bank account ---------------------------------------------------------------
    cbu = (draft.cbu or "").strip()
    bank_code = (draft.bank_code or "").strip()
    agency = (draft.bank_agency or "").strip().upper()
    account = (draft.bank_account or "").strip().upper()
    if country == Country.AR:
        if cbu:
            if not re.fullmatch(r"[\d\s-]+", cbu) or not is_valid_cbu(cbu):
                errors["cbu"] = MESSAGES["cbu"]
            else:
                clean["cbu"] = digits(cbu)
        elif require_bank:
            errors["cbu"] = MESSAGES["cbu_required"]
        for name, value in (("bank_agency", agency), ("bank_account", account)):
            if value:
                errors[name] = MESSAGES["not_for_ar"]
        clean.update(bank_agency=None, bank_account=None)
        if not cbu:
            clean["cbu"] = None
    elif country == Country.BR:
        if cbu:
            errors["cbu"] = MESSAGES["not_for_br"]
        clean["cbu"] = None
        if bank_code or agency or account or require_bank:
            for name, value, pattern in (
                ("bank_code", bank_code, BR_BANK_CODE),
                ("bank_agency", agency, BR_AGENCY),
                ("bank_account", account, BR_ACCOUNT),
            ):
                if not value:
                    errors[name] = MESSAGES["required"]
                elif not pattern.match(value):
                    errors[name] = MESSAGES[name]
                else:
                    clean[name] = value

    # Other fields -----------------------------------------------------------------
    cnes = (draft.cnes or "").strip()
    if cnes:
        if not CNES.match(cnes):
            errors["cnes"] = MESSAGES["cnes"]
        else:
            clean["cnes"] = cnes
    for name in ("iibb_rate", "iss_rate"):
        rate = getattr(draft, name)
        if rate is not None and rate != "":
            try:
                from decimal import Decimal, InvalidOperation

                value = Decimal(str(rate))
                if not (0 <= value <= 100):
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors[name] = MESSAGES["rate"]
    if country is not None and any(enum_member(Country, c) != country for c in draft.service_type_countries):
        errors["service_types"] = MESSAGES["service_country"]
    return clean, errors
