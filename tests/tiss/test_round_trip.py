"""Export → import gives back the same guides, items and totals; the CLI does what the page does."""
from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa
from lxml import etree

from models import Lot
from models.base import db
from models.enums import GuideType, LotSource
from seed import factories as f
from services.lot_flow import issue_lot
from services.tiss import schemas
from services.tiss.export import export_lot
from services.tiss.intake import receive
from tests.tiss.conftest import ANS

LINES = {
    GuideType.CONSULTA: [("10101012", 1)],
    GuideType.SP_SADT: [("40304361", 2), ("40302040", 1), ("70000001", 3), ("90000001", 1), ("60000732", 1)],
    GuideType.HONORARIOS: [("40304361", 1), ("40302040", 2)],
}


def snapshot(lot: Lot) -> dict:
    db.session.refresh(lot)
    guides = {}
    for g in lot.guides:
        keep_time = g.guide_type != GuideType.CONSULTA
        guides[g.number] = {
            "type": g.guide_type, "card": g.beneficiary.card_number, "emission": g.emission_date,
            "execution": g.execution_date, "time": g.execution_time if keep_time else None,
            "senha": g.authorization_number if keep_time else None,
            "authorized": ((g.authorization_date, g.authorization_valid_to)
                           if g.guide_type == GuideType.SP_SADT else None),
            "professional": (g.professional.council, g.professional.council_number, g.professional.council_state),
            "cnes": g.location.cnes if g.location else None, "total": g.total_amount,
            "items": sorted((i.kind, i.code, i.description, i.execution_date, i.quantity, i.unit_price, i.total_amount)
                            for i in g.items),
        }
    return {"number": lot.number, "type": lot.guide_type, "total": lot.total_amount, "guides": guides}


def builder_lot(clinic, guide_type: GuideType, count: int = 3) -> Lot:
    guides = []
    for k in range(count):
        lines = [(clinic.prices[code], qty) for code, qty in LINES[guide_type]]
        guides.append(f.make_guide(clinic.provider, f"9{f.unique_suffix():08d}", guide_type, clinic.patients[k % 3],
                                   clinic.day, lines, execution=clinic.day, professional=clinic.doctor,
                                   location=clinic.location))
    db.session.flush()
    lot = issue_lot(clinic.provider, guides, competence=f"{clinic.day.year}-{clinic.day.month:02d}", actor=None,
                    number=f"B{f.unique_suffix()}")
    db.session.commit()
    return lot


def wipe(lot: Lot) -> None:
    for guide in list(lot.guides):
        db.session.delete(guide)
    db.session.delete(lot)
    db.session.commit()


@pytest.mark.parametrize("guide_type", list(GuideType), ids=lambda t: t.value)
def test_export_validates_and_round_trips(clinic, tiss_schemas, guide_type):
    lot = builder_lot(clinic, guide_type)
    before = snapshot(lot)
    data = export_lot(lot, registro_ans=ANS)
    schema = schemas.load_schema("4.01.00", tiss_schemas)
    assert schema.validate(etree.fromstring(data)), schema.error_log
    wipe(lot)
    intake = receive(data, "export.xml")
    assert intake.accepted, intake.as_json()
    assert intake.lot.source == LotSource.XML
    assert snapshot(intake.lot) == before
    # …and a received lot exports to the same message content again
    again = export_lot(intake.lot, registro_ans=ANS)
    assert schema.validate(etree.fromstring(again))


def test_cli_imports_files_prints_json_and_fails_on_any_refusal(app, clinic, tmp_path):
    good = tmp_path / "good.xml"
    good.write_bytes(clinic.lot_file())
    bad = tmp_path / "bad.xml"
    bad.write_bytes(clinic.lot_file(registro_ans="123456"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tiss", "import", str(good), str(bad), "--provider", str(clinic.provider.id)])
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert result.exit_code == 1
    assert lines[0]["accepted"] is True and lines[0]["protocol"] and lines[0]["file"] == str(good)
    assert lines[1]["accepted"] is False and lines[1]["errors"][0]["code"] == "5006"
    ok = tmp_path / "ok.xml"
    ok.write_bytes(clinic.lot_file())
    result = runner.invoke(args=["tiss", "import", str(ok)])
    assert result.exit_code == 0, result.output


def test_cli_keeps_the_order_and_reports_unreadable_and_malformed_files(app, clinic, tmp_path):
    missing = tmp_path / "missing.xml"
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<?xml version='1.0'?><a></b>")
    good = tmp_path / "good.xml"
    good.write_bytes(clinic.lot_file())
    result = app.test_cli_runner().invoke(args=["tiss", "import", str(missing), str(broken), str(good)])
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert result.exit_code == 1
    assert [line["file"] for line in lines] == [str(missing), str(broken), str(good)]
    assert lines[0]["errors"][0]["code"] == "5002" and "cannot read" in lines[0]["errors"][0]["message"]
    assert lines[1]["errors"][0]["code"] == "5002" and "well-formed" in lines[1]["errors"][0]["message"]
    assert lines[2]["accepted"] is True


@pytest.mark.parametrize("readers", ["0", "3"])
def test_cli_reads_files_in_parallel_and_records_them_in_the_order_given(app, clinic, tmp_path, readers):
    paths = []
    for n in range(6):
        path = tmp_path / f"lote{n}.xml"
        path.write_bytes(clinic.lot_file([clinic.guide(card="0000000000")]) if n == 2 else clinic.lot_file())
        paths.append(str(path))
    result = app.test_cli_runner().invoke(args=["tiss", "import", "--readers", readers, *paths])
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert result.exit_code == 1
    assert [line["file"] for line in lines] == paths
    assert [line["accepted"] for line in lines] == [True, True, False, True, True, True]
    assert lines[2]["errors"][0]["code"] == "1001"
    protocols = [line["protocol"] for line in lines if line["accepted"]]
    assert protocols == sorted(protocols), "files are stored one by one, in the order given"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lot).where(
        Lot.protocol_number.in_(protocols))) == 5


def test_cli_reports_the_files_of_a_reader_that_died_and_goes_on(app, clinic, tmp_path, monkeypatch):
    from services.tiss import intake

    real = intake.read_file

    def dies_on_boom(data, filename, max_bytes=None):
        if filename == "boom.xml":
            os._exit(3)  # a reader process killed mid-file (out of memory, signal…)
        return real(data, filename, max_bytes)

    monkeypatch.setattr(intake, "read_file", dies_on_boom)  # forked readers inherit the patch
    paths = []
    for name in ("first.xml", "boom.xml", "last.xml"):
        path = tmp_path / name
        path.write_bytes(clinic.lot_file())
        paths.append(str(path))
    result = app.test_cli_runner().invoke(args=["tiss", "import", "--readers", "1", *paths])
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert result.exit_code == 1, result.output
    assert [line["file"] for line in lines] == paths
    assert lines[1]["accepted"] is False and "cannot read the file" in lines[1]["errors"][0]["message"]
