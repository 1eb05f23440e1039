"""IOMA invoices in the back office: the "Facturas" listing, the invoice page with its review
actions, attachments and the constancia PDF, and the "Nueva factura" wizard.

Thin views: parse the request, call ``services.invoices`` / ``services.invoice_list``
(rules and workflow), render. Each request is one transaction, rolled back on failure.
"""
from __future__ import annotations

import secrets
from datetime import date

from flask import abort, flash, redirect, request, send_file, session, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from forms.invoices import AttachmentsForm, ConfirmForm, InvoiceDataForm, ReviewForm, SearchForm, year_choices
from models import Attachment, Authorization, Invoice, RejectionReason
from models.base import db
from models.enums import AttachmentKind, InvoiceStatus
from models.permissions import can
from models.rules import afip_qr
from models.rules import invoices as rules
from models.workflow import TransitionError, allowed_targets
from services import invoice_list, visibility
from services import invoices as svc
from services.pdf import pdf_context, pdf_response, render_pdf
from services.qr import read_afip_qr
from views.admin.base import SecurePage

WIZARD = "invoice_wizard"
EDITABLE = (InvoiceStatus.DRAFT, InvoiceStatus.OBSERVED)
ACTION_OF_TARGET = {target: action for action, target in svc.REVIEW_TARGETS.items()}




def _int_arg(name: str, default=None):
    try:
        return int(request.values.get(name, default))
    except (TypeError, ValueError):
        return default


