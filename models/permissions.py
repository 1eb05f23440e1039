"""The permission matrix: which role may do what on which resource, in which country.

Resources are table names, plus the guided pages that are not one table's (desks, provider
pages); actions are CRUD verbs (view, create, edit, delete, export) plus workflow verbs used by
the state machines. Every admin view, custom page, menu entry and transition asks ``can()``;
nothing else decides.

Two dimensions: the role (``MATRIX``) and the country (``COUNTRY``). The IOMA invoice flow exists
in Argentina, the TISS lot flow in Brazil: a provider user reaches a country's resources only
while acting for a provider of that country, staff only when the payer operates in it.
"""
from __future__ import annotations

from functools import cache

from flask import has_request_context, request
from werkzeug.local import LocalProxy

from models.enums import Country, Role

A, C, K, S, P = Role.ADMIN, Role.CLERK, Role.CREDENTIALING, Role.SUPERVISOR, Role.PROVIDER
AR, BR = Country.AR, Country.BR

VIEW = frozenset({"view"})
READ = frozenset({"view", "export"})
CRUD = frozenset({"view", "create", "edit", "delete", "export"})
STAFF = (A, C, K, S)


def _grant(*pairs) -> dict[Role, frozenset[str]]:
    out: dict[Role, frozenset[str]] = {}
    for roles, actions in pairs:
        for role in roles if isinstance(roles, tuple) else (roles,):
            out[role] = out.get(role, frozenset()) | frozenset(actions)
    return out


