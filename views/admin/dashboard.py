"""The admin index: a start page for the user's role."""
from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from services.dashboard import overview_for, queues_for


class DashboardView(AdminIndexView):
    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        return self.render(
            "admin/dashboard.html", queues=queues_for(current_user), overview=overview_for(current_user)
        )
