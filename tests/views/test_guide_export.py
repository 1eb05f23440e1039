"""The guide list's CSV export: the whole file arrives, in plain text."""
from __future__ import annotations

import csv
import io

from models.base import db
from models.enums import Role
from tests.lots.conftest import Clinic
from views.admin import export


def test_clerk_exports_every_guide_row(client, login, make_user, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_ROWS", 2)  # several chunks with a few guides
    clinic = Clinic()
    guides = [clinic.guide() for _ in range(5)]
    db.session.commit()
    login(make_user(Role.CLERK))
    response = client.get("/admin/guide/export/csv/")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:2] == ["Guide", "Guide type"]
    assert sorted(row[0] for row in rows[1:]) == sorted(g.number for g in guides)  # every row, no HTML
    assert all(row[2].endswith(g.beneficiary.name) for row in rows[1:] for g in guides if g.number == row[0])