MATRIX: dict[str, dict[Role, frozenset[str]]] = {
    "dashboard": _grant(((A, C, K, S, P), VIEW)),
    # Configuration
    "payer_settings": _grant((A, {"view", "edit"}), ((C, S), VIEW)),
    "service_type": _grant((A, CRUD), ((C, K, S), READ)),
    "price_table": _grant((A, CRUD), ((C, K, S), READ), (P, VIEW)),
    "price_table_item": _grant((A, CRUD), ((C, K, S), READ), (P, VIEW)),
    "rejection_reason": _grant((A, CRUD), ((C, S), READ)),
    "glosa_code": _grant((A, CRUD), ((C, S), READ)),
    "withholding_rule": _grant((A, CRUD), ((C, S), READ)),
    "payment_calendar_entry": _grant((A, CRUD), ((C, S), READ)),
    "audit_log": _grant(((A, S), READ)),
    "outbox": _grant((A, VIEW)),
    # Providers and accounts
    "user": _grant(((A, K), {"view", "create", "edit", "export", "activate"}), (S, READ)),
    "provider": _grant((K, CRUD | {"suspend"}), (A, CRUD), ((C, S), READ), (P, VIEW)),
    "user_provider": _grant(((A, K), CRUD | {"approve"}), ((C, S), READ), (P, {"view", "create"})),
    "professional": _grant(((A, K), CRUD), ((C, S), READ), (P, VIEW)),
    "service_location": _grant(((A, K), CRUD), ((C, S), READ), (P, VIEW)),
    "beneficiary": _grant((A, CRUD), ((C, K, S), READ)),
    # Adjudication (rules as data): admins configure, staff read; clerks act on the findings
    "health_plan": _grant((A, CRUD), ((C, K, S), READ)),
    "procedure_group": _grant((A, CRUD), ((C, K, S), READ)),
    "plan_waiting_period": _grant((A, CRUD), ((C, K, S), READ)),
    "procedure": _grant((A, CRUD), ((C, K, S), READ)),
    "adjudication_rule": _grant((A, CRUD | {"simulate"}), ((C, S), READ)),
    "prior_authorization": _grant((A, CRUD), (C, {"view", "create", "edit", "export"}), (S, READ)),
    "adjudication_settings": _grant((A, {"view", "create", "edit"}), ((C, S), VIEW)),
    "watched_provider": _grant((A, CRUD), ((C, S), READ)),
    "adjudication_finding": _grant((C, READ | {"confirm", "remove"}), ((A, S), READ)),
    # Invoices (IOMA)
    "authorization": _grant((A, CRUD), (C, {"view", "create", "edit", "export"}), (S, READ), (P, VIEW)),
    "authorization_order": _grant((A, CRUD), (C, {"view", "create", "edit"}), (S, VIEW), (P, VIEW)),
    "invoice": _grant(
        (P, {"view", "create", "edit", "submit"}),
        (C, READ | {"create", "edit", "submit", "observe", "forward", "debit"}),
        (S, READ | {"accept", "reject", "observe"}),
        (A, READ),
    ),
    "attachment": _grant(((A, C, S), VIEW), (P, {"view", "create"})),
    # Guides and lots (TISS)
    "guide": _grant(
        (P, {"view", "create", "edit", "cancel"}), (C, READ | {"create", "edit", "cancel"}), ((A, S), READ)
    ),
    "guide_item": _grant(
        (P, {"view", "create", "edit", "delete"}), (C, READ | {"create", "edit", "delete"}), ((A, S), READ)
    ),
    "lot": _grant(
        (P, {"view", "create", "cancel", "delete", "export"}),
        (C, READ | {"cancel", "receive", "analyse", "request_info", "finish_analysis"}),
        (S, READ | {"release", "close", "reopen"}),
        (A, READ),
    ),
    "tiss_submission": _grant((P, {"view", "create"}), (C, READ | {"create"}), ((A, S), READ)),
    # Web-service logins of providers (issued, rotated and revoked by credentialing)
    "tiss_ws_credential": _grant(((A, K), {"view", "create", "rotate", "revoke"}), ((C, S), VIEW), (P, VIEW)),
    # Glosas and appeals
    "glosa": _grant((C, CRUD), ((A, S), READ), (P, VIEW)),
    "appeal": _grant((P, {"view", "create"}), (C, READ | {"analyse", "decide"}), ((A, S), READ)),
    "appeal_item": _grant((P, {"view", "create"}), (C, READ | {"edit"}), ((A, S), READ)),
    # Payments
    "payment_order": _grant(
        (C, READ | {"create", "edit", "submit", "pay", "cancel"}),
        (S, READ | {"approve", "return", "cancel"}),
        (A, READ),
        (P, VIEW),
    ),
    "payment_desk": _grant(((A, C, S), VIEW)),  # the staff page that builds, approves and pays orders
    # Raw order lines and deductions are staff screens; providers read them on their statements.
    "payment_order_line": _grant((C, CRUD), ((A, S), READ)),
    "payment_deduction": _grant((C, CRUD), ((A, S), READ)),
    "withholding_certificate": _grant(((A, C, S), READ), (P, VIEW)),
    # Background jobs (bulk intake, exports, emails): everyone follows their own, staff everyone's
    "job": _grant(((A, C, K, S, P), VIEW)),
    # Guided pages that are no table's: staff desks and the provider's own pages
    "account_audit": _grant(((A, C, S), VIEW)),  # auditoría de cuentas: lots and invoices under analysis
    "appeals_desk": _grant(((A, C, S), VIEW)),  # the staff desk that analyses and decides appeals
    "my_appeals": _grant((P, VIEW)),  # recursos de glosa: the provider's appeals
    # The provider's money pages (staff open them for a provider with ?provider_id=)
    "my_documents": _grant(((A, C, S, P), VIEW)),  # libramientos / mis comprobantes
    "statements": _grant(((A, C, S, P), VIEW)),  # demonstrativos de pagamento
    "reports": _grant(((A, C, S, P), VIEW)),  # relatórios: by period, extrato sintético
}

# The country whose flow a resource belongs to (absent: every country's). Resources shared by both
# flows (glosas and appeals of invoices and lots, payments, providers, configuration) are absent.
COUNTRY: dict[str, Country] = {
    # Invoices (IOMA), Argentina
    "authorization": AR, "authorization_order": AR, "invoice": AR, "my_documents": AR,
    # Guides and lots (TISS), Brazil
    "guide": BR, "guide_item": BR, "lot": BR, "tiss_submission": BR, "tiss_ws_credential": BR,
    "my_appeals": BR, "statements": BR, "reports": BR,
}

