"""Provider accounts: registration, activation, password reset, staff-created logins,
deactivation, links to providers (\"Vincular con Cliente/Proveedor\") and who may submit.

Views call these functions and commit; every function flushes, audits what it did
(row changes are audited automatically, non-row events through ``record_event``)
and raises ``AccountError`` / ``TokenError`` with a translated message otherwise.

Tokens (activation 72 h, password reset 1 h) are itsdangerous timed signatures
carrying the user id and a fingerprint of the account's secret state (password
hash, session version, activation, enabled flag). Using a link changes that
state, so every link works once; tampering breaks the signature.

Submitting (invoices, lots, appeals) on behalf of a provider: call
``models.permissions.can_submit(user, provider)``; ``models.workflow.transition`` already refuses
provider users' status changes on a suspended provider's documents.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import smtplib
import time

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models.audit import record_event
from models.base import db, utcnow
from models.enums import LinkKind, LinkStatus, Role
from models.errors import CodedError, NotFound
from models.payer import PayerSettings
from models.permissions import can, may_manage_account
from models.providers import Provider, UserProvider
from models.rules.tax_ids import digits
from models.users import User
from models.workflow import transition
from services.mail import send_email
from services.payer_identity import identity_for
from services.throttle import unlock
from services.visibility import parse_id

log = logging.getLogger(__name__)

ACTIVATION = "activation"
RESET = "reset"
MAX_AGE = {ACTIVATION: 72 * 3600, RESET: 3600}


# Tokens -----------------------------------------------------------------------
def clock() -> float:
    """The time tokens are stamped and checked with (tests move it)."""
    return time.time()


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(clock())


class TokenError(CodedError):
    MESSAGES = {
        "expired": _l("This link has expired."),
        "used": _l("This link was already used or is no longer valid."),
        "invalid": _l("This link is not valid: it may be incomplete or altered."),
    }


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"liquida-{purpose}", signer=_ClockSigner)


def _fingerprint(user: User, purpose: str) -> str:
    state = f"{purpose}|{user.id}|{user.password_hash or ''}|{user.session_version}|{user.activated_at or ''}|" \
            f"{user.is_enabled}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user, purpose)})


def read_token(token: str, purpose: str) -> User:
    """The user a still-valid link belongs to, or TokenError(expired|used|invalid)."""
    try:
        data = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("f"), str):
        raise TokenError("invalid")
    user = db.session.get(User, data["u"])
    if user is None:
        raise TokenError("invalid")
    if not hmac.compare_digest(_fingerprint(user, purpose), data["f"]) or not user.is_enabled:
        raise TokenError("used")
    if purpose == ACTIVATION and user.activated_at is not None:
        raise TokenError("used")
    return user


# Errors -----------------------------------------------------------------------
class AccountError(CodedError):
    """A refused account operation (``field`` names the form field)."""

    MESSAGES = {
        "email_taken": _l("A user with this email already exists."),
        "no_providers": _l("Choose at least one provider."),
        "no_match": _l("No registered provider matches this tax id and provider number. Check both and try again."),
        "already_linked": _l("You are already linked to this provider."),
        "already_pending": _l(
            "You already asked to be linked to this provider: the request is waiting for approval."),
        "rejected": _l("An earlier request for this provider was rejected. Contact the payer's staff."),
        "not_provider": _l("Only provider users link to providers."),
    }


class AccountForbidden(AccountError):
    """An account change outside the actor's boundaries (see ``check_account_change``)."""

    status = 403
    MESSAGES = {
        "not_allowed": _l("You may not manage user accounts."),
        "staff_accounts": _l("Only administrators create or change staff accounts."),
        "own_role": _l("You cannot change your own role."),
        "own_account": _l("You cannot deactivate your own account."),
        "last_admin": _l("This is the last active administrator: make another administrator active first."),
    }


