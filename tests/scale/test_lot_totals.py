"""Each lot's totals (``lot_total``, kept by the database) stay equal to what its items and glosas add up
to, whatever changes them: new guides and items, glosas added and removed, executed quantities, guides
moved between lots, bulk statements, deletions, and glosas beyond what is left of an item."""
from decimal import Decimal

import sqlalchemy as sa

from models import Glosa, GlosaCode, Guide, GuideItem, Lot, LotTotal
from models.base import db
from models.enums import LotStatus, Role
from models.rules.analysis import Totals
from services import analysis, rollups
from services.adjudication.codes import glosa_code_row
from services.analysis_totals import computed_lot_totals, lot_totals
from tests.helpers import brazilian_provider_with_guides


def lot_of(provider, guides, number: str) -> Lot:
    lot = Lot(provider_id=provider.id, number=number, guide_type="consulta", competence="2026-10",
              total_amount=sum((g.total_amount for g in guides), Decimal(0)), status=LotStatus.IN_ANALYSIS)
    db.session.add(lot)
    db.session.flush()
    for guide in guides:
        guide.lot_id = lot.id
    db.session.flush()
    return lot


def assert_kept(*lots: Lot) -> dict[int, Totals]:
    ids = [lot.id for lot in lots]
    kept = lot_totals(ids)
    computed = computed_lot_totals(ids)
    assert {i: kept.get(i, Totals()) for i in ids} == {i: computed.get(i, Totals()) for i in ids}
    return kept


def code() -> GlosaCode:
    return glosa_code_row("1705")


def test_lot_totals_follow_guides_items_and_glosas(make_user):
    provider, guides = brazilian_provider_with_guides("Totais Ltda", guides=3)
    first, second = lot_of(provider, guides[:2], "T1"), lot_of(provider, guides[2:], "T2")
    kept = assert_kept(first, second)
    assert kept[first.id].informed == Decimal("300.00") and kept[second.id].informed == Decimal("150.00")
    assert db.session.get(LotTotal, first.id).guides == 2

    item = guides[0].items[0]
    clerk = make_user(Role.CLERK)
    glosa = analysis.add_glosa(item, "40.00", code(), "above the table", clerk)
    db.session.flush()
    kept = assert_kept(first)
    assert (kept[first.id].glosa, kept[first.id].released) == (Decimal("40.00"), Decimal("260.00"))

    analysis.set_executed_quantity(guides[1].items[0], Decimal("0"))  # not done: processed 0
    db.session.flush()
    assert assert_kept(first)[first.id].processed == Decimal("150.00")

    guides[1].lot_id = second.id  # a guide moved to another lot moves its values
    db.session.flush()
    kept = assert_kept(first, second)
    assert db.session.get(LotTotal, second.id).guides == 2
    assert kept[second.id].informed == Decimal("300.00")

    analysis.remove_glosa(glosa)
    db.session.flush()
    assert assert_kept(first)[first.id].glosa == Decimal("0.00")


def test_bulk_statements_deletions_and_overglosed_items_keep_lot_totals_exact():
    provider, guides = brazilian_provider_with_guides("Totais em Massa Ltda", guides=4)
    lot = lot_of(provider, guides, "T3")
    item = guides[0].items[0]
    # two glosas beyond the item's value: released stops at zero, the glosa column keeps both
    for amount in ("100.00", "90.00"):
        db.session.add(Glosa(provider_id=provider.id, lot_id=lot.id, guide_id=guides[0].id, guide_item_id=item.id,
                             code=code(), amount=Decimal(amount)))
    db.session.flush()
    kept = assert_kept(lot)
    assert kept[lot.id].glosa == Decimal("190.00")
    assert kept[lot.id].released == Decimal("450.00")  # 0 + 3 × 150

    db.session.execute(sa.update(GuideItem).where(GuideItem.guide_id.in_([g.id for g in guides[1:]]))
                       .values(processed_amount=Decimal("120.00")))
    assert assert_kept(lot)[lot.id].processed == Decimal("510.00")

    db.session.execute(sa.delete(GuideItem).where(GuideItem.guide_id == guides[3].id))
    db.session.execute(sa.update(Guide).where(Guide.id == guides[2].id).values(lot_id=None))
    kept = assert_kept(lot)
    assert kept[lot.id].informed == Decimal("300.00")
    assert db.session.get(LotTotal, lot.id).guides == 3  # guides[3] stays, without items

    db.session.execute(sa.delete(Glosa).where(Glosa.lot_id == lot.id))
    assert assert_kept(lot)[lot.id].released == Decimal("270.00")


