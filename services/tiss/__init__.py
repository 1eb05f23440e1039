"""TISS XML exchange: safe parsing, schema validation, the epilogue hash, the lot receiver
(protocol or errors), answers (protocoloRecebimento / mensagemErro), the lot export and the
web services.

Modules:
- ``xmlsafe``   bytes → lxml tree with no network, no DTD, no entities, bounded size (else 5002)
- ``schemas``   the official XSDs per ``Padrao`` version from ``TISS_SCHEMA_DIRS`` (compiled once)
- ``hashing``   epilogo/hash (MD5 of the leaf texts; UTF-8 or ISO-8859-1 reading)
- ``message``   a validated ENVIO_LOTE_GUIAS tree → plain dataclasses
- ``intake``    the receiver: checks in a real payer's order, stores the lot or only the history row
- ``answers``   the payer's answer message (protocoloRecebimento / mensagemErro)
- ``export``    any lot → ENVIO_LOTE_GUIAS 4.01.00
- ``cli``       ``flask tiss import FILE...``
- ``credentials`` providers' web-service logins (issue, rotate, revoke, authenticate)
- ``inquiries`` a provider's protocols, statements, payments and appeals, found through visibility
- ``recurso``   a TISS recurso de glosa → an appeal on the appeal desk
- ``ws``        the TISS web services (SOAP 1.1): envelope, faults, WSDL, one thin handler per service
"""
NS = "http://www.ans.gov.br/padroes/tiss/schemas"
Q = "{%s}" % NS
