"""Lots → TISS 4.01.00 ENVIO_LOTE_GUIAS messages (Consulta, SP/SADT, Honorários), hash stamped.

Works on duck-typed guides (ORM rows or any object with the same attributes),
so tests and tools can build messages without touching the database.

What a round trip keeps, per guide: number, operator number, beneficiary card,
dates (emission, execution, time), professional, CNES and every item (kind, code,
description, date, quantity, unit value, total); SP/SADT and Honorários also keep
the authorization (senha, dates). Consulta carries one procedure and no senha.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from lxml import etree

from models.enums import GuideType, ItemKind, TaxIdKind
from services.tiss import NS, hashing
from services.tiss.codes import COUNCILS, ELEMENT_OF, EXPENSE_CODES, PROCEDURE_TABLE, STATES, UNIT, UNKNOWN_CBO

VERSION = "4.01.00"
UNKNOWN_CNES = "9999999"
_NSMAP = {"ans": NS}


class ExportError(ValueError):
    """The lot cannot be expressed as a valid TISS message (message says which guide and why)."""


class _Builder:
    def __init__(self, parent):
        self.parent = parent

    def __call__(self, tag: str, text=None):
        node = etree.SubElement(self.parent, f"{{{NS}}}{tag}")
        if text is not None:
            node.text = str(text)
        return _Builder(node)


def money(value) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def quantity(value, integer: bool = False) -> str:
    value = Decimal(value)
    if integer:
        if value != value.to_integral_value():
            raise ExportError(f"quantity {value} must be a whole number")
        return str(int(value))
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}".rstrip("0")


def _contracted(node: _Builder, provider, names=("codigoPrestadorNaOperadora", "cpfContratado", "cnpjContratado")):
    code, cpf, cnpj = names
    if provider.tax_id_kind == TaxIdKind.CNPJ:
        node(cnpj, provider.tax_id)
    elif provider.tax_id_kind == TaxIdKind.CPF:
        node(cpf, provider.tax_id)
    else:
        node(code, provider.provider_number[:14])


def _professional(node: _Builder, guide, name_tag="nomeProfissional", council_tag="conselhoProfissional",
                  cbo_tag="CBOS"):
    professional = guide.professional
    if professional is None:
        raise ExportError(f"guide {guide.number}: no executing professional")
    council = COUNCILS.get((professional.council or "").upper())
    state = STATES.get((professional.council_state or "").upper())
    if council is None or state is None:
        raise ExportError(f"guide {guide.number}: professional council {professional.council}/"
                          f"{professional.council_state} has no TISS code")
    if name_tag:
        node(name_tag, professional.name[:70])
    node(council_tag, council)
    node("numeroConselhoProfissional", professional.council_number[:15])
    node("UF", state)
    node(cbo_tag, professional.cbo or UNKNOWN_CBO)


def _cnes(guide, provider) -> str:
    location = getattr(guide, "location", None)
    return (getattr(location, "cnes", None) or provider.cnes or UNKNOWN_CNES)[:7]


def _day(guide, item=None):
    return (getattr(item, "execution_date", None) or guide.execution_date or guide.emission_date).isoformat()


def _consulta(parent: _Builder, guide, provider, registro_ans: str):
    if len(guide.items) != 1 or guide.items[0].kind != ItemKind.PROCEDURE:
        raise ExportError(f"guide {guide.number}: a Consulta guide carries exactly one procedure")
    item = guide.items[0]
    node = parent("guiaConsulta")
    header = node("cabecalhoConsulta")
    header("registroANS", registro_ans)
    header("numeroGuiaPrestador", guide.number)
    if guide.operator_number:
        node("numeroGuiaOperadora", guide.operator_number)
    beneficiary = node("dadosBeneficiario")
    beneficiary("numeroCarteira", guide.beneficiary.card_number)
    beneficiary("atendimentoRN", "N")
    executing = node("contratadoExecutante")
    _contracted(executing, provider)
    executing("CNES", _cnes(guide, provider))
    _professional(node("profissionalExecutante"), guide)
    node("indicacaoAcidente", "9")
    service = node("dadosAtendimento")
    service("regimeAtendimento", "01")
    service("dataAtendimento", _day(guide, item))
    service("tipoConsulta", "1")
    procedure = service("procedimento")
    procedure("codigoTabela", PROCEDURE_TABLE)
    procedure("codigoProcedimento", item.code)
    procedure("valorProcedimento", money(item.total_amount))


def _procedure(node: _Builder, index: int, guide, item):
    node("sequencialItem", index)
    node("dataExecucao", _day(guide, item))
    if guide.execution_time:
        node("horaInicial", guide.execution_time.strftime("%H:%M:%S"))
    procedure = node("procedimento")
    procedure("codigoTabela", PROCEDURE_TABLE)
    procedure("codigoProcedimento", item.code)
    procedure("descricaoProcedimento", item.description[:150])
    node("quantidadeExecutada", quantity(item.quantity, integer=True))
    node("reducaoAcrescimo", "1.00")
    node("valorUnitario", money(item.unit_price))
    node("valorTotal", money(item.total_amount))


def _sadt(parent: _Builder, guide, provider, registro_ans: str):
    node = parent("guiaSP-SADT")
    header = node("cabecalhoGuia")
    header("registroANS", registro_ans)
    header("numeroGuiaPrestador", guide.number)
    if guide.authorization_date:
        authorization = node("dadosAutorizacao")
        if guide.operator_number:
            authorization("numeroGuiaOperadora", guide.operator_number)
        authorization("dataAutorizacao", guide.authorization_date.isoformat())
        if guide.authorization_number:
            authorization("senha", guide.authorization_number)
        if guide.authorization_valid_to:
            authorization("dataValidadeSenha", guide.authorization_valid_to.isoformat())
    beneficiary = node("dadosBeneficiario")
    beneficiary("numeroCarteira", guide.beneficiary.card_number)
    beneficiary("atendimentoRN", "N")
    requester = node("dadosSolicitante")
    _contracted(requester("contratadoSolicitante"), provider)
    requester("nomeContratadoSolicitante", provider.legal_name[:70])
    _professional(requester("profissionalSolicitante"), guide)
    request = node("dadosSolicitacao")
    request("dataSolicitacao", guide.emission_date.isoformat())
    request("caraterAtendimento", "1")
    executing = node("dadosExecutante")
    _contracted(executing("contratadoExecutante"), provider)
    executing("CNES", _cnes(guide, provider))
    service = node("dadosAtendimento")
    service("tipoAtendimento", "23")
    service("indicacaoAcidente", "9")
    service("regimeAtendimento", "01")
    procedures = [i for i in guide.items if i.kind == ItemKind.PROCEDURE]
    expenses = [i for i in guide.items if i.kind != ItemKind.PROCEDURE]
    if procedures:
        block = node("procedimentosExecutados")
        for index, item in enumerate(procedures, start=1):
            _procedure(block("procedimentoExecutado"), index, guide, item)
    if expenses:
        block = node("outrasDespesas")
        for index, item in enumerate(expenses, start=len(procedures) + 1):
            expense_code, table = EXPENSE_CODES[ItemKind(item.kind)]
            expense = block("despesa")
            expense("sequencialItem", index)
            expense("codigoDespesa", expense_code)
            service_node = expense("servicosExecutados")
            service_node("dataExecucao", _day(guide, item))
            service_node("codigoTabela", table)
            service_node("codigoProcedimento", item.code)
            service_node("quantidadeExecutada", quantity(item.quantity))
            service_node("unidadeMedida", UNIT)
            service_node("reducaoAcrescimo", "1.00")
            service_node("valorUnitario", money(item.unit_price))
            service_node("valorTotal", money(item.total_amount))
            service_node("descricaoProcedimento", item.description[:150])
    totals = node("valorTotal")

    def total_of(kind):
        return sum((Decimal(i.total_amount) for i in guide.items if i.kind == kind), Decimal("0.00"))

    for tag, kind in (("valorProcedimentos", ItemKind.PROCEDURE), ("valorTaxasAlugueis", ItemKind.FEE),
                      ("valorMateriais", ItemKind.MATERIAL), ("valorMedicamentos", ItemKind.MEDICINE)):
        if any(i.kind == kind for i in guide.items):
            totals(tag, money(total_of(kind)))
    totals("valorTotalGeral", money(sum((Decimal(i.total_amount) for i in guide.items), Decimal("0.00"))))


def _honorarios(parent: _Builder, guide, provider, registro_ans: str):
    if any(i.kind != ItemKind.PROCEDURE for i in guide.items) or not guide.items:
        raise ExportError(f"guide {guide.number}: a Honorários guide carries procedures only")
    node = parent("guiaHonorarios")
    header = node("cabecalhoGuia")
    header("registroANS", registro_ans)
    header("numeroGuiaPrestador", guide.number)
    node("guiaSolicInternacao", guide.operator_number or guide.authorization_number or guide.number)
    if guide.authorization_number:
        node("senha", guide.authorization_number)
    if guide.operator_number:
        node("numeroGuiaOperadora", guide.operator_number)
    beneficiary = node("beneficiario")
    beneficiary("numeroCarteira", guide.beneficiary.card_number)
    beneficiary("atendimentoRN", "N")
    place = node("localContratado")
    code = place("codigoContratado")
    if provider.tax_id_kind == TaxIdKind.CNPJ:
        code("cnpjLocalExecutante", provider.tax_id)
    else:
        code("codigoNaOperadora", provider.provider_number[:14])
    place("nomeContratado", provider.legal_name[:70])
    place("cnes", _cnes(guide, provider))
    executing = node("dadosContratadoExecutante")
    executing("codigonaOperadora", provider.provider_number[:14])
    executing("cnesContratadoExecutante", _cnes(guide, provider))
    stay = node("dadosInternacao")
    dates = [i.execution_date for i in guide.items if i.execution_date] or [guide.execution_date or guide.emission_date]
    stay("dataInicioFaturamento", (guide.execution_date or min(dates)).isoformat())
    stay("dataFimFaturamento", max(dates).isoformat())
    block = node("procedimentosRealizados")
    for index, item in enumerate(guide.items, start=1):
        realized = block("procedimentoRealizado")
        _procedure(realized, index, guide, item)
        team = realized("profissionais")
        team("grauParticipacao", "12")
        team("codProfissional")("codigoPrestadorNaOperadora", provider.provider_number[:14])
        _professional(team, guide, name_tag="nomeProfissional", cbo_tag="CBO")
    node("valorTotalHonorarios", money(sum((Decimal(i.total_amount) for i in guide.items), Decimal("0.00"))))
    node("dataEmissaoGuia", guide.emission_date.isoformat())


WRITERS = {GuideType.CONSULTA: _consulta, GuideType.SP_SADT: _sadt, GuideType.HONORARIOS: _honorarios}


def build_lot_message(provider, lot_number: str, guides, *, registro_ans: str, sequence: str = "1",
                      when: datetime | None = None, encoding: str = "ISO-8859-1") -> bytes:
    """An ENVIO_LOTE_GUIAS message for ``guides`` (one type), hash stamped, serialised in ``encoding``."""
    guides = list(guides)
    if not guides:
        raise ExportError("the lot has no guides")
    types = {GuideType(g.guide_type) for g in guides}
    if len(types) != 1:
        raise ExportError("a lot holds guides of one type only")
    guide_type = types.pop()
    when = when or datetime.now()
    root = etree.Element(f"{{{NS}}}mensagemTISS", nsmap=_NSMAP)
    top = _Builder(root)
    header = top("cabecalho")
    ident = header("identificacaoTransacao")
    ident("tipoTransacao", "ENVIO_LOTE_GUIAS")
    ident("sequencialTransacao", str(sequence)[:12])
    ident("dataRegistroTransacao", when.date().isoformat())
    ident("horaRegistroTransacao", when.strftime("%H:%M:%S"))
    _contracted(header("origem")("identificacaoPrestador"), provider,
                names=("codigoPrestadorNaOperadora", "CPF", "CNPJ"))
    header("destino")("registroANS", registro_ans)
    header("Padrao", VERSION)
    lot = top("prestadorParaOperadora")("loteGuias")
    lot("numeroLote", str(lot_number)[:12])
    block = lot("guiasTISS")
    writer = WRITERS[guide_type]
    for guide in sorted(guides, key=lambda g: g.number):
        writer(block, guide, provider, registro_ans)
    top("epilogo")("hash", "")
    hashing.stamp(root, "utf-8")
    return etree.tostring(root, xml_declaration=True, encoding=encoding, pretty_print=True)


def export_lot(lot, registro_ans: str, when: datetime | None = None) -> bytes:
    """The lot (builder-made or received) as the provider would have sent it."""
    return build_lot_message(lot.provider, lot.number, lot.guides, registro_ans=registro_ans,
                             sequence=str(lot.protocol_number or lot.id), when=when)


def export_filename(lot) -> str:
    return f"lote_{lot.number}_{ELEMENT_OF[GuideType(lot.guide_type)]}.xml".replace("/", "_")