def test_rebuild_writes_what_the_triggers_keep():
    provider, guides = brazilian_provider_with_guides("Totais Reconstruídos Ltda", guides=2)
    lot = lot_of(provider, guides, "T4")
    before = db.session.get(LotTotal, lot.id)
    kept = (before.guides, before.informed, before.released)
    db.session.expire_all()
    rollups.rebuild(db.session.connection())
    after = db.session.get(LotTotal, lot.id)
    assert (after.guides, after.informed, after.released) == kept


def test_guides_and_items_inserted_into_lots_add_to_their_totals():
    """Inserts keep the totals exact (the path of every TISS lot received): new guides straight into a lot,
    new items of guides that already hold items and glosas, in two lots at once, with executed values
    above, below and at zero; a lot whose totals row is gone gets it back whole; a new lot has none."""
    provider, guides = brazilian_provider_with_guides("Totais Inseridos Ltda", guides=2)
    first, second = lot_of(provider, guides[:1], "T5"), lot_of(provider, guides[1:], "T6")
    item = guides[0].items[0]
    db.session.add(Glosa(provider_id=provider.id, lot_id=first.id, guide_id=guides[0].id, guide_item_id=item.id,
                         code=code(), amount=Decimal("200.00")))  # beyond the item: its released stays at zero
    db.session.flush()
    new_guides = [{"provider_id": provider.id, "number": f"N{first.id}-{k}", "status": "authorized",
                   "lot_id": lot.id if lot else None, "guide_type": "consulta",
                   "beneficiary_id": guides[0].beneficiary_id,
                   "emission_date": guides[0].emission_date, "total_amount": Decimal("0"), "version_id": 1}
                  for k, lot in enumerate([first, first, second, None])]
    db.session.execute(sa.insert(Guide.__table__), new_guides)
    assert_kept(first, second)
    assert db.session.get(LotTotal, first.id).guides == 3 and db.session.get(LotTotal, second.id).guides == 2
    added = db.session.scalars(sa.select(Guide.id).where(Guide.number.like(f"N{first.id}-%"))).all()
    rows = []
    for guide_id in [*added, guides[0].id]:  # the new guides (one of them in no lot) and one holding a glosed item
        for total, processed in (("10.00", None), ("20.00", "5.00"), ("30.00", "0.00"), ("1.10", "2.20")):
            rows.append({"guide_id": guide_id, "kind": "procedure", "code": "10101012", "description": "x",
                         "quantity": Decimal(1), "unit_price": Decimal(total), "total_amount": Decimal(total),
                         "processed_amount": Decimal(processed) if processed else None})
    db.session.execute(sa.insert(GuideItem.__table__), rows)
    kept = assert_kept(first, second)
    # first: 150 (glosed to zero) + 3 guides × (10 + 20 + 30 + 1.10) informed; released 0 + 3 × (10 + 5 + 0 + 2.20)
    assert (kept[first.id].informed, kept[first.id].released) == (Decimal("333.30"), Decimal("51.60"))
    assert kept[first.id].glosa == Decimal("200.00")

    db.session.execute(sa.delete(LotTotal).where(LotTotal.lot_id == second.id))  # a lot without its row
    db.session.execute(sa.insert(GuideItem.__table__), [{**rows[0], "guide_id": guides[1].id}])
    assert assert_kept(second)[second.id].informed == Decimal("221.10")  # 150 + 61.10 + 10 recomputed whole
    assert db.session.get(LotTotal, second.id).guides == 2

    fresh = Lot(provider_id=provider.id, number="T7", guide_type="consulta", competence="2026-10",
                total_amount=Decimal(0), status=LotStatus.RECEIVED)
    db.session.add(fresh)
    db.session.flush()
    assert assert_kept(fresh).get(fresh.id, Totals()) == Totals()
