"""The IOMA invoice flow against the database: find the trámite, validate, file, review, notify.

Views stay thin: they parse the request and call these functions. Rules live in
``models.rules.invoices`` (pure); status changes go through ``models.workflow``.
Functions here flush; the caller commits (or rolls back) the one transaction.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Attachment, AuditLog, Authorization, AuthorizationTotal, Invoice, RejectionReason, User
from models.audit import record_event
from models.base import db, to_money
from models.enums import (
    AttachmentKind,
    AuditAction,
    AuthorizationStatus,
    BillingType,
    InvoiceStatus,
    LinkStatus,
    Role,
)
from models.errors import CodedError
from models.rules import afip_qr
from models.rules import invoices as rules
from models.sequences import next_value
from models.workflow import TransitionError, transition
from services import formatting, storage
from services.mail import send_email
from services.payer_identity import identity_for
from services.visibility import get_visible, may_see, visible

log = logging.getLogger(__name__)

UPLOAD_KIND = "invoices"


# Who may see what --------------------------------------------------------------------
def visible_invoice(user, invoice_id) -> Invoice | None:
    """The invoice when ``user`` may see it, else None (callers answer 404)."""
    return get_visible(Invoice, invoice_id, user)


# Step 1: the trámite -----------------------------------------------------------------
@dataclass
class Billing:
    authorized_total: Decimal
    billed_total: Decimal
    draft_total: Decimal

    @property
    def remaining(self) -> Decimal:
        return rules.remaining_total(self.authorized_total, self.billed_total)


def billing_of(auth: Authorization, exclude_invoice_id: int | None = None) -> Billing:
    """What is billed of ``auth`` (``exclude_invoice_id``: but that invoice, the one being corrected)."""
    sums = _sums([auth.id])[auth.id]
    if exclude_invoice_id:
        row = db.session.execute(select(Invoice.status, Invoice.amount).where(
            Invoice.id == exclude_invoice_id, Invoice.authorization_id == auth.id)).first()
        if row is not None:
            sums[row.status.value] = sums.get(row.status.value, Decimal("0.00")) - to_money(row.amount)
    return _billing(auth, sums)


def _sums(authorization_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Authorization id → invoice status → amount billed, as the database keeps them (``AuthorizationTotal``)."""
    sums: dict[int, dict[str, Decimal]] = {auth_id: {} for auth_id in authorization_ids}
    if sums:
        for auth_id, status, amount in db.session.execute(
                select(AuthorizationTotal.authorization_id, AuthorizationTotal.status, AuthorizationTotal.amount)
                .where(AuthorizationTotal.authorization_id.in_(list(sums)))):
            sums[auth_id][status] = to_money(amount)
    return sums


def _billings(auths: list[Authorization]) -> dict[int, Billing]:
    sums = _sums([auth.id for auth in auths])
    return {auth.id: _billing(auth, sums[auth.id]) for auth in auths}


def _billing(auth: Authorization, sums: dict[str, Decimal]) -> Billing:
    """``auth``'s billing from its invoices' amounts per status."""
    billed = sum((v for k, v in sums.items() if k in rules.BILLED_STATUSES), Decimal("0.00"))
    return Billing(auth.authorized_total, to_money(billed), sums.get(InvoiceStatus.DRAFT.value, Decimal("0.00")))


class LookupError_(CodedError):
    """Why a trámite cannot be billed now (step 1 of the wizard)."""

    MESSAGES = {
        "required": _l("Enter the procedure number (número de trámite) of the authorization."),
        "not_found": _l("No authorization with procedure number %(number)s."),
        "cancelled": _l("Procedure %(number)s was cancelled."),
        "expired": _l("Procedure %(number)s expired on %(date)s."),
        "not_started": _l("Procedure %(number)s is valid from %(date)s."),
        "fully_billed": _l("Procedure %(number)s is fully billed."),
    }


def _grace_days() -> int:
    """Days after its validity during which a trámite can still be billed (``INVOICE_GRACE_DAYS``)."""
    return int(current_app.config.get("INVOICE_GRACE_DAYS", 0))


