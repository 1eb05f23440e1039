"""What the database keeps (rollup cells, authorizations' billed totals) compared with what a rebuild from
the detail tables (``rollups.rebuild``) writes."""
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from models.base import db
from services import rollups

CENT = Decimal("0.01")


def kept_cells(*key, count, amount) -> dict:
    """A kept table's non-empty cells: {(key columns' values): (count, amount to the cent)}."""
    rows = db.session.execute(sa.select(*key, count, amount)).all()
    return {tuple(k): (n, Decimal(a).quantize(CENT)) for *k, n, a in rows if n or a}


def assert_same_after_rebuild(read: Callable[[], dict]) -> None:
    """``read()`` gives the same before and after rebuilding everything kept from the detail tables."""
    kept = read()
    rollups.rebuild(db.session.connection())
    assert kept == read()
