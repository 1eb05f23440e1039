"""IOMA invoices in the back office: the "Facturas" listing, the invoice page with its review
actions, attachments and the constancia PDF. (The "Nueva factura" wizard is ``invoice_wizard``.)

Thin views: parse the request, call ``services.invoices`` / ``services.invoice_list``
(rules and workflow), render. Each request is one transaction, rolled back on failure.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from forms.invoices import ReviewForm
from models import Attachment, Invoice, RejectionReason
from models.base import db
from models.permissions import can
from models.rules import invoices as rules
from models.values import int_arg
from models.workflow import TransitionError
from services import invoice_list
from services import invoices as svc
from services.actions import actions_for
from services.pdf import pdf_context, pdf_response, render_pdf
from views.admin.base import SecurePage
from views.downloads import send_stored


def _int_arg(name: str, default=None):
    try:
        return int_arg(request.values.get(name, default))
    except (TypeError, ValueError):
        return default


# Listing, invoice page, review ----------------------------------------------------------
class InvoiceListView(SecurePage):
    """Facturas: the tabs by status, one invoice's page, its review and documents."""

    resource = "invoice"
    @expose("/")
    def index_view(self):
        page = invoice_list.list_page(
            current_user, tab_key=request.args.get("tab"), search_text=request.args.get("q"),
            page_size=_int_arg("size", invoice_list.DEFAULT_PAGE_SIZE), after=request.args.get("after"),
            before=request.args.get("before"), last=request.args.get("last") == "1",
        )
        return self.render("invoices/list.html", page=page, q=request.args.get("q", ""),
                           page_sizes=invoice_list.PAGE_SIZES, voucher_name=rules.voucher_name,
                           can_create=can(current_user, "create", "invoice"), cap=invoice_list.COUNT_CAP)

    def _invoice_or_404(self, invoice_id) -> Invoice:
        invoice = svc.visible_invoice(current_user, invoice_id)
        if invoice is None:
            abort(404)
        return invoice

    def _render_detail(self, invoice: Invoice, form: ReviewForm | None = None, status: int = 200):
        form = form or ReviewForm(formdata=None)
        reasons = db.session.scalars(
            select(RejectionReason).where(RejectionReason.active.is_(True)).order_by(RejectionReason.code)).all()
        form.rejection_reason_id.choices = [("", _("Select a reason"))] + [(str(r.id), str(r)) for r in reasons]
        form.version_id.data = invoice.version_id
        billing = svc.billing_of(invoice.authorization)
        return self.render(
            "invoices/detail.html", invoice=invoice, form=form, actions=actions_for(invoice, current_user),
            billing=billing,
            history=svc.status_history(invoice), voucher_name=rules.voucher_name,
            missing=svc.missing_attachments(invoice),
            field_labels=QR_FIELD_LABELS(),
        ), status

    @expose("/<int:invoice_id>/")
    def details_view(self, invoice_id):
        return self._render_detail(self._invoice_or_404(invoice_id))

    @expose("/<int:invoice_id>/review", methods=("POST",))
    def review_view(self, invoice_id):
        invoice = self._invoice_or_404(invoice_id)
        form = ReviewForm()
        if not form.validate():
            return self._render_detail(invoice, form, 400)
        action = form.action.data or ""
        try:
            svc.review(invoice, action, current_user, remarks=form.remarks.data,
                       rejection_reason_id=_int_arg("rejection_reason_id"),
                       expected_version=_int_arg("version_id"))
            db.session.commit()
        except svc.ReviewError as exc:
            db.session.rollback()
            invoice = self._invoice_or_404(invoice_id)
            getattr(form, exc.field or "remarks").errors = [str(exc)]
            return self._render_detail(invoice, form, 400)
        except (TransitionError, StaleDataError, OperationalError) as exc:
            # OperationalError: SQLite refusing a write from a stale snapshot ("database is locked").
            db.session.rollback()
            code = getattr(exc, "code", "conflict")
            flash(TransitionError(code).message, "danger")
            invoice = self._invoice_or_404(invoice_id)
            return self._render_detail(invoice, ReviewForm(formdata=None), 403 if code in ("forbidden", "four_eyes")
                                       else 409)
        svc.notify_provider(invoice)
        db.session.commit()
        flash(_("Invoice %(number)s: %(status)s.", number=invoice.display_number, status=invoice.status.label),
              "success")
        return redirect(url_for(".details_view", invoice_id=invoice.id))

    @expose("/<int:invoice_id>/attachment/<int:attachment_id>")
    def attachment_view(self, invoice_id, attachment_id):
        invoice = self._invoice_or_404(invoice_id)
        attachment = db.session.get(Attachment, attachment_id)
        if attachment is None or attachment.invoice_id != invoice.id or not can(current_user, "view", "attachment"):
            abort(404)
        return send_pdf(svc.UPLOAD_KIND, attachment.stored_name, attachment.original_name)

    @expose("/<int:invoice_id>/receipt.pdf")
    def receipt_view(self, invoice_id):
        invoice = self._invoice_or_404(invoice_id)
        if not invoice.verification_code:
            abort(404)
        data = render_pdf("invoice_receipt.html", **pdf_context(
            invoice.provider, invoice=invoice, history=svc.status_history(invoice), voucher_name=rules.voucher_name,
            billing=svc.billing_of(invoice.authorization)))
        return pdf_response(data, f"constancia-{invoice.display_number}.pdf")


def QR_FIELD_LABELS() -> dict:
    return {
        "cuit": _("CUIT"), "voucher_type": _("Voucher type"), "point_of_sale": _("Point of sale"),
        "number": _("Voucher no."), "invoice_date": _("Invoice date"), "amount": _("Amount"), "cae": _("CAE"),
        "currency": _("Currency"),
    }


def send_pdf(kind: str, stored_name: str, original_name: str):
    response = send_stored(kind, stored_name, original_name, "application/pdf", inline=True)
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