# Where each provider-owned resource keeps its provider ("relationship.column" for
# rows owned through their parent): provider users only ever see rows of the
# provider they act for.
PROVIDER_SCOPED = {
    "authorization_order": "authorization.provider_id",
    "guide_item": "guide.provider_id",
    "price_table_item": "table.provider_id",
    "attachment": "invoice.provider_id",
    "appeal_item": "appeal.provider_id",
    "payment_order_line": "order.provider_id",
    "payment_deduction": "order.provider_id",
    "provider": "id",
    "user_provider": "provider_id",
    "professional": "provider_id",
    "service_location": "provider_id",
    "authorization": "provider_id",
    "price_table": "provider_id",
    "invoice": "provider_id",
    "guide": "provider_id",
    "lot": "provider_id",
    "tiss_submission": "provider_id",
    "tiss_ws_credential": "provider_id",
    "glosa": "provider_id",
    "appeal": "provider_id",
    "payment_order": "provider_id",
    "withholding_certificate": "provider_id",
}

# Resources whose rows belong to the user who started them: provider users see only their own rows
# (column named here), staff every row.
USER_OWNED = {"job": "owner_id"}


def can(user, action: str, resource: str) -> bool:
    """True when ``user`` (None or anonymous: no one) may ``action`` on ``resource``, in its country."""
    if isinstance(user, LocalProxy):  # current_user: resolved once, not at every attribute
        user = user._get_current_object()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (action, resource) in grants(user.role, countries_of(user))


@cache
def grants(role: Role, countries: frozenset[Country]) -> frozenset[tuple[str, str]]:
    """Every (action, resource) ``role`` may do in ``countries``: the matrix read once per combination
    (every menu entry of every page asks ``can``)."""
    return frozenset((action, resource) for resource, by_role in MATRIX.items()
                     for action in by_role.get(role, ()) if COUNTRY.get(resource) in (None, *countries))


def countries_of(user) -> frozenset[Country]:
    """The countries whose flows ``user`` works in: a provider user, its current provider's (none
    before a link is approved); staff, the countries the payer operates in."""
    if user.is_provider:
        return _provider_countries(user)
    from models.payer import PayerSettings

    return PayerSettings.operating_countries()


def _provider_countries(user) -> frozenset[Country]:
    """A provider user's country, worked out once per request (and per provider it acts for): the menu asks
    for it at every entry."""
    key = ("liquida.provider_countries", user.id, user.active_provider_id)
    memo = request.environ if has_request_context() and user.id is not None else {}
    if key not in memo:
        provider = user.current_provider
        memo[key] = frozenset({provider.country}) if provider is not None else frozenset()
    return memo[key]


# Whose accounts each role manages (create, edit, role, activation links, deactivation): the "user" grants
# above say who manages accounts at all, this table says whose. Credentialing looks after provider users
# only; staff accounts are the administrators' business.
ACCOUNT_SCOPE: dict[Role, frozenset[Role]] = {A: frozenset(Role), K: frozenset({P})}


def may_manage_account(actor, role: Role | None, action: str = "edit") -> bool:
    """May ``actor`` ``action`` (create, edit, activate) an account of ``role`` (the role it has, or is given)?"""
    if not can(actor, action, "user") or role is None:
        return False
    return role in ACCOUNT_SCOPE.get(actor.role, frozenset())


def can_submit(user, provider) -> bool:
    """May ``user`` submit documents (invoices, lots, appeals) for ``provider`` now?

    Only for an active (not suspended or inactive) provider, and a provider user
    only for a provider it is linked to (approved). Invoice/lot/appeal code asks
    this before creating or sending; ``workflow.transition`` asks it for every
    status change a provider user makes.
    """
    from models.enums import ProviderStatus

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active or provider is None:
        return False
    if provider.status != ProviderStatus.ACTIVE:
        return False
    return acts_for(user, provider.id)


def acts_for(user, provider_id: int | None) -> bool:
    """May ``user`` act on rows of ``provider_id``? Staff: any provider; a provider user: only the one
    it acts for now (none before a link is approved). ``services.visibility`` builds every query on it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_provider:
        return True
    return provider_id is not None and provider_id == user.current_provider_id
