"""The GlosaCode row of a Tabela 38 code (created from the official table when missing) or of a
payer's own code."""
from __future__ import annotations

import sqlalchemy as sa

from models import GlosaCode
from models.base import db
from models.enums import GlosaSource
from models.rules.glosa_codes import description


def glosa_code_row(code: str) -> GlosaCode:
    row = db.session.scalar(sa.select(GlosaCode).where(GlosaCode.code == code))
    if row is None:
        row = GlosaCode(code=code, description=description(code), source=GlosaSource.TISS, group="Tabela 38")
        db.session.add(row)
        db.session.flush()
    return row
