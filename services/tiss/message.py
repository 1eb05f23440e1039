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


class _Lookup:
    """``text(node, "a/b/c")`` for the many values of one guide, each element's children indexed once.

    A guide is read through ~50 paths sharing a few prefixes: indexing every
    element's children by tag on first use turns each step into a dict lookup
    (the first child of a tag wins, as with ``find``).
    """

    __slots__ = ("_children",)

    def __init__(self):
        self._children: dict = {}

    def find(self, node, path: str):
        children_of = self._children
        for tag in _PATHS.get(path) or _split(path):
            if node is None:
                return None
            children = children_of.get(node)
            if children is None:
                children = children_of[node] = {child.tag: child for child in reversed(node)}
            node = children.get(tag)
        return node

    def text(self, node, path: str) -> str | None:
        node = self.find(node, path)
        value = node.text if node is not None else None
        return value.strip() if value is not None else None


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


def _professional(look: _Lookup, node, name_tag: str, council_tag: str, cbo_tag: str) -> ProfessionalData | None:
    if node is None:
        return None
    get = look.text
    council = get(node, council_tag)
    state = get(node, "UF")
    return ProfessionalData(
        name=get(node, name_tag),
        council=COUNCIL_NAMES.get(council or "", council or ""),
        council_number=get(node, "numeroConselhoProfissional") or "",
        state=STATE_NAMES.get(state or "", state or ""),
        cbo=get(node, cbo_tag),
    )


def _elements(node) -> list:
    return [c for c in node if isinstance(c.tag, str)] if node is not None else []


def _step(path: str, position: int, siblings: list) -> str:
    return f"{path}[{position}]" if len(siblings) > 1 else path


def _procedure_item(look: _Lookup, node, element: str, kind: ItemKind = ItemKind.PROCEDURE) -> ItemData:
    get = look.text
    return ItemData(
        kind=kind,
        table=get(node, "procedimento/codigoTabela") or "",
        code=get(node, "procedimento/codigoProcedimento") or "",
        description=get(node, "procedimento/descricaoProcedimento"),
        execution_date=_date(get(node, "dataExecucao")),
        quantity=_decimal(get(node, "quantidadeExecutada"), "1"),
        unit_price=_decimal(get(node, "valorUnitario")),
        total=_decimal(get(node, "valorTotal")),
        element=element,
    )


def _read_consulta(index: int, node, path: str) -> GuideData:
    look = _Lookup()
    get = look.text
    service = look.find(node, "dadosAtendimento")
    day = _date(get(service, "dataAtendimento"))
    guide = GuideData(
        index=index, guide_type=GuideType.CONSULTA, element=path,
        number=get(node, "cabecalhoConsulta/numeroGuiaPrestador") or "",
        registro_ans=get(node, "cabecalhoConsulta/registroANS"),
        operator_number=get(node, "numeroGuiaOperadora"),
        card_number=get(node, "dadosBeneficiario/numeroCarteira") or "",
        emission_date=day, execution_date=day,
        cnes=get(node, "contratadoExecutante/CNES"),
        professional=_professional(look, look.find(node, "profissionalExecutante"), "nomeProfissional",
                                   "conselhoProfissional", "CBOS"),
    )
    procedure = look.find(service, "procedimento")
    if procedure is not None:
        value = _decimal(get(procedure, "valorProcedimento"))
        guide.items.append(ItemData(
            kind=ItemKind.PROCEDURE, table=get(procedure, "codigoTabela") or "",
            code=get(procedure, "codigoProcedimento") or "", description=None, execution_date=day,
            quantity=Decimal("1"), unit_price=value, total=value, element=f"{path}/dadosAtendimento/procedimento",
        ))
    guide.declared_total = guide.total
    return guide


