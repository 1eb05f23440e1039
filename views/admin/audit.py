"""Account audit (clerks): analyse a lot item by item, glosa or accept whole guides, finish the
analysis; supervisors release; providers read the demonstrativo. IOMA invoices are debited here too."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from models import Glosa, GuideItem, Invoice, Lot
from models.base import db
from models.enums import LotStatus
from models.errors import CodedError
from models.permissions import can
from models.workflow import allowed_targets
from services import analysis, appeals, lot_flow
from services.adjudication import analysis as adjudication
from services.adjudication import invoices as invoice_flags
from services.adjudication import page as adjudication_page
from services.visibility import parse_id
from views import documents, refusals
from views.admin.base import SecurePage


class AccountAuditView(SecurePage):
    resource = "lot"
    provider_menu = False  # a staff desk; providers read their lots' demonstrativo from Demonstrativos

    def _lot(self, lot_id: int, with_guides: bool = True) -> Lot:
        return analysis.lot_for(current_user, lot_id, with_guides)

    def _back(self, lot: Lot, anchor: str = "", guide_id: int | None = None):
        if guide_id is not None:
            return redirect(url_for(".guide", lot_id=lot.id, guide_id=guide_id) + anchor)
        return redirect(url_for(".lot", lot_id=lot.id) + anchor)

    @expose("/")
    def index(self):
        if current_user.is_provider:  # the desk is staff's; a provider's demonstrativos are listed there
            return redirect(url_for("statements.index"))
        statuses = [s for s in LotStatus]
        wanted = request.args.get("status")
        if not current_user.is_provider:
            default = LotStatus.ANALYSED.value if can(current_user, "release", "lot") else LotStatus.IN_ANALYSIS.value
            wanted = wanted or default
        try:
            status = LotStatus(wanted) if wanted else None
        except ValueError:
            abort(400)
        lots = analysis.lot_queue(current_user, status, request.args.get("lots_after"))
        invoices = analysis.invoice_queue(current_user, request.args.get("invoices_after"))
        return self.render("money/audit_index.html", lots=lots, statuses=statuses, wanted=wanted, invoices=invoices,
                           duplicate_periods=invoice_flags.duplicate_periods(invoices.rows))

    @expose("/lot/<int:lot_id>")
    def lot(self, lot_id):
        """The lot's statement, read-only: each guide links to its own page where it is analysed."""
        lot = self._lot(lot_id, with_guides=False)
        return self.render("money/audit_lot.html", lot=lot, st=analysis.lot_summary(lot), editable=self._editable(lot),
                           targets=allowed_targets(lot, current_user),
                           currency=lot.provider.currency, **adjudication_page.context(lot, current_user))

    @expose("/lot/<int:lot_id>/automatic/confirm", methods=("POST",))
    def automatic_confirm(self, lot_id):
        lot = self._lot(lot_id)
        return self._run(lot, adjudication.confirm_all, lot, current_user, ok=_("Automatic glosas confirmed."))

    @expose("/lot/<int:lot_id>/automatic/<int:finding_id>/remove", methods=("POST",))
    def automatic_remove(self, lot_id, finding_id):
        lot = self._lot(lot_id)
        return self._run(lot, adjudication.remove, lot, finding_id, request.form.get("reason"), current_user,
                         ok=_("Automatic glosa removed."), anchor="#automatic-glosas")

    @expose("/lot/<int:lot_id>/guide/<int:guide_id>")
    def guide(self, lot_id, guide_id):
        """One guide of the lot, with the forms that analyse its items (a small page, whatever the lot's size)."""
        lot = analysis.lot_for(current_user, lot_id, with_guides=False)
        guide = analysis.guide_of(lot, guide_id)
        editable = self._editable(lot)
        selected = parse_id(request.args.get("item"))  # the one item whose glosa form is open
        appealable = {a.glosa.id: a.available for a in appeals.glosas_by_guide(current_user, lot).get(guide.id, ())
                      } if current_user.is_provider else {}
        return self.render("money/audit_guide.html", lot=lot, g=analysis.guide_statement(guide), editable=editable,
                           codes=analysis.active_codes() if editable else [], currency=lot.provider.currency,
                           selected_item=selected, appealable=appealable)

    @staticmethod
    def _editable(lot: Lot) -> bool:
        return lot.status in analysis.EDITABLE and can(current_user, "create", "glosa")

    @expose("/lot/<int:lot_id>/statement.pdf")
    def lot_pdf(self, lot_id):
        return documents.analysis_pdf(self._lot(lot_id))

    def _run(self, lot, fn, *args, ok: str | None = None, anchor: str = "", guide_id: int | None = None):
        try:
            fn(*args)
            db.session.commit()
            if ok:
                flash(ok, "success")
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
        return self._back(lot, anchor, guide_id)

    @expose("/lot/<int:lot_id>/status", methods=("POST",))
    def lot_status(self, lot_id):
        lot = self._lot(lot_id)
        try:
            target = LotStatus(request.form.get("target", ""))
        except ValueError:
            abort(400)
        return self._run(lot, lot_flow.move_lot, lot, target, current_user, request.form.get("reason"),
                         ok=_("Status changed to %(status)s.", status=target.label))

    def _item(self, lot: Lot, item_id: int) -> GuideItem:
        item = db.session.get(GuideItem, item_id)
        if item is None or item.guide.lot_id != lot.id:
            abort(404)
        return item

    @expose("/lot/<int:lot_id>/item/<int:item_id>/quantity", methods=("POST",))
    def item_quantity(self, lot_id, item_id):
        self.require("create", "glosa")
        lot = self._lot(lot_id, with_guides=False)
        item = self._item(lot, item_id)
        return self._run(lot, analysis.set_executed_quantity, item, request.form.get("executed_quantity"),
                         anchor=f"#item-{item.id}", guide_id=item.guide_id)

    @expose("/lot/<int:lot_id>/item/<int:item_id>/glosa", methods=("POST",))
    def item_glosa(self, lot_id, item_id):
        self.require("create", "glosa")
        lot = self._lot(lot_id, with_guides=False)
        item = self._item(lot, item_id)

        def add():
            analysis.add_glosa(item, request.form.get("amount"), analysis.get_code(request.form.get("code_id")),
                               request.form.get("reason"), current_user)
        return self._run(lot, add, anchor=f"#item-{item.id}", guide_id=item.guide_id)

    @expose("/lot/<int:lot_id>/glosa/<int:glosa_id>/delete", methods=("POST",))
    def glosa_delete(self, lot_id, glosa_id):
        self.require("delete", "glosa")
        lot = self._lot(lot_id, with_guides=False)
        glosa = db.session.get(Glosa, glosa_id)
        if glosa is None or glosa.lot_id != lot.id:
            abort(404)
        return self._run(lot, analysis.remove_glosa, glosa, anchor=f"#item-{glosa.guide_item_id}",
                         guide_id=glosa.guide_id)

    def _guide(self, lot, guide_id):
        return analysis.guide_of(lot, guide_id)

    @expose("/lot/<int:lot_id>/guide/<int:guide_id>/glosa", methods=("POST",))
    def guide_glosa(self, lot_id, guide_id):
        self.require("create", "glosa")
        lot = self._lot(lot_id, with_guides=False)
        guide = self._guide(lot, guide_id)

        def run():
            analysis.glosa_guide(guide, analysis.get_code(request.form.get("code_id")), request.form.get("reason"),
                                 current_user)
        return self._run(lot, run, ok=_("Guide %(number)s disallowed.", number=guide.number), guide_id=guide.id)

    @expose("/lot/<int:lot_id>/guide/<int:guide_id>/accept", methods=("POST",))
    def guide_accept(self, lot_id, guide_id):
        self.require("delete", "glosa")
        lot = self._lot(lot_id, with_guides=False)
        guide = self._guide(lot, guide_id)
        return self._run(lot, analysis.accept_guide, guide, ok=_("Guide %(number)s accepted.", number=guide.number),
                         guide_id=guide.id)

    # IOMA invoices --------------------------------------------------------------
    def _invoice(self, invoice_id) -> Invoice:
        return self.visible_or_404(Invoice, invoice_id)

    @expose("/invoice/<int:invoice_id>", methods=("GET", "POST"))
    def invoice(self, invoice_id):
        invoice = self._invoice(invoice_id)
        errors = {}
        if request.method == "POST":
            self.require("debit", "invoice")
            try:
                analysis.debit_invoice(invoice, request.form.get("amount"),
                                       analysis.get_code(request.form.get("code_id")), request.form.get("reason"),
                                       current_user)
                db.session.commit()
                flash(_("Debit recorded."), "success")
                return redirect(url_for(".invoice", invoice_id=invoice.id))
            except CodedError as exc:
                db.session.rollback()
                refusals.show(exc, errors=errors)
        return self.render("money/audit_invoice.html", invoice=invoice, debits=analysis.invoice_debits(invoice),
                           codes=analysis.active_codes(), errors=errors, form=request.form,
                           can_debit=can(current_user, "debit", "invoice") and invoice.status in analysis.DEBITABLE,
                           currency=invoice.provider.currency,
                           duplicate_of=invoice_flags.duplicate_periods([invoice]).get(invoice.id))

    @expose("/invoice/<int:invoice_id>/debit/<int:glosa_id>/delete", methods=("POST",))
    def invoice_debit_delete(self, invoice_id, glosa_id):
        self.require("debit", "invoice")
        invoice = self._invoice(invoice_id)
        glosa = db.session.get(Glosa, glosa_id)
        if glosa is None or glosa.invoice_id != invoice.id:
            abort(404)
        try:
            analysis.remove_invoice_debit(glosa)
            db.session.commit()
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
        return redirect(url_for(".invoice", invoice_id=invoice.id))

    @expose("/invoice/<int:invoice_id>/debit-note.pdf")
    def invoice_pdf(self, invoice_id):
        return documents.debit_note_pdf(self._invoice(invoice_id))