def _billable_parts(day: date) -> list[tuple[str, sa.ColumnElement[bool]]]:
    """"A trámite can be billed on ``day``", part by part, in the order a refusal reports them: each part's
    SQL condition with the refusal when it fails ("status": the trámite's own status, cancelled or expired).
    The one definition behind both the search (``find_authorization``) and the list (``billable_on``)."""
    return [
        ("status", Authorization.status == AuthorizationStatus.ACTIVE),
        ("expired", Authorization.valid_to >= day - timedelta(days=_grace_days())),
        ("not_started", Authorization.valid_from <= day),
    ]


def billable_on(day: date) -> sa.ColumnElement[bool]:
    """The where-clause "can be billed on ``day``": active, started, within its validity plus the grace days
    (an equality on status and a range on valid_to: the (provider, status, valid_to) and (status, valid_to)
    indexes serve it). Something left to bill is checked apart (``Billing.remaining``)."""
    return sa.and_(*(condition for _refusal, condition in _billable_parts(day)))


def find_authorization(number: str, user, today: date | None = None) -> Authorization:
    """The authorization ``user`` may bill now, or LookupError_ with a clear message."""
    today = today or date.today()
    number = (number or "").strip()
    if not number or len(number) > 20:
        raise LookupError_("required", "number")
    parts = _billable_parts(today)
    row = db.session.execute(
        select(Authorization, *(condition.label(f"ok_{index}") for index, (_refusal, condition) in enumerate(parts)))
        .where(Authorization.number == number)
    ).first()
    if row is None:
        raise LookupError_("not_found", "number", number=number)
    auth = row[0]
    if not may_see(user, auth):  # another provider's trámite reads as one that does not exist
        raise LookupError_("not_found", "number", number=number)
    failed = next((refusal for (refusal, _condition), ok in zip(parts, row[1:], strict=True) if not ok), None)
    if failed == "status":  # any status but active refuses: cancelled says so, any other reads as expired
        failed = "cancelled" if auth.status == AuthorizationStatus.CANCELLED else "expired"
    if failed == "cancelled":
        raise LookupError_("cancelled", "number", number=number)
    if failed == "expired":
        raise LookupError_("expired", "number", number=number, date=formatting.day(auth.valid_to))
    if failed == "not_started":
        raise LookupError_("not_started", "number", number=number, date=formatting.day(auth.valid_from))
    if billing_of(auth).remaining <= 0:
        raise LookupError_("fully_billed", "number", number=number)
    return auth


BILLABLE_SHOWN = 20


@dataclass(frozen=True)
class Billable:
    """A trámite that can be billed now and what is left of it (step 1's list)."""

    authorization: Authorization
    billing: Billing


def billable_authorizations(user, today: date | None = None, limit: int = BILLABLE_SHOWN,
                            excluding: Authorization | None = None) -> list[Billable]:
    """The trámites ``user`` may bill now, those that expire first (the search finds any other): step 1
    offers them, so nobody needs the number of the acta at hand. Read ``limit`` at a time off the
    (provider, status, validity) index, the fully billed left out (three reads at most); what is billed of
    each is kept by the database (``AuthorizationTotal``). ``excluding``: the one already on the page."""
    today = today or date.today()
    query = visible(select(Authorization), user, "authorization", Authorization).where(billable_on(today))
    if excluding is not None:
        query = query.where(Authorization.id != excluding.id)
    query = query.options(
        selectinload(Authorization.beneficiary), selectinload(Authorization.service_type),
        selectinload(Authorization.provider)).order_by(Authorization.valid_to, Authorization.id).limit(limit)
    shown: list[Billable] = []
    for _read in range(3):
        auths = db.session.scalars(query).all()
        billings = _billings(auths)
        shown += [Billable(auth, billings[auth.id]) for auth in auths if billings[auth.id].remaining > 0]
        if len(auths) < limit or len(shown) >= limit:
            break
        last = auths[-1]
        query = query.where(sa.or_(Authorization.valid_to > last.valid_to,
                                   sa.and_(Authorization.valid_to == last.valid_to, Authorization.id > last.id)))
    return shown[:limit]


