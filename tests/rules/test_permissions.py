from types import SimpleNamespace

import pytest

from models import permissions
from models.enums import Country, Role
from models.permissions import MATRIX, PROVIDER_SCOPED, USER_OWNED, can


@pytest.fixture(autouse=True)
def both_countries(monkeypatch):
    """These tests read the role dimension of the matrix: every user works in both countries here."""
    monkeypatch.setattr(permissions, "countries_of", lambda user: frozenset(Country))


def user(role, active=True):
    return SimpleNamespace(role=role, is_authenticated=True, is_active=active, is_provider=role == Role.PROVIDER)


def test_anonymous_and_inactive_users_can_do_nothing():
    assert not can(None, "view", "invoice")
    assert not can(SimpleNamespace(is_authenticated=False, is_active=True, role=Role.ADMIN), "view", "invoice")
    assert not can(user(Role.ADMIN, active=False), "view", "audit_log")


def test_providers_never_reach_configuration_or_other_staff_tools():
    staff_only = {"audit_log", "payer_settings", "user", "glosa_code", "rejection_reason", "withholding_rule",
                  "payment_calendar_entry", "beneficiary", "outbox", "service_type"}
    provider = user(Role.PROVIDER)
    for resource in staff_only:
        assert not can(provider, "view", resource), resource


def test_every_resource_a_provider_sees_is_scoped_to_its_provider():
    # the dashboard, and pages that are no table's: their services scope rows through services.visibility
    unscoped = {"dashboard", "my_appeals", "my_documents", "statements", "reports"}
    for resource, grants in MATRIX.items():
        if Role.PROVIDER in grants and resource not in unscoped:
            assert resource in PROVIDER_SCOPED or resource in USER_OWNED, resource


def test_separation_of_duties():
    clerk, supervisor, admin = user(Role.CLERK), user(Role.SUPERVISOR), user(Role.ADMIN)
    assert can(clerk, "forward", "invoice") and not can(clerk, "accept", "invoice")
    assert can(supervisor, "accept", "invoice") and not can(supervisor, "forward", "invoice")
    assert can(supervisor, "approve", "payment_order") and not can(clerk, "approve", "payment_order")
    assert not can(admin, "accept", "invoice")
    assert can(user(Role.CREDENTIALING), "create", "provider")
    assert not can(clerk, "create", "provider")


def test_nobody_may_edit_or_delete_audit_rows():
    for role in Role:
        assert not can(user(role), "edit", "audit_log")
        assert not can(user(role), "delete", "audit_log")
