"""Auto-adjudication: a received lot that every rule passes, under the configured value, not drawn
for sampling and not of a provider under watch, is analysed by the system; a supervisor still
releases it (four-eyes: the system is the analyst). Every other lot goes to a clerk, with why."""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import AdjudicationSettings, Lot, LotAdjudication, User, WatchedProvider, chunk_memo
from models.base import db, utcnow
from models.enums import LotStatus, Role
from models.permissions import can
from services.adjudication import analysis, engine
from services.lots import move_lot

SYSTEM_EMAIL = "adjudication@system.invalid"
REASONS = {
    "disabled": _l("Auto-adjudication is off"),
    "findings": _l("Rules found glosas"),
    "above_limit": _l("Above the auto-adjudication value"),
    "watched": _l("Provider under watch"),
    "sampled": _l("Drawn for sampling"),
    "automatic": _l("Analysed automatically"),
}


def drawn(protocol: int | None, percent: int) -> bool:
    """Reproducible draw: the same protocol number is always drawn, or never, at ``percent``."""
    if percent <= 0 or protocol is None:
        return False
    digest = hashlib.sha256(f"liquida-sample:{protocol}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < percent


def system_user() -> User:
    """The analyst of automatic analyses: a clerk account nobody can log into (random password)."""
    user = db.session.scalar(sa.select(User).where(User.email == SYSTEM_EMAIL))
    if user is None:
        user = User(email=SYSTEM_EMAIL, name="Liquida (automatic adjudication)", role=Role.CLERK,
                    activated_at=utcnow(), is_enabled=True)
        user.set_password(secrets.token_urlsafe(48))
        db.session.add(user)
        db.session.flush()
    return user


def decide(lot: Lot, *, clean: bool, settings: AdjudicationSettings, watched: bool) -> str:
    if not settings.auto_enabled:
        return "disabled"
    if not clean:
        return "findings"
    if lot.total_amount > settings.auto_limit:
        return "above_limit"
    if watched:
        return "watched"
    if drawn(lot.protocol_number, settings.sample_percent):
        return "sampled"
    return "automatic"


def route(lot: Lot, *, glosed: bool) -> LotAdjudication:
    """Decide where a just-received lot goes (``glosed``: the rules acting at intake glosed some of
    its items); analyse it as the system when it may."""
    settings = AdjudicationSettings.current()
    clean = not glosed
    if clean and settings.auto_enabled:
        lines, _items, _guides = analysis.lines_of_lot(lot)
        clean = not engine.run(lines, engine.load_rules("propose"), exclude_lot_id=lot.id)
    watched = is_watched(lot.provider_id)
    reason = decide(lot, clean=clean, settings=settings, watched=watched)
    system = system_user() if reason == "automatic" else None
    if system is not None and not (can(system, "analyse", "lot") and can(system, "finish_analysis", "lot")):
        reason = "disabled"  # an administrator switched the system's account off: clerks analyse
    row = LotAdjudication(lot_id=lot.id, provider_id=lot.provider_id, automatic=reason == "automatic",
                          reason=reason)
    db.session.add(row)
    if reason == "automatic":
        move_lot(lot, LotStatus.IN_ANALYSIS, system)
        move_lot(lot, LotStatus.ANALYSED, system)
    return row


def is_watched(provider_id: int) -> bool:
    """Whether the provider's lots always go to a clerk (read once per bulk-intake chunk)."""
    return chunk_memo.once(("watched", provider_id), lambda: db.session.scalar(
        sa.select(WatchedProvider.id).where(WatchedProvider.provider_id == provider_id).limit(1)) is not None)


def routing_of(lot: Lot) -> LotAdjudication | None:
    return db.session.scalar(sa.select(LotAdjudication).where(LotAdjudication.lot_id == lot.id))
