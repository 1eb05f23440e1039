"""The "Nueva factura" wizard (IOMA): 1 trámite → 2 data → 3 attachments → 4 confirm and send.

Parse the request, call ``services.invoice_wizard`` (the draft lives on the server), render.
"""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from forms.invoices import AttachmentsForm, ConfirmForm, InvoiceDataForm, SearchForm, year_choices
from models import Authorization, Invoice
from models.base import db
from models.errors import CodedError
from models.permissions import can
from models.rules import invoices as rules
from services import invoice_wizard as wizard
from services import invoices as svc
from services import visibility
from views import refusals
from views.admin.base import SecurePage
from views.admin.invoices import QR_FIELD_LABELS, send_pdf


def _read_upload(upload) -> bytes:
    """Read at most MAX_PDF_BYTES + 1 so an oversized file is refused without loading it all."""
    return upload.stream.read(int(current_app.config["MAX_PDF_BYTES"]) + 1)


class InvoiceWizardView(SecurePage):
    resource = "invoice"
    action = "create"

    def is_visible(self) -> bool:
        return can(current_user, "create", "invoice")

    def _draft(self):
        """(state, authorization, invoice being corrected) of the draft in progress, or None."""
        state = wizard.current(current_user)
        if state is None:
            return None
        return state, wizard.authorization(current_user, state), wizard.correcting(current_user, state)

    def _render(self, template: str, step: int, state, auth, invoice, status: int = 200, **ctx):
        return self.render(
            template, step=step, state=state, auth=auth, editing=invoice, voucher_name=rules.voucher_name,
            billing=svc.billing_of(auth, invoice.id if invoice else None), qr=state.qr,
            mismatches=wizard.mismatches(auth, state), **ctx,
        ), status

    # Step 1 ---------------------------------------------------------------------------
    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = SearchForm()
        auth = None
        state = wizard.current(current_user)
        if request.method == "POST" and form.validate():
            try:
                auth = svc.find_authorization(form.number.data, current_user)
            except svc.LookupError_ as exc:
                refusals.show(exc, form=form)
        elif request.method == "GET" and state and not state.invoice_id:
            auth = visibility.get_visible(Authorization, state.authorization_id, current_user)
            if auth is not None:
                form.number.data = auth.number
        status = 200 if request.method == "GET" or auth else 422
        return self.render("invoices/wizard_search.html", form=form, auth=auth, step=1,
                           billing=svc.billing_of(auth) if auth else None,
                           billable=svc.billable_authorizations(current_user, excluding=auth),
                           continuing=bool(state and auth and state.authorization_id == auth.id)), status

    @expose("/start", methods=("POST",))
    def start(self):
        form = SearchForm()
        if not form.validate():
            return redirect(url_for(".index"))
        try:
            wizard.start(current_user, form.number.data)
            db.session.commit()
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
            return redirect(url_for(".index"))
        return redirect(url_for(".data"))

    @expose("/edit/<int:invoice_id>")
    def edit(self, invoice_id):
        invoice = self.visible_or_404(Invoice, invoice_id)
        try:
            wizard.start_correction(current_user, invoice)
            db.session.commit()
        except CodedError as exc:
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(url_for("invoice.details_view", invoice_id=invoice.id))
        return redirect(url_for(".data"))

    @expose("/cancel", methods=("POST",))
    def cancel(self):
        ConfirmForm()  # CSRF is checked app-wide
        wizard.discard(current_user)
        db.session.commit()
        flash(_("The new invoice was discarded."), "info")
        return redirect(url_for("invoice.index_view"))

    # Step 2 ---------------------------------------------------------------------------
    @staticmethod
    def _data_form(auth, state, formdata=True) -> InvoiceDataForm:
        form = InvoiceDataForm() if formdata else InvoiceDataForm(formdata=None, data=state.data)
        types = [(str(c), rules.voucher_name(c)) for c in rules.allowed_voucher_types(auth.provider.tax_condition)]
        form.setup(types, svc.reference_choices(auth, state.invoice_id),
                   year_choices(auth.valid_from, auth.valid_to, date.today()))
        return form

    @expose("/data", methods=("GET", "POST"))
    def data(self):
        draft = self._draft()
        if draft is None:
            return redirect(url_for(".index"))
        state, auth, invoice = draft
        if request.method == "GET":
            return self._render("invoices/wizard_data.html", 2, state, auth, invoice,
                                form=self._data_form(auth, state, formdata=False))
        form = self._data_form(auth, state)
        form.validate()  # CSRF only; the rules below do the checking
        if form.errors.get("csrf_token"):
            abort(400)
        if request.form.get("action") == "read_qr":
            self._read_qr(state, auth, form.raw())
            db.session.commit()
            return self._render("invoices/wizard_data.html", 2, state, auth, invoice,
                                form=self._data_form(auth, state, formdata=False))
        errors = wizard.update_data(current_user, state, form.raw(), auth)
        db.session.commit()
        if errors:
            form.attach(errors)
            return self._render("invoices/wizard_data.html", 2, state, auth, invoice, 422, form=form)
        return redirect(url_for(".attachments"))

    @staticmethod
    def _read_qr(state, auth, raw) -> None:
        state.data = raw
        upload = request.files.get("qr_pdf")
        if not upload or not upload.filename:
            wizard.keep(current_user, state)
            flash(_("Choose the invoice PDF to read its QR code."), "warning")
            return
        try:
            notes = wizard.read_qr(current_user, state, auth, _read_upload(upload), upload.filename)
        except CodedError as exc:
            wizard.keep(current_user, state)
            refusals.show(exc)
            return
        for category, message in notes:
            flash(message, category)

    # Step 3 ---------------------------------------------------------------------------
    @expose("/attachments", methods=("GET", "POST"))
    def attachments(self):
        draft = self._draft()
        if draft is None:
            return redirect(url_for(".index"))
        state, auth, invoice = draft
        if not state.valid:
            return redirect(url_for(".data"))
        required = wizard.required(auth, state)
        form = AttachmentsForm()
        for kind in required:
            getattr(form, kind.value).flags.required = True
        status = 200
        if request.method == "POST":
            if not form.validate():
                abort(400)
            uploads = {kind.value: (_read_upload(f), f.filename) for kind in wizard.UPLOAD_KINDS
                       if (f := request.files.get(kind.value)) and f.filename}
            errors = wizard.store_attachments(current_user, state, uploads)
            for kind in wizard.missing(auth, state, invoice):
                errors.setdefault(kind.value, _("This document is required."))
            db.session.commit()
            if not errors:
                return redirect(url_for(".confirm"))
            for name, message in errors.items():
                getattr(form, name).errors = [message]
            status = 422
        return self._render("invoices/wizard_attachments.html", 3, state, auth, invoice, status, form=form,
                            required=required)

    @expose("/file/<kind>")
    def pending_file(self, kind):
        state = wizard.current(current_user)
        meta = state.files.get(kind) if state else None
        if not meta:
            abort(404)
        return send_pdf(svc.UPLOAD_KIND, meta["stored_name"], meta["original_name"])

    # Step 4 ---------------------------------------------------------------------------
    @expose("/confirm", methods=("GET", "POST"))
    def confirm(self):
        draft = self._draft()
        if draft is None:
            flash(_("There is no invoice in progress (it may have been sent already)."), "info")
            return redirect(url_for("invoice.index_view"))
        state, auth, invoice = draft
        if not state.valid:
            return redirect(url_for(".data"))
        parsed, errors = svc.validate(state.data, auth, invoice.id if invoice else None)
        if errors:
            state.valid = False
            wizard.keep(current_user, state)
            db.session.commit()
            flash(_("Some data is no longer valid: check it."), "danger")
            return redirect(url_for(".data"))
        if wizard.missing(auth, state, invoice):
            return redirect(url_for(".attachments"))
        form = ConfirmForm()
        if request.method == "POST":
            if not form.validate() or form.token.data != state.token:
                flash(wizard.WizardError("expired").message, "warning")
                return redirect(url_for("invoice.index_view"))
            return self._save(state, auth, invoice, submit=request.form.get("action") == "send")
        form.token.data = state.token
        reference = db.session.get(Invoice, parsed.referenced_invoice_id) if parsed.is_adjustment else None
        existing = {a.kind.value: a for a in invoice.attachments} if invoice else {}
        return self._render("invoices/wizard_confirm.html", 4, state, auth, invoice, form=form, draft=parsed,
                            existing=existing, reference=reference, field_labels=QR_FIELD_LABELS())

    @staticmethod
    def _save(state, auth, invoice, submit: bool):
        try:
            saved = wizard.save(current_user, state, auth, invoice, submit)
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
            if invoice is not None and isinstance(exc, wizard.WizardError) and exc.code == "changed":
                return redirect(url_for("invoice.details_view", invoice_id=invoice.id))
            return redirect(url_for(".data"))
        if saved.before:  # a second click on Send / Save draft: the first one did the work
            flash(_("Invoice %(number)s was already saved.", number=saved.invoice.display_number), "info")
            return redirect(url_for("invoice.details_view", invoice_id=saved.invoice.id))
        link = Markup('<a href="{}">{}</a>').format(url_for("invoice.details_view", invoice_id=saved.invoice.id),
                                                    saved.invoice.display_number)
        if submit:
            flash(Markup(_("Invoice %(link)s was sent.", link=link)), "success")
        else:
            flash(Markup(_("Invoice %(link)s was saved as a draft (loaded, not sent).", link=link)), "success")
        return redirect(url_for("invoice.index_view", tab="sent" if submit else "draft"))
