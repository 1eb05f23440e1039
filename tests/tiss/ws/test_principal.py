"""A web-service caller acts as its provider's user: the matrix and services.visibility scope it alike."""
import sqlalchemy as sa

from models import Lot, TissSubmission
from models.base import db
from services.tiss.intake import receive
from services.tiss.ws.caller import WebServicePrincipal
from services.visibility import get_visible, may_see, visible
from tests.tiss.conftest import Clinic


def test_the_principal_sees_only_its_providers_rows(clinic):
    other = Clinic()
    own, foreign = receive(clinic.lot_file(), "own.xml"), receive(other.lot_file(), "foreign.xml")
    principal = WebServicePrincipal(clinic.provider.id, "LOGIN", 1)
    assert get_visible(Lot, own.lot.id, principal) is not None
    assert get_visible(Lot, foreign.lot.id, principal) is None
    assert not may_see(principal, db.session.get(Lot, foreign.lot.id))
    rows = db.session.scalars(visible(sa.select(TissSubmission), principal, "tiss_submission")).all()
    assert {r.provider_id for r in rows} == {clinic.provider.id}
    assert db.session.scalars(visible(sa.select(Lot), principal, "audit_log", Lot)).all() == []
