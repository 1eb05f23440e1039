"""The payer's answer to a received lot: ``protocoloRecebimento`` or ``mensagemErro`` (TISS 4.01.00).

Rebuilt from the history row (TissSubmission) at any time, so the provider can
download it again; the hash is stamped like any TISS message.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from lxml import etree
from sqlalchemy import select

from models import Beneficiary, Guide, Provider
from models.base import db
from models.enums import Country, TaxIdKind
from models.rules.glosa_codes import description as glosa_description
from services.payer_identity import identity_for
from services.tiss import NS, hashing
from services.tiss.export import VERSION, money

UNKNOWN = "DESCONHECIDO"


def _sub(parent, tag: str, text=None):
    node = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        node.text = str(text)
    return node


def _provider_ident(parent, provider: Provider | None, names: tuple[str, str, str]):
    code, cpf, cnpj = names
    if provider is None:
        _sub(parent, code, UNKNOWN)
    elif provider.tax_id_kind == TaxIdKind.CNPJ:
        _sub(parent, cnpj, provider.tax_id)
    elif provider.tax_id_kind == TaxIdKind.CPF:
        _sub(parent, cpf, provider.tax_id)
    else:
        _sub(parent, code, provider.provider_number[:14])


def _description(entry: dict) -> str:
    parts = [entry.get("message") or glosa_description(entry.get("code", ""))]
    if entry.get("guide"):
        parts.append(f"guia {entry['guide']}")
    if entry.get("element"):
        parts.append(entry["element"])
    return " | ".join(p for p in parts if p)[:500]


def answer_message(submission, when: datetime | None = None) -> bytes:
    """The answer XML for ``submission`` (valid against the 4.01.00 schema)."""
    when = when or submission.received_at or datetime.now()
    provider = db.session.get(Provider, submission.provider_id) if submission.provider_id else None
    payer = identity_for(provider or Country.BR)
    registro = (payer.ans_registry if payer and payer.ans_registry else "000000")
    root = etree.Element(f"{{{NS}}}mensagemTISS", nsmap={"ans": NS})
    header = _sub(root, "cabecalho")
    ident = _sub(header, "identificacaoTransacao")
    _sub(ident, "tipoTransacao", "PROTOCOLO_RECEBIMENTO")
    _sub(ident, "sequencialTransacao", str(submission.id)[:12])
    _sub(ident, "dataRegistroTransacao", when.date().isoformat())
    _sub(ident, "horaRegistroTransacao", when.strftime("%H:%M:%S"))
    _sub(_sub(header, "origem"), "registroANS", registro)
    _provider_ident(_sub(_sub(header, "destino"), "identificacaoPrestador"), provider,
                    ("codigoPrestadorNaOperadora", "CPF", "CNPJ"))
    _sub(header, "Padrao", VERSION)
    fill_receipt(_sub(_sub(root, "operadoraParaPrestador"), "recebimentoLote"), submission, registro, provider)
    _sub(_sub(root, "epilogo"), "hash", "")
    hashing.stamp(root)
    return etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1", pretty_print=True)


def fill_receipt(receipt, submission, registro: str, provider: Provider | None) -> None:
    """A ``ct_recebimentoLote`` element: the protocol of an accepted lot, else its first error
    (the file answer and the web service's protocoloRecebimentoWS both say this)."""
    if submission.accepted and submission.lot is not None:
        _protocol(receipt, submission, registro, provider)
        return
    errors = submission.errors or [{"code": "5002"}]
    first = errors[0]
    error = _sub(receipt, "mensagemErro")
    _sub(error, "codigoGlosa", first.get("code", "5002"))
    description = _description(first)
    if len(errors) > 1:
        description = f"{description} (+{len(errors) - 1})"[:500]
    _sub(error, "descricaoGlosa", description)


def _protocol(receipt, submission, registro: str, provider: Provider):
    lot = submission.lot
    glosas = defaultdict(list)
    for entry in submission.errors or []:
        glosas[entry.get("guide")].append(entry)
    node = _sub(receipt, "protocoloRecebimento")
    _sub(node, "registroANS", registro)
    _provider_ident(_sub(node, "dadosPrestador"), provider, ("codigoPrestadorNaOperadora", "cpfContratado",
                                                            "cnpjContratado"))
    _sub(node, "numeroLote", lot.number)
    _sub(node, "dataEnvioLote", (lot.sent_at or submission.received_at).date().isoformat())
    detail = _sub(node, "detalheProtocolo")
    _sub(detail, "numeroProtocolo", str(lot.protocol_number))
    _sub(detail, "valorTotalProtocolo", money(lot.total_amount))
    guides = _sub(detail, "dadosGuiasProtocolo")
    # Only the columns written (an answer of 100 guides; the web service sends one per lot)
    for guide in db.session.execute(
            select(Guide.number, Guide.operator_number, Guide.execution_date, Guide.total_amount,
                   Beneficiary.card_number).join(Beneficiary, Beneficiary.id == Guide.beneficiary_id)
            .where(Guide.lot_id == lot.id).order_by(Guide.number)):
        data = _sub(guides, "dadosGuias")
        _sub(data, "numeroGuiaPrestador", guide.number)
        if guide.operator_number:
            _sub(data, "numeroGuiaOperadora", guide.operator_number)
        beneficiary = _sub(data, "dadosBeneficiario")
        _sub(beneficiary, "numeroCarteira", guide.card_number)
        _sub(beneficiary, "atendimentoRN", "N")
        if guide.execution_date:
            _sub(data, "dataRealizacao", guide.execution_date.isoformat())
        glosed = sum((Decimal(g.get("amount", "0")) for g in glosas.get(guide.number, [])), Decimal("0.00"))
        values = _sub(data, "vlInformadoGuia")
        _sub(values, "valorProcessado", money(guide.total_amount))
        _sub(values, "valorGlosa", money(glosed))
        _sub(values, "valorLiberado", money(guide.total_amount - glosed))
        if glosas.get(guide.number):
            block = _sub(data, "glosaGuia")
            for entry in glosas[guide.number]:
                reason = _sub(block, "motivoGlosa")
                _sub(reason, "codigoGlosa", entry.get("code"))
                _sub(reason, "descricaoGlosa", _description({**entry, "guide": None}))


def answer_filename(submission) -> str:
    kind = "protocolo" if submission.accepted else "erro"
    return f"{kind}_{submission.protocol_number or submission.id}.xml"


def guide_summaries(submission) -> list[dict]:
    """Per guide of an accepted lot: number, card, value, glosas (for pages and PDFs)."""
    if not submission.accepted or submission.lot is None:
        return []
    glosas = defaultdict(list)
    for entry in submission.errors or []:
        glosas[entry.get("guide")].append(entry)
    out = []
    for guide in submission.lot.guides:
        glosed = sum((Decimal(g.get("amount", "0")) for g in glosas.get(guide.number, [])), Decimal("0.00"))
        out.append({"number": guide.number, "card": guide.beneficiary.card_number, "date": guide.execution_date,
                    "total": guide.total_amount, "glosed": glosed, "released": guide.total_amount - glosed,
                    "glosas": glosas.get(guide.number, [])})
    return out
