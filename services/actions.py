"""What a user may do next with a record: the buttons a page draws.

One answer per entity, from the workflow tables (``models.workflow.allowed_targets``: permission,
four-eyes, system steps) and the permission matrix, plus the few rules that are not status moves
(a provider may change a lot only while it is untouched). Templates ask ``"pay" in actions``;
the services that perform the action check the same rules again before writing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from models.enums import AppealStatus, InvoiceStatus, LotStatus, PaymentOrderStatus
from models.permissions import can, can_submit
from models.workflow import allowed_targets
from services.analysis import DEBITABLE, EDITABLE
from services.appeals import APPEALABLE_LOTS
from services.invoices import REVIEW_TARGETS
from services.lots import provider_may_change
from services.visibility import may_see


@dataclass(frozen=True)
class Actions:
    """Verbs the user may perform now and the statuses the workflow lets it move the record to."""

    verbs: frozenset[str] = frozenset()
    targets: tuple = field(default_factory=tuple)

    def __contains__(self, verb: str) -> bool:
        return verb in self.verbs

    def any_of(self, *verbs: str) -> bool:
        return not self.verbs.isdisjoint(verbs)


NONE = Actions()


def _lot(lot, user) -> Actions:
    verbs = set()
    if user.is_provider:
        untouched = provider_may_change(lot) and can_submit(user, lot.provider)
        if untouched and can(user, "cancel", "lot"):
            verbs |= {"cancel", "remove_guide"}
        if untouched and can(user, "delete", "lot"):
            verbs.add("delete")
        if lot.status in APPEALABLE_LOTS and can(user, "create", "appeal") and can_submit(user, lot.provider):
            verbs.add("appeal")
        targets: tuple = ()
    else:
        if lot.status == LotStatus.RECEIVED and can(user, "cancel", "lot"):
            verbs.add("cancel")
        if lot.status != LotStatus.CANCELLED and can(user, "receive", "lot"):
            verbs.add("receive")
        if lot.status in EDITABLE and can(user, "create", "glosa"):
            verbs.add("glosa")
        targets = tuple(t for t in allowed_targets(lot, user) if t != LotStatus.CANCELLED)
    if can(user, "export", "lot"):
        verbs.add("export")
    return Actions(frozenset(verbs), targets)


def _payment_order(order, user) -> Actions:
    targets = tuple(allowed_targets(order, user))
    verbs = {t.value for t in targets}
    if PaymentOrderStatus.PAID in targets:
        verbs.add("pay")
    if order.status == PaymentOrderStatus.DRAFT and can(user, "edit", "payment_order"):
        verbs.add("adjust")
    return Actions(frozenset(verbs), tuple(t for t in targets if t != PaymentOrderStatus.PAID))


def _invoice(invoice, user) -> Actions:
    targets = tuple(allowed_targets(invoice, user))
    verbs = {action for action, target in REVIEW_TARGETS.items() if target in targets}
    if invoice.status in DEBITABLE and can(user, "debit", "invoice"):
        verbs.add("debit")
    if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.OBSERVED) and can(user, "edit", "invoice"):
        verbs.add("edit")
    return Actions(frozenset(verbs), targets)


def _appeal(appeal, user) -> Actions:
    verbs = set()
    if appeal.status == AppealStatus.OPEN and can(user, "analyse", "appeal"):
        verbs.add("analyse")
    if appeal.status in (AppealStatus.OPEN, AppealStatus.IN_ANALYSIS) and can(user, "decide", "appeal"):
        verbs.add("decide")
    return Actions(frozenset(verbs), tuple(allowed_targets(appeal, user)))


_BY_RESOURCE = {"lot": _lot, "payment_order": _payment_order, "invoice": _invoice, "appeal": _appeal}


def actions_for(obj, user) -> Actions:
    """What ``user`` may do next with ``obj`` (nothing when it may not even see it)."""
    if obj is None or user is None or not may_see(user, obj):
        return NONE
    return _BY_RESOURCE[obj.__tablename__](obj, user)
