"""CSRF, redirects after login, CSV formula cells, session cookie flags, sessions ended by password change."""
import csv
import io

import pytest

from app import create_app
from models.base import db
from models.enums import Role
from services.csv_export import neutralise_cell
from tests.helpers import argentine_provider
from views.safety import safe_next


@pytest.fixture
def csrf_client(app):
    """A client of an app with CSRF protection on (as in production)."""
    secured = create_app({**{k: app.config[k] for k in ("UPLOAD_FOLDER", "MAIL_OUTBOX")},
                          "TESTING": True, "SECRET_KEY": "csrf-test", "WTF_CSRF_ENABLED": True})
    with secured.app_context():
        yield secured.test_client()


def test_login_without_csrf_token_is_rejected(csrf_client, make_user):
    user = make_user(Role.CLERK)
    response = csrf_client.post("/login", data={"email": user.email, "password": "test-password-1"})
    assert response.status_code == 400


def test_storing_the_language_without_csrf_token_is_rejected(csrf_client, make_user):
    user = make_user(Role.CLERK, locale="en")
    token = csrf_client.get("/login").get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    csrf_client.post("/login", data={"email": user.email, "password": "test-password-1",
                                     "csrf_token": token.split('"')[0]})
    assert csrf_client.post("/lang", data={"code": "pt_BR"}).status_code == 400
    db.session.expire_all()
    assert user.locale == "en"


def test_admin_delete_without_csrf_token_is_rejected(csrf_client, make_user):
    admin = make_user(Role.ADMIN)
    page = csrf_client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert csrf_client.post("/login", data={"email": admin.email, "password": "test-password-1",
                                           "csrf_token": token}).status_code == 302
    provider = argentine_provider("Borrable SA")
    db.session.commit()
    response = csrf_client.post("/admin/provider/delete/", data={"id": provider.id})
    assert response.status_code == 400
    assert db.session.get(type(provider), provider.id) is not None


@pytest.mark.parametrize("target,expected", [
    ("/admin/invoice/", "/admin/invoice/"),
    ("/admin/?x=1", "/admin/?x=1"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("\\/evil.example", None),
    ("javascript:alert(1)", None),
    ("admin", None),
    ("", None),
    ("/admin/lot-builder/send", "/admin/lot-builder/"),  # POST only: its section's index
    ("/admin/user/account/", "/admin/user/"),
    ("/logout", None),
    ("/no-such-page", None),
    ("/admin/invoice", "/admin/invoice/"),
])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_login_redirect_ignores_foreign_next(client, make_user):
    user = make_user(Role.CLERK)
    response = client.post("/login?next=//evil.example/", data={"email": user.email, "password": "test-password-1"})
    assert response.headers["Location"].endswith("/admin/")


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value):
    assert neutralise_cell(value) == "'" + value
    assert neutralise_cell("Clínica") == "Clínica"
    assert neutralise_cell(12) == 12


def test_export_neutralises_formula_cells(client, login_as):
    argentine_provider('=HYPERLINK("http://evil.example","x")')
    db.session.commit()
    login_as(Role.ADMIN)
    response = client.get("/admin/provider/export/csv/")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    names = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert names and all(cell.startswith("'=") for cell in names)


def test_script_in_text_fields_is_escaped(client, login_as):
    argentine_provider("<script>alert(1)</script> SA")
    db.session.commit()
    login_as(Role.ADMIN)
    html = client.get("/admin/provider/?search=script").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_password_change_ends_other_sessions(app, client, make_user, login):
    user = make_user(Role.CLERK)
    other = app.test_client()
    login(user, other)
    assert other.get("/admin/").status_code == 200
    user.set_password("a-new-password-2")
    db.session.commit()
    assert other.get("/admin/").status_code == 302


def test_disabled_user_cannot_log_in(client, make_user):
    user = make_user(Role.CLERK)
    user.is_enabled = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "test-password-1"})
    assert response.status_code == 200
    assert "deactivated" in response.get_data(as_text=True)


def test_logout_needs_post(client, login_as):
    login_as(Role.CLERK)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/admin/").status_code == 302
