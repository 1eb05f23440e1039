"""The state machines: one transition table per entity and one ``transition()`` for all.

Each table reads ``{from_status: {to_status: Step}}``; a Step names the
permission action required, who may not perform it (four-eyes: attributes
holding the ids of users who did earlier steps), whether a reason is required
and which attribute records the actor. The table is the documentation.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from models.base import db, utcnow
from models.enums import (
    AppealStatus,
    GuideStatus,
    InvoiceStatus,
    LinkStatus,
    LotStatus,
    PaymentOrderStatus,
    ProviderStatus,
)
from models.errors import CodedError
from models.permissions import PROVIDER_SCOPED, acts_for, can, can_submit


@dataclass(frozen=True)
class Step:
    action: str
    four_eyes: tuple[str, ...] = ()
    reason_required: bool = False
    stamp: str | None = None
    # Done by the system on behalf of another checked action (an invoice entering a payment order);
    # never offered as a button.
    system: bool = False


Inv, Lot, App, Pay = InvoiceStatus, LotStatus, AppealStatus, PaymentOrderStatus

MACHINES: dict[str, dict] = {
    "invoice": {
        Inv.DRAFT: {Inv.SENT: Step("submit", stamp="submitted_by_id")},
        Inv.SENT: {
            Inv.OBSERVED: Step("observe", reason_required=True),
            Inv.IN_AUDIT: Step("forward", stamp="forwarded_by_id"),
        },
        Inv.OBSERVED: {Inv.SENT: Step("submit", stamp="submitted_by_id")},
        Inv.IN_AUDIT: {
            Inv.ACCEPTED: Step("accept", four_eyes=("created_by_id", "forwarded_by_id"), stamp="decided_by_id"),
            Inv.REJECTED: Step(
                "reject", four_eyes=("created_by_id", "forwarded_by_id"), reason_required=True, stamp="decided_by_id"
            ),
            Inv.OBSERVED: Step("observe", reason_required=True),
        },
        Inv.ACCEPTED: {Inv.ENTERED: Step("create_payment", system=True)},
        Inv.ENTERED: {Inv.ACCEPTED: Step("cancel_payment", reason_required=True, system=True)},
    },
    "lot": {
        Lot.RECEIVED: {
            Lot.IN_ANALYSIS: Step("analyse"),
            Lot.CANCELLED: Step("cancel", reason_required=True),
        },
        Lot.IN_ANALYSIS: {
            Lot.AWAITING_INFO: Step("request_info", reason_required=True),
            Lot.ANALYSED: Step("finish_analysis", stamp="analysed_by_id"),
            Lot.CLOSED_UNPAID: Step("close", four_eyes=("analysed_by_id",), reason_required=True),
        },
        Lot.AWAITING_INFO: {Lot.IN_ANALYSIS: Step("analyse")},
        Lot.ANALYSED: {
            Lot.RELEASED: Step("release", four_eyes=("analysed_by_id",), stamp="released_by_id"),
            Lot.IN_ANALYSIS: Step("reopen", reason_required=True),
            Lot.CLOSED_UNPAID: Step("close", four_eyes=("analysed_by_id",), reason_required=True),
        },
        Lot.RELEASED: {Lot.PAID: Step("pay", system=True)},
    },
    # A guide is cancelled while no analysis holds it (services.cancellation checks the lot).
    "guide": {
        status: {GuideStatus.CANCELLED: Step("cancel", reason_required=True)}
        for status in (GuideStatus.AUTHORIZED, GuideStatus.PENDING, GuideStatus.NOT_AUTHORIZED, GuideStatus.DENIED)
    },
    "appeal": {
        App.OPEN: {App.IN_ANALYSIS: Step("analyse")},
        App.IN_ANALYSIS: {
            App.ACCEPTED: Step("decide", four_eyes=("created_by_id",), stamp="decided_by_id"),
            App.PARTIALLY_ACCEPTED: Step(
                "decide", four_eyes=("created_by_id",), reason_required=True, stamp="decided_by_id"
            ),
            App.DENIED: Step("decide", four_eyes=("created_by_id",), reason_required=True, stamp="decided_by_id"),
        },
    },
    "payment_order": {
        Pay.DRAFT: {
            Pay.PENDING_APPROVAL: Step("submit"),
            Pay.CANCELLED: Step("cancel", reason_required=True),
        },
        Pay.PENDING_APPROVAL: {
            Pay.APPROVED: Step("approve", four_eyes=("created_by_id",), stamp="approved_by_id"),
            Pay.DRAFT: Step("return", reason_required=True),
            Pay.CANCELLED: Step("cancel", reason_required=True),
        },
        Pay.APPROVED: {Pay.PAID: Step("pay", four_eyes=("approved_by_id",), stamp="paid_by_id")},
    },
    "provider": {
        ProviderStatus.ACTIVE: {
            ProviderStatus.SUSPENDED: Step("suspend", reason_required=True),
            ProviderStatus.INACTIVE: Step("suspend", reason_required=True),
        },
        ProviderStatus.SUSPENDED: {
            ProviderStatus.ACTIVE: Step("suspend"),
            ProviderStatus.INACTIVE: Step("suspend", reason_required=True),
        },
        ProviderStatus.INACTIVE: {ProviderStatus.ACTIVE: Step("suspend")},
    },
    "user_provider": {
        LinkStatus.PENDING: {
            LinkStatus.APPROVED: Step("approve", stamp="decided_by_id"),
            LinkStatus.REJECTED: Step("approve", reason_required=True, stamp="decided_by_id"),
        },
        LinkStatus.APPROVED: {LinkStatus.REJECTED: Step("approve", reason_required=True, stamp="decided_by_id")},
    },
}

class TransitionError(CodedError):
    """A refused transition; ``code`` says why, ``message`` is translated."""

    MESSAGES = {
        "illegal": _l("This status change is not allowed from the current status."),
        "forbidden": _l("You are not allowed to make this status change."),
        "four_eyes": _l("Four-eyes rule: you cannot approve your own work."),
        "reason": _l("A reason is required for this status change."),
        "conflict": _l("Someone else changed this record at the same time. Reload and try again."),
        "suspended": _l("This provider is suspended: its users cannot submit. Contact the payer's staff."),
    }


def allowed_targets(obj, actor) -> list:
    """Statuses ``actor`` may move ``obj`` to now (for showing buttons)."""
    resource = obj.__tablename__
    out = []
    for target, step in MACHINES[resource].get(obj.status, {}).items():
        if step.system or not can(actor, step.action, resource):
            continue
        if actor is not None and any(getattr(obj, a, None) == actor.id for a in step.four_eyes):
            continue
        out.append(target)
    return out


def transition(obj, target, actor, reason: str | None = None, *, system: bool = False):
    """Move ``obj`` to ``target`` as ``actor``, or raise TransitionError. Flushes; caller commits.

    ``system=True`` is for steps another checked action triggers (an invoice
    entering a payment order); the permission check is then the caller's.
    """
    resource = obj.__tablename__
    step = MACHINES[resource].get(obj.status, {}).get(target)
    if step is None:
        raise TransitionError("illegal")
    if not system:
        if not can(actor, step.action, resource):
            raise TransitionError("forbidden")
        if not acts_for(actor, getattr(obj, PROVIDER_SCOPED[resource])):
            raise TransitionError("forbidden")
        owner = obj if resource == "provider" else getattr(obj, "provider", None)
        if actor.is_provider and owner is not None and not can_submit(actor, owner):
            raise TransitionError("suspended")
        if any(getattr(obj, attr, None) == actor.id for attr in step.four_eyes):
            raise TransitionError("four_eyes")
    reason = (reason or "").strip() or None
    if step.reason_required and not reason:
        raise TransitionError("reason")
    previous = obj.status
    obj.status = target
    if step.stamp and actor is not None:
        setattr(obj, step.stamp, actor.id)
    if hasattr(obj, "last_movement_at"):
        obj.last_movement_at = utcnow()
    obj._audit_reason = reason
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise TransitionError("conflict") from exc
    return previous
