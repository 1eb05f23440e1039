"""Two supervisors deciding the same invoice at once, on two real database connections.

Runs on both databases; on PostgreSQL the second UPDATE waits for the first
transaction's row lock and then finds the version changed. Data is committed
for real (outside the per-test transaction), with unique identifiers.
"""
import threading

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

from models import Invoice
from models.audit import acting_as
from models.base import db
from models.enums import InvoiceStatus, Role
from models.workflow import TransitionError, transition
from seed import factories as f
from tests.invoices.conftest import INVOICE_DATE, PERIOD, month_start


@pytest.fixture
def committed(app):
    """A committed IN_AUDIT invoice and two supervisors, through a session of its own."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("two writers at once: PostgreSQL row locks and versions (SQLite serialises writers)")
    original = db.session
    db.session = scoped_session(sessionmaker(bind=engine))
    try:
        with acting_as(label="test"):
            n = f.unique_suffix()
            provider = f.make_provider(f"Concurrente {n}")
            beneficiary = f.make_beneficiary(f"C{n:07d}", "Afiliado")
            auth = f.make_authorization(f"C{n:07d}", provider, beneficiary, f.service_type("KINESIOLOGIA"),
                                        "100000.00", month_start(INVOICE_DATE, 6), month_start(INVOICE_DATE, -6))
            invoice = f.make_invoice(auth, n, "100.00", PERIOD, status=InvoiceStatus.IN_AUDIT, voucher_type=1,
                                     invoice_date=INVOICE_DATE)
            one = f.make_user(f"sup-a-{n}@test.example", Role.SUPERVISOR)
            two = f.make_user(f"sup-b-{n}@test.example", Role.SUPERVISOR)
            db.session.commit()
            ids = invoice.id, one.id, two.id
        db.session.remove()
    finally:
        db.session = original
    return engine, ids


def _session(engine):
    return scoped_session(sessionmaker(bind=engine))


pytestmark = pytest.mark.postgres_only


@pytest.fixture
def postgres(committed):
    return committed


def test_second_supervisor_gets_a_conflict(app, postgres):
    from models import User

    engine, (invoice_id, one_id, two_id) = postgres
    original = db.session
    db.session = _session(engine)  # transition() flushes db.session
    second = _session(engine)
    try:
        with app.test_request_context():
            a = db.session.get(Invoice, invoice_id)
            b = second.get(Invoice, invoice_id)
            assert a.version_id == b.version_id
            transition(a, InvoiceStatus.ACCEPTED, db.session.get(User, one_id))
            db.session.commit()
            db.session.remove()
            db.session = second
            with pytest.raises(TransitionError) as info:
                transition(b, InvoiceStatus.REJECTED, second.get(User, two_id), reason="x")
            assert info.value.code == "conflict"
    finally:
        db.session.remove()
        db.session = original
    check = _session(engine)
    invoice = check.get(Invoice, invoice_id)
    assert invoice.status == InvoiceStatus.ACCEPTED and invoice.decided_by_id == one_id
    check.remove()


def test_racing_threads_only_one_wins(app, postgres):
    from models import User

    engine, (invoice_id, one_id, two_id) = postgres
    barrier = threading.Barrier(2)
    results = {}
    original = db.session
    db.session = _session(engine)  # thread-local: each thread gets its own session and connection

    def decide(user_id, target):
        try:
            with app.test_request_context():
                invoice = db.session.get(Invoice, invoice_id)
                user = db.session.get(User, user_id)
                barrier.wait()
                try:
                    transition(invoice, target, user, reason="race")
                    db.session.commit()
                    results[user_id] = "ok"
                except TransitionError as exc:
                    results[user_id] = exc.code
        finally:
            db.session.remove()

    try:
        threads = [threading.Thread(target=decide, args=(one_id, InvoiceStatus.ACCEPTED)),
                   threading.Thread(target=decide, args=(two_id, InvoiceStatus.REJECTED))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        db.session = original
    assert sorted(results.values()) == ["conflict", "ok"], results
    check = _session(engine)
    final = check.get(Invoice, invoice_id)
    winner = one_id if results[one_id] == "ok" else two_id
    assert final.decided_by_id == winner and final.version_id == 2
    check.remove()
