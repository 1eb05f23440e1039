"""Two tabs send the same guide at the same moment: the database lets exactly one win (PostgreSQL)."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from models import Beneficiary, Guide, Lot, PaymentCalendarEntry, PriceTable, Provider
from models.base import db
from services.lots import LotError, issue_lot, load_guides


@pytest.mark.postgres_only
def test_two_connections_sending_the_same_guide(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises every writer on one file lock: row-level races only exist on PostgreSQL")
    from tests.lots.conftest import Clinic

    saved = db.session
    db.session = db._make_scoped_session({})  # real connections that commit, not the test's rollback
    ids = {}
    try:
        clinic = Clinic("Clínica Concorrente Ltda")
        guides = [clinic.guide() for _ in range(3)]
        db.session.commit()
        ids = {"provider": clinic.provider.id, "guides": [g.id for g in guides],
               "table": clinic.table.id, "beneficiaries": [b.id for b in clinic.beneficiaries]}
        competence = clinic.competence
        db.session.remove()

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
    finally:
        db.session.remove()
        if ids:
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
