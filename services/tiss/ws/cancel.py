"""tissCancelaGuia: cancel guides, or a whole lot, not yet in analysis (``services.cancellation`` decides)."""
from __future__ import annotations

from flask_babel import gettext as _

from models.workflow import TransitionError
from services import cancellation
from services.tiss.inquiries import NOT_FOUND
from services.tiss.ws.base import Call, Handler, Reply, contracted, error_entry, motivo, requested_provider
from services.tiss.ws.xml import find, findall, sub, text

SUSPENDED = "1207"   # CREDENCIADO NÃO PERTENCE À REDE CREDENCIADA: a suspended provider cancels nothing
# What the history says of a request not cancelled (Tabela 38 where it has a code)
HISTORY_CODES = {cancellation.NO_GUIDE: "1307", cancellation.NO_LOT: NOT_FOUND, cancellation.NO_PROTOCOL: NOT_FOUND}


class CancelGuide(Handler):
    request, response, response_body = "cancelaGuiaWS", "reciboCancelaGuiaWS", "reciboCancelaGuia"
    transaction, response_transaction = "CANCELA_GUIA", "CANCELAMENTO_GUIA_RECIBO"

    def answer(self, call: Call) -> Reply:
        kind = find(call.body, "cancelaGuia/tipoCancelamento")
        lot = find(kind, "tipoCancelamentoLote")
        requests = [cancellation.GuideRequest(
            kind=text(node, "tipoGuia") or "", number=text(node, "numeroGuiaPrestador") or "",
            operator_number=text(node, "numeroGuiaOperadora"), protocol=text(node, "numeroProtocolo"))
            for node in findall(kind, "tipoCancelamentoGuia")]
        body = self.new_body()
        try:
            outcomes = self._cancel(call, lot, requests)
        except TransitionError as refusal:
            if refusal.code != "suspended":
                raise
            motivo(body, "mensagemErro", SUSPENDED, refusal.message)
            return Reply(body, self.response_transaction, accepted=False,
                         errors=[error_entry(SUSPENDED, refusal.message)])
        receipt = sub(body, "reciboCancelaGuia")
        sub(receipt, "registroANS", call.registro)
        contracted(receipt, call.provider)
        status = sub(receipt, "retornoStatus")
        if lot is not None:
            outcome = outcomes[0]
            node = sub(status, "loteCancelado")
            sub(node, "numeroLote", text(lot, "numeroLote"))
            if outcome.protocol or text(lot, "numeroProtocolo"):
                sub(node, "numeroprotocolo", outcome.protocol or text(lot, "numeroProtocolo"))
            sub(node, "statusCancelamento", outcome.status)
        else:
            guides = sub(status, "guiasCanceladas")
            for request, outcome in zip(requests, outcomes):
                node = sub(guides, "dadosGuia")
                sub(node, "tipoGuia", request.kind)
                sub(node, "numeroGuiaPrestador", request.number)
                if request.operator_number or outcome.operator_number:
                    sub(node, "numeroGuiaOperadora", request.operator_number or outcome.operator_number)
                if request.protocol or outcome.protocol:
                    sub(node, "numeroProtocolo", request.protocol or outcome.protocol)
                sub(node, "statusCancelamento", outcome.status)
        refused = [o for o in outcomes if o.status != cancellation.CANCELLED]
        protocols = {o.protocol for o in outcomes if o.protocol}
        return Reply(body, self.response_transaction, accepted=not refused,
                     protocol=protocols.pop() if len(protocols) == 1 else None,
                     errors=[error_entry(HISTORY_CODES.get(o.status, ""), o.message) for o in refused])

    @staticmethod
    def _cancel(call: Call, lot, requests) -> list[cancellation.Outcome]:
        """The services' outcomes; a body naming another provider finds nothing of it."""
        if not requested_provider(call, "cancelaGuia/dadosPrestador"):
            message = _("Nothing of this provider was found.")
            if lot is not None:
                return [cancellation.Outcome(cancellation.NO_LOT, message)]
            return [cancellation.Outcome(cancellation.NO_GUIDE, message) for _request in requests]
        if lot is not None:
            return [cancellation.cancel_lot(call.principal, call.provider.id, text(lot, "numeroLote") or "",
                                            text(lot, "numeroProtocolo"))]
        return cancellation.cancel_guides(call.principal, call.provider.id, requests)
