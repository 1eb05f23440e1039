"""tissLoteRecursoGlosa (an appeal onto the appeal desk) and tissSolicitacaoStatusRecursoGlosa (its situation).

The appeal's protocol (``nrProtocoloRecursoGlosa``) is its number on the appeal desk.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from services.tiss import inquiries, recurso
from services.tiss.inquiries import NOT_FOUND
from services.tiss.ws.base import Call, Handler, Reply, contracted, error_entry, motivo, requested_provider
from services.tiss.ws.xml import amount, find, findall, first_child, local, sub, text


def _decimal(value: str | None) -> Decimal:
    try:
        return Decimal(value or "0")
    except InvalidOperation:
        return Decimal("0")


def read_request(node) -> recurso.RecursoRequest:
    """ctm_recursoGlosa → the plain request ``services.tiss.recurso`` lodges."""
    request = recurso.RecursoRequest(protocol=text(node, "numeroProtocolo") or "",
                                     lot_number=text(node, "numeroLote") or "")
    option = first_child(find(node, "opcaoRecurso"))
    if option is not None and local(option) == "recursoProtocolo":
        request.protocol_claim = (text(option, "codigoGlosaProtocolo") or "", text(option, "justificativaProtocolo")
                                  or "")
    for guide in findall(node, "opcaoRecurso/recursoGuia"):
        claim = recurso.GuideClaim(number=text(guide, "numeroGuiaOrigem") or "")
        for whole in findall(guide, "opcaoRecursoGuia/recursoGuiaCompleta"):
            claim.complete.append((text(whole, "codGlosaGuia") or "", text(whole, "justificativaGuia") or ""))
        for item in findall(guide, "opcaoRecursoGuia/itensGuia"):
            claim.items.append(recurso.ItemClaim(
                sequence=int(text(item, "sequencialItem") or 0), procedure=text(item, "procRecurso/codigoProcedimento")
                or "", glosa_code=text(item, "codGlosaItem") or "", amount=_decimal(text(item, "valorRecursado")),
                justification=text(item, "justificativaItem") or ""))
        request.guides.append(claim)
    return request


class AppealLot(Handler):
    request, response, response_body = "loteRecursoGlosaWS", "protocoloRecebimentoRecursoWS", "recebimentoRecurso"
    transaction, response_transaction = "RECURSO_GLOSA", "RECEBIMENTO_RECURSO_GLOSA"

    def answer(self, call: Call) -> Reply:
        node = find(call.body, "loteRecurso/guiaRecursoGlosa")
        body = self.new_body()
        if node is None:
            return self._refused(body, recurso.INVALID, _("Only medical appeals (guiaRecursoGlosa) are received."))
        if not requested_provider(call, "loteRecurso/guiaRecursoGlosa/dadosContratado"):
            return self._refused(body, NOT_FOUND, _("Protocol %(protocol)s was not found.",
                                                    protocol=text(node, "numeroProtocolo")))
        request = read_request(node)
        try:
            appeal = recurso.lodge(call.principal, request)
        except recurso.RecursoError as refusal:
            return self._refused(body, refusal.code, refusal.message)
        receipt = sub(body, "protocoloRecebimento")
        sub(receipt, "nrProtocoloRecursoGlosa", appeal.id)
        sub(receipt, "dataEnvioRecurso", self._sent(node))
        sub(receipt, "dataRecebimentoRecurso", date.today())
        sub(receipt, "numeroLote", appeal.lot.number)
        sub(receipt, "registroANS", call.registro)
        contracted(receipt, call.provider)
        sub(receipt, "nrProtocoloRecursado", appeal.lot.protocol_number)
        if request.protocol_claim is not None:
            claim = sub(receipt, "recursoProtocolo")
            sub(claim, "codigoGlosaProtocolo", request.protocol_claim[0])
            sub(claim, "justificativaProtocolo", request.protocol_claim[1][:500])
        if request.guides:
            sub(receipt, "qtGuiasRecurso", len(request.guides))
            for claim, source in zip(request.guides, findall(node, "opcaoRecurso/recursoGuia")):
                self._guide(sub(receipt, "guiasRecurso"), claim, source)
        amount(receipt, "valorTotalRecursado", appeal.requested_amount)
        return Reply(body, self.response_transaction, protocol=appeal.id)

    def _refused(self, body, code: str, message: str) -> Reply:
        motivo(body, "mensagemErro", code, message)
        return Reply(body, self.response_transaction, accepted=False, errors=[error_entry(code, message)])

    @staticmethod
    def _sent(node) -> date:
        try:
            return date.fromisoformat((text(node, "dataRecurso") or "")[:10])
        except ValueError:
            return date.today()

    @staticmethod
    def _guide(parent, claim: recurso.GuideClaim, source) -> None:
        """The guide as received: number, and the complete-guide claims or the items appealed."""
        sub(parent, "numeroGuiaOrigem", claim.number)
        for tag in ("numeroGuiaOperadora", "senha"):
            if text(source, tag):
                sub(parent, tag, text(source, tag))
        option = sub(parent, "opcaoRecursoGuia")
        for code, justification in claim.complete:
            whole = sub(option, "recursoGuia")
            sub(whole, "codGlosaGuia", code)
            sub(whole, "justificativaGuia", justification[:150])
        for item, item_source in zip(claim.items, findall(source, "opcaoRecursoGuia/itensGuia")):
            line = sub(option, "itensGuia")
            sub(line, "sequencialItem", item.sequence)
            sub(line, "dataInicio", text(item_source, "dataInicio"))
            if text(item_source, "dataFim"):
                sub(line, "dataFim", text(item_source, "dataFim"))
            procedure = sub(line, "procRecurso")
            for tag in ("codigoTabela", "codigoProcedimento", "descricaoProcedimento"):
                sub(procedure, tag, text(item_source, f"procRecurso/{tag}"))
            sub(line, "codGlosaItem", item.glosa_code)
            amount(line, "valorRecursado", item.amount)
            sub(line, "justificativaItem", item.justification[:500])


class AppealStatus(Handler):
    request, response, response_body = ("solicitacaoStatusRecursoGlosaWS", "situacaoProtocoloRecursoWS",
                                         "situacaoProtocoloRecurso")
    transaction, response_transaction = "SOLIC_STATUS_RECURSO_GLOSA", "RESPOSTA_RECURSO_GLOSA"

    def answer(self, call: Call) -> Reply:
        protocol = text(call.body, "solicitacaoStatusProtocoloRecurso/numeroProtocolo") or ""
        appeal = (inquiries.appeal_by_protocol(call.principal, protocol)
                  if requested_provider(call, "solicitacaoStatusProtocoloRecurso/dadosPrestador") else None)
        body = self.new_body()
        if appeal is None or appeal.lot is None:
            message = _("Appeal protocol %(protocol)s was not found.", protocol=protocol)
            motivo(body, "mensagemErro", NOT_FOUND, message)
            return Reply(body, self.response_transaction, accepted=False, errors=[error_entry(NOT_FOUND, message)])
        node = sub(body, "reciboGlosaStatus")
        sub(node, "nrProtocoloRecursoGlosa", appeal.id)
        sub(node, "dataEnvioRecurso", appeal.created_at.date())
        sub(node, "dataRecebimentoRecurso", appeal.created_at.date())
        sub(node, "numeroLote", appeal.lot.number)
        sub(node, "registroANS", call.registro)
        contracted(node, call.provider)
        sub(node, "nrProtocoloSituacaoRecursoGlosa", appeal.id)
        sub(node, "dataSituacao", (appeal.decided_at or appeal.updated_at or appeal.created_at).date())
        sub(node, "situacaoProtocolo", inquiries.appeal_status_code(appeal))
        return Reply(body, self.response_transaction, protocol=appeal.id)
