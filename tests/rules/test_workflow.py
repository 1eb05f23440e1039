import pytest
import sqlalchemy as sa

from models import Invoice, Lot
from models.base import db
from models.enums import InvoiceStatus, LotStatus, Role
from models.workflow import MACHINES, TransitionError, allowed_targets, transition
from seed import factories as f
from tests.helpers import argentine_provider, brazilian_provider_with_guides, invoice_for


@pytest.fixture
def people(make_user):
    provider = argentine_provider()
    db.session.flush()
    return {
        "provider": provider,
        "provider_user": make_user(Role.PROVIDER, providers=[provider]),
        "clerk": make_user(Role.CLERK),
        "supervisor": make_user(Role.SUPERVISOR),
        "supervisor2": make_user(Role.SUPERVISOR),
    }


def test_full_invoice_path(people):
    invoice = invoice_for(people["provider"], created_by=people["provider_user"])
    transition(invoice, InvoiceStatus.SENT, people["provider_user"])
    transition(invoice, InvoiceStatus.IN_AUDIT, people["clerk"])
    transition(invoice, InvoiceStatus.ACCEPTED, people["supervisor"])
    assert invoice.status == InvoiceStatus.ACCEPTED
    assert invoice.submitted_by_id == people["provider_user"].id
    assert invoice.forwarded_by_id == people["clerk"].id
    assert invoice.decided_by_id == people["supervisor"].id


def test_illegal_transition_is_refused(people):
    invoice = invoice_for(people["provider"])
    with pytest.raises(TransitionError) as error:
        transition(invoice, InvoiceStatus.ACCEPTED, people["supervisor"])
    assert error.value.code == "illegal"
    assert invoice.status == InvoiceStatus.DRAFT


def test_role_without_the_action_is_refused(people):
    invoice = invoice_for(people["provider"], status=InvoiceStatus.SENT)
    with pytest.raises(TransitionError) as error:
        transition(invoice, InvoiceStatus.IN_AUDIT, people["supervisor"])
    assert error.value.code == "forbidden"


def test_provider_cannot_move_another_providers_invoice(people, make_user):
    other = argentine_provider("Otro SA")
    invoice = invoice_for(other)
    with pytest.raises(TransitionError) as error:
        transition(invoice, InvoiceStatus.SENT, people["provider_user"])
    assert error.value.code == "forbidden"


def test_four_eyes_forwarder_cannot_accept(people, make_user):
    hybrid = make_user(Role.SUPERVISOR)
    invoice = invoice_for(people["provider"], status=InvoiceStatus.IN_AUDIT, forwarded_by_id=hybrid.id)
    with pytest.raises(TransitionError) as error:
        transition(invoice, InvoiceStatus.ACCEPTED, hybrid)
    assert error.value.code == "four_eyes"
    assert InvoiceStatus.ACCEPTED not in allowed_targets(invoice, hybrid)
    assert InvoiceStatus.ACCEPTED in allowed_targets(invoice, people["supervisor"])


def test_reason_required_for_observation(people):
    invoice = invoice_for(people["provider"], status=InvoiceStatus.SENT)
    with pytest.raises(TransitionError) as error:
        transition(invoice, InvoiceStatus.OBSERVED, people["clerk"], reason="   ")
    assert error.value.code == "reason"
    transition(invoice, InvoiceStatus.OBSERVED, people["clerk"], reason="Falta planilla")
    assert invoice.status == InvoiceStatus.OBSERVED


def test_concurrent_change_is_a_conflict(people):
    invoice = invoice_for(people["provider"], status=InvoiceStatus.IN_AUDIT)
    db.session.commit()
    # Another session accepted it meanwhile: the row's version moved on.
    db.session.execute(sa.update(Invoice).where(Invoice.id == invoice.id)
                       .values(status="accepted", version_id=Invoice.version_id + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(TransitionError) as error:
        transition(invoice, InvoiceStatus.REJECTED, people["supervisor2"], reason="duplicada")
    assert error.value.code == "conflict"


def test_lot_release_needs_someone_else_than_the_analyst(make_user):
    provider, guides = brazilian_provider_with_guides()
    clerk = make_user(Role.CLERK)
    supervisor = make_user(Role.SUPERVISOR)
    lot = f.make_lot(provider, guides, "2026-10")
    db.session.flush()
    transition(lot, LotStatus.IN_ANALYSIS, clerk)
    transition(lot, LotStatus.ANALYSED, clerk)
    assert lot.analysed_by_id == clerk.id
    lot.analysed_by_id = supervisor.id  # a supervisor who analysed cannot release
    with pytest.raises(TransitionError):
        transition(lot, LotStatus.RELEASED, supervisor)
    lot.analysed_by_id = clerk.id
    transition(lot, LotStatus.RELEASED, supervisor)
    assert db.session.get(Lot, lot.id).status == LotStatus.RELEASED


def test_every_machine_uses_actions_of_the_matrix():
    from models.permissions import MATRIX

    for resource, machine in MACHINES.items():
        granted = set().union(*MATRIX[resource].values())
        for targets in machine.values():
            for step in targets.values():
                assert step.system or step.action in granted, (resource, step.action)