# Listing, invoice page, review ----------------------------------------------------------
class InvoicesView(SecurePage):
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
        actions = [ACTION_OF_TARGET[t] for t in allowed_targets(invoice, current_user) if t in ACTION_OF_TARGET]
        billing = svc.billing_of(invoice.authorization)
        return self.render(
            "invoices/detail.html", invoice=invoice, form=form, actions=actions, billing=billing,
            history=svc.status_history(invoice), voucher_name=rules.voucher_name,
            missing=svc.missing_attachments(invoice),
            can_edit=invoice.status in EDITABLE and can(current_user, "edit", "invoice"),
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
        return _send_pdf(svc.UPLOAD_KIND, attachment.stored_name, attachment.original_name)

    @expose("/<int:invoice_id>/receipt.pdf")
    def receipt_view(self, invoice_id):
        invoice = self._invoice_or_404(invoice_id)
        if not invoice.verification_code:
            abort(404)
        data = render_pdf("invoice_receipt.html", **pdf_context(
            invoice=invoice, history=svc.status_history(invoice), voucher_name=rules.voucher_name,
            billing=svc.billing_of(invoice.authorization)))
        return pdf_response(data, f"constancia-{invoice.display_number}.pdf")


def QR_FIELD_LABELS() -> dict:
    return {
        "cuit": _("CUIT"), "voucher_type": _("Voucher type"), "point_of_sale": _("Point of sale"),
        "number": _("Voucher no."), "invoice_date": _("Invoice date"), "amount": _("Amount"), "cae": _("CAE"),
        "currency": _("Currency"),
    }


def _send_pdf(kind: str, stored_name: str, original_name: str):
    try:
        path = svc.storage.path_of(kind, stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="application/pdf", download_name=original_name, as_attachment=False,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# The wizard ---------------------------------------------------------------------------
class InvoiceWizardView(SecurePage):
    resource = "invoice"
    action = "create"

    def is_visible(self) -> bool:
        return can(current_user, "create", "invoice")

    # Session state ------------------------------------------------------------------
    @staticmethod
    def _state() -> dict | None:
        state = session.get(WIZARD)
        if not state or state.get("user_id") != current_user.id:
            return None
        return state

    @staticmethod
    def _store(state: dict) -> None:
        session[WIZARD] = state
        session.modified = True

    def _authorization(self, state) -> Authorization:
        auth = visibility.get_visible(Authorization, state["authorization_id"], current_user)
        if auth is None:
            session.pop(WIZARD, None)
            abort(404)
        return auth

    def _invoice(self, state) -> Invoice | None:
        if not state.get("invoice_id"):
            return None
        invoice = svc.visible_invoice(current_user, state["invoice_id"])
        if invoice is None:
            session.pop(WIZARD, None)
            abort(404)
        return invoice

    def _common(self, state, auth, step):
        invoice = self._invoice(state)
        return {
            "auth": auth, "billing": svc.billing_of(auth, invoice.id if invoice else None), "step": step,
            "state": state, "editing": invoice, "voucher_name": rules.voucher_name,
        }

    # Step 1 -------------------------------------------------------------------------
    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = SearchForm()
        auth = None
        state = self._state()
        if request.method == "POST" and form.validate():
            try:
                auth = svc.find_authorization(form.number.data, current_user)
            except svc.LookupError_ as exc:
                form.number.errors = [str(exc)]
        elif request.method == "GET" and state and not state.get("invoice_id"):
            auth = visibility.get_visible(Authorization, state["authorization_id"], current_user)
            if auth is not None:
                form.number.data = auth.number
        billing = svc.billing_of(auth) if auth else None
        status = 200 if request.method == "GET" or auth else 422
        return self.render("invoices/wizard_search.html", form=form, auth=auth, billing=billing, step=1,
                           continuing=bool(state and auth and state.get("authorization_id") == auth.id)), status

    @expose("/start", methods=("POST",))
    def start(self):
        form = SearchForm()
        if not form.validate():
            return redirect(url_for(".index"))
        try:
            auth = svc.find_authorization(form.number.data, current_user)
        except svc.LookupError_ as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".index"))
        state = self._state()
        if not state or state.get("authorization_id") != auth.id or state.get("invoice_id"):
            state = {"user_id": current_user.id, "token": secrets.token_urlsafe(16), "authorization_id": auth.id,
                     "invoice_id": None, "version_id": None, "data": {"billing_type": "normal"}, "files": {},
                     "qr": None, "valid": False}
            self._store(state)
        return redirect(url_for(".data"))

    @expose("/edit/<int:invoice_id>")
    def edit(self, invoice_id):
        invoice = svc.visible_invoice(current_user, invoice_id)
        if invoice is None:
            abort(404)
        if invoice.status not in EDITABLE or not can(current_user, "edit", "invoice"):
            flash(_("Only loaded or observed invoices can be corrected."), "warning")
            return redirect(url_for("invoice.details_view", invoice_id=invoice.id))
        data = {
            "voucher_type": str(invoice.voucher_type), "billing_type": invoice.billing_type.value,
            "referenced_invoice_id": str(invoice.referenced_invoice_id or ""),
            "point_of_sale": f"{invoice.point_of_sale:05d}", "number": f"{invoice.number:08d}", "cae": invoice.cae,
            "cae_due_date": invoice.cae_due_date.isoformat(), "period_month": str(invoice.period_month),
            "period_year": str(invoice.period_year), "amount": str(invoice.amount),
            "invoice_date": invoice.invoice_date.isoformat(),
        }
        self._store({"user_id": current_user.id, "token": secrets.token_urlsafe(16),
                     "authorization_id": invoice.authorization_id, "invoice_id": invoice.id,
                     "version_id": invoice.version_id, "data": data, "files": {}, "qr": invoice.qr_data,
                     "valid": False})
        return redirect(url_for(".data"))

    @expose("/cancel", methods=("POST",))
    def cancel(self):
        ConfirmForm()  # CSRF is checked app-wide
        session.pop(WIZARD, None)
        flash(_("The new invoice was discarded."), "info")
        return redirect(url_for("invoice.index_view"))

    # Step 2 -------------------------------------------------------------------------
    def _data_form(self, auth, state, formdata=True) -> InvoiceDataForm:
        form = InvoiceDataForm() if formdata else InvoiceDataForm(formdata=None, data=state["data"])
        types = [(str(c), rules.voucher_name(c)) for c in rules.allowed_voucher_types(auth.provider.tax_condition)]
        form.setup(types, svc.reference_choices(auth, state.get("invoice_id")),
                   year_choices(auth.valid_from, auth.valid_to, date.today()))
        return form

    @expose("/data", methods=("GET", "POST"))
    def data(self):
        state = self._state()
        if state is None:
            return redirect(url_for(".index"))
        auth = self._authorization(state)
        if request.method == "GET":
            form = self._data_form(auth, state, formdata=False)
            return self.render("invoices/wizard_data.html", form=form, qr=state.get("qr"),
                               mismatches=self._mismatches(auth, state), **self._common(state, auth, 2))
        form = self._data_form(auth, state)
        form.validate()  # CSRF only; the rules below do the checking
        if form.errors.get("csrf_token"):
            abort(400)
        state["data"] = form.raw()
        if request.form.get("action") == "read_qr":
            self._read_qr(form, auth, state)
            form = self._data_form(auth, state, formdata=False)
            return self.render("invoices/wizard_data.html", form=form, qr=state.get("qr"),
                               mismatches=self._mismatches(auth, state), **self._common(state, auth, 2))
        _draft, errors = svc.validate(state["data"], auth, state.get("invoice_id"))
        state["valid"] = not errors
        self._store(state)
        if errors:
            form.attach(errors)
            return self.render("invoices/wizard_data.html", form=form, qr=state.get("qr"),
                               mismatches=self._mismatches(auth, state), **self._common(state, auth, 2)), 422
        return redirect(url_for(".attachments"))

    def _read_qr(self, form, auth, state) -> None:
        upload = request.files.get("qr_pdf")
        if not upload or not upload.filename:
            flash(_("Choose the invoice PDF to read its QR code."), "warning")
            return
        try:
            meta = svc.store_pdf(_read_upload(upload), upload.filename)
        except svc.UploadError as exc:
            flash(str(exc), "danger")
            return
        state["files"][AttachmentKind.INVOICE_PDF.value] = meta
        qr = read_afip_qr(svc.read_file(meta["stored_name"]))
        state["qr"] = qr.as_json() if qr else None
        if qr is None:
            flash(_("No AFIP QR code was found in the PDF; type the data. The PDF is kept as the invoice."), "warning")
        else:
            state["data"].update(afip_qr.qr_prefill(qr))
            flash(_("The data was read from the invoice's AFIP QR code. Check it and complete the rest."), "success")
            if qr.cuit != auth.provider.tax_id:
                flash(_("The QR's CUIT (%(qr)s) is not the provider's (%(cuit)s).", qr=qr.cuit,
                        cuit=auth.provider.tax_id), "warning")
        state["valid"] = False
        self._store(state)

    @staticmethod
    def _mismatches(auth, state) -> dict:
        if not state.get("qr"):
            return {}
        draft, _errors = rules.parse_draft(state["data"])
        typed = {"cuit": auth.provider.tax_id, "voucher_type": draft.voucher_type,
                 "point_of_sale": draft.point_of_sale, "number": draft.number, "invoice_date": draft.invoice_date,
                 "amount": draft.amount, "cae": draft.cae}
        return afip_qr.compare(state["qr"], typed)

    # Step 3 -------------------------------------------------------------------------
    @expose("/attachments", methods=("GET", "POST"))
    def attachments(self):
        state = self._state()
        if state is None:
            return redirect(url_for(".index"))
        if not state.get("valid"):
            return redirect(url_for(".data"))
        auth = self._authorization(state)
        invoice = self._invoice(state)
        required = svc.required_attachments(auth, state["data"].get("billing_type", "normal"))
        form = AttachmentsForm()
        for kind in required:
            getattr(form, kind.value).flags.required = True
        status = 200
        if request.method == "POST":
            if not form.validate():
                abort(400)
            for kind in (AttachmentKind.INVOICE_PDF, AttachmentKind.ATTENDANCE_SHEET,
                         AttachmentKind.REFERENCED_INVOICE):
                upload = request.files.get(kind.value)
                if not upload or not upload.filename:
                    continue
                try:
                    meta = svc.store_pdf(_read_upload(upload), upload.filename)
                except svc.UploadError as exc:
                    getattr(form, kind.value).errors = [str(exc)]
                    continue
                state["files"][kind.value] = meta
                if kind == AttachmentKind.INVOICE_PDF:
                    qr = read_afip_qr(svc.read_file(meta["stored_name"]))
                    state["qr"] = qr.as_json() if qr else None
            self._store(state)
            existing = {a.kind.value for a in invoice.attachments} if invoice else set()
            for kind in required:
                if kind.value not in state["files"] and kind.value not in existing and not getattr(
                        form, kind.value).errors:
                    getattr(form, kind.value).errors = [_("This document is required.")]
            if not any(getattr(form, k.value).errors for k in AttachmentKind if hasattr(form, k.value)):
                return redirect(url_for(".confirm"))
            status = 422
        return self.render("invoices/wizard_attachments.html", form=form, required=required,
                           qr=state.get("qr"), mismatches=self._mismatches(auth, state),
                           **self._common(state, auth, 3)), status

    @expose("/file/<kind>")
    def pending_file(self, kind):
        state = self._state()
        meta = (state or {}).get("files", {}).get(kind)
        if not meta:
            abort(404)
        return _send_pdf(svc.UPLOAD_KIND, meta["stored_name"], meta["original_name"])

    # Step 4 -------------------------------------------------------------------------
    @expose("/confirm", methods=("GET", "POST"))
    def confirm(self):
        state = self._state()
        if state is None:
            flash(_("There is no invoice in progress (it may have been sent already)."), "info")
            return redirect(url_for("invoice.index_view"))
        if not state.get("valid"):
            return redirect(url_for(".data"))
        auth = self._authorization(state)
        invoice = self._invoice(state)
        already = self._already_saved(state, invoice)
        if already is not None:  # a second click on Send / Save draft: the first one did the work
            session.pop(WIZARD, None)
            flash(_("Invoice %(number)s was already saved.", number=already.display_number), "info")
            return redirect(url_for("invoice.details_view", invoice_id=already.id))
        draft, errors = svc.validate(state["data"], auth, invoice.id if invoice else None)
        existing = {a.kind.value: a for a in invoice.attachments} if invoice else {}
        missing = [k for k in svc.required_attachments(auth, draft.billing_type)
                   if k.value not in state["files"] and k.value not in existing]
        if errors:
            state["valid"] = False
            self._store(state)
            flash(_("Some data is no longer valid: check it."), "danger")
            return redirect(url_for(".data"))
        if missing:
            return redirect(url_for(".attachments"))
        form = ConfirmForm()
        if request.method == "POST":
            if not form.validate() or form.token.data != state["token"]:
                flash(_("This form was already submitted or has expired."), "warning")
                return redirect(url_for("invoice.index_view"))
            return self._save(state, auth, invoice, draft, submit=request.form.get("action") == "send")
        form.token.data = state["token"]
        reference = db.session.get(Invoice, draft.referenced_invoice_id) if draft.is_adjustment else None
        return self.render("invoices/wizard_confirm.html", form=form, draft=draft, existing=existing,
                           reference=reference, qr=state.get("qr"), mismatches=self._mismatches(auth, state),
                           field_labels=QR_FIELD_LABELS(), **self._common(state, auth, 4))

    def _save(self, state, auth, invoice, draft, submit: bool):
        if invoice is not None and (invoice.version_id != state.get("version_id") or invoice.status not in EDITABLE):
            session.pop(WIZARD, None)
            flash(_("This invoice was already saved or changed meanwhile."), "info")
            return redirect(url_for("invoice.details_view", invoice_id=invoice.id))
        try:
            saved, _previous = svc.save_invoice(auth, draft, state["files"], state.get("qr"), current_user,
                                               submit=submit, invoice=invoice)
            saved_id = saved.id
            db.session.commit()
        except (IntegrityError, StaleDataError, TransitionError) as exc:
            db.session.rollback()
            already = self._already_saved(state, invoice)
            if already is not None:
                session.pop(WIZARD, None)
                flash(_("Invoice %(number)s was already saved.", number=already.display_number), "info")
                return redirect(url_for("invoice.details_view", invoice_id=already.id))
            if isinstance(exc, TransitionError):
                flash(exc.message, "danger")
            else:
                state["valid"] = False
                self._store(state)
                flash(_("Voucher number already used: this voucher type, point of sale and number were "
                        "already loaded."), "danger")
            return redirect(url_for(".data"))
        saved = db.session.get(Invoice, saved_id)
        if submit:
            svc.notify_provider(saved)
            db.session.commit()
        session.pop(WIZARD, None)
        link = Markup('<a href="{}">{}</a>').format(url_for("invoice.details_view", invoice_id=saved.id),
                                                    saved.display_number)
        if submit:
            flash(Markup(_("Invoice %(link)s was sent.", link=link)), "success")
        else:
            flash(Markup(_("Invoice %(link)s was saved as a draft (loaded, not sent).", link=link)), "success")
        return redirect(url_for("invoice.index_view", tab="sent" if submit else "draft"))

    @staticmethod
    def _already_saved(state, invoice) -> Invoice | None:
        """After a failed save: the invoice this very wizard saved already (a double click), if any."""
        if invoice is not None:
            db.session.refresh(invoice)
            return invoice if invoice.version_id != state.get("version_id") else None
        meta = state["files"].get(AttachmentKind.INVOICE_PDF.value)
        if not meta:
            return None
        attachment = db.session.scalar(select(Attachment).where(Attachment.stored_name == meta["stored_name"]))
        return attachment.invoice if attachment is not None else None


def _read_upload(upload) -> bytes:
    """Read at most MAX_PDF_BYTES + 1 so an oversized file is refused without loading it all."""
    from flask import current_app

    return upload.stream.read(int(current_app.config["MAX_PDF_BYTES"]) + 1)
