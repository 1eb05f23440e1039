"""A (schema-valid) ENVIO_LOTE_GUIAS tree → plain dataclasses the receiver checks and stores."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation

from lxml import etree

from models.enums import GuideType, ItemKind
from services.tiss import Q
from services.tiss.codes import COUNCIL_NAMES, EXPENSE_KINDS, STATE_NAMES
from services.tiss.projection import GuideRecord, Projection, spec


@dataclass
class ProfessionalData:
    name: str | None
    council: str
    council_number: str
    state: str
    cbo: str | None


@dataclass
class ItemData:
    kind: ItemKind
    table: str
    code: str
    description: str | None
    execution_date: date | None
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    element: str


@dataclass
class GuideData:
    index: int
    guide_type: GuideType
    number: str
    element: str
    card_number: str
    emission_date: date
    execution_date: date | None = None
    execution_time: time | None = None
    operator_number: str | None = None
    authorization_number: str | None = None
    authorization_date: date | None = None
    authorization_valid_to: date | None = None
    registro_ans: str | None = None
    professional: ProfessionalData | None = None
    cnes: str | None = None
    declared_total: Decimal = Decimal("0.00")
    items: list[ItemData] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((i.total for i in self.items), Decimal("0.00"))


@dataclass
class LotMessage:
    version: str | None
    transaction: str | None
    sequence: str | None
    sent_date: date | None
    sender_kind: str | None          # CNPJ, CPF or codigoPrestadorNaOperadora
    sender_value: str | None
    registro_ans: str | None
    lot_number: str | None
    root: etree._Element | None = None
    guide_elements: list = field(default_factory=list)   # the guiasTISS children (elements)



# Small readers ---------------------------------------------------------------
def _find(node, path: str):
    """``node``'s descendant along ``a/b/c`` (TISS namespace), walking children in C (fast)."""
    for part in _PATHS.get(path) or _split(path):
        if node is None:
            return None
        node = next(node.iterchildren(part), None)
    return node


_PATHS: dict[str, tuple[str, ...]] = {}


def _split(path: str) -> tuple[str, ...]:
    parts = _PATHS[path] = tuple(Q + part for part in path.split("/"))
    return parts


