"""Recurso de glosa: providers appeal per lot, guide or item; clerks accept fully, partly or not."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from models import Appeal, Attachment, Guide, Lot
from models.base import db
from models.enums import AppealStatus
from models.errors import CodedError
from models.permissions import can
from services import appeals, audit_history, visibility
from views import refusals
from views.admin.base import SecurePage
from views.downloads import send_stored

MAX_FILES = 5


class AppealDeskView(SecurePage):
    """The staff desk of appeals; providers file and follow theirs under ``MyAppealsView``."""

    resource = "appeals_desk"
    provider_menu = False

    @expose("/")
    def index(self):
        wanted = request.args.get("status")
        try:
            status = AppealStatus(wanted) if wanted else None
        except ValueError:
            abort(400)
        return self.render("money/appeals_index.html", statuses=list(AppealStatus), wanted=wanted,
                           appeals=appeals.appeal_page(current_user, status, request.args.get("after")))

    @expose("/new/<int:lot_id>", methods=("GET", "POST"))
    def new(self, lot_id):
        self.require("create", "appeal")
        lot = self.visible_or_404(Lot, lot_id)
        guide = None
        if request.values.get("guide_id"):
            guide = self.visible_or_404(Guide, request.values["guide_id"])
            if guide.lot_id != lot.id:
                abort(404)
        errors = {}
        if request.method == "POST":
            amounts = {}
            for key, value in request.form.items():
                if key.startswith("amount_"):
                    glosa_id = visibility.parse_id(key[7:])
                    if glosa_id is None:
                        abort(400)
                    amounts[glosa_id] = value
            uploads = [f for f in request.files.getlist("attachments") if f and f.filename]
            if len(uploads) > MAX_FILES:
                errors["attachments"] = _("At most %(n)s attachments.", n=MAX_FILES)
            else:
                files = [(f.filename, f.read(appeals.MAX_ATTACHMENT + 1)) for f in uploads]
                try:
                    appeal = appeals.create_appeal(lot, current_user, request.form.get("justification", ""), amounts,
                                                   guide=guide, files=files)
                    db.session.commit()
                    flash(_("Appeal #%(id)s sent.", id=appeal.id), "success")
                    return redirect(url_for(".detail", appeal_id=appeal.id))
                except CodedError as exc:
                    db.session.rollback()
                    refusals.show(exc, errors=errors)
        rows = appeals.appealable_glosas(lot, guide)
        return self.render("money/appeal_new.html", lot=lot, guide=guide, rows=rows, errors=errors, form=request.form,
                           currency=lot.provider.currency, max_len=appeals.rules.JUSTIFICATION_MAX)

    def _appeal(self, appeal_id) -> Appeal:
        return self.visible_or_404(Appeal, appeal_id)

    @expose("/<int:appeal_id>", methods=("GET", "POST"))
    def detail(self, appeal_id):
        appeal = self._appeal(appeal_id)
        errors = {}
        if request.method == "POST":
            self.require("decide", "appeal")
            accepted = {}
            for item in appeal.items:
                accepted[item.id] = request.form.get(f"accepted_{item.id}")
            try:
                status = appeals.decide(appeal, current_user, accepted, request.form.get("reason"))
                db.session.commit()
                flash(_("Appeal decided: %(status)s.", status=status.label), "success")
                return redirect(url_for(".detail", appeal_id=appeal.id))
            except CodedError as exc:
                db.session.rollback()
                refusals.show(exc, errors=errors, field="reason" if exc.code == "reason" else None)
            appeal = self._appeal(appeal_id)
        can_decide = can(current_user, "decide", "appeal") and appeal.status in (AppealStatus.OPEN,
                                                                                  AppealStatus.IN_ANALYSIS)
        history = appeals.history(appeal)
        return self.render("money/appeal_detail.html", appeal=appeal, history=history,
                           described=audit_history.describe(history),
                           can_decide=can_decide, errors=errors, form=request.form,
                           currency=appeal.provider.currency)

    @expose("/<int:appeal_id>/analyse", methods=("POST",))
    def analyse(self, appeal_id):
        self.require("analyse", "appeal")
        appeal = self._appeal(appeal_id)
        try:
            appeals.start_analysis(appeal, current_user)
            db.session.commit()
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
        return redirect(url_for(".detail", appeal_id=appeal_id))

    @expose("/<int:appeal_id>/attachment/<int:attachment_id>")
    def attachment(self, appeal_id, attachment_id):
        appeal = self._appeal(appeal_id)
        att = db.session.get(Attachment, attachment_id)
        if att is None or att.appeal_id != appeal.id:
            abort(404)
        return send_stored("appeals", att.stored_name, att.original_name, "application/pdf")


class MyAppealsView(AppealDeskView):
    """Recursos de glosa: the provider's appeals (the same pages, reached from its own menu)."""

    resource = "my_appeals"
    provider_menu = True