# Step 2: validation --------------------------------------------------------------------
def _references(auth: Authorization, exclude_invoice_id: int | None) -> tuple[rules.ReferenceCandidate, ...]:
    rows = db.session.scalars(
        select(Invoice).where(Invoice.authorization_id == auth.id).order_by(Invoice.period_year, Invoice.period_month)
    ).all()
    adjusted = {}
    for inv in rows:
        if (inv.billing_type == BillingType.ADJUSTMENT and inv.referenced_invoice_id and inv.id != exclude_invoice_id
                and inv.status != InvoiceStatus.REJECTED):
            adjusted[inv.referenced_invoice_id] = inv.display_number
    return tuple(
        rules.ReferenceCandidate(
            id=inv.id, status=inv.status.value, period_month=inv.period_month, period_year=inv.period_year,
            display_number=inv.display_number, net_amount=inv.net_amount, adjusted_by=adjusted.get(inv.id),
        )
        for inv in rows
        if inv.status.value in rules.ADJUSTABLE_STATUSES and inv.id != exclude_invoice_id
    )


def context_for(auth: Authorization, draft: rules.InvoiceDraft, exclude_invoice_id: int | None = None,
                today: date | None = None) -> rules.BillingContext:
    billing = billing_of(auth, exclude_invoice_id)
    taken = False
    if draft.voucher_type and draft.point_of_sale and draft.number:
        query = select(Invoice.id).where(
            Invoice.provider_id == auth.provider_id, Invoice.voucher_type == draft.voucher_type,
            Invoice.point_of_sale == draft.point_of_sale, Invoice.number == draft.number,
        )
        if exclude_invoice_id:
            query = query.where(Invoice.id != exclude_invoice_id)
        taken = db.session.scalar(query.limit(1)) is not None
    normal_in_period: tuple[str, ...] = ()
    if draft.period_month and draft.period_year:
        query = select(Invoice).where(
            Invoice.authorization_id == auth.id, Invoice.period_month == draft.period_month,
            Invoice.period_year == draft.period_year, Invoice.billing_type == BillingType.NORMAL,
            Invoice.status.in_([InvoiceStatus(s) for s in rules.BILLED_STATUSES]),
        )
        if exclude_invoice_id:
            query = query.where(Invoice.id != exclude_invoice_id)
        normal_in_period = tuple(inv.display_number for inv in db.session.scalars(query))
    return rules.BillingContext(
        today=today or date.today(), tax_condition=auth.provider.tax_condition.value,
        valid_from=auth.valid_from, valid_to=auth.valid_to, authorized_total=auth.authorized_total,
        billed_total=billing.billed_total, number_taken=taken, normal_in_period=normal_in_period,
        references=_references(auth, exclude_invoice_id),
    )


def validate(raw: dict, auth: Authorization, exclude_invoice_id: int | None = None,
             today: date | None = None) -> tuple[rules.InvoiceDraft, rules.Errors]:
    draft, errors = rules.parse_draft(raw)
    ctx = context_for(auth, draft, exclude_invoice_id, today)
    currency = auth.provider.currency
    errors = rules.merge_errors(errors, rules.validate_draft(
        draft, ctx, format_day=formatting.day, format_money=lambda v: formatting.money(v, currency)))
    return draft, errors


def reference_choices(auth: Authorization, exclude_invoice_id: int | None = None) -> list[tuple[str, str]]:
    ctx_refs = _references(auth, exclude_invoice_id)
    return [
        (str(r.id), f"{r.display_number} · {r.period_month:02d}/{r.period_year} · "
                    f"{formatting.money(r.net_amount, auth.provider.currency)}")
        for r in ctx_refs if not r.adjusted_by
    ]


# Step 3: attachments -----------------------------------------------------------------
class UploadError(CodedError):
    MESSAGES = {
        "empty": _l("The file is empty."),
        "too_large": _l("The file is larger than %(mb)s MB."),
        "not_pdf": _l("The file is not a PDF."),
    }


