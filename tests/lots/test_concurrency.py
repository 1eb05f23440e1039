"""Two tabs send the same guide at the same moment: the database lets exactly one win (PostgreSQL)."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from models import Beneficiary, Guide, Lot, MonthlyRollup, PaymentCalendarEntry, PriceTable, Provider
from models.base import db
from services.lot_flow import issue_lot
from services.lots import LotError, load_guides


@contextmanager
def _committed_clinic(app, name: str, guides: int):
    """A clinic with ``guides`` free guides, committed for real (a race needs real connections, not the
    test's rolled-back transaction), deleted again afterwards; yields its ids and its competence."""
    from tests.lots.conftest import Clinic

    saved = db.session
    db.session = db._make_scoped_session({})
    ids = {}
    try:
        clinic = Clinic(name)
        made = [clinic.guide() for _ in range(guides)]
        db.session.commit()
        ids = {"provider": clinic.provider.id, "guides": [g.id for g in made],
               "table": clinic.table.id, "beneficiaries": [b.id for b in clinic.beneficiaries]}
        competence = clinic.competence
        db.session.remove()
        yield ids, competence
    finally:
        db.session.remove()
        if ids:  # the rollup cells and lot totals go with their rows
            with app.app_context():
                db.session.execute(sa.update(Guide).where(Guide.provider_id == ids["provider"]).values(lot_id=None))
                db.session.execute(sa.delete(Lot).where(Lot.provider_id == ids["provider"]))
                db.session.execute(sa.delete(Guide).where(Guide.provider_id == ids["provider"]))
                db.session.execute(sa.delete(PriceTable).where(PriceTable.id == ids["table"]))
                db.session.execute(sa.delete(Beneficiary).where(Beneficiary.id.in_(ids["beneficiaries"])))
                db.session.execute(sa.delete(PaymentCalendarEntry))
                db.session.execute(sa.delete(Provider).where(Provider.id == ids["provider"]))
                db.session.commit()
                db.session.remove()
        db.session = saved


@pytest.mark.postgres_only
def test_two_connections_sending_the_same_guide(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer on one file lock: row-level races only exist on PostgreSQL")
    with _committed_clinic(app, "Clínica Concorrente Ltda", guides=3) as (ids, competence):

        loaded = threading.Barrier(2)
        outcomes: list[str] = []

        def tab():
            with app.app_context():
                try:
                    provider = db.session.get(Provider, ids["provider"])
                    mine = load_guides(provider.id, ids["guides"])
                    assert all(g.lot_id is None for g in mine)
                    loaded.wait(timeout=10)  # both tabs saw the guides free
                    issue_lot(provider, mine, competence=competence, actor=None)
                    time.sleep(0.4)  # hold the row locks: the other tab's UPDATE must wait
                    db.session.commit()
                    outcomes.append("sent")
                except LotError as exc:
                    db.session.rollback()
                    outcomes.append(exc.code)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=tab) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(outcomes) == ["sent", "taken"]
        with app.app_context():
            lot_ids = {lid for lid in db.session.scalars(sa.select(Guide.lot_id).where(Guide.id.in_(ids["guides"])))}
            assert len(lot_ids) == 1 and None not in lot_ids
            assert db.session.scalar(sa.select(sa.func.count(Lot.id)).where(Lot.provider_id == ids["provider"])) == 1


@pytest.mark.postgres_only
def test_two_lots_of_one_provider_and_month_do_not_wait_for_each_other(app):
    """Both lots fall in the same rollup cell (provider × month × status): the second writer must not
    queue behind the first one's open transaction (two workers receiving one hospital's zip)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer on one file lock")
    with _committed_clinic(app, "Clínica Dois Lotes Ltda", guides=2) as (ids, competence):
        first_open = threading.Event()
        outcomes: dict[str, str] = {}

        def send(name: str, guide_id: int, lock_timeout: str | None):
            with app.app_context():
                try:
                    if lock_timeout:
                        first_open.wait(timeout=10)
                        db.session.execute(sa.text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
                    provider = db.session.get(Provider, ids["provider"])
                    issue_lot(provider, load_guides(provider.id, [guide_id]), competence=competence, actor=None)
                    db.session.flush()
                    if not lock_timeout:
                        first_open.set()
                        time.sleep(0.6)  # the first lot's transaction stays open meanwhile
                    db.session.commit()
                    outcomes[name] = "sent"
                except sa.exc.OperationalError as exc:
                    db.session.rollback()
                    outcomes[name] = type(exc.orig).__name__
                finally:
                    first_open.set()
                    db.session.remove()

        threads = [threading.Thread(target=send, args=("first", ids["guides"][0], None)),
                   threading.Thread(target=send, args=("second", ids["guides"][1], "200ms"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert outcomes == {"first": "sent", "second": "sent"}
        with app.app_context():
            cells = db.session.execute(sa.select(MonthlyRollup.count, MonthlyRollup.amount).where(
                MonthlyRollup.entity == "lot", MonthlyRollup.provider_id == ids["provider"])).all()
            lots = db.session.execute(sa.select(sa.func.count(Lot.id), sa.func.sum(Lot.total_amount)).where(
                Lot.provider_id == ids["provider"])).one()
            assert (sum(n for n, _a in cells), sum(a for _n, a in cells)) == tuple(lots) and lots[0] == 2