def text(node, path: str) -> str | None:
    found = _find(node, path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _time(value: str | None) -> time | None:
    if not value:
        return None
    try:
        return time.fromisoformat(value[:8])
    except ValueError:
        return None


def _decimal(value: str | None, default: str = "0") -> Decimal:
    try:
        return Decimal(value if value not in (None, "") else default)
    except InvalidOperation:
        return Decimal(default)


def version_of(root) -> str | None:
    return text(root, "cabecalho/Padrao")


def read_header(root) -> LotMessage:
    header = _find(root, "cabecalho")
    ident = _find(header, "identificacaoTransacao")
    sender = _find(header, "origem/identificacaoPrestador")
    sender_kind = sender_value = None
    if sender is not None and len(sender):
        child = sender[0]
        sender_kind, sender_value = etree.QName(child).localname, (child.text or "").strip()
    lot = _find(root, "prestadorParaOperadora/loteGuias")
    guides = _find(lot, "guiasTISS")
    return LotMessage(
        version=text(header, "Padrao"),
        transaction=text(ident, "tipoTransacao"),
        sequence=text(ident, "sequencialTransacao"),
        sent_date=_date(text(ident, "dataRegistroTransacao")),
        sender_kind=sender_kind,
        sender_value=sender_value,
        registro_ans=text(header, "destino/registroANS"),
        lot_number=text(lot, "numeroLote"),
        root=root,
        guide_elements=[c for c in guides if isinstance(c.tag, str)] if guides is not None else [],
    )


def _professional(values: dict, prefix: str = "professional_") -> ProfessionalData | None:
    name, council, number, state, cbo = (values[prefix + key] for key in ("name", "council", "number", "state", "cbo"))
    if not any((name, council, number, state, cbo)):
        return None
    return ProfessionalData(name=name, council=COUNCIL_NAMES.get(council or "", council or ""),
                            council_number=number or "", state=STATE_NAMES.get(state or "", state or ""), cbo=cbo)


def indexed(path: str, position: int, count: int) -> str:
    """``path[position]`` when ``count`` siblings share the name (XPath's way), else ``path``."""
    return f"{path}[{position}]" if count > 1 else path


def _item(row: dict, kind: ItemKind, element: str) -> ItemData:
    return ItemData(
        kind=kind, table=row["table"] or "", code=row["code"] or "", description=row["description"],
        execution_date=_date(row["date"]), quantity=_decimal(row["quantity"], "1"),
        unit_price=_decimal(row["unit_price"]), total=_decimal(row["total"]), element=element,
    )


def _professional_paths(parent: str, cbo: str = "CBOS") -> dict[str, str]:
    return {"professional_name": f"{parent}/nomeProfissional",
            "professional_council": f"{parent}/conselhoProfissional",
            "professional_number": f"{parent}/numeroConselhoProfissional",
            "professional_state": f"{parent}/UF", "professional_cbo": f"{parent}/{cbo}"}


_PROCEDURE = {"table": "procedimento/codigoTabela", "code": "procedimento/codigoProcedimento",
              "description": "procedimento/descricaoProcedimento", "date": "dataExecucao",
              "quantity": "quantidadeExecutada", "unit_price": "valorUnitario", "total": "valorTotal",
              "start": "horaInicial"}

PROJECTION = Projection(
    spec("guiaConsulta", {
        "number": "cabecalhoConsulta/numeroGuiaPrestador", "registro_ans": "cabecalhoConsulta/registroANS",
        "operator_number": "numeroGuiaOperadora", "card_number": "dadosBeneficiario/numeroCarteira",
        "day": "dadosAtendimento/dataAtendimento", "cnes": "contratadoExecutante/CNES",
        **_professional_paths("profissionalExecutante"),
    }, ("dadosAtendimento/procedimento", {"table": "codigoTabela", "code": "codigoProcedimento",
                                          "value": "valorProcedimento"})),
    spec("guiaSP-SADT", {
        "number": "cabecalhoGuia/numeroGuiaPrestador", "registro_ans": "cabecalhoGuia/registroANS",
        "operator_number": "dadosAutorizacao/numeroGuiaOperadora", "authorization_number": "dadosAutorizacao/senha",
        "authorization_date": "dadosAutorizacao/dataAutorizacao",
        "authorization_valid_to": "dadosAutorizacao/dataValidadeSenha",
        "card_number": "dadosBeneficiario/numeroCarteira", "emission_date": "dadosSolicitacao/dataSolicitacao",
        "cnes": "dadosExecutante/CNES", "declared_total": "valorTotal/valorTotalGeral",
        **_professional_paths("dadosSolicitante/profissionalSolicitante"),
    }, ("procedimentosExecutados/procedimentoExecutado", _PROCEDURE),
       ("outrasDespesas/despesa", {"expense": "codigoDespesa", **{
           key: f"servicosExecutados/{path.rsplit('/', 1)[-1]}" for key, path in _PROCEDURE.items()
           if key != "start"}})),
    spec("guiaHonorarios", {
        "number": "cabecalhoGuia/numeroGuiaPrestador", "registro_ans": "cabecalhoGuia/registroANS",
        "operator_number": "numeroGuiaOperadora", "authorization_number": "senha",
        "card_number": "beneficiario/numeroCarteira", "emission_date": "dataEmissaoGuia",
        "execution_date": "dadosInternacao/dataInicioFaturamento",
        "cnes": "dadosContratadoExecutante/cnesContratadoExecutante", "declared_total": "valorTotalHonorarios",
    }, ("procedimentosRealizados/procedimentoRealizado",
        {**_PROCEDURE, **_professional_paths("profissionais", "CBO")})),
)


def _consulta(record: GuideRecord, path: str) -> GuideData:
    values = record.values
    day = _date(values["day"])
    guide = GuideData(
        index=record.position, guide_type=GuideType.CONSULTA, element=path, number=values["number"] or "",
        registro_ans=values["registro_ans"], operator_number=values["operator_number"],
        card_number=values["card_number"] or "", emission_date=day, execution_date=day, cnes=values["cnes"],
        professional=_professional(values),
    )
    for row in record.rows[0][:1]:
        value = _decimal(row["value"])
        guide.items.append(ItemData(
            kind=ItemKind.PROCEDURE, table=row["table"] or "", code=row["code"] or "", description=None,
            execution_date=day, quantity=Decimal("1"), unit_price=value, total=value,
            element=f"{path}/dadosAtendimento/procedimento"))
    guide.declared_total = guide.total
    return guide


def _sadt(record: GuideRecord, path: str) -> GuideData:
    values = record.values
    procedures, expenses = record.rows
    guide = GuideData(
        index=record.position, guide_type=GuideType.SP_SADT, element=path, number=values["number"] or "",
        registro_ans=values["registro_ans"], operator_number=values["operator_number"],
        authorization_number=values["authorization_number"],
        authorization_date=_date(values["authorization_date"]),
        authorization_valid_to=_date(values["authorization_valid_to"]),
        card_number=values["card_number"] or "", emission_date=_date(values["emission_date"]),
        cnes=values["cnes"], professional=_professional(values),
        declared_total=_decimal(values["declared_total"]),
    )
    for k, row in enumerate(procedures, start=1):
        guide.items.append(_item(row, ItemKind.PROCEDURE, indexed(
            f"{path}/procedimentosExecutados/procedimentoExecutado", k, len(procedures))))
        guide.execution_time = guide.execution_time or _time(row["start"])
    for k, row in enumerate(expenses, start=1):
        guide.items.append(_item(row, EXPENSE_KINDS.get(row["expense"] or "", ItemKind.MATERIAL),
                                 indexed(f"{path}/outrasDespesas/despesa", k, len(expenses)) + "/servicosExecutados"))
    dates = [i.execution_date for i in guide.items if i.execution_date]
    guide.execution_date = min(dates) if dates else None
    guide.emission_date = guide.emission_date or guide.authorization_date or guide.execution_date
    return guide


def _honorarios(record: GuideRecord, path: str) -> GuideData:
    values = record.values
    procedures = record.rows[0]
    guide = GuideData(
        index=record.position, guide_type=GuideType.HONORARIOS, element=path, number=values["number"] or "",
        registro_ans=values["registro_ans"], operator_number=values["operator_number"],
        authorization_number=values["authorization_number"], card_number=values["card_number"] or "",
        emission_date=_date(values["emission_date"]), execution_date=_date(values["execution_date"]),
        cnes=values["cnes"], declared_total=_decimal(values["declared_total"]),
    )
    for k, row in enumerate(procedures, start=1):
        guide.items.append(_item(row, ItemKind.PROCEDURE, indexed(
            f"{path}/procedimentosRealizados/procedimentoRealizado", k, len(procedures))))
        guide.professional = guide.professional or _professional(row)
        guide.execution_time = guide.execution_time or _time(row["start"])
    return guide


GUIDES_PATH = "/mensagemTISS/prestadorParaOperadora/loteGuias/guiasTISS"
READERS = {"guiaConsulta": _consulta, "guiaSP-SADT": _sadt, "guiaHonorarios": _honorarios}


def read_guides(message: LotMessage) -> list[GuideData]:
    """The guides of a single-type lot of a supported type (Consulta, SP/SADT, Honorários)."""
    count = len(message.guide_elements)
    return [READERS[record.element](record, indexed(f"{GUIDES_PATH}/{record.element}", record.position, count))
            for record in PROJECTION.records(message.root)]
