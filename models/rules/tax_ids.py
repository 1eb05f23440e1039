"""Tax ids and bank accounts: CUIT (strict), CNPJ, CPF and CBU."""
from __future__ import annotations

from stdnum import exceptions
from stdnum.ar import cbu as std_cbu
from stdnum.ar import cuit as std_cuit
from stdnum.br import cnpj as std_cnpj
from stdnum.br import cpf as std_cpf

CUIT_PREFIXES = {"20", "23", "24", "27", "30", "33", "34"}
_CUIT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


def is_valid_cuit(value: str | None) -> bool:
    """python-stdnum's check plus the strict rule: remainder 1 never makes a real CUIT."""
    number = digits(value)
    if len(number) != 11 or number[:2] not in CUIT_PREFIXES or not std_cuit.is_valid(number):
        return False
    remainder = sum(w * int(d) for w, d in zip(_CUIT_WEIGHTS, number[:10])) % 11
    return remainder != 1


def is_valid_cnpj(value: str | None) -> bool:
    return std_cnpj.is_valid(digits(value))


def is_valid_cpf(value: str | None) -> bool:
    return std_cpf.is_valid(digits(value))


def is_valid_cbu(value: str | None) -> bool:
    number = digits(value)
    if len(number) != 22:
        return False
    try:
        std_cbu.validate(number)
    except exceptions.ValidationError:
        return False
    return True


def is_valid_tax_id(kind, value: str | None) -> bool:
    kind = getattr(kind, "value", kind)
    return {"CUIT": is_valid_cuit, "CNPJ": is_valid_cnpj, "CPF": is_valid_cpf}[kind](value)


def format_tax_id(kind, value: str | None) -> str:
    kind = getattr(kind, "value", kind)
    number = digits(value)
    if kind == "CUIT" and len(number) == 11:
        return f"{number[:2]}-{number[2:10]}-{number[10]}"
    if kind == "CNPJ" and len(number) == 14:
        return std_cnpj.format(number)
    if kind == "CPF" and len(number) == 11:
        return std_cpf.format(number)
    return value or ""
