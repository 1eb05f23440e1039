"""A (schema-valid) ENVIO_LOTE_GUIAS tree → plain dataclasses the receiver checks and stores."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation

from lxml import etree

from models.enums import GuideType, ItemKind
from services.tiss import Q
from services.tiss.codes import COUNCIL_NAMES, EXPENSE_KINDS, GUIDE_ELEMENTS, STATE_NAMES


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
    guide_elements: list = field(default_factory=list)   # the guiasTISS children (elements)
    guides: list[GuideData] = field(default_factory=list)

    @property
    def guide_tags(self) -> list[str]:
        return [etree.QName(e).localname for e in self.guide_elements]


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
        guide_elements=[c for c in guides if isinstance(c.tag, str)] if guides is not None else [],
    )


def _professional(node, name_tag: str, council_tag: str, cbo_tag: str) -> ProfessionalData | None:
    if node is None:
        return None
    council = text(node, council_tag)
    return ProfessionalData(
        name=text(node, name_tag),
        council=COUNCIL_NAMES.get(council or "", council or ""),
        council_number=text(node, "numeroConselhoProfissional") or "",
        state=STATE_NAMES.get(text(node, "UF") or "", text(node, "UF") or ""),
        cbo=text(node, cbo_tag),
    )


def _elements(node) -> list:
    return [c for c in node if isinstance(c.tag, str)] if node is not None else []


def _step(path: str, position: int, siblings: list) -> str:
    return f"{path}[{position}]" if len(siblings) > 1 else path


def _procedure_item(node, element: str, kind: ItemKind = ItemKind.PROCEDURE) -> ItemData:
    return ItemData(
        kind=kind,
        table=text(node, "procedimento/codigoTabela") or "",
        code=text(node, "procedimento/codigoProcedimento") or "",
        description=text(node, "procedimento/descricaoProcedimento"),
        execution_date=_date(text(node, "dataExecucao")),
        quantity=_decimal(text(node, "quantidadeExecutada"), "1"),
        unit_price=_decimal(text(node, "valorUnitario")),
        total=_decimal(text(node, "valorTotal")),
        element=element,
    )


def _read_consulta(index: int, node, path: str) -> GuideData:
    service = _find(node, "dadosAtendimento")
    day = _date(text(service, "dataAtendimento"))
    guide = GuideData(
        index=index, guide_type=GuideType.CONSULTA, element=path,
        number=text(node, "cabecalhoConsulta/numeroGuiaPrestador") or "",
        registro_ans=text(node, "cabecalhoConsulta/registroANS"),
        operator_number=text(node, "numeroGuiaOperadora"),
        card_number=text(node, "dadosBeneficiario/numeroCarteira") or "",
        emission_date=day, execution_date=day,
        cnes=text(node, "contratadoExecutante/CNES"),
        professional=_professional(_find(node, "profissionalExecutante"), "nomeProfissional",
                                   "conselhoProfissional", "CBOS"),
    )
    procedure = _find(service, "procedimento")
    if procedure is not None:
        value = _decimal(text(procedure, "valorProcedimento"))
        guide.items.append(ItemData(
            kind=ItemKind.PROCEDURE, table=text(procedure, "codigoTabela") or "",
            code=text(procedure, "codigoProcedimento") or "", description=None, execution_date=day,
            quantity=Decimal("1"), unit_price=value, total=value, element=f"{path}/dadosAtendimento/procedimento",
        ))
    guide.declared_total = guide.total
    return guide


def _read_sadt(index: int, node, path: str) -> GuideData:
    authorization = _find(node, "dadosAutorizacao")
    guide = GuideData(
        index=index, guide_type=GuideType.SP_SADT, element=path,
        number=text(node, "cabecalhoGuia/numeroGuiaPrestador") or "",
        registro_ans=text(node, "cabecalhoGuia/registroANS"),
        operator_number=text(authorization, "numeroGuiaOperadora"),
        authorization_number=text(authorization, "senha"),
        authorization_date=_date(text(authorization, "dataAutorizacao")),
        authorization_valid_to=_date(text(authorization, "dataValidadeSenha")),
        card_number=text(node, "dadosBeneficiario/numeroCarteira") or "",
        emission_date=_date(text(node, "dadosSolicitacao/dataSolicitacao")),
        cnes=text(node, "dadosExecutante/CNES"),
        professional=_professional(_find(node, "dadosSolicitante/profissionalSolicitante"), "nomeProfissional",
                                   "conselhoProfissional", "CBOS"),
        declared_total=_decimal(text(node, "valorTotal/valorTotalGeral")),
    )
    procedures = _find(node, "procedimentosExecutados")
    rows = _elements(procedures)
    for k, procedure in enumerate(rows, start=1):
        item = _procedure_item(procedure, _step(f"{path}/procedimentosExecutados/procedimentoExecutado", k, rows))
        guide.items.append(item)
        if guide.execution_time is None:
            guide.execution_time = _time(text(procedure, "horaInicial"))
    expenses = _elements(_find(node, "outrasDespesas"))
    for k, expense in enumerate(expenses, start=1):
        service = _find(expense, "servicosExecutados")
        guide.items.append(ItemData(
            kind=EXPENSE_KINDS.get(text(expense, "codigoDespesa") or "", ItemKind.MATERIAL),
            table=text(service, "codigoTabela") or "",
            code=text(service, "codigoProcedimento") or "",
            description=text(service, "descricaoProcedimento"),
            execution_date=_date(text(service, "dataExecucao")),
            quantity=_decimal(text(service, "quantidadeExecutada"), "1"),
            unit_price=_decimal(text(service, "valorUnitario")),
            total=_decimal(text(service, "valorTotal")),
            element=_step(f"{path}/outrasDespesas/despesa", k, expenses) + "/servicosExecutados",
        ))
    dates = [i.execution_date for i in guide.items if i.execution_date]
    guide.execution_date = min(dates) if dates else None
    guide.emission_date = guide.emission_date or guide.authorization_date or guide.execution_date
    return guide


def _read_honorarios(index: int, node, path: str) -> GuideData:
    guide = GuideData(
        index=index, guide_type=GuideType.HONORARIOS, element=path,
        number=text(node, "cabecalhoGuia/numeroGuiaPrestador") or "",
        registro_ans=text(node, "cabecalhoGuia/registroANS"),
        operator_number=text(node, "numeroGuiaOperadora"),
        authorization_number=text(node, "senha"),
        card_number=text(node, "beneficiario/numeroCarteira") or "",
        emission_date=_date(text(node, "dataEmissaoGuia")),
        execution_date=_date(text(node, "dadosInternacao/dataInicioFaturamento")),
        cnes=text(node, "dadosContratadoExecutante/cnesContratadoExecutante"),
        declared_total=_decimal(text(node, "valorTotalHonorarios")),
    )
    procedures = _elements(_find(node, "procedimentosRealizados"))
    for k, procedure in enumerate(procedures, start=1):
        guide.items.append(_procedure_item(
            procedure, _step(f"{path}/procedimentosRealizados/procedimentoRealizado", k, procedures)))
        if guide.professional is None:
            guide.professional = _professional(_find(procedure, "profissionais"), "nomeProfissional",
                                               "conselhoProfissional", "CBO")
        if guide.execution_time is None:
            guide.execution_time = _time(text(procedure, "horaInicial"))
    return guide


GUIDES_PATH = "/mensagemTISS/prestadorParaOperadora/loteGuias/guiasTISS"
READERS = {"guiaConsulta": _read_consulta, "guiaSP-SADT": _read_sadt, "guiaHonorarios": _read_honorarios}


def read_guides(message: LotMessage) -> list[GuideData]:
    """The guides of a single-type lot of a supported type (Consulta, SP/SADT, Honorários)."""
    guides = []
    nodes = message.guide_elements
    for index, node in enumerate(nodes, start=1):
        name = etree.QName(node).localname
        reader = READERS.get(name)
        if reader is not None:
            path = _step(f"{GUIDES_PATH}/{name}", index, nodes)
            guides.append(reader(index, node, path))
    message.guides = guides
    return guides


def guide_type_of(message: LotMessage) -> GuideType | None:
    tags = set(message.guide_tags)
    return GUIDE_ELEMENTS.get(tags.pop()) if len(tags) == 1 else None
