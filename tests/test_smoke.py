from models.enums import Role


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_anonymous_admin_redirects_to_login(client):
    response = client.get("/admin/invoice/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_clerk_sees_invoices(client, login_as):
    login_as(Role.CLERK)
    assert client.get("/admin/invoice/").status_code == 200


def test_only_browser_tests_are_marked_e2e(request):
    """Tests outside tests/e2e run in the rolled-back transaction, wherever the checkout lives."""
    assert request.node.get_closest_marker("e2e") is None


def _seen_by(trusted_proxies: int, tmp_path):
    from flask import request

    from app import create_app

    app = create_app({"TRUSTED_PROXIES": trusted_proxies, "SECRET_KEY": "x", "UPLOAD_FOLDER": str(tmp_path)})
    app.add_url_rule("/_seen", "seen", lambda: {"addr": request.remote_addr, "scheme": request.scheme})
    return app.test_client().get("/_seen", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
                                 environ_base={"REMOTE_ADDR": "10.0.0.2"}).json


def test_client_address_and_scheme_come_from_the_trusted_proxy_only(tmp_path):
    assert _seen_by(1, tmp_path) == {"addr": "203.0.113.7", "scheme": "https"}
    assert _seen_by(0, tmp_path) == {"addr": "10.0.0.2", "scheme": "http"}, "headers are ignored without a proxy"