# Lookups and mail ----------------------------------------------------------------
def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made like real ones, for emails that match no account."""
    return generate_password_hash(secrets.token_hex(16))


def password_matches(user: User | None, password: str) -> bool:
    """Check ``password`` against ``user``'s with exactly one hash computation, also when there is no
    such user or it has no password yet: the login answers in the same time whether or not an account
    exists, so its timing does not reveal which emails are registered."""
    stored = user.password_hash if user is not None and user.password_hash else None
    matches = check_password_hash(stored or _dummy_hash(), password or "")
    return matches and stored is not None


def _current_locale() -> str:
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return locale if locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _send(user: User, template: str, **context) -> bool:
    """Send and audit an email; a mail server failure is logged and audited, never half-applies."""
    try:
        send_email(user, template, **context)
    except (OSError, smtplib.SMTPException) as exc:
        log.exception("email %s to user %s failed", template, user.id)
        record_event("user", user.id, "email_failed", template=template, error=type(exc).__name__)
        return False
    record_event("user", user.id, "email_sent", template=template)
    return True


def send_activation(user: User) -> bool:
    token = make_token(user, ACTIVATION)
    return _send(user, "activation", link=url_for("accounts.activate", token=token, _external=True),
                 hours=MAX_AGE[ACTIVATION] // 3600, invited=user.password_hash is None)


def send_reset(user: User) -> bool:
    token = make_token(user, RESET)
    return _send(user, "password_reset", link=url_for("accounts.reset_password", token=token, _external=True),
                 minutes=MAX_AGE[RESET] // 60)


# Self-registration and activation --------------------------------------------------
def register(first_name: str, last_name: str, email: str, password: str, locale: str | None = None) -> User | None:
    """Create a provider account waiting for activation and mail the link.

    When the email is taken the owner gets a note instead and the caller shows
    the same answer (no account enumeration). Returns the new user or None.
    """
    existing = find_user(email)
    if existing is not None:
        _send(existing, "account_exists", login_link=url_for("auth.login", _external=True),
              reset_link=url_for("accounts.forgot_password", _external=True))
        return None
    user = User(email=normalise_email(email), name=f"{first_name.strip()} {last_name.strip()}".strip(),
                role=Role.PROVIDER, locale=locale or _current_locale(), is_enabled=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event("user", user.id, "account_created", how="self_registration")
    send_activation(user)
    return user


def activate(user: User, password: str | None = None) -> None:
    """Activate the account of a still-valid activation link (choosing the password if staff created it)."""
    if password:
        user.set_password(password)
    user.activated_at = utcnow()
    db.session.flush()
    record_event("user", user.id, "activated")


def resend_activation(email: str) -> None:
    """Public "send me the link again": same outcome whether or not the address exists."""
    user = find_user(email)
    if user is not None and user.is_enabled and user.activated_at is None:
        send_activation(user)


# Password reset -------------------------------------------------------------------
def request_password_reset(email: str) -> None:
    """"Olvidé mi contraseña": mails a 1-hour link if the account exists and is enabled; silent otherwise."""
    user = find_user(email)
    if user is None or not user.is_enabled:
        record_event("user", user.id if user else None, "password_reset_requested", delivered=False)
        return
    record_event("user", user.id, "password_reset_requested", delivered=True)
    send_reset(user)


def reset_password(user: User, password: str) -> None:
    """Set the new password: the session version moves on, so every other session ends."""
    user.set_password(password)
    if user.activated_at is None:
        user.activated_at = utcnow()
    db.session.flush()
    record_event("user", user.id, "password_reset")
    unlock(user.email)


def set_language(user: User, code: str) -> None:
    """The user's language preference (pages and emails); ``code`` is one of the configured languages."""
    user.locale = code
    db.session.flush()


def change_password(user: User, password: str) -> None:
    user.set_password(password)
    db.session.flush()
    record_event("user", user.id, "password_changed")


