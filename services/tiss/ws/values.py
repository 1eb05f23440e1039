"""Pieces several answers share: a guide's values (ct_valorTotal), an item as a procedure, glosa codes."""
from __future__ import annotations

import re
from collections import OrderedDict

from models.enums import ItemKind
from models.rules.analysis import Totals
from models.rules.glosa_codes import description as glosa_description
from services import analysis
from services.tiss.codes import EXPENSE_CODES, PROCEDURE_TABLE
from services.tiss.export import quantity
from services.tiss.ws.xml import amount, sub

_TISS_CODE = re.compile(r"^\d{4}$")


def tiss_code(glosa) -> str | None:
    """The glosa's Tabela 38 code (a payer's own code has none to send)."""
    code = glosa.code.code if glosa.code is not None else ""
    return code if _TISS_CODE.match(code) else None


def value_totals(parent, tag: str, totals: Totals):
    """ct_valorTotal: processed, glosa, released."""
    node = sub(parent, tag)
    amount(node, "valorProcessado", totals.processed)
    amount(node, "valorGlosa", totals.glosa)
    amount(node, "valorLiberado", totals.released)
    return node


def procedure(parent, item, tag: str = "procedimento"):
    """ct_procedimentoDados of a guide item (TUSS table by kind, as the lot export writes it)."""
    node = sub(parent, tag)
    table = PROCEDURE_TABLE if item.kind == ItemKind.PROCEDURE else EXPENSE_CODES[ItemKind(item.kind)][1]
    sub(node, "codigoTabela", table)
    sub(node, "codigoProcedimento", item.code[:10])
    sub(node, "descricaoProcedimento", (item.description or item.code)[:150])
    return node


def guide_day(guide, item=None):
    return (item.execution_date if item is not None and item.execution_date else None) or guide.execution_date \
        or guide.emission_date


def guide_reasons(row: analysis.GuideRow) -> OrderedDict[str, str]:
    """The distinct Tabela 38 codes glosed on a guide, with a description."""
    out: OrderedDict[str, str] = OrderedDict()
    for item_row in row.items:
        for glosa in item_row.glosas:
            code = tiss_code(glosa)
            if code and code not in out:
                out[code] = (glosa.reason or glosa.code.description or glosa_description(code))[:500]
    return out


def guide_data(parent, row: analysis.GuideRow):
    """ct_guiaDados of a guide of a lot: its values, glosa reasons and items."""
    guide = row.guide
    sub(parent, "numeroGuiaPrestador", guide.number)
    if guide.operator_number:
        sub(parent, "numeroGuiaOperadora", guide.operator_number)
    beneficiary = sub(parent, "dadosBeneficiario")
    sub(beneficiary, "numeroCarteira", guide.beneficiary.card_number)
    sub(beneficiary, "atendimentoRN", "N")
    if guide.execution_date:
        sub(parent, "dataRealizacao", guide.execution_date)
    value_totals(parent, "vlInformadoGuia", row.totals)
    reasons = guide_reasons(row)
    if reasons:
        block = sub(parent, "glosaGuia")
        for code, text in reasons.items():
            reason = sub(block, "motivoGlosa")
            sub(reason, "codigoGlosa", code)
            sub(reason, "descricaoGlosa", text)
    done = sub(parent, "procedimentosRealizados")
    for position, item_row in enumerate(row.items, start=1):
        item = item_row.item
        node = sub(done, "procedimentoRealizado")
        sub(node, "sequencialItem", position)
        sub(node, "dataExecucao", guide_day(guide, item))
        procedure(node, item)
        sub(node, "quantidadeExecutada", quantity(item.quantity))
        amount(node, "valorUnitario", item.unit_price)
        amount(node, "valorTotal", item.total_amount)
        coded = [(tiss_code(g), g) for g in item_row.glosas]
        coded = [(code, g) for code, g in coded if code]
        if coded:
            glosas = sub(node, "glosasProcedimento")
            for code, glosa in coded:
                reason = sub(glosas, "motivoGlosa")
                sub(reason, "codigoGlosa", code)
                sub(reason, "descricaoGlosa", (glosa.reason or glosa.code.description)[:500])
            amount(glosas, "valorGlosaProcedimento", item_row.totals.glosa)
    if not len(done):
        parent.remove(done)
    return parent