def store_pdf(data: bytes, original_name: str) -> dict:
    """Check (content, size) and store an uploaded PDF; return what the wizard keeps of it."""
    limit = int(current_app.config["MAX_PDF_BYTES"])
    if not data:
        raise UploadError("empty")
    if len(data) > limit:
        raise UploadError("too_large", mb=limit // (1024 * 1024))
    if not storage.is_pdf(data):
        raise UploadError("not_pdf")
    stored = storage.save(data, UPLOAD_KIND, ".pdf")
    name = (original_name or "document.pdf").replace("\\", "/").rsplit("/", 1)[-1][:200] or "document.pdf"
    return {"stored_name": stored.stored_name, "original_name": name, "size": stored.size, "sha256": stored.sha256}


def read_file(stored_name: str) -> bytes:
    return storage.path_of(UPLOAD_KIND, stored_name).read_bytes()


def required_attachments(auth: Authorization, billing_type: str) -> list[AttachmentKind]:
    kinds = [AttachmentKind.INVOICE_PDF]
    if auth.service_type.requires_attendance_sheet:
        kinds.append(AttachmentKind.ATTENDANCE_SHEET)
    if billing_type == BillingType.ADJUSTMENT.value:
        kinds.append(AttachmentKind.REFERENCED_INVOICE)
    return kinds


# Step 4: saving ------------------------------------------------------------------------
def verification_code_for(invoice_id: int, serial: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"invoice:{invoice_id}:{serial}".encode(), hashlib.sha256).hexdigest()
    return f"{serial:08d}-{digest[:12].upper()}"


def check_verification_code(code: str) -> Invoice | None:
    invoice = db.session.scalar(select(Invoice).where(Invoice.verification_code == (code or "").strip().upper()))
    if invoice is None:
        return None
    serial = int(invoice.verification_code.split("-")[0])
    expected = verification_code_for(invoice.id, serial)
    return invoice if hmac.compare_digest(expected, invoice.verification_code) else None


def save_invoice(auth: Authorization, draft: rules.InvoiceDraft, files: dict, qr: dict | None, actor: User,
                 submit: bool, invoice: Invoice | None = None) -> tuple[Invoice, InvoiceStatus | None]:
    """Create (or update a Cargada/Observada) invoice with its attachments; optionally send it.

    ``files``: {attachment kind value: store_pdf() dict} of new uploads (replacing
    same-kind attachments). Flushes; raises TransitionError; caller commits.
    """
    if invoice is None:
        invoice = Invoice(provider_id=auth.provider_id, authorization=auth, status=InvoiceStatus.DRAFT,
                          created_by_id=actor.id)
        db.session.add(invoice)
    invoice.voucher_type = draft.voucher_type
    invoice.billing_type = BillingType(draft.billing_type)
    invoice.referenced_invoice_id = draft.referenced_invoice_id if draft.is_adjustment else None
    invoice.point_of_sale = draft.point_of_sale
    invoice.number = draft.number
    invoice.cae = draft.cae
    invoice.cae_due_date = draft.cae_due_date
    invoice.period_month = draft.period_month
    invoice.period_year = draft.period_year
    invoice.amount = draft.amount
    invoice.invoice_date = draft.invoice_date
    for kind_value, meta in files.items():
        kind = AttachmentKind(kind_value)
        for old in [a for a in invoice.attachments if a.kind == kind]:
            invoice.attachments.remove(old)
        invoice.attachments.append(Attachment(
            kind=kind, original_name=meta["original_name"], stored_name=meta["stored_name"],
            content_type="application/pdf", size=meta["size"], sha256=meta["sha256"], uploaded_by_id=actor.id,
        ))
    if qr is not None:
        invoice.qr_data = qr
    if invoice.qr_data:
        typed = {
            "cuit": auth.provider.tax_id, "voucher_type": draft.voucher_type, "point_of_sale": draft.point_of_sale,
            "number": draft.number, "invoice_date": draft.invoice_date, "amount": draft.amount, "cae": draft.cae,
        }
        invoice.qr_mismatches = afip_qr.compare(invoice.qr_data, typed) or None
    else:
        invoice.qr_mismatches = None
    db.session.flush()
    previous = None
    if submit:
        if not invoice.verification_code:
            invoice.verification_code = verification_code_for(invoice.id, next_value("invoice_verification"))
        previous = transition(invoice, InvoiceStatus.SENT, actor)
    return invoice, previous


def missing_kinds(auth: Authorization, billing_type: str, present: set[str]) -> list[AttachmentKind]:
    """The documents an invoice of ``billing_type`` needs that are not among ``present`` (kind values)."""
    return [k for k in required_attachments(auth, billing_type) if k.value not in present]


def missing_attachments(invoice: Invoice) -> list[AttachmentKind]:
    return missing_kinds(invoice.authorization, invoice.billing_type.value, {a.kind.value for a in invoice.attachments})


# Review --------------------------------------------------------------------------------
REVIEW_TARGETS = {
    "observe": InvoiceStatus.OBSERVED,
    "forward": InvoiceStatus.IN_AUDIT,
    "accept": InvoiceStatus.ACCEPTED,
    "reject": InvoiceStatus.REJECTED,
}


class ReviewError(CodedError):
    MESSAGES = {
        "reason": _l("Select a rejection reason."),
        "remarks": _l("Write the remarks the provider must see."),
    }


def review(invoice: Invoice, action: str, actor: User, remarks: str | None = None,
           rejection_reason_id: int | None = None, expected_version: int | None = None) -> InvoiceStatus:
    """Apply a review decision through the workflow. Flushes; raises TransitionError/ReviewError."""
    target = REVIEW_TARGETS.get(action)
    if target is None:
        raise TransitionError("illegal")
    if expected_version is not None and expected_version != invoice.version_id:
        raise TransitionError("conflict")
    remarks = (remarks or "").strip()[:4000] or None
    if action == "reject":
        reason = db.session.get(RejectionReason, rejection_reason_id) if rejection_reason_id else None
        if reason is None or not reason.active:
            raise ReviewError("reason", "rejection_reason_id")
        invoice.rejection_reason_id = reason.id
        invoice.rejection_text = remarks
        text = f"{reason.code} - {reason.name}" + (f": {remarks}" if remarks else "")
    else:
        text = remarks
    if action == "observe":
        if not remarks:
            raise ReviewError("remarks", "remarks")
        invoice.remarks = remarks
    return transition(invoice, target, actor, reason=text)


def notify_provider(invoice: Invoice) -> int:
    """Email the provider's users (in their language) about the invoice's new status; audited."""
    users = [
        link.user for link in invoice.provider.user_links
        if link.status == LinkStatus.APPROVED and link.user.is_enabled and link.user.role == Role.PROVIDER
    ]
    recipients = users or ([invoice.provider.email] if invoice.provider.email else [])
    sent = 0
    for recipient in recipients:
        try:
            send_email(recipient, "invoice_status", provider=invoice.provider, invoice=invoice,
                       status=invoice.status, authorization=invoice.authorization, payer=identity_for(invoice.provider))
        except Exception:  # mail trouble must not undo the decision; it is logged and audited
            log.exception("invoice %s: email to %s failed", invoice.id, getattr(recipient, "email", recipient))
            record_event("invoice", invoice.id, "email_failed", to=getattr(recipient, "email", recipient))
            continue
        record_event("invoice", invoice.id, "email_sent", to=getattr(recipient, "email", recipient),
                     status=invoice.status.value)
        sent += 1
    return sent


# History -------------------------------------------------------------------------------
@dataclass
class HistoryEntry:
    at: object
    actor: str
    status: InvoiceStatus | None
    previous: InvoiceStatus | None
    reason: str | None


def status_history(invoice: Invoice) -> list[HistoryEntry]:
    rows = db.session.scalars(
        select(AuditLog).where(
            AuditLog.entity == "invoice", AuditLog.entity_id == invoice.id,
            AuditLog.action.in_([AuditAction.CREATE, AuditAction.TRANSITION]),
        ).order_by(AuditLog.at, AuditLog.id)
    ).all()
    out = []
    for row in rows:
        changes = row.changes or {}
        status = changes.get("status")
        if row.action == AuditAction.CREATE:
            previous, new = None, status
        elif isinstance(status, list) and len(status) == 2:
            previous, new = status
        else:
            continue

        def as_status(value):
            try:
                return InvoiceStatus(value) if value else None
            except ValueError:
                return None

        out.append(HistoryEntry(row.at, row.actor_label, as_status(new), as_status(previous), row.reason))
    return out
