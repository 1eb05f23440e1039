"""The web services the payer offers: one table, read by the endpoint and the WSDL generator.

Service ``tiss<Name>`` receives ``<request>`` at ``/tiss/ws/tiss<Name>`` and answers ``<response>``;
its WSDL (``?wsdl``) names the messages ``tiss<Name>_Request`` / ``_Response``, the portType
``tiss<Name>_PortType`` with the operation ``tiss<Name>_Operation`` and the binding
``tiss<Name>_Binding``, as ANS's WSDLs do.
"""
from __future__ import annotations

from services.tiss.ws.appeals import AppealLot, AppealStatus
from services.tiss.ws.base import Handler
from services.tiss.ws.cancel import CancelGuide
from services.tiss.ws.eligibility import Eligibility
from services.tiss.ws.lot import LotGuides
from services.tiss.ws.statements import ReturnStatements
from services.tiss.ws.status import ProtocolStatus

SERVICES: dict[str, Handler] = {
    "tissLoteGuias": LotGuides(),
    "tissSolicitacaoStatusProtocolo": ProtocolStatus(),
    "tissSolicitacaoDemonstrativoRetorno": ReturnStatements(),
    "tissLoteRecursoGlosa": AppealLot(),
    "tissSolicitacaoStatusRecursoGlosa": AppealStatus(),
    "tissVerificaElegibilidade": Eligibility(),
    "tissCancelaGuia": CancelGuide(),
}
