"""Occurrences (ocorrências) that keep a guide out of a lot: pure rules, no database.

Both the lot builder and the TISS XML intake ask ``guide_occurrences()``; each
occurrence carries the TISS Tabela 38 glosa code the payer would apply, a
translated message, and the field / item it concerns.

Codes used (Tabela 38, "motivos de glosa"):

======  ==========================================================  ===============================
code    Tabela 38 description                                       rule here
======  ==========================================================  ===============================
1001    Número da carteira inválido                                 beneficiary unknown / inactive
1308    Guia já apresentada                                         in another active lot, duplicate
1402    Procedimento não autorizado                                 guide status is not "authorized"
1405    Data de validade da senha expirada                          authorization valid-to < execution
1317    Guia sem data do atendimento                                execution date missing
1809    Cobrança de procedimento não executado                      execution date in the future
1701    Cobrança fora do prazo de validade                          execution outside the competence
1801    Procedimento inválido                                       guide without items; procedure
                                                                    code not in the price table
2001 / 2101 / 2301  Material / Medicamento / Taxa inválido(a)       same, per item kind
1806 / 2005 / 2105 / 2304  Quantidade … deve ser maior que zero     quantity <= 0, per item kind
1708    Não existe valor para o procedimento realizado              unit price <= 0 or table price 0
1705    Valor apresentado a maior                                   unit price above the table, or
                                                                    total above quantity x unit price
1706    Valor apresentado a menor                                   unit price below the table, or
                                                                    total below quantity x unit price
======  ==========================================================  ===============================
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from models.values import Competence, to_money

AUTHORIZED = "authorized"

# Item kind → (invalid code, quantity code)
_KIND_CODES = {
    "procedure": ("1801", "1806"),
    "material": ("2001", "2005"),
    "medicine": ("2101", "2105"),
    "fee": ("2301", "2304"),
}

CODES = {
    "beneficiary": "1001",
    "duplicate": "1308",
    "not_authorized": "1402",
    "authorization_expired": "1405",
    "execution_missing": "1317",
    "execution_future": "1809",
    "execution_outside_competence": "1701",
    "no_items": "1801",
    "no_price": "1708",
    "value_above": "1705",
    "value_below": "1706",
}


@dataclass(frozen=True)
class ItemFacts:
    """An item as the checks read it (the TISS reader passes its own items, which have these fields)."""

    code: str
    kind: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal


@dataclass(frozen=True)
class GuideFacts:
    number: str
    guide_type: str
    status: str
    beneficiary_known: bool
    authorization_valid_to: date | None
    execution_date: date | None
    items: tuple[ItemFacts, ...]


@dataclass(frozen=True)
class Occurrence:
    code: str
    message: str
    field: str | None = None
    item: int | None = None

    def __str__(self) -> str:
        return f"{self.code} - {self.message}"



def guide_occurrences(
    guide: GuideFacts,
    *,
    competence: str,
    today: date,
    prices: Mapping[str, Decimal],
    in_active_lot: bool,
    duplicate: bool = False,
) -> list[Occurrence]:
    """Every reason ``guide`` cannot be billed in ``competence`` ('YYYY-MM'); empty = fine."""
    out: list[Occurrence] = []
    billed = Competence.parse(competence)

    if in_active_lot or duplicate:
        message = (_l("The guide is already in another active lot.") if in_active_lot
                   else _l("The guide was already presented (duplicate number)."))
        out.append(Occurrence(CODES["duplicate"], message, "number"))
    if not guide.beneficiary_known:
        out.append(Occurrence(CODES["beneficiary"], _l("Unknown or inactive beneficiary card."), "beneficiary"))
    if guide.status != AUTHORIZED:
        out.append(Occurrence(CODES["not_authorized"], _l("The guide is not authorized."), "status"))

    execution = guide.execution_date
    if execution is None:
        out.append(Occurrence(CODES["execution_missing"], _l("The execution date is missing."), "execution_date"))
    else:
        if execution > today:
            out.append(Occurrence(CODES["execution_future"], _l("The execution date is in the future."),
                                  "execution_date"))
        if Competence.of(execution) != billed:
            out.append(Occurrence(CODES["execution_outside_competence"],
                                  _l("The execution date is outside the competence."), "execution_date"))
    valid_to = guide.authorization_valid_to
    if guide.status == AUTHORIZED and valid_to is not None:
        reference = execution or today
        if valid_to < reference:
            out.append(Occurrence(CODES["authorization_expired"], _l("The authorization has expired."),
                                  "authorization_valid_to"))

    if not guide.items:
        out.append(Occurrence(CODES["no_items"], _l("The guide has no items."), "items"))
    for index, item in enumerate(guide.items):
        out.extend(_item_occurrences(index, item, prices))
    return out


def _item_occurrences(index: int, item: ItemFacts, prices: Mapping[str, Decimal]) -> list[Occurrence]:
    out: list[Occurrence] = []
    invalid_code, quantity_code = _KIND_CODES.get(item.kind, _KIND_CODES["procedure"])
    table_price = prices.get(item.code)
    if table_price is None:
        out.append(Occurrence(invalid_code, _l("Item %(code)s is not in the price table.", code=item.code),
                              "code", index))
    if item.quantity is None or item.quantity <= 0:
        out.append(Occurrence(quantity_code, _l("Item %(code)s: the quantity must be greater than zero.",
                                                code=item.code), "quantity", index))
    if item.unit_price is None or item.unit_price <= 0 or (table_price is not None and table_price <= 0):
        out.append(Occurrence(CODES["no_price"], _l("Item %(code)s has no price.", code=item.code),
                              "unit_price", index))
        return out
    # equal values round alike: most items stop at the first comparison of each check
    if (table_price is not None and item.unit_price != table_price
            and to_money(item.unit_price) != to_money(table_price)):
        above = item.unit_price > table_price
        out.append(Occurrence(
            CODES["value_above" if above else "value_below"],
            _l("Item %(code)s: unit value %(value)s differs from the price table (%(table)s).",
               code=item.code, value=to_money(item.unit_price), table=to_money(table_price)),
            "unit_price", index,
        ))
    product = item.unit_price * item.quantity if item.quantity is not None and item.quantity > 0 else None
    if product is not None and item.total != product:
        expected = to_money(product)
        if item.total is None or to_money(item.total) != expected:
            above = item.total is not None and to_money(item.total) > expected
            out.append(Occurrence(
                CODES["value_above" if above else "value_below"],
                _l("Item %(code)s: total %(total)s differs from quantity × unit value (%(expected)s).",
                   code=item.code, total=item.total, expected=expected),
                "total", index,
            ))
    return out


def blocking_message(occurrences: list[Occurrence]) -> str:
    """One line for the builder's Ocorrências column."""
    return "; ".join(str(o) for o in occurrences)


def facts_from_guide(guide) -> GuideFacts:
    """Build GuideFacts from a ``models.guides.Guide`` row (items already loaded or lazily loaded)."""
    beneficiary = getattr(guide, "beneficiary", None)
    status = guide.status.value if hasattr(guide.status, "value") else str(guide.status)
    guide_type = guide.guide_type.value if hasattr(guide.guide_type, "value") else str(guide.guide_type)
    return GuideFacts(
        number=guide.number,
        guide_type=guide_type,
        status=status,
        beneficiary_known=beneficiary is not None and bool(getattr(beneficiary, "active", True)),
        authorization_valid_to=guide.authorization_valid_to,
        execution_date=guide.execution_date,
        items=tuple(
            ItemFacts(
                code=item.code,
                kind=item.kind.value if hasattr(item.kind, "value") else str(item.kind),
                quantity=item.quantity,
                unit_price=item.unit_price,
                total=item.total_amount,
            )
            for item in guide.items
        ),
    )
