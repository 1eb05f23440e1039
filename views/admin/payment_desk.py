"""Payment desk (staff): build orders per provider and payment date, approve, pay, documents."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user

from models import PaymentOrder, Provider, WithholdingCertificate
from models.base import db
from models.enums import PaymentMethod, PaymentOrderStatus
from models.errors import CodedError
from models.permissions import can
from models.rules.withholdings import ADJUSTMENT_CODES
from models.values import parse_date, parse_date_or_none
from services import bulk_orders, payables, payments
from services.actions import actions_for
from services.visibility import parse_id
from views import documents, refusals
from views.admin.base import SecurePage
from views.admin.export import csv_response
from views.admin.jobs import jobs_context
from views.admin.pages import period_args


class PaymentDeskView(SecurePage):
    resource = "payment_desk"

    @expose("/")
    def index(self):
        page = payables.desk_page(parse_id(request.args.get("after")))
        job = bulk_orders.get_job(current_user, parse_id(request.args.get("job")))
        orders = payments.open_orders_page(request.args.get("orders_after"))
        start, end = period_args(31)
        return self.render("money/desk_index.html", page=page, orders=orders.rows, next_orders=orders.next_cursor,
                           start=start, end=end, today=date.today(),
                           can_create=can(current_user, "create", "payment_order"), job=job,
                           job_orders=bulk_orders.orders_of(job) if job is not None else [], **jobs_context())

    @expose("/bulk", methods=("POST",))
    def bulk(self):
        """Queue draft orders for the providers ticked on the desk, each paying all its documents."""
        self.require("create", "payment_order")
        ids = [i for i in (parse_id(v) for v in request.form.getlist("provider")[:bulk_orders.MAX_PROVIDERS + 1])
               if i is not None]
        try:
            job = bulk_orders.start(ids, parse_date(request.form.get("payment_date")), current_user)
            db.session.commit()
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
            return redirect(url_for(".index"))
        return redirect(url_for(".index", job=job.id))

    @expose("/new/<int:provider_id>", methods=("GET", "POST"))
    def new(self, provider_id):
        self.require("create", "payment_order")
        provider = self.visible_or_404(Provider, provider_id)
        available = payments.payables(provider)
        errors, totals, adjustment = {}, None, None
        keys = request.form.getlist("doc") if request.method == "POST" else [p.key for p in available.all]
        pay_date = parse_date_or_none(request.form.get("payment_date")) if request.method == "POST" else date.today()
        if request.method == "POST":
            try:
                adjustments = []
                if request.form.get("adjustment_amount"):
                    adjustment = payments.parse_adjustment(request.form.get("adjustment_kind"),
                                                           request.form.get("adjustment_code"),
                                                           request.form.get("adjustment_description"),
                                                           request.form.get("adjustment_amount"))
                    adjustments.append(adjustment)
                if pay_date is None:
                    raise payments.PaymentError("date", "payment_date")
                selected = [p for p in available.all if p.key in set(keys)]
                if request.form.get("action") == "create":
                    order = payments.create_order(provider, keys, pay_date, current_user, adjustments)
                    db.session.commit()
                    flash(_("Payment order %(number)s created.", number=str(order)), "success")
                    return redirect(url_for(".order", order_id=order.id))
                totals = payments.preview(provider, selected, pay_date, adjustments)
            except CodedError as exc:
                db.session.rollback()
                refusals.show(exc, errors=errors)
        elif available.all:
            totals = payments.preview(provider, available.all, pay_date)
        return self.render("money/desk_new.html", provider=provider, available=available, keys=set(keys),
                           pay_date=pay_date, totals=totals, errors=errors, form=request.form,
                           codes=ADJUSTMENT_CODES, currency=provider.currency)

    def _order(self, order_id) -> PaymentOrder:
        return self.visible_or_404(PaymentOrder, order_id)

    def _render_order(self, order: PaymentOrder, errors: dict | None = None, form=None):
        return self.render("money/desk_order.html", order=order, actions=actions_for(order, current_user),
                           methods=list(PaymentMethod), codes=ADJUSTMENT_CODES, errors=errors or {}, form=form or {},
                           line_label=payments.line_label, currency=order.provider.currency, today=date.today())

    @expose("/order/<int:order_id>")
    def order(self, order_id):
        return self._render_order(self._order(order_id))

    @expose("/order/<int:order_id>/status", methods=("POST",))
    def order_status(self, order_id):
        order = self._order(order_id)
        target = request.form.get("target", "")
        reason = request.form.get("reason")
        actions = {
            "pending_approval": lambda: payments.submit(order, current_user),
            "approved": lambda: payments.approve(order, current_user),
            "draft": lambda: payments.send_back(order, current_user, reason),
            "cancelled": lambda: payments.cancel(order, current_user, reason),
        }
        if target not in actions:
            abort(400)
        try:
            actions[target]()
            db.session.commit()
            flash(_("Status changed to %(status)s.", status=PaymentOrderStatus(target).label), "success")
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
        return redirect(url_for(".order", order_id=order_id))

    @expose("/order/<int:order_id>/adjustment", methods=("POST",))
    def order_adjustment(self, order_id):
        order = self._order(order_id)
        try:
            adj = payments.parse_adjustment(request.form.get("adjustment_kind"), request.form.get("adjustment_code"),
                                            request.form.get("adjustment_description"),
                                            request.form.get("adjustment_amount"))
            payments.add_adjustment(order, adj, current_user)
            db.session.commit()
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc)
        return redirect(url_for(".order", order_id=order_id))

    @expose("/order/<int:order_id>/pay", methods=("POST",))
    def order_pay(self, order_id):
        self.require("pay", "payment_order")
        order = self._order(order_id)
        errors = {}
        try:
            method = PaymentMethod(request.form.get("method", ""))
        except ValueError:
            method = None
        try:
            certs = payments.mark_paid(order, current_user, parse_date(request.form.get("paid_at"), "paid_at"), method,
                                       request.form.get("bank_name"), request.form.get("bank_agency"),
                                       request.form.get("bank_account"))
            db.session.commit()
            flash(_("Order paid; %(n)s certificate(s) issued.", n=len(certs)), "success")
            return redirect(url_for(".order", order_id=order_id))
        except CodedError as exc:
            db.session.rollback()
            refusals.show(exc, errors=errors)
        return self._render_order(self._order(order_id), errors, request.form)

    @expose("/order/<int:order_id>/statement.pdf")
    def order_pdf(self, order_id):
        return documents.statement_pdf(self._order(order_id))

    @expose("/certificate/<int:cert_id>.pdf")
    def certificate_pdf(self, cert_id):
        return documents.certificate_pdf(self.visible_or_404(WithholdingCertificate, cert_id))

    @expose("/withholdings.csv")
    def withholdings_csv(self):
        self.require("export", "withholding_certificate")
        start, end = period_args(31)
        return csv_response(payments.withholdings_rows(start, end), f"withholdings-{start}-{end}.csv")

