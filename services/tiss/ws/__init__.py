"""The payer's TISS web services (SOAP 1.1, document/literal), a thin layer over the services.

``endpoint.handle`` runs a call: envelope in (``soap``) → validate (the XSD of its ``Padrao``) →
identify and authenticate the caller (``caller``) → the service's handler (``lot``, ``status``,
``statements``, ``appeals``, ``eligibility``, ``cancel``: read the body, call the services, write
the answer body) → cabecalho and hash → envelope out. ``catalog`` lists the services, ``wsdl``
generates one WSDL per service from it, ``history`` keeps each call in the provider's history.
"""
