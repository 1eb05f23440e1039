"""The "Nueva factura" wizard as a service: trámite → data → attachments → confirm.

What the user has typed is a ``WizardState`` kept on the server (``services.drafts``), so a lost
session loses nothing. Every step re-checks the authorization through ``services.visibility`` and
the invoice rules through ``services.invoices``; the view only parses the request and renders.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import Attachment, Authorization, Invoice
from models.base import db
from models.enums import AttachmentKind, InvoiceStatus
from models.errors import CodedError, NotFound
from models.permissions import can
from models.rules import afip_qr
from models.rules import invoices as rules
from models.values import format_number
from services import drafts
from services import invoices as svc
from services.qr import read_afip_qr
from services.visibility import get_visible

KIND = "invoice_wizard"
EDITABLE = frozenset({InvoiceStatus.DRAFT, InvoiceStatus.OBSERVED})
UPLOAD_KINDS = (AttachmentKind.INVOICE_PDF, AttachmentKind.ATTENDANCE_SHEET, AttachmentKind.REFERENCED_INVOICE)


class WizardError(CodedError):
    MESSAGES = {
        "not_editable": _l("Only loaded or observed invoices can be corrected."),
        "changed": _l("This invoice was already saved or changed meanwhile."),
        "number_taken": _l("Voucher number already used: this voucher type, point of sale and number were "
                           "already loaded."),
        "expired": _l("This form was already submitted or has expired."),
    }


@dataclass
class WizardState:
    """One invoice being filed: the trámite, the data typed, the files uploaded, the QR read."""

    authorization_id: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    invoice_id: int | None = None  # set when correcting a Cargada/Observada invoice
    version_id: int | None = None  # the invoice's version when the correction started
    data: dict = field(default_factory=lambda: {"billing_type": "normal"})
    files: dict = field(default_factory=dict)  # attachment kind → stored file (services.invoices.store_pdf)
    qr: dict | None = None
    valid: bool = False  # the data passed every rule when last checked


# The draft ------------------------------------------------------------------------------
def current(user) -> WizardState | None:
    return drafts.load(user, KIND, WizardState)


def keep(user, state: WizardState) -> None:
    drafts.save(user, KIND, state)


def discard(user) -> None:
    drafts.discard(user, KIND)


def start(user, number: str) -> WizardState:
    """The draft for the trámite ``number`` (raises ``LookupError_``): the one in progress when it is
    for the same trámite, else a new one."""
    auth = svc.find_authorization(number, user)
    state = current(user)
    if state is None or state.authorization_id != auth.id or state.invoice_id:
        state = WizardState(authorization_id=auth.id)
        keep(user, state)
    return state


def start_correction(user, invoice: Invoice) -> WizardState:
    """A draft prefilled with a Cargada/Observada invoice, to correct and re-send it."""
    if invoice.status not in EDITABLE or not can(user, "edit", "invoice"):
        raise WizardError("not_editable")
    data = {
        "voucher_type": str(invoice.voucher_type), "billing_type": invoice.billing_type.value,
        "referenced_invoice_id": str(invoice.referenced_invoice_id or ""),
        "point_of_sale": f"{invoice.point_of_sale:05d}", "number": f"{invoice.number:08d}", "cae": invoice.cae,
        "cae_due_date": invoice.cae_due_date.isoformat(), "period_month": str(invoice.period_month),
        "period_year": str(invoice.period_year), "amount": format_number(invoice.amount, places=2),
        "invoice_date": invoice.invoice_date.isoformat(),
    }
    state = WizardState(authorization_id=invoice.authorization_id, invoice_id=invoice.id,
                        version_id=invoice.version_id, data=data, qr=invoice.qr_data)
    keep(user, state)
    return state


def authorization(user, state: WizardState) -> Authorization:
    """The draft's trámite; a draft pointing at one the user may not see is dropped (``NotFound``)."""
    auth = get_visible(Authorization, state.authorization_id, user)
    if auth is None:
        discard(user)
        raise NotFound()
    return auth


def correcting(user, state: WizardState) -> Invoice | None:
    """The invoice being corrected, if any (``NotFound`` when the user may not see it)."""
    if not state.invoice_id:
        return None
    invoice = get_visible(Invoice, state.invoice_id, user)
    if invoice is None:
        discard(user)
        raise NotFound()
    return invoice


# Step 2: data ------------------------------------------------------------------------------
def update_data(user, state: WizardState, raw: dict, auth: Authorization) -> dict:
    """Keep the data typed and check it: the field errors (empty when every rule passes)."""
    state.data = raw
    _draft, errors = svc.validate(raw, auth, state.invoice_id)
    state.valid = not errors
    keep(user, state)
    return errors


