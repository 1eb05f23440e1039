"""Custom pages of the TISS billing flow: guide editor, lot builder ("+ Novo Lote"),
billing by period ("Faturamento de atendimentos"), lot tracking and the NF values report.

Views parse, call services and render; rules live in services.guides / services.lots.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import abort, flash, redirect, request, session, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from forms.lots import (
    BillingPeriodForm,
    GuideExecutionForm,
    GuideSearchForm,
    LotStartForm,
    ReasonForm,
    ReceiptForm,
)
from models import Guide, Lot, Provider
from models.base import db
from models.enums import Country, GuideStatus, GuideType, LotStatus
from models.errors import CodedError
from models.permissions import can
from models.values import Competence, int_arg, parse_date_or_none
from services import appeals, lot_flow, report_files, visibility
from services import guides as guide_svc
from services import lot_builder as builder
from services import lots as lot_svc
from services import nf_report as nf
from services.actions import actions_for
from services.formatting import money
from services.pdf import pdf_context, pdf_response, render_pdf
from views import refusals
from views.admin.base import SecurePage
from views.admin.report_downloads import queued_download
from views.safety import safe_next

SUMMARY_KEY = "lot_summary"
MAX_SELECTION = builder.MAX_SELECTION


def _int_list(values, limit: int = 1000) -> list[int]:
    out = []
    for value in values[:limit]:
        try:
            out.append(int_arg(value))
        except (TypeError, ValueError):
            continue
    return out


class _Page(SecurePage):
    resource = "lot"

    def _provider(self) -> Provider:
        """The provider a provider user acts for (builder pages are the provider's)."""
        return visibility.acting_provider(current_user)

    def _visible_lot(self, lot_id: int) -> Lot:
        return self.visible_or_404(Lot, lot_id)


# Sending (shared by the builder and billing by period) ------------------------------
def _send(provider: Provider, ids: list[int], competence: str, guide_type: GuideType | None):
    """Send the chosen guides; returns a redirect to the Resumo. Double submits land on the same Resumo."""
    already = lot_svc.lots_already_sent(provider.id, ids, current_user.id) if ids else []
    if already:  # a double submit (second tab, back button): show the protocol already issued
        flash(_("These guides were already sent: here is the protocol."), "info")
        return redirect(url_for("lot_builder.summary", lots=",".join(str(item.id) for item in already)))
    guides = lot_svc.load_guides(provider.id, ids)
    if guide_type is not None:
        guides = [g for g in guides if g.guide_type == guide_type]
    if not guides:
        flash(_("Select at least one guide."), "danger")
        return None
    try:
        result = lot_flow.send_lots(provider, guides, competence=competence, actor=current_user)
        db.session.commit()
    except lot_svc.LotError as exc:
        db.session.rollback()
        if exc.code == "taken":
            lots = lot_svc.lots_already_sent(provider.id, ids, current_user.id)
            if lots:
                flash(_("These guides were already sent: here is the protocol."), "info")
                return redirect(url_for("lot_builder.summary", lots=",".join(str(item.id) for item in lots)))
        flash(exc.message, "danger")
        return None
    session[SUMMARY_KEY] = {
        "lots": [lot.id for lot in result.lots],
        "errors": [[number, "; ".join(str(o) for o in occ)] for number, occ in result.errors][:100],
    }
    state = builder.current(current_user, provider)
    if state is not None:
        builder.clear_selection(current_user, state)
        db.session.commit()
    if not result.lots:
        flash(_("No lot was created: every selected guide has occurrences."), "danger")
    return redirect(url_for("lot_builder.summary", lots=",".join(str(lot.id) for lot in result.lots)))


# The lot builder ---------------------------------------------------------------------
class LotBuilderView(_Page):
    action = "create"
    provider_menu = True

    def _draft(self):
        provider = self._provider()
        return builder.current(current_user, provider), provider

    @expose("/", methods=("GET", "POST"))
    def index(self):
        provider = self._provider()
        types = guide_svc.contracted_guide_types(provider)
        form = LotStartForm()
        form.guide_type.choices = [(t.value, t.label) for t in types]
        if not types:
            flash(_("Your contract has no TISS guide type: lots cannot be built."), "warning")
        if form.validate_on_submit():
            try:
                competence = str(Competence.parse(form.competence.data))
            except CodedError as exc:
                refusals.show(exc, form=form)
            else:
                builder.begin(current_user, provider, form.guide_type.data, competence)
                db.session.commit()
                return redirect(url_for(".search"))
        draft = builder.current(current_user, provider)
        if request.method == "GET" and draft:
            form.guide_type.data = draft.guide_type
            form.competence.data = Competence.parse(draft.competence).label
        return self.render("lots/builder_start.html", form=form, provider=provider, draft=draft)

    def _search_form(self, provider, competence):
        args = request.args if request.args.get("searched") else None
        form = GuideSearchForm(formdata=args)
        form.status.choices = [("", _("All"))] + [(s.value, s.label) for s in GuideStatus]
        form.location_id.choices = [("", _("All"))] + [
            (str(loc.id), loc.name) for loc in sorted(provider.locations, key=lambda location: location.name)]
        if args is None:
            first, last = Competence.parse(competence).bounds
            form.emission_from.data, form.emission_to.data = first, last
        return form

    @expose("/search")
    def search(self):
        draft, provider = self._draft()
        if draft is None:
            return redirect(url_for(".index"))
        guide_type = draft.type
        form = self._search_form(provider, draft.competence)
        guides, occurrences = [], {}
        if form.validate():
            filters = guide_svc.GuideFilters(
                status=GuideStatus(form.status.data) if form.status.data else None,
                number=form.number.data, emission_from=form.emission_from.data, emission_to=form.emission_to.data,
                card_number=form.card_number.data, beneficiary_name=form.beneficiary_name.data,
                supplies=form.supplies.data or None, authorization_from=form.authorization_from.data,
                authorization_to=form.authorization_to.data, execution_from=form.execution_from.data,
                execution_to=form.execution_to.data,
                location_id=int(form.location_id.data) if form.location_id.data else None,
            )
            guides = guide_svc.search_guides(provider.id, guide_type, filters)
            occurrences = lot_svc.occurrences_for(guides, draft.competence)
        selected = set(draft.selected)
        # The side panel counts the guides already in the lot from other searches; the ticks of this
        # page are added live by static/liquida.js (data-lot-live).
        elsewhere = lot_svc.load_guides(provider.id, selected - {g.id for g in guides})
        return self.render(
            "lots/builder_search.html", form=form, provider=provider, draft=draft, guide_type=guide_type,
            competence_label=Competence.parse(draft.competence).label, guides=guides, occurrences=occurrences,
            selected=selected, limit=guide_svc.SEARCH_LIMIT, back=request.query_string.decode()[:2000],
            elsewhere_count=len(elsewhere), elsewhere_total=sum((g.total_amount for g in elsewhere), Decimal("0.00")),
        )

    @expose("/select", methods=("POST",))
    def select(self):
        draft, provider = self._draft()
        if draft is None:
            return redirect(url_for(".index"))
        shown = set(_int_list(request.form.getlist("shown")))
        checked = set(_int_list(request.form.getlist("guide")))
        outcome = builder.select(current_user, provider, draft, shown, checked)
        db.session.commit()
        if outcome.capped:
            flash(_("At most %(max)s guides per send: send these, then build the next lot.", max=MAX_SELECTION),
                  "warning")
        for guide, why in outcome.refused:
            flash(_("Guide %(number)s cannot be included: %(why)s", number=guide.number,
                    why="; ".join(str(o) for o in why) or _("another guide type")), "danger")
        back = urlencode(parse_qsl(request.form.get("back", "")[:2000]))
        target = url_for(".review") if request.form.get("next") == "review" else url_for(".search")
        return redirect(target + (f"?{back}" if back and target.endswith("/search") else ""))

    @expose("/review")
    def review(self):
        draft, provider = self._draft()
        if draft is None:
            return redirect(url_for(".index"))
        guides = lot_svc.load_guides(provider.id, draft.selected)
        occurrences = lot_svc.occurrences_for(guides, draft.competence)
        ok = [g for g in guides if not occurrences[g.id]]
        total = sum((g.total_amount for g in ok), Decimal("0.00"))
        return self.render(
            "lots/builder_review.html", provider=provider, draft=draft, guide_type=draft.type,
            competence_label=Competence.parse(draft.competence).label, guides=guides, occurrences=occurrences,
            total=total, ok_count=len(ok), max_per_lot=lot_svc.max_guides_per_lot(),
        )

    @expose("/clear", methods=("POST",))
    def clear(self):
        draft, _p = self._draft()
        if draft is not None:
            builder.clear_selection(current_user, draft)
            db.session.commit()
        return redirect(url_for(".search"))

    @expose("/send", methods=("POST",))
    def send(self):
        draft, provider = self._draft()
        if draft is None:
            return redirect(url_for(".index"))
        posted = _int_list(request.form.getlist("guide"))
        ids = [i for i in posted if i in set(draft.selected)]
        if posted and not ids and lot_svc.lots_already_sent(provider.id, posted, current_user.id):
            ids = posted  # a second tab re-sending what the first one sent: _send answers its protocol
        response = _send(provider, ids, draft.competence, draft.type)
        return response or redirect(url_for(".review"))

    def _summary_lots(self) -> list[Lot]:
        ids = _int_list((request.args.get("lots") or "").split(","), limit=50)
        lots = [self._visible_lot(i) for i in ids]
        return lots

    def _summary_context(self):
        lots = self._summary_lots()
        stored = session.get(SUMMARY_KEY) or {}
        errors = stored.get("errors", []) if sorted(stored.get("lots", [])) == sorted(item.id for item in lots) else []
        first = lots[0] if lots else None
        return {
            "lots": lots, "errors": errors,
            "provider": first.provider if first else (self._provider() if current_user.is_provider else None),
            "competence_label": first.competence_label if first else "",
            "guide_type": first.guide_type if first else None,
            "total": sum((item.total_amount for item in lots), Decimal("0.00")),
            "guide_count": sum(len(item.guides) for item in lots),
        }

    @expose("/summary")
    def summary(self):
        return self.render("lots/summary.html", **self._summary_context())

    @expose("/summary.pdf")
    def summary_pdf(self):
        ctx = self._summary_context()
        if not ctx["lots"]:
            abort(404)
        pdf = render_pdf("lot_protocol.html", **pdf_context(ctx["provider"] or Country.BR, **ctx))
        return pdf_response(pdf, f"protocolo-{'-'.join(str(item.protocol_number) for item in ctx['lots'])}.pdf")


# Faturamento de atendimentos ------------------------------------------------------------
class BillingRunView(_Page):
    action = "create"

    def is_visible(self) -> bool:
        return False  # the other way to a new lot: offered on the lot builder's first step

    @expose("/", methods=("GET", "POST"))
    def index(self):
        provider = self._provider()
        form = BillingPeriodForm(formdata=request.values if request.values.get("start") else None)
        if not request.values.get("start"):
            today = date.today()
            form.start.data, form.end.data = today.replace(day=1), today
        guides, occurrences, competence = [], {}, None
        if not request.values.get("start") or form.validate():
            competence = str(Competence.of(form.start.data))
            if request.method == "POST":
                ids = _int_list(request.form.getlist("guide"), limit=MAX_SELECTION + 1)
                if len(ids) > MAX_SELECTION:
                    flash(_("At most %(max)s guides per send.", max=MAX_SELECTION), "danger")
                else:
                    response = _send(provider, ids, competence, None)
                    if response is not None:
                        return response
            guides = guide_svc.billable_guides(provider.id, form.start.data, form.end.data)
            occurrences = lot_svc.occurrences_for(guides, competence)
        total = sum((g.total_amount for g in guides if not occurrences.get(g.id)), Decimal("0.00"))
        return self.render("lots/billing_run.html", form=form, provider=provider, guides=guides,
                           occurrences=occurrences, competence=competence, total=total,
                           competence_label=Competence.parse(competence).label if competence else "")


# Guide editor ------------------------------------------------------------------------------
class GuideEditView(_Page):
    resource = "guide"

    def is_visible(self) -> bool:
        return False  # reached from the guide lists, not the menu

    @expose("/")
    def index(self):
        return redirect(url_for("guide.index_view"))

    def _guide(self, guide_id: int) -> Guide:
        return self.visible_or_404(Guide, guide_id)

    def _form(self, guide: Guide):
        form = GuideExecutionForm(obj=guide if request.method == "GET" else None)
        professionals = guide_svc.professionals_of(guide.provider)
        form.professional_id.choices = [("", "—")] + [(str(p.id), str(p)) for p in professionals]
        form.location_id.choices = [("", "—")] + [
            (str(loc.id), loc.name) for loc in sorted(guide.provider.locations, key=lambda location: location.name)]
        if request.method == "GET":
            form.professional_id.data = str(guide.professional_id or "")
            form.location_id.data = str(guide.location_id or "")
        return form

    def _render(self, guide, form, item_errors=None):
        q = (request.values.get("q") or "").strip()[:60]
        results = guide_svc.search_price_items(guide.provider_id, q) if q else []
        return self.render(
            "lots/guide_edit.html", guide=guide, form=form, q=q, results=results,
            editable=guide_svc.can_edit_guide(guide, current_user), item_errors=item_errors or {},
            next_url=safe_next(request.values.get("next")),
        )

    def _back(self, guide: Guide):
        params = {"guide_id": guide.id}
        for key in ("q", "next"):
            if request.values.get(key):
                params[key] = request.values[key][:200]
        return redirect(url_for(".edit", **params))

    @expose("/<int:guide_id>", methods=("GET", "POST"))
    def edit(self, guide_id: int):
        guide = self._guide(guide_id)
        form = self._form(guide)
        if request.method == "POST" and form.validate_on_submit():
            try:
                guide_svc.update_execution(
                    guide, current_user, execution_date=form.execution_date.data,
                    execution_time=form.execution_time.data, executing_team=form.executing_team.data,
                    professional_id=int(form.professional_id.data) if form.professional_id.data else None,
                    location_id=int(form.location_id.data) if form.location_id.data else None,
                )
                db.session.commit()
                flash(_("Guide %(number)s saved.", number=guide.number), "success")
                return self._back(guide)
            except CodedError as exc:
                db.session.rollback()
                refusals.show(exc, form=form)
        return self._render(guide, form)

    @expose("/<int:guide_id>/items", methods=("POST",))
    def add_item(self, guide_id: int):
        guide = self._guide(guide_id)
        try:
            item = guide_svc.add_item(guide, current_user, price_item_id=int_arg(request.form.get("price_item_id", 0)),
                                      quantity=request.form.get("quantity"), unit_price=request.form.get("unit_price"))
            db.session.commit()
            flash(_("Added %(item)s. Guide total: %(total)s.", item=str(item),
                    total=money(guide.total_amount, guide.provider.currency)), "success")
            return self._back(guide)
        except (CodedError, ValueError) as exc:
            db.session.rollback()
            error = exc if isinstance(exc, CodedError) else guide_svc.GuideError("price_item")
            guide = self._guide(guide_id)
            return self._render(guide, self._form(guide),
                                item_errors={"price_item_id": request.form.get("price_item_id"),
                                             "field": error.field or error.code, "message": error.message}), 400

    @expose("/<int:guide_id>/items/<int:item_id>/delete", methods=("POST",))
    def remove_item(self, guide_id: int, item_id: int):
        guide = self._guide(guide_id)
        try:
            guide_svc.remove_item(guide, current_user, item_id)
            db.session.commit()
            flash(_("Item removed. Guide total: %(total)s.",
                    total=money(guide.total_amount, guide.provider.currency)), "success")
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
        return self._back(guide)


# Following lots ---------------------------------------------------------------------------
class LotTrackingView(_Page):
    provider_menu = True
    @expose("/")
    def index(self):
        args = request.args
        guide_type = args.get("type") if args.get("type") in {t.value for t in GuideType} else None
        status = args.get("status") if args.get("status") in {s.value for s in LotStatus} else None
        start, end = parse_date_or_none(args.get("start")), parse_date_or_none(args.get("end"))
        query = lot_svc.lot_search_query(
            current_user, guide_type=GuideType(guide_type) if guide_type else None,
            guide_number=args.get("guide", "")[:20],
            start=start, end=end, protocol=args.get("protocol", type=int_arg),
            status=LotStatus(status) if status else None,
        )
        page = max(1, min(args.get("page", 1, type=int_arg), 10_000))
        per_page = 25
        count = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        lots = db.session.scalars(query.options(selectinload(Lot.provider))
                                  .limit(per_page).offset((page - 1) * per_page)).all()
        return self.render(
            "lots/tracking_list.html", lots=lots, count=count, page=page, pages=max(1, -(-count // per_page)),
            guide_types=list(GuideType), statuses=list(LotStatus), args=args,
            can_create=can(current_user, "create", "lot"), may_change=lot_svc.provider_may_change,
        )

    @expose("/<int:lot_id>")
    def detail(self, lot_id: int):
        lot = self._visible_lot(lot_id)
        guides = db.session.scalars(sa.select(Guide).where(Guide.lot_id == lot.id)
                                    .options(selectinload(Guide.beneficiary)).order_by(Guide.number)).all()
        return self.render(
            "lots/tracking_detail.html", lot=lot, guides=guides, actions=actions_for(lot, current_user),
            receipt_form=ReceiptForm(obj=lot), reason_form=ReasonForm(), integrity=lot_svc.lot_integrity(lot),
            glosas=appeals.glosas_by_guide(current_user, lot),
        )

    def _act(self, lot_id: int, fn, success: str):
        lot = self._visible_lot(lot_id)
        try:
            fn(lot)
            db.session.commit()
            flash(success, "success")
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
        return lot

    @expose("/<int:lot_id>/reverse", methods=("POST",))
    def reverse(self, lot_id: int):
        reason = (request.form.get("reason") or "").strip()[:500]
        self._act(lot_id, lambda lot: lot_svc.reverse_lot(lot, current_user, reason),
                  _("Lot reversed: its guides are free for a new lot."))
        return redirect(url_for(".detail", lot_id=lot_id))

    @expose("/<int:lot_id>/delete", methods=("POST",))
    def delete(self, lot_id: int):
        lot = self._visible_lot(lot_id)
        try:
            lot_svc.delete_lot(lot, current_user, (request.form.get("reason") or "").strip()[:500] or None)
            db.session.commit()
            flash(_("Lot deleted: its guides are free for a new lot."), "success")
            return redirect(url_for(".index"))
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
            return redirect(url_for(".detail", lot_id=lot_id))

    @expose("/<int:lot_id>/guides/<int:guide_id>/remove", methods=("POST",))
    def remove_guide(self, lot_id: int, guide_id: int):
        def run(lot):
            guide = db.session.get(Guide, guide_id)
            if guide is None or guide.lot_id != lot.id:
                raise lot_svc.LotError("not_in_lot")
            lot_svc.remove_guide(lot, guide, current_user)

        self._act(lot_id, run, _("Guide removed from the lot."))
        return redirect(url_for(".detail", lot_id=lot_id))

    @expose("/<int:lot_id>/receipt", methods=("POST",))
    def receipt(self, lot_id: int):
        form = ReceiptForm()
        if not form.validate_on_submit():
            flash(_("Enter a valid physical receipt date."), "danger")
            return redirect(url_for(".detail", lot_id=lot_id))
        self._act(lot_id, lambda lot: lot_svc.record_physical_receipt(lot, form.physical_received_at.data,
                                                                      current_user),
                  _("Physical receipt recorded."))
        return redirect(url_for(".detail", lot_id=lot_id))

    @expose("/<int:lot_id>/move", methods=("POST",))
    def move(self, lot_id: int):
        target = request.form.get("target")
        if target not in {s.value for s in LotStatus}:
            abort(400)
        reason = (request.form.get("reason") or "").strip()[:500]
        self._act(lot_id, lambda lot: lot_flow.move_lot(lot, LotStatus(target), current_user, reason),
                  _("Status changed."))
        return redirect(url_for(".detail", lot_id=lot_id))

    @expose("/<int:lot_id>/resume")
    def resume(self, lot_id: int):
        lot = self._visible_lot(lot_id)
        guides = db.session.scalars(sa.select(Guide).where(Guide.lot_id == lot.id).options(
            selectinload(Guide.beneficiary), selectinload(Guide.items)).order_by(Guide.number)).all()
        if request.args.get("format") == "pdf":
            pdf = render_pdf("lot_resume.html", **pdf_context(lot.provider, lot=lot, guides=guides))
            return pdf_response(pdf, f"resumo-lote-{lot.protocol_number or lot.id}.pdf")
        return self.render("lots/resume.html", lot=lot, guides=guides)

    @expose("/<int:lot_id>/protocol.pdf")
    def protocol_pdf(self, lot_id: int):
        lot = self._visible_lot(lot_id)
        ctx = {"lots": [lot], "errors": [], "provider": lot.provider, "competence_label": lot.competence_label,
               "guide_type": lot.guide_type, "total": lot.total_amount, "guide_count": len(lot.guides)}
        pdf = render_pdf("lot_protocol.html", **pdf_context(ctx["provider"] or Country.BR, **ctx))
        return pdf_response(pdf, f"protocolo-{lot.protocol_number}.pdf")


# Relatório de valores para emissão de NF -------------------------------------------------------
class NfReportView(_Page):
    provider_menu = False  # providers reach it from Relatórios
    @expose("/")
    def index(self):
        today = date.today()
        start = parse_date_or_none(request.args.get("start")) or today.replace(day=1)
        end = parse_date_or_none(request.args.get("end")) or today
        provider = (visibility.provider_in_view(current_user, request.args.get("provider"))
                    if current_user.is_provider or request.args.get("provider") else None)
        ctx = {"start": start, "end": end, "provider_id": provider.id if provider else None, "provider": provider}
        if request.args.get("format") == "pdf":
            if (queued := queued_download("nf", provider, start, end, "pdf")) is not None:
                return queued
            return pdf_response(report_files.build("nf", provider, start, end, "pdf", current_user),
                                report_files.filename("nf", "pdf", start, end))
        page = nf.nf_page(current_user, start, end, provider=provider, cursor=request.args.get("after"))
        totals = nf.nf_period_totals(current_user, start, end, provider=provider)
        providers = [] if current_user.is_provider else nf.providers_with_lots()
        return self.render("lots/nf_report.html", providers=providers, rows=page.rows, totals=totals,
                           next_cursor=page.next_cursor, **ctx)
