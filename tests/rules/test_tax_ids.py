import pytest

from models.rules.tax_ids import (
    format_tax_id,
    is_valid_cbu,
    is_valid_cnpj,
    is_valid_cpf,
    is_valid_cuit,
)
from seed.factories import cuit_with_check_digit, valid_cnpj, valid_cuit


@pytest.mark.parametrize("cuit", ["33-69345023-9", "30-50001091-2", "30-54668997-9", "20-26756539-3", "20267565393"])
def test_known_valid_cuits(cuit):
    assert is_valid_cuit(cuit)


@pytest.mark.parametrize("cuit", ["20-26756539-2", "33-69345023-0", "", None, "2026756539", "99-26756539-3", "abc"])
def test_invalid_cuits(cuit):
    assert not is_valid_cuit(cuit)


def test_remainder_one_is_rejected_even_if_stdnum_accepts():
    # Find a base whose weighted sum leaves remainder 1: no real CUIT has it.
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    for body in range(10_000_000, 10_000_200):
        base = f"20{body:08d}"
        if sum(w * int(d) for w, d in zip(weights, base)) % 11 == 1:
            break
    assert cuit_with_check_digit("20", body) is None
    assert not any(is_valid_cuit(base + str(d)) for d in range(10))


def test_generated_ids_are_valid():
    assert all(is_valid_cuit(valid_cuit(i)) for i in range(50))
    assert all(is_valid_cnpj(valid_cnpj(i)) for i in range(50))


def test_cnpj_cpf_cbu():
    assert is_valid_cnpj("11.222.333/0001-81")
    assert not is_valid_cnpj("11.222.333/0001-82")
    assert is_valid_cpf("111.444.777-35")
    assert not is_valid_cpf("111.444.777-36")
    assert is_valid_cbu("2850590940090418135201")
    assert not is_valid_cbu("2850590940090418135202")
    assert not is_valid_cbu("285059094009041813520")


def test_formatting():
    assert format_tax_id("CUIT", "20267565393") == "20-26756539-3"
    assert format_tax_id("CNPJ", "11222333000181") == "11.222.333/0001-81"
