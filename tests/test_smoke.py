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
