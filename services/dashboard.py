"""What each role's start page shows: counts by status and the queues waiting for them."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from models import Appeal, Invoice, Lot, PaymentOrder, Provider, UserProvider
from models.base import db
from models.enums import (
    AppealStatus,
    InvoiceStatus,
    LinkStatus,
    LotStatus,
    PaymentOrderStatus,
    ProviderStatus,
    Role,
)
from models.permissions import can
from services import rollups
from services.visibility import visible


@dataclass
class Queue:
    label: str
    count: int
    endpoint: str
    status: str
    args: dict


# Big tables: counted from the monthly rollups (services.rollups), not row by row.
ROLLED_UP = {Invoice: InvoiceStatus, Lot: LotStatus, PaymentOrder: PaymentOrderStatus}


def status_counts(model, user) -> dict:
    """Rows of ``model`` that ``user`` may see, counted by status."""
    if model in ROLLED_UP:
        return rolled_up_counts([model], user)[model]
    query = select(model.status, func.count()).select_from(model).group_by(model.status)
    return dict(db.session.execute(visible(query, user, model.__tablename__, model)).all())


def rolled_up_counts(models, user, cells: rollups.Cells | None = None) -> dict:
    """``status_counts`` of several rolled-up models, read together (one statement; none with ``cells``)."""
    found = rollups.totals_each(user, {model.__tablename__: (None, None) for model in models}, group_by=("bucket",),
                                cells=cells)
    return {model: {ROLLED_UP[model](bucket): count for bucket, count, _amount in found[model.__tablename__] if count}
            for model in models}


# (role, model, status, label, page endpoint, the page's status argument)
_QUEUES = [
    (Role.CLERK, Invoice, InvoiceStatus.SENT, _l("Invoices to review"), "invoice.index_view", "tab"),
    (Role.CLERK, Lot, LotStatus.RECEIVED, _l("Lots received"), "account_audit.index", "status"),
    (Role.CLERK, Lot, LotStatus.IN_ANALYSIS, _l("Lots in analysis"), "account_audit.index", "status"),
    (Role.CLERK, Appeal, AppealStatus.OPEN, _l("Appeals to analyse"), "appeals_desk.index", "status"),
    (Role.CLERK, PaymentOrder, PaymentOrderStatus.APPROVED, _l("Payment orders to pay"), "payment_desk.index", None),
    (Role.SUPERVISOR, Invoice, InvoiceStatus.IN_AUDIT, _l("Invoices to accept or reject"), "invoice.index_view", "tab"),
    (Role.SUPERVISOR, Lot, LotStatus.ANALYSED, _l("Lots to release for payment"), "account_audit.index", "status"),
    (Role.SUPERVISOR, PaymentOrder, PaymentOrderStatus.PENDING_APPROVAL, _l("Payment orders to approve"),
     "payment_desk.index", None),
    (Role.CREDENTIALING, UserProvider, LinkStatus.PENDING, _l("Link requests to approve"), "user_provider.index_view",
     None),
    (Role.CREDENTIALING, Provider, ProviderStatus.SUSPENDED, _l("Suspended providers"), "provider.index_view", None),
    (Role.PROVIDER, Invoice, InvoiceStatus.OBSERVED, _l("Invoices observed: correct and re-send"),
     "invoice.index_view", "tab"),
    (Role.PROVIDER, Invoice, InvoiceStatus.DRAFT, _l("Draft invoices not sent yet"), "invoice.index_view", "tab"),
    (Role.PROVIDER, Lot, LotStatus.AWAITING_INFO, _l("Lots awaiting information"), "lot_tracking.index", "status"),
]


def start_page(user, cells: rollups.Cells | None = None) -> tuple[list[Queue], list[tuple[str, dict, type]]]:
    """The start page's queues and overview, counting each entity by status once for both (the rolled-up
    ones in one statement, or from ``cells`` (``rollups.few_cells``) when the page read them already)."""
    queues, sections = _queues(user), _sections(user)
    whole = {section[1] for section in sections}
    shown = {queue[1] for queue in queues} | whole
    counts = rolled_up_counts([model for model in ROLLED_UP if model in shown], user, cells)
    return _queue_cards(user, queues, counts, whole), _overview_cards(user, sections, counts)


def _counted(model, user, counts: dict) -> dict:
    """``status_counts`` of ``model``, once per page: the queues and the overview share ``counts``."""
    if model not in counts:
        counts[model] = status_counts(model, user)
    return counts[model]


def _queues(user) -> list[tuple]:
    """The rows of ``_QUEUES`` for ``user``'s role whose entity it may see."""
    return [queue for queue in _QUEUES if queue[0] == user.role and can(user, "view", queue[1].__tablename__)]


def _queue_cards(user, queues: list[tuple], counts: dict, whole: set) -> list[Queue]:
    """A card per queue. An entity counted by every status anyway (rolled up, or in ``whole``: the page's
    overview shows it) is read from those counts; any other (appeals, links) counts only the queue's status,
    on its (status, …) index, not every row of the table."""
    out = []
    for _role, model, status, label, endpoint, status_arg in queues:
        args = {status_arg: status.value} if status_arg else {}
        if model in counts or model in ROLLED_UP or model in whole:
            count = _counted(model, user, counts).get(status, 0)
        else:
            count = _count_of(model, user, status)
        out.append(Queue(str(label), count, endpoint, status.value, args))
    return out


def _count_of(model, user, status) -> int:
    """Rows of ``model`` in ``status`` that ``user`` may see."""
    query = select(func.count()).select_from(model).where(model.status == status)
    return db.session.scalar(visible(query, user, model.__tablename__, model)) or 0


def _sections(user) -> list[tuple]:
    """(title, model, statuses) of the overview's cards for ``user``, in order of the menus: only the flows
    of the user's country (a provider's) or of the payer's countries (staff)."""
    sections = []
    if user.role in (Role.PROVIDER, Role.CLERK, Role.SUPERVISOR, Role.ADMIN):
        sections.append((_l("Invoices"), Invoice, InvoiceStatus))
        sections.append((_l("Lots"), Lot, LotStatus))
        sections.append((_l("Payment orders"), PaymentOrder, PaymentOrderStatus))
    if user.role in (Role.CREDENTIALING, Role.ADMIN):
        sections.append((_l("Providers"), Provider, ProviderStatus))
    return [section for section in sections if can(user, "view", section[1].__tablename__)]


def _overview_cards(user, sections: list[tuple], counts: dict) -> list[tuple[str, dict, type]]:
    return [(str(title), _counted(model, user, counts), statuses) for title, model, statuses in sections]
