"""The admin index: a start page for the user's role."""
from functools import partial

from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from models.enums import CURRENCIES
from models.values import Competence, InvalidValue, int_arg
from services import rollups
from services.charts import (
    chart_country,
    countries_in_use,
    drill_link,
    drill_rows,
    figures,
    hbar_geometry,
    monthly_geometry,
)
from services.dashboard import start_page
from services.formatting import money, number
from services.visibility import awaiting_link


class DashboardView(AdminIndexView):
    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        if awaiting_link(current_user):
            return self.render("admin/dashboard.html", queues=[], overview=[])  # the link is pending: no figures
        charts = {}
        # A provider's few rollup cells, read once for the counts and the charts (staff's: None, the database
        # adds up each figure)
        cells = rollups.few_cells(current_user, rollups.CELLS)
        if current_user.role.value != "credentialing":
            in_use = None if current_user.is_provider else countries_in_use()  # once: the default and the switch
            country = chart_country(current_user, request.args.get("currency"), in_use)
            currency = CURRENCIES[country]
            shown = figures(current_user, country, cells=cells)
            charts = {"monthly": shown.monthly, "by_provider": shown.by_provider, "by_reason": shown.by_reason,
                      "as_of": shown.as_of, "currency": currency, "currencies": [CURRENCIES[c] for c in in_use or ()]}
            link = drill_link(currency)
            charts["geometry"] = {
                "monthly": monthly_geometry(charts["monthly"], currency, link=link),
                "by_provider": hbar_geometry(charts["by_provider"], "rate", lambda r: f"{number(r['rate'])} %",
                                             link=partial(link, "provider")),
                "by_reason": hbar_geometry(charts["by_reason"], "value", lambda r: money(r["value"], currency),
                                           link=partial(link, "reason")),
            }
        queues, overview = start_page(current_user, cells)
        return self.render("admin/dashboard.html", queues=queues, overview=overview, **charts)

    @expose("/drill/<kind>")
    def drill(self, kind):
        month = request.args.get("month")
        key = request.args.get("key", type=int_arg)
        try:
            month = str(Competence.parse(month)) if month else None
        except InvalidValue:
            abort(404)
        if kind not in ("billed", "disallowed", "paid", "provider", "reason"):
            abort(404)
        country = chart_country(current_user, request.args.get("currency"))
        what, rows = drill_rows(current_user, country, kind, month, key)
        return self.render("admin/dashboard_drill.html", what=what, rows=rows, kind=kind, month=month,
                           currency=CURRENCIES[country])
