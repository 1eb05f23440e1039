"""tissLoteGuias: a lot of guides through the same receiver as an upload (``services.tiss.intake``).

``loteGuiasWS`` holds what a lot file holds (cabecalho, loteGuias, hash) without the
mensagemTISS wrapping, so its elements are moved — not copied — into a mensagemTISS tree
and the receiver reads it: the same schema validation (and the same 5015 for too many or
mixed guides), hash reading, guide reading. Leaf texts keep their order, so the hash the
sender computed over loteGuiasWS is the file's hash. The receiver then runs its checks in
its order, stores the lot and writes the history row (channel "web service"); a wrong
destination or hash found there is answered as the fault ANS defines for it.
"""
from __future__ import annotations

from lxml import etree

from models.enums import TissChannel
from services.tiss import NS, Q, answers, intake
from services.tiss.ws.base import Call, Handler, Reply
from services.tiss.ws.history import masked
from services.tiss.ws.soap import HASH_INVALID, RECIPIENT_INVALID, SCHEMA_INVALID, Fault
from services.tiss.xmlsafe import new_parser

DSIG = "{http://www.w3.org/2000/09/xmldsig#}"
_WRAPPERS = {f"{Q}loteGuias": "prestadorParaOperadora", f"{Q}hash": "epilogo"}
SERVICE = "tissLoteGuias"
MAX_REPORTED = 5
# Elements the receiver names (in mensagemTISS) → where they are in loteGuiasWS
_PATHS = (("/mensagemTISS/prestadorParaOperadora/loteGuias", "/loteGuiasWS/loteGuias"),
          ("/mensagemTISS/epilogo/hash", "/loteGuiasWS/hash"),
          ("/mensagemTISS", "/loteGuiasWS"))
# Fault for a receiver refusal of the message as a whole (Tabela 38 code, element) — the rest are answers
_FAULTS = {("5006", "/loteGuiasWS/cabecalho/destino/registroANS"): RECIPIENT_INVALID,
           ("5014", "/loteGuiasWS/hash"): HASH_INVALID}


def ws_path(element: str) -> str:
    for prefix, replacement in _PATHS:
        if element == prefix or element.startswith(prefix + "/") or element.startswith(prefix + "["):
            return replacement + element[len(prefix):]
    return element


def as_message(body) -> etree._Element:
    """loteGuiasWS → the mensagemTISS a lot file holds: its children (comments too, in order) serialised
    under the file's wrappers and parsed again (moving a large subtree between lxml documents costs
    several times more than this)."""
    parts = [b'<ans:mensagemTISS xmlns:ans="%s">' % NS.encode()]
    for child in body:
        wrapper = _WRAPPERS.get(child.tag) if isinstance(child.tag, str) else None
        if wrapper:
            parts.append(b"<ans:%s>" % wrapper.encode())
        if isinstance(child.tag, str) and child.tag == f"{Q}Signature":
            child.tag = f"{DSIG}Signature"
        parts.append(etree.tostring(child, encoding="UTF-8", with_tail=False))
        if wrapper:
            parts.append(b"</ans:%s>" % wrapper.encode())
    parts.append(b"</ans:mensagemTISS>")
    return etree.fromstring(b"".join(parts), new_parser())


class LotGuides(Handler):
    request, response, response_body = "loteGuiasWS", "protocoloRecebimentoWS", "recebimentoLote"
    transaction, response_transaction = "ENVIO_LOTE_GUIAS", "PROTOCOLO_RECEBIMENTO"

    def validate(self, call: Call) -> None:
        """The receiver's reading (schema of the Padrao, guides, hash); a message it refuses whole is
        SchemaInvalido."""
        file = intake.read_tree(as_message(call.body), f"{SERVICE}.xml", len(call.data))
        if file.errors:
            raise Fault(SCHEMA_INVALID, "; ".join(
                f"{ws_path(error.element)}: {error.message}" if error.element else error.message
                for error in file.errors[:MAX_REPORTED]))
        call.prepared = file

    def checks(self, call: Call) -> None:
        """Destination and hash are the receiver's steps 3 and 4 (after the sender's), in ``answer``."""

    def answer(self, call: Call) -> Reply:
        file = call.prepared
        intake.keep(file, masked(call.data))
        result = intake.record(file, actor=call.principal, provider_id=call.provider.id,
                               channel=TissChannel.WEB_SERVICE, service=SERVICE, element_path=ws_path)
        submission = result.submission
        body = self.new_body()
        answers.fill_receipt(body, submission, call.registro, call.provider)
        fault = None
        if not submission.accepted and submission.errors:
            first = submission.errors[0]
            code = _FAULTS.get((first.get("code"), first.get("element")))
            if code is not None:
                fault = Fault(code, first.get("message", ""))
        return Reply(body, self.response_transaction, accepted=submission.accepted,
                     protocol=submission.protocol_number, errors=[] if submission.accepted else submission.errors,
                     submission=submission, fault=fault)
