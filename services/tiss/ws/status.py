"""tissSolicitacaoStatusProtocolo: the situation of a protocol (dm_statusProtocolo 1–9) and its guides."""
from __future__ import annotations

from flask_babel import gettext as _

from models.enums import LotStatus
from services.tiss import inquiries
from services.tiss.inquiries import NOT_FOUND
from services.tiss.ws.base import Call, Handler, Reply, contracted, error_entry, motivo, requested_provider
from services.tiss.ws.values import guide_data, value_totals
from services.tiss.ws.xml import sub, text


class ProtocolStatus(Handler):
    request, response, response_body = "solicitacaoStatusProtocoloWS", "situacaoProtocoloWS", "situacaoProtocolo"
    transaction, response_transaction = "SOLIC_STATUS_PROTOCOLO", "SITUACAO_PROTOCOLO"

    def answer(self, call: Call) -> Reply:
        protocol = text(call.body, "solicitacaoStatusProtocolo/numeroProtocolo") or ""
        lot = (inquiries.lot_by_protocol(call.principal, protocol)
               if requested_provider(call, "solicitacaoStatusProtocolo/dadosPrestador") else None)
        body = self.new_body()
        if lot is None:
            message = _("Protocol %(protocol)s was not found.", protocol=protocol)
            motivo(body, "mensagemErro", NOT_FOUND, message)
            return Reply(body, self.response_transaction, accepted=False, errors=[error_entry(NOT_FOUND, message)])
        node = sub(body, "situacaoDoProtocolo")
        sub(node, "identificacaoOperadora", call.registro)
        contracted(node, call.provider)
        batch = sub(node, "lote")
        if lot.status == LotStatus.CANCELLED:
            # A cancelled lot holds no guides any more, and ct_loteStatus needs at least one.
            motivo(batch, "mensagemErro", NOT_FOUND, _("Protocol %(protocol)s was cancelled (situation 9).",
                                                         protocol=lot.protocol_number))
            return Reply(body, self.response_transaction, protocol=lot.protocol_number)
        statement = inquiries.statement_of(lot)
        detail = sub(batch, "detalheLote")
        sub(detail, "statusProtocolo", lot.status.tiss_code)
        sub(detail, "numeroProtocolo", lot.protocol_number)
        sub(detail, "numeroLote", lot.number)
        sub(detail, "dataEnvioLote", (lot.sent_at or lot.created_at).date())
        value_totals(detail, "valorTotalLote", statement.totals)
        guides = sub(detail, "guiasTISS")
        for row in statement.guides:
            guide_data(sub(sub(guides, "guiasMedicas"), "guias"), row)
        return Reply(body, self.response_transaction, protocol=lot.protocol_number)