def _read_sadt(index: int, node, path: str) -> GuideData:
    look = _Lookup()
    get = look.text
    authorization = look.find(node, "dadosAutorizacao")
    guide = GuideData(
        index=index, guide_type=GuideType.SP_SADT, element=path,
        number=get(node, "cabecalhoGuia/numeroGuiaPrestador") or "",
        registro_ans=get(node, "cabecalhoGuia/registroANS"),
        operator_number=get(authorization, "numeroGuiaOperadora"),
        authorization_number=get(authorization, "senha"),
        authorization_date=_date(get(authorization, "dataAutorizacao")),
        authorization_valid_to=_date(get(authorization, "dataValidadeSenha")),
        card_number=get(node, "dadosBeneficiario/numeroCarteira") or "",
        emission_date=_date(get(node, "dadosSolicitacao/dataSolicitacao")),
        cnes=get(node, "dadosExecutante/CNES"),
        professional=_professional(look, look.find(node, "dadosSolicitante/profissionalSolicitante"),
                                   "nomeProfissional", "conselhoProfissional", "CBOS"),
        declared_total=_decimal(get(node, "valorTotal/valorTotalGeral")),
    )
    rows = _elements(look.find(node, "procedimentosExecutados"))
    for k, procedure in enumerate(rows, start=1):
        item = _procedure_item(look, procedure,
                               _step(f"{path}/procedimentosExecutados/procedimentoExecutado", k, rows))
        guide.items.append(item)
        if guide.execution_time is None:
            guide.execution_time = _time(get(procedure, "horaInicial"))
    expenses = _elements(look.find(node, "outrasDespesas"))
    for k, expense in enumerate(expenses, start=1):
        service = look.find(expense, "servicosExecutados")
        guide.items.append(ItemData(
            kind=EXPENSE_KINDS.get(get(expense, "codigoDespesa") or "", ItemKind.MATERIAL),
            table=get(service, "codigoTabela") or "",
            code=get(service, "codigoProcedimento") or "",
            description=get(service, "descricaoProcedimento"),
            execution_date=_date(get(service, "dataExecucao")),
            quantity=_decimal(get(service, "quantidadeExecutada"), "1"),
            unit_price=_decimal(get(service, "valorUnitario")),
            total=_decimal(get(service, "valorTotal")),
            element=_step(f"{path}/outrasDespesas/despesa", k, expenses) + "/servicosExecutados",
        ))
    dates = [i.execution_date for i in guide.items if i.execution_date]
    guide.execution_date = min(dates) if dates else None
    guide.emission_date = guide.emission_date or guide.authorization_date or guide.execution_date
    return guide


def _read_honorarios(index: int, node, path: str) -> GuideData:
    look = _Lookup()
    get = look.text
    guide = GuideData(
        index=index, guide_type=GuideType.HONORARIOS, element=path,
        number=get(node, "cabecalhoGuia/numeroGuiaPrestador") or "",
        registro_ans=get(node, "cabecalhoGuia/registroANS"),
        operator_number=get(node, "numeroGuiaOperadora"),
        authorization_number=get(node, "senha"),
        card_number=get(node, "beneficiario/numeroCarteira") or "",
        emission_date=_date(get(node, "dataEmissaoGuia")),
        execution_date=_date(get(node, "dadosInternacao/dataInicioFaturamento")),
        cnes=get(node, "dadosContratadoExecutante/cnesContratadoExecutante"),
        declared_total=_decimal(get(node, "valorTotalHonorarios")),
    )
    procedures = _elements(look.find(node, "procedimentosRealizados"))
    for k, procedure in enumerate(procedures, start=1):
        guide.items.append(_procedure_item(
            look, procedure, _step(f"{path}/procedimentosRealizados/procedimentoRealizado", k, procedures)))
        if guide.professional is None:
            guide.professional = _professional(look, look.find(procedure, "profissionais"), "nomeProfissional",
                                               "conselhoProfissional", "CBO")
        if guide.execution_time is None:
            guide.execution_time = _time(get(procedure, "horaInicial"))
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
