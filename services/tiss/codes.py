"""TISS domain tables our model maps to and from (councils, states, expense kinds, guide elements)."""
from __future__ import annotations

from models.enums import GuideType, ItemKind

# dm_conselhoProfissional
COUNCILS = {
    "CRESS": "01", "COREN": "02", "CRF": "03", "CRFA": "04", "CREFITO": "05", "CRM": "06", "CRN": "07",
    "CRO": "08", "CRP": "09", "OUT": "10", "CRBIO": "11", "CRBM": "12", "CREF": "13", "CRMV": "14", "CRTR": "15",
}
COUNCIL_NAMES = {code: name for name, code in COUNCILS.items()}

# dm_UF: IBGE state codes
STATES = {
    "RO": "11", "AC": "12", "AM": "13", "RR": "14", "PA": "15", "AP": "16", "TO": "17", "MA": "21", "PI": "22",
    "CE": "23", "RN": "24", "PB": "25", "PE": "26", "AL": "27", "SE": "28", "BA": "29", "MG": "31", "ES": "32",
    "RJ": "33", "SP": "35", "PR": "41", "SC": "42", "RS": "43", "MS": "50", "MT": "51", "GO": "52", "DF": "53",
    "EX": "98",
}
STATE_NAMES = {code: name for name, code in STATES.items()}

UNKNOWN_CBO = "999999"   # CBO-S desconhecido ou não informado
UNIT = "036"             # dm_unidadeMedida: unidade

# outrasDespesas/despesa/codigoDespesa (dm_outrasDespesas) ↔ item kind, with the TUSS table used on export
EXPENSE_KINDS = {"01": ItemKind.MEDICINE, "02": ItemKind.MEDICINE, "03": ItemKind.MATERIAL,
                 "05": ItemKind.FEE, "07": ItemKind.FEE, "08": ItemKind.MATERIAL}
EXPENSE_CODES = {ItemKind.MEDICINE: ("02", "20"), ItemKind.MATERIAL: ("03", "19"), ItemKind.FEE: ("07", "18")}
PROCEDURE_TABLE = "22"   # TUSS procedimentos e eventos

# guiasTISS children
GUIDE_ELEMENTS = {
    "guiaConsulta": GuideType.CONSULTA,
    "guiaSP-SADT": GuideType.SP_SADT,
    "guiaHonorarios": GuideType.HONORARIOS,
}
ELEMENT_OF = {guide_type: name for name, guide_type in GUIDE_ELEMENTS.items()}
