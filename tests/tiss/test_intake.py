"""The receiver, one file per defect, in the order a payer's receiver checks them."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from lxml import etree

from models import Glosa, Guide, GuideItem, Lot, TissSubmission
from models.base import db
from models.enums import GuideType, LotSource, LotStatus, ProviderStatus
from seed import factories as f
from services.tiss import Q
from services.tiss.intake import receive
from tests.tiss.conftest import ANS, find, needs_schemas, restamp

pytestmark = needs_schemas


def counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Lot, Guide, GuideItem))


def refused(data, code, **kwargs):
    before = counts()
    intake = receive(data, "lote.xml", **kwargs)
    assert not intake.accepted, intake.as_json()
    assert code in [e.code for e in intake.errors], intake.as_json()
    assert counts() == before, "a failed file must leave no lot, guide or item row"
    assert intake.submission.accepted is False and intake.submission.errors
    return intake


def test_accepts_a_valid_lot_and_issues_a_protocol(clinic):
    data = clinic.lot_file(count=3)
    intake = receive(data, "lote.xml")
    assert intake.accepted, intake.as_json()
    lot = intake.lot
    assert lot.protocol_number and lot.source == LotSource.XML and lot.status == LotStatus.RECEIVED
    assert len(lot.guides) == 3
    assert lot.total_amount == sum(g.total_amount for g in lot.guides)
    assert lot.total_amount == sum(i.total_amount for g in lot.guides for i in g.items)
    assert intake.submission.protocol_number == lot.protocol_number
    assert intake.submission.hash_encoding == "utf-8"
    assert intake.submission.provider_id == clinic.provider.id
    assert intake.glosas == []
