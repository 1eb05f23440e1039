"""What the analysis page shows of adjudication: pending automatic glosas and how the lot was routed."""
from __future__ import annotations

from models.permissions import can
from services.adjudication import analysis, routing


def context(lot, user) -> dict:
    if user.is_provider or not can(user, "view", "adjudication_finding"):
        return {"proposals": [], "routing": None, "routing_label": ""}
    row = routing.routing_of(lot)
    label = str(routing.REASONS.get(row.reason, row.reason)) if row is not None else ""
    return {"proposals": analysis.pending(lot), "routing": row, "routing_label": label}
