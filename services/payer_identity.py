"""Whose name heads a document: the payer's identity in the country of the provider it concerns.

Every PDF, TISS answer and email that names the payer asks ``identity_for(provider)``; a provider of
Brazil gets the razão social, CNPJ, registro ANS, address and signer of Brazil, never the CUIT.
"""
from __future__ import annotations

from models import PayerIdentity, PayerSettings
from models.enums import Country


def identity_in(country: Country | None) -> PayerIdentity | None:
    """The payer's identity in ``country``; without one (or without a country) the home country's, else any."""
    payer = PayerSettings.current()
    if payer is None or not payer.identities:
        return None
    return (payer.identity(country) if country is not None else None) or payer.identity(payer.country) \
        or payer.identities[0]


def identity_for(subject) -> PayerIdentity | None:
    """The identity documents concerning ``subject`` carry: a provider (its country) or a Country
    (None: the payer has no identity configured)."""
    return identity_in(subject if isinstance(subject, Country) else getattr(subject, "country", None))


def operating_countries() -> list[Country]:
    """The countries the payer operates in (those it has an identity for; none configured: both)."""
    payer = PayerSettings.current()
    countries = payer.countries if payer is not None else []
    return countries or list(Country)
