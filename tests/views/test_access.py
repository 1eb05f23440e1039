"""Every admin screen answers each role as the permission matrix says."""
import pytest

from models.enums import Role
from models.permissions import can
from seed import factories as f

ENDPOINTS = [
    "invoice_record", "authorization", "beneficiary", "lot", "guide", "tiss_submission", "glosa", "appeal",
    "payment_order", "withholding_certificate", "provider", "user", "user_provider", "professional",
    "service_location", "payer_settings", "service_type", "price_table", "price_table_item", "glosa_code",
    "rejection_reason", "withholding_rule", "payment_calendar_entry", "audit_log", "guide_item",
    "authorization_order", "attachment", "appeal_item", "payment_order_line", "payment_deduction",
    "tiss_ws_credential",
]


def test_anonymous_users_are_sent_to_login(client):
    for endpoint in ENDPOINTS:
        response = client.get(f"/admin/{endpoint}/")
        assert response.status_code == 302, endpoint
        assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_what_the_matrix_says(client, login_as, role):
    providers = [f.make_provider("Prestador Acceso")] if role == Role.PROVIDER else []
    user = login_as(role, providers=providers)
    for endpoint in ENDPOINTS:
        resource = "invoice" if endpoint == "invoice_record" else endpoint
        expected = 200 if can(user, "view", resource) else 403
        assert client.get(f"/admin/{endpoint}/").status_code == expected, (role, endpoint)
        new = client.get(f"/admin/{endpoint}/new/")
        if expected == 403:
            assert new.status_code == 403
        elif not can(user, "create", resource):
            assert new.status_code == 302, (role, endpoint)


def test_a_provider_user_without_an_approved_link_sees_only_the_pending_page(client, login_as):
    login_as(Role.PROVIDER)
    for endpoint in ENDPOINTS:
        response = client.get(f"/admin/{endpoint}/")
        assert response.status_code == 403, endpoint
        assert 'id="link-pending"' in response.get_data(as_text=True), endpoint
    assert client.get("/admin/my-links/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_403_page_is_shown_in_the_users_language(client, login_as):
    login_as(Role.PROVIDER, locale="es_AR", providers=[f.make_provider("Prestador Idioma")])
    response = client.get("/admin/audit_log/")
    assert response.status_code == 403
    assert "No tenés acceso a esta página." in response.get_data(as_text=True)