# Staff actions ------------------------------------------------------------------------
def create_provider_login(email: str, name: str, providers: list[Provider], locale: str | None = None) -> User:
    """Credentialing creates a provider login linked (approved) to ``providers`` and mails the activation link."""
    if find_user(email) is not None:
        raise AccountError("email_taken", "email")
    if not providers:
        raise AccountError("no_providers", "providers")
    user = User(email=normalise_email(email), name=" ".join(name.split()), role=Role.PROVIDER,
                locale=locale or None, is_enabled=True)
    db.session.add(user)
    db.session.flush()
    for provider in providers:
        db.session.add(UserProvider(user=user, provider=provider, kind=LinkKind.SUPPLIER,
                                    status=LinkStatus.APPROVED, decided_at=utcnow()))
    user.active_provider_id = providers[0].id
    db.session.flush()
    record_event("user", user.id, "account_created", how="staff", providers=[p.provider_number for p in providers])
    send_activation(user)
    return user


def set_enabled(actor, user: User, enabled: bool, reason: str | None = None) -> None:
    """Deactivate (ending every session of the user) or reactivate an account."""
    check_account_change(actor, user, enabled=enabled, action="activate")
    if user.is_enabled == enabled:
        return
    user.is_enabled = enabled
    if not enabled:
        user.session_version = (user.session_version or 0) + 1
    db.session.flush()
    record_event("user", user.id, "reactivated" if enabled else "deactivated", reason=reason)


def staff_resend_activation(actor, user: User) -> bool:
    check_may_manage(actor, user.role, "activate")
    return send_activation(user)


def staff_password_reset(actor, user: User) -> bool:
    """Staff send the user a reset link (staff never see or choose the password)."""
    check_may_manage(actor, user.role, "activate")
    record_event("user", user.id, "password_reset_requested", by="staff")
    return send_reset(user)


# Account boundaries ----------------------------------------------------------------------
# Administrators manage every account, credentialing provider users only (``models.permissions``);
# nobody changes their own role or deactivates themselves, and the last active administrator stays
# one. Views call these before acting; a flush guard applies them to every write of a user's role or
# enabled flag, whatever door it came through.
def check_may_manage(actor, role: Role, action: str = "edit") -> None:
    """Refuse unless ``actor`` may ``action`` an account of ``role``."""
    if not can(actor, action, "user"):
        raise AccountForbidden("not_allowed")
    if not may_manage_account(actor, role, action):
        raise AccountForbidden("staff_accounts")


def _stored(user: User):
    """Role, enabled flag and activity of ``user`` as the database has them (None for a new user)."""
    if user.id is None:
        return None
    with db.session.no_autoflush:
        return db.session.execute(
            select(User.role, User.is_enabled, User.activated_at, User.password_hash).where(User.id == user.id)
        ).one_or_none()


def _other_active_admins(user_id: int) -> int:
    """Active administrators besides ``user_id``, their rows locked (PostgreSQL) so that two
    administrators deactivating each other at once cannot both succeed."""
    with db.session.no_autoflush:
        ids = db.session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.is_enabled.is_(True),
                                  User.activated_at.is_not(None), User.password_hash.is_not(None))
            .with_for_update()
        ).all()
    return len([i for i in ids if i != user_id])


def check_account_change(actor, user: User, role: Role | None = None, enabled: bool | None = None,
                         action: str | None = None) -> None:
    """Refuse (``AccountForbidden``) giving ``user`` ``role`` / ``enabled`` (default: the values it has
    now, unflushed ones included) when ``actor`` may not. ``actor`` None is the system (CLI, seed, jobs),
    bound by the last-administrator rule only; an anonymous actor may only sign up a provider user."""
    role = role if role is not None else user.role
    enabled = enabled if enabled is not None else user.is_enabled
    before = _stored(user)
    if before is not None and (before.role, before.is_enabled) == (role, enabled):
        return
    if actor is not None:
        if not getattr(actor, "is_authenticated", False):
            if before is not None or role != Role.PROVIDER:
                raise AccountForbidden("staff_accounts")
        else:
            if before is not None and user.id == actor.id:  # (actor may be this very, changed, object)
                raise AccountForbidden("own_role" if role != before.role else "own_account")
            action = action or ("create" if before is None else "edit")
            check_may_manage(actor, before.role if before is not None else role, action)
            check_may_manage(actor, role, action)
    was_active_admin = before is not None and before.role == Role.ADMIN and before.is_enabled \
        and before.activated_at is not None and before.password_hash is not None
    if was_active_admin and (role != Role.ADMIN or not enabled) and not _other_active_admins(user.id):
        raise AccountForbidden("last_admin")


