"""Who calls: the provider ``cabecalho/origem`` names, authenticated by its web-service login.

The caller then acts as that provider's user would: ``WebServicePrincipal`` has what the
permission matrix, ``services.visibility`` and the workflow read of a provider user (role
Provider, acting for exactly one provider), so every service scopes its answers as it does
for the provider's screens, and another provider's protocol is simply "not found".
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from models import Provider
from models.base import db
from models.enums import Role
from services.tiss import credentials
from services.tiss.intake import provider_named
from services.tiss.ws.header import Header
from services.tiss.ws.soap import LOGIN_INVALID, SENDER_INVALID, Fault


@dataclass(frozen=True)
class WebServicePrincipal:
    """A provider's system calling the web services with its login (no user account behind it)."""

    provider_id: int
    login: str
    credential_id: int

    id = None                      # audit rows and "created by" columns name no user
    role = Role.PROVIDER
    is_authenticated = True
    is_active = True
    is_provider = True
    locale = None

    @property
    def email(self) -> str:
        return f"tiss-ws:{self.login}"

    @property
    def linked_provider_ids(self) -> list[int]:
        return [self.provider_id]

    @property
    def current_provider_id(self) -> int:
        return self.provider_id

    @property
    def active_provider_id(self) -> int:
        return self.provider_id

    @property
    def current_provider(self) -> Provider:
        """The provider whose country decides which flows the matrix opens (``permissions.countries_of``)."""
        return db.session.get(Provider, self.provider_id)


def identify(header: Header) -> tuple[Provider, WebServicePrincipal]:
    """The sending provider and its principal, or a Fault: RemetenteInvalido when ``origem`` names no
    registered provider, LoginInvalido when the login is missing, wrong, revoked or another provider's."""
    provider = provider_named(header.sender_kind, header.sender_value)
    if provider is None:
        raise Fault(SENDER_INVALID, _("No registered provider has %(kind)s %(value)s.",
                                      kind=header.sender_kind or "-", value=(header.sender_value or "-")[:20]))
    credential = credentials.authenticate(header.login, header.password)
    if credential is None or credential.provider_id != provider.id:
        raise Fault(LOGIN_INVALID, _("Wrong web-service login or password (senhaPrestador is the MD5 hex of "
                                     "the password)."))
    return provider, WebServicePrincipal(provider.id, credential.login, credential.id)
