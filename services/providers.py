"""Registering and changing providers: the pure rules plus the duplicate checks that need the database."""
from __future__ import annotations

from sqlalchemy import func, select

from models.base import db
from models.enums import Country, TaxCondition, TaxIdKind
from models.providers import Provider
from models.rules.providers import MESSAGES, ProviderDraft, check_provider, enum_member


def check_new_or_changed(draft: ProviderDraft, provider_id: int | None = None) -> tuple[dict, dict]:
    """``(clean, errors)`` for a provider about to be created (``provider_id`` None) or changed."""
    clean, errors = check_provider(draft, require_bank=provider_id is None)
    others = select(Provider.id)
    if provider_id is not None:
        others = others.where(Provider.id != provider_id)
    if "tax_id" in clean and "country" not in errors:
        country = enum_member(Country, draft.country)
        if db.session.scalar(others.where(Provider.country == country, Provider.tax_id == clean["tax_id"]).limit(1)):
            errors["tax_id"] = MESSAGES["duplicate_tax_id"]
    if "provider_number" in clean:
        taken = others.where(func.upper(Provider.provider_number) == clean["provider_number"]).limit(1)
        if db.session.scalar(taken):
            errors["provider_number"] = MESSAGES["duplicate_number"]
    return clean, errors


def enum_values(draft: ProviderDraft) -> dict:
    """The enum members of a checked draft, to store on the model."""
    return {
        "country": enum_member(Country, draft.country),
        "tax_id_kind": enum_member(TaxIdKind, draft.tax_id_kind),
        "tax_condition": enum_member(TaxCondition, draft.tax_condition),
    }