def read_qr(user, state: WizardState, auth: Authorization, data: bytes, filename: str) -> list[tuple[str, str]]:
    """Store the invoice PDF, read its AFIP QR and prefill the data. Returns (category, message) notes;
    raises ``UploadError`` for a file that is not an acceptable PDF."""
    meta = svc.store_pdf(data, filename)
    state.files[AttachmentKind.INVOICE_PDF.value] = meta
    qr = read_afip_qr(svc.read_file(meta["stored_name"]))
    state.qr = qr.as_json() if qr else None
    state.valid = False
    keep(user, state)
    if qr is None:
        return [("warning", _("No AFIP QR code was found in the PDF; type the data. The PDF is kept as the invoice."))]
    state.data.update(afip_qr.qr_prefill(qr))
    keep(user, state)
    notes = [("success", _("The data was read from the invoice's AFIP QR code. Check it and complete the rest."))]
    if qr.cuit != auth.provider.tax_id:
        notes.append(("warning", _("The QR's CUIT (%(qr)s) is not the provider's (%(cuit)s).", qr=qr.cuit,
                                   cuit=auth.provider.tax_id)))
    return notes


def mismatches(auth: Authorization, state: WizardState) -> dict:
    """Where the typed data differs from the invoice's QR (shown as warnings on every step)."""
    if not state.qr:
        return {}
    draft, _errors = rules.parse_draft(state.data)
    typed = {"cuit": auth.provider.tax_id, "voucher_type": draft.voucher_type,
             "point_of_sale": draft.point_of_sale, "number": draft.number, "invoice_date": draft.invoice_date,
             "amount": draft.amount, "cae": draft.cae}
    return afip_qr.compare(state.qr, typed)


# Step 3: attachments ---------------------------------------------------------------------
def required(auth: Authorization, state: WizardState) -> list[AttachmentKind]:
    return svc.required_attachments(auth, state.data.get("billing_type", "normal"))


def missing(auth: Authorization, state: WizardState, invoice: Invoice | None) -> list[AttachmentKind]:
    """Required documents neither uploaded in this draft nor already attached to the invoice."""
    present = set(state.files) | ({a.kind.value for a in invoice.attachments} if invoice else set())
    return svc.missing_kinds(auth, state.data.get("billing_type", "normal"), present)


def store_attachments(user, state: WizardState, uploads: dict[str, tuple[bytes, str]]) -> dict[str, str]:
    """Store the uploaded PDFs (kind → (bytes, name)); returns kind → error for the refused ones."""
    errors = {}
    for kind in UPLOAD_KINDS:
        if kind.value not in uploads:
            continue
        data, name = uploads[kind.value]
        try:
            meta = svc.store_pdf(data, name)
        except svc.UploadError as exc:
            errors[kind.value] = exc.message
            continue
        state.files[kind.value] = meta
        if kind == AttachmentKind.INVOICE_PDF:
            qr = read_afip_qr(svc.read_file(meta["stored_name"]))
            state.qr = qr.as_json() if qr else None
    keep(user, state)
    return errors


# Step 4: saving ---------------------------------------------------------------------------
def already_saved(state: WizardState, invoice: Invoice | None) -> Invoice | None:
    """The invoice this very draft saved already (a second click on Send), if any."""
    if invoice is not None:
        db.session.refresh(invoice)
        return invoice if invoice.version_id != state.version_id else None
    meta = state.files.get(AttachmentKind.INVOICE_PDF.value)
    if not meta:
        return None
    attachment = db.session.scalar(select(Attachment).where(Attachment.stored_name == meta["stored_name"]))
    return attachment.invoice if attachment is not None else None


@dataclass
class Saved:
    invoice: Invoice
    before: bool  # True: an earlier click saved it; nothing was written now


def save(user, state: WizardState, auth: Authorization, invoice: Invoice | None, submit: bool) -> Saved:
    """Save the draft as an invoice (and send it when ``submit``); commits. The draft is discarded.

    Raises ``WizardError`` (the invoice changed meanwhile, the number is taken) or a
    ``TransitionError``; a second click answers the invoice the first one saved.
    """
    earlier = already_saved(state, invoice)
    if earlier is not None:
        discard(user)
        db.session.commit()
        return Saved(earlier, before=True)
    if invoice is not None and invoice.status not in EDITABLE:
        raise WizardError("changed")
    draft, errors = svc.validate(state.data, auth, invoice.id if invoice else None)
    if errors:
        raise WizardError("changed")
    try:
        saved, _previous = svc.save_invoice(auth, draft, state.files, state.qr, user, submit=submit, invoice=invoice)
        discard(user)
        db.session.commit()
    except (IntegrityError, StaleDataError) as exc:
        db.session.rollback()
        earlier = already_saved(state, invoice)
        if earlier is not None:
            discard(user)
            db.session.commit()
            return Saved(earlier, before=True)
        state.valid = False
        keep(user, state)
        db.session.commit()
        raise WizardError("changed" if isinstance(exc, StaleDataError) else "number_taken") from exc
    if submit:
        svc.notify_provider(saved)
        db.session.commit()
    return Saved(saved, before=False)
