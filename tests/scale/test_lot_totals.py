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
