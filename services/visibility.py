"""Who may see which rows: the one place that decides, deny by default.

Every list, detail, download, report, dashboard figure, ajax lookup, PDF, CSV and
web-service answer asks this module. The rule, read from the permission matrix:

- no user, an inactive user, or a role without ``view`` on the resource: nothing;
- staff with ``view``: every row (staff work for the payer, across providers);
- a provider user: only rows owned by the provider it acts for now
  (``PROVIDER_SCOPED`` names the owning column); with no approved link: nothing;
- a resource that holds provider data but has no owner column: nothing for providers;
- a resource owned by users (``USER_OWNED``, e.g. jobs): a provider user sees only its own rows.
"""
from __future__ import annotations

from sqlalchemy import false

from models import Provider
from models.base import db
from models.errors import NotFound
from models.permissions import PROVIDER_SCOPED, USER_OWNED, acts_for, can

# Provider users may read these payer-wide resources (no provider owns their rows).
PROVIDER_READABLE_UNSCOPED = frozenset({"dashboard"})

ALL = None  # sentinel: every provider


def provider_ids(user, resource: str) -> frozenset[int] | None:
    """The providers whose rows of ``resource`` ``user`` may see: ``ALL`` (None) or a set (maybe empty)."""
    if not can(user, "view", resource):
        return frozenset()
    if not user.is_provider:
        return ALL
    if resource not in PROVIDER_SCOPED:
        return ALL if resource in PROVIDER_READABLE_UNSCOPED else frozenset()
    current = user.current_provider_id
    return frozenset() if current is None else frozenset({current})


def awaiting_link(user) -> bool:
    """A provider user whose link to a provider is not approved yet: it may see no provider data."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_provider
                and user.current_provider_id is None)


def _owner_path(model, resource: str) -> tuple[list, object]:
    """(relationships to join, owning column) for a scoped resource."""
    *hops, column = PROVIDER_SCOPED[resource].split(".")
    joins, owner = [], model
    for hop in hops:
        relationship = getattr(owner, hop)
        joins.append(relationship)
        owner = relationship.property.mapper.class_
    return joins, getattr(owner, column)


def visible(query, user, resource: str, model=None):
    """``query`` (a ``select()`` or a legacy ``Query``) narrowed to the rows ``user`` may see.

    ``model`` is the entity whose ownership applies (default: the query's first entity).
    """
    if _own_rows_only(user, resource):
        model = model or query.column_descriptions[0]["entity"]
        return query.where(getattr(model, USER_OWNED[resource]) == user.id)
    allowed = provider_ids(user, resource)
    if allowed is ALL:
        return query
    if not allowed:
        return query.where(false())
    model = model or query.column_descriptions[0]["entity"]
    joins, column = _owner_path(model, resource)
    for relationship in joins:
        query = query.join(relationship)
    return query.where(column == next(iter(allowed)) if len(allowed) == 1 else column.in_(sorted(allowed)))


def _own_rows_only(user, resource: str) -> bool:
    """A provider user reading a user-owned resource: only the rows it started."""
    return resource in USER_OWNED and can(user, "view", resource) and user.is_provider


def owner_id(obj, resource: str) -> int | None:
    """The provider that owns ``obj`` (following ``relationship.column`` paths)."""
    value = obj
    for hop in PROVIDER_SCOPED[resource].split("."):
        value = getattr(value, hop, None) if value is not None else None
    return value


def may_see(user, obj, resource: str | None = None) -> bool:
    """True when ``user`` may see ``obj`` (an instance of a resource's model)."""
    if obj is None:
        return False
    resource = resource or obj.__tablename__
    if _own_rows_only(user, resource):
        return getattr(obj, USER_OWNED[resource]) == user.id
    allowed = provider_ids(user, resource)
    if allowed is ALL:
        return True
    return resource in PROVIDER_SCOPED and acts_for(user, owner_id(obj, resource))


def acting_provider(user):
    """The provider a provider user acts for; ``NotFound`` when it has none (no approved link)."""
    provider = user.current_provider if user is not None and user.is_provider else None
    if provider is None:
        raise NotFound()
    return provider


def provider_in_view(user, provider_id=None):
    """The provider a page is about: a provider user's own (asking for another → ``NotFound``);
    staff name one (``provider_id``; unknown → ``NotFound``)."""
    if user is not None and user.is_provider:
        provider = acting_provider(user)
        if provider_id not in (None, "") and parse_id(provider_id) != provider.id:
            raise NotFound()
        return provider
    return get_visible_or_404(Provider, provider_id, user)


def parse_id(value) -> int | None:
    """A database id from user input: ASCII digits within 64 bits, else None (never an error)."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= 2**63 - 1 else None


def get_visible(model, id_, user, resource: str | None = None):
    """The row when it exists and ``user`` may see it, else None."""
    key = parse_id(id_)
    if key is None:
        return None
    obj = db.session.get(model, key)
    return obj if may_see(user, obj, resource or model.__tablename__) else None


def get_visible_or_404(model, id_, user, resource: str | None = None):
    """As ``get_visible``; raises ``NotFound`` (404) alike for a row the user may not see and one that
    does not exist, so ids reveal nothing."""
    obj = get_visible(model, id_, user, resource)
    if obj is None:
        raise NotFound()
    return obj
