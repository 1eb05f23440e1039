"""TISS XML pages: upload lot files (Envio de arquivo XML), the history (Histórico de envios),
and the downloads: original file, answer XML, protocol / error report PDF, lot export."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from forms.tiss import TissUploadForm
from models import Lot, Provider, TissSubmission
from models.base import db
from models.enums import Country, ProviderStatus
from models.permissions import can
from services import visibility
from services.jobs import store as jobs_store
from services.payer_identity import identity_for
from services.pdf import pdf_context, pdf_response, render_pdf
from services.tiss import bulk
from services.tiss.answers import answer_filename, answer_message, guide_summaries
from services.tiss.errors import TissError
from services.tiss.export import ExportError, export_filename, export_lot
from services.tiss.intake import STORAGE_KIND, receive
from services.tiss.ws.lot import SERVICE as LOT_SERVICE
from views import refusals
from views.admin.base import ProviderScopedView, SecurePage
from views.admin.jobs import jobs_context
from views.downloads import send_bytes, send_stored


def _visible_submission(submission_id: int, lot_document: bool = True) -> TissSubmission:
    """The history row; ``lot_document``: only rows of received lots (a web-service query or appeal has no
    protocol page, report or lot answer — only its request)."""
    submission = visibility.get_visible_or_404(TissSubmission, submission_id, current_user)
    if lot_document and not _is_lot(submission):
        abort(404)
    return submission


def _is_lot(submission: TissSubmission) -> bool:
    return submission.service in (None, LOT_SERVICE)


def _xml_response(data: bytes, filename: str, inline: bool = False) -> Response:
    return send_bytes(data, filename, "application/xml", inline=inline,
                      headers={"Content-Security-Policy": "default-src 'none'"})


def result_context(submission: TissSubmission) -> dict:
    return {
        "submission": submission,
        "errors": [TissError.from_dict(e) for e in (submission.errors or [])] if not submission.accepted else [],
        "guides": guide_summaries(submission),
        "glosas": submission.errors or [] if submission.accepted else [],
    }


RESULTS_SHOWN = 20  # files of a finished bulk intake shown on the upload page (the job page has the rest)


class TissUploadView(SecurePage):
    """Envio de arquivo XML: providers for themselves, clerks for any provider."""

    resource = "tiss_submission"

    def is_visible(self) -> bool:
        return can(current_user, "create", "tiss_submission")

    def _form(self) -> TissUploadForm:
        form = TissUploadForm()
        if current_user.is_provider:
            del form.provider
        else:
            providers = db.session.execute(
                select(Provider.id, Provider.provider_number, Provider.legal_name)
                .where(Provider.country == Country.BR, Provider.status == ProviderStatus.ACTIVE)
                .order_by(Provider.legal_name)).all()
            form.provider.choices = [(0, _("Any (as named in the file)"))] + [
                (pid, f"{number} - {name}") for pid, number, name in providers]
        return form

    @expose("/", methods=("GET", "POST"))
    def index(self):
        if not can(current_user, "create", "tiss_submission"):
            return redirect(url_for("tiss_submission.index_view"))
        form = self._form()
        results = []
        job = jobs_store.get_job(current_user, request.args["job"]) if request.args.get("job") else None
        if job is not None and job.finished and job.kind == bulk.KIND:  # its first files, as one upload shows them
            results = [result_context(s) for s in bulk.submissions_of(current_user, job, limit=RESULTS_SHOWN)]
        if form.validate_on_submit():
            provider_id = (visibility.acting_provider(current_user).id if current_user.is_provider
                           else (form.provider.data or None))
            uploads = [upload for upload in form.files.data if getattr(upload, "filename", "")]
            actor = current_user._get_current_object()
            if len(uploads) == 1 and uploads[0].filename.lower().endswith(".xml"):  # one file: answered at once
                data = uploads[0].stream.read(current_app.config["TISS_MAX_XML_BYTES"] + 1)
                intake = receive(data, uploads[0].filename, actor=actor, provider_id=provider_id)
                results.append(result_context(intake.submission))
            else:  # several files or a zip: a background job, followed on this page
                try:
                    job = bulk.submit([bulk.Upload(u.filename, u.stream) for u in uploads], actor,
                                      provider_id=provider_id)
                except bulk.BulkError as exc:
                    refusals.show(exc, form=form)
                else:
                    return redirect(url_for(".index", job=job.id))
        return self.render("tiss/upload.html", form=form, results=results, job=job,
                           max_mb=current_app.config["TISS_MAX_XML_BYTES"] // (1024 * 1024),
                           **jobs_context())

    @expose("/submission/<int:submission_id>")
    def submission(self, submission_id: int):
        submission = _visible_submission(submission_id)
        return self.render("tiss/submission.html", result=result_context(submission))

    @expose("/submission/<int:submission_id>/original")
    def original(self, submission_id: int):
        submission = _visible_submission(submission_id, lot_document=False)
        response = send_stored(STORAGE_KIND, submission.stored_name, submission.filename, "application/xml")
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        return response

    @expose("/submission/<int:submission_id>/answer.xml")
    def answer(self, submission_id: int):
        submission = _visible_submission(submission_id)
        return _xml_response(answer_message(submission), answer_filename(submission))

    @expose("/submission/<int:submission_id>/report.pdf")
    def report(self, submission_id: int):
        submission = _visible_submission(submission_id)
        context = result_context(submission)
        template = "tiss_protocol.html" if submission.accepted else "tiss_errors.html"
        data = render_pdf(template, **pdf_context(submission.provider or Country.BR, **context))
        name = f"protocolo_{submission.protocol_number}.pdf" if submission.accepted else f"erros_{submission.id}.pdf"
        return pdf_response(data, name)

    @expose("/lot/<int:lot_id>/export.xml")
    def export(self, lot_id: int):
        self.require("export", "lot")
        lot = self.visible_or_404(Lot, lot_id)
        payer = identity_for(lot.provider)
        try:
            data = export_lot(lot, registro_ans=(payer.ans_registry if payer and payer.ans_registry else "000000"))
        except ExportError as exc:
            flash(_("The lot cannot be exported as TISS XML: %(reason)s", reason=str(exc)), "danger")
            return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                            else url_for("lot.index_view"))
        return _xml_response(data, export_filename(lot))


def _result_formatter(view, context, model, name):
    if model.accepted:
        return Markup('<span class="badge badge-success" data-result="accepted">{}</span>').format(
            pgettext("received file", "Accepted"))
    return Markup('<span class="badge badge-danger" data-result="refused">{}</span>').format(
        pgettext("received file", "Refused"))


def _outcome_formatter(view, context, model, name):
    if model.accepted:
        return Markup("{} {}").format(_("Protocol"), model.protocol_number) if model.protocol_number else ""
    codes = ", ".join(sorted({str(e.get("code", "")) for e in (model.errors or [])}))
    return Markup('<span title="{}">{}</span>').format(
        "; ".join(str(e.get("message", "")) for e in (model.errors or [])[:5]), codes)


def _links_formatter(view, context, model, name):
    links = [(url_for("tiss.submission", submission_id=model.id), _("Details")),
             (url_for("tiss.report", submission_id=model.id), _("PDF")),
             (url_for("tiss.answer", submission_id=model.id), _("Answer XML"))] if _is_lot(model) else []
    if not model.stored_name.startswith("discarded-"):
        label = _("Original file") if _is_lot(model) else _("Request")
        links.append((url_for("tiss.original", submission_id=model.id), label))
    return Markup(" · ").join(Markup('<a href="{}">{}</a>').format(href, label) for href, label in links)


class TissHistoryView(ProviderScopedView):
    """Histórico de envios: every file received, scoped to the provider for provider users."""

    provider_menu = None  # in the provider's Lotes menu too
    offers = frozenset({"export"})
    can_view_details = False
    column_list = ("received_at", "channel", "filename", "size", "provider", "uploaded_by", "accepted", "outcome",
                   "lot_number", "hash_encoding", "links")
    column_labels = {
        "received_at": _l("Received"), "filename": _l("File"), "size": _l("Size (bytes)"), "provider": _l("Provider"),
        "uploaded_by": _l("Sender"), "accepted": _l("Result"), "outcome": _l("Protocol or errors"),
        "lot_number": _l("Lot number"), "hash_encoding": _l("Hash reading"), "links": _l("Downloads"),
        "channel": _l("Channel"), "service": _l("Web service"),
    }
    column_formatters = {"accepted": _result_formatter, "outcome": _outcome_formatter, "links": _links_formatter}
    column_filters = ("accepted", "received_at", "lot_number", "protocol_number", "channel", "service")
    column_searchable_list = ("filename", "lot_number")
    column_default_sort = ("received_at", True)
    column_export_list = ("received_at", "channel", "service", "filename", "size", "provider", "uploaded_by",
                          "accepted", "protocol_number", "lot_number", "hash_encoding")