def _acting_user():
    """The person behind the current request (anonymous included), or None outside requests."""
    from flask import has_request_context
    from flask_login import current_user

    return current_user._get_current_object() if has_request_context() else None


@event.listens_for(Session, "before_flush")
def _guard_accounts(session: Session, flush_context, instances) -> None:
    for obj in [*session.new, *session.dirty]:
        if not isinstance(obj, User):
            continue
        state = inspect(obj)
        if obj in session.new or state.attrs.role.history.has_changes() \
                or state.attrs.is_enabled.history.has_changes():
            check_account_change(_acting_user(), obj)


# Links to providers -------------------------------------------------------------------
def request_link(user: User, kind: LinkKind, tax_id: str, provider_number: str) -> UserProvider:
    """"Vincular con Cliente/Proveedor": a pending link when both tax id and number match one provider.

    Auto-approved when the payer's settings say so (the match is always exact).
    """
    if not user.is_provider:
        raise AccountError("not_provider")
    number = (provider_number or "").strip().upper()
    provider = db.session.scalar(
        select(Provider).where(Provider.tax_id == digits(tax_id), func.upper(Provider.provider_number) == number)
    ) if digits(tax_id) and number else None
    if provider is None:
        record_event("user", user.id, "link_refused", tax_id=digits(tax_id)[:14], provider_number=number[:20])
        raise AccountError("no_match", "provider_number")
    existing = db.session.scalar(
        select(UserProvider).where(UserProvider.user_id == user.id, UserProvider.provider_id == provider.id)
    )
    if existing is not None:
        code = {LinkStatus.APPROVED: "already_linked", LinkStatus.PENDING: "already_pending"}.get(
            existing.status, "rejected")
        raise AccountError(code, "provider_number")
    link = UserProvider(user=user, provider=provider, kind=kind, status=LinkStatus.PENDING, requested_at=utcnow())
    db.session.add(link)
    db.session.flush()
    record_event("user_provider", link.id, "link_requested", provider=provider.provider_number)
    settings = PayerSettings.current()
    if settings is not None and settings.auto_approve_links:
        before = user.current_provider_id
        transition(link, LinkStatus.APPROVED, None, system=True)
        link.decided_at = utcnow()
        _keep_acting_for(user, before, provider.id)
        db.session.flush()
        record_event("user_provider", link.id, "link_auto_approved")
    return link


def _keep_acting_for(user: User, before: int | None, linked_id: int) -> None:
    """A newly approved link never switches whom the user acts for: a first link becomes the active
    provider, a later one waits until the user switches to it (navigation bar)."""
    if before is None or user.active_provider_id is None:
        user.active_provider_id = before if before is not None else linked_id


def decide_link(link: UserProvider, approve: bool, actor: User, reason: str | None = None) -> None:
    """Credentialing staff approve or reject a link request (workflow 'user_provider') and tell the user."""
    before = link.user.current_provider_id
    transition(link, LinkStatus.APPROVED if approve else LinkStatus.REJECTED, actor, reason)
    link.decided_at = utcnow()
    if approve:
        _keep_acting_for(link.user, before, link.provider_id)
    db.session.flush()
    _send(link.user, "link_decided", provider=link.provider, approved=approve, reason=reason,
          login_link=url_for("auth.login", _external=True), payer=identity_for(link.provider))


def switch_provider(user, provider_id) -> None:
    """Act for another of the user's approved providers; any other id is ``NotFound``. Caller commits."""
    key = parse_id(provider_id)
    if key is None or key not in user.linked_provider_ids:
        raise NotFound()
    user.active_provider_id = key
    db.session.flush()
