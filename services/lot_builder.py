"""The lot builder's draft ("+ Novo lote"): the guide type, the competence and the guides ticked so
far, kept on the server per user (``services.drafts``) so a lost session loses no selection."""
from __future__ import annotations

from dataclasses import dataclass, field

from models.enums import GuideType
from services import drafts
from services import lots as lot_svc

KIND = "lot_builder"
MAX_SELECTION = 300  # three full lots per send


@dataclass
class BuilderState:
    provider_id: int
    guide_type: str  # a GuideType value
    competence: str  # YYYY-MM
    selected: list[int] = field(default_factory=list)

    @property
    def type(self) -> GuideType:
        return GuideType(self.guide_type)


def current(user, provider) -> BuilderState | None:
    """The user's draft for ``provider`` (a draft for another provider the user acted for is not it)."""
    state = drafts.load(user, KIND, BuilderState)
    return state if state is not None and state.provider_id == provider.id else None


def begin(user, provider, guide_type: str, competence: str) -> BuilderState:
    state = BuilderState(provider_id=provider.id, guide_type=guide_type, competence=competence)
    drafts.save(user, KIND, state)
    return state


def clear_selection(user, state: BuilderState) -> None:
    state.selected = []
    drafts.save(user, KIND, state)


@dataclass
class Selection:
    refused: list  # (guide, why) the guides that cannot be included
    capped: bool  # the selection was cut at MAX_SELECTION


def select(user, provider, state: BuilderState, shown: set[int], checked: set[int]) -> Selection:
    """Apply the ticks of one result page: ``shown`` ids were on the page, ``checked`` of them ticked.
    Guides with occurrences or of another type are refused with the reason."""
    guides = lot_svc.load_guides(provider.id, checked & shown)
    occurrences = lot_svc.occurrences_for(guides, state.competence)
    refused = [(g, occurrences[g.id]) for g in guides if occurrences[g.id] or g.guide_type != state.type]
    accepted = {g.id for g in guides} - {g.id for g, _why in refused}
    selection = [i for i in state.selected if i not in shown] + sorted(accepted)
    capped = len(selection) > MAX_SELECTION
    state.selected = selection[:MAX_SELECTION]
    drafts.save(user, KIND, state)
    return Selection(refused, capped)
