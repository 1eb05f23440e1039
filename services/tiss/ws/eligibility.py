"""tissVerificaElegibilidade: is this card eligible today? ``services.eligibility.check`` decides."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from models.rules.glosa_codes import description as glosa_description
from services import eligibility
from services.tiss.ws.base import Call, Handler, Reply, error_entry, motivo
from services.tiss.ws.xml import sub, text


class Eligibility(Handler):
    request, response, response_body = "pedidoElegibilidadeWS", "respostaElegibilidadeWS", "respostaElegibilidade"
    transaction, response_transaction = "VERIFICA_ELEGIBILIDADE", "SITUACAO_ELEGIBILIDADE"

    def answer(self, call: Call) -> Reply:
        card = text(call.body, "pedidoElegibilidade/numeroCarteira") or ""
        eligible, reason, beneficiary = eligibility.check(card, date.today())
        body = self.new_body()
        if beneficiary is None:
            message = _("Card %(card)s is not one of this payer's.", card=card)
            motivo(body, "codigoGlosa", reason, message)
            return Reply(body, self.response_transaction, accepted=False, errors=[error_entry(reason, message)])
        receipt = sub(body, "reciboElegibilidade")
        sub(receipt, "registroANS", call.registro)
        sub(receipt, "numeroCarteira", beneficiary.card_number)
        sub(receipt, "nomeBeneficiario", beneficiary.name[:70])
        sub(receipt, "respostaSolicitacao", "S" if eligible else "N")
        if not eligible:
            motivo(sub(receipt, "motivosNegativa"), "motivoNegativa", reason, glosa_description(reason))
        return Reply(body, self.response_transaction, accepted=eligible,
                     errors=[] if eligible else [error_entry(reason, glosa_description(reason))])
