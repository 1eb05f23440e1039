"""The receiver, one file per defect, in the order a payer's receiver checks them."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from lxml import etree

from models import AuditLog, Glosa, Guide, GuideItem, Lot, TissSubmission
from models.base import db
from models.enums import GuideType, LotSource, LotStatus, ProviderStatus
from models.errors import CodedError
from seed import factories as f
from services.tiss import Q, xmlsafe
from services.tiss.errors import TissRefused
from services.tiss.intake import receive
from tests.tiss.conftest import find, restamp


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


def test_the_received_lot_and_its_guides_are_in_the_audit_log(clinic):
    intake = receive(clinic.lot_file(count=3), "lote.xml")
    assert intake.accepted, intake.as_json()
    lot = intake.lot
    rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "lot", AuditLog.entity_id == lot.id)
                              .order_by(AuditLog.id)).all()
    assert [row.action for row in rows] == ["create", "event"]
    event = rows[1].changes
    assert event["event"] == "guides_received" and event["protocol"] == lot.protocol_number
    assert event["guides"] == {guide.number: guide.id for guide in lot.guides}
    assert event["items"] == sum(len(guide.items) for guide in lot.guides) == 15
    assert event["total"] == str(lot.total_amount)
    for guide in lot.guides:
        assert [i.code for i in guide.items] == ["40304361", "40302040", "70000001", "90000001", "60000732"]


# 5002 -------------------------------------------------------------------------------
def test_malformed_xml_is_5002(clinic):
    intake = refused(b"<?xml version='1.0'?><ans:mensagemTISS xmlns:ans='x'><a></b>", "5002")
    assert "well-formed" in intake.errors[0].message


def test_a_refused_file_is_a_coded_error_with_the_glosa_code(app):
    with app.test_request_context(), pytest.raises(CodedError) as raised:
        xmlsafe.parse_document(b"<a></b>", 1000)
    assert isinstance(raised.value, TissRefused)
    assert raised.value.code == "5002" and "well-formed" in raised.value.message
    assert raised.value.error.code == "5002" and raised.value.error.message == raised.value.message


def test_schema_invalid_is_5002_with_guide_and_element(clinic):
    guides = [clinic.guide(), clinic.guide()]
    data = clinic.lot_file(guides)

    def break_it(root):
        second = root.findall(f".//{Q}guiaSP-SADT")[1]
        find(second, "dadosBeneficiario/atendimentoRN").text = "X"

    intake = refused(restamp(data, break_it), "5002")
    error = intake.errors[0]
    assert error.guide == sorted(g.number for g in guides)[1]
    assert error.element.endswith("guiaSP-SADT[2]/dadosBeneficiario/atendimentoRN")


def test_xxe_is_refused_without_reading_the_file(clinic, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file://{secret}">]>'
            f'<ans:mensagemTISS xmlns:ans="http://www.ans.gov.br/padroes/tiss/schemas">&x;</ans:mensagemTISS>').encode()
    intake = refused(data, "5002")
    assert "TOP-SECRET" not in str(intake.as_json())


def test_billion_laughs_is_refused_quickly(clinic):
    lol = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">'
                                      for i in range(1, 10)]
    data = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [' + "".join(lol) + ']>'
            '<ans:mensagemTISS xmlns:ans="http://www.ans.gov.br/padroes/tiss/schemas">&lol9;</ans:mensagemTISS>').encode()
    started = time.perf_counter()
    refused(data, "5002")
    assert time.perf_counter() - started < 1.0


def test_oversized_file_is_refused_before_parsing(clinic, app):
    data = clinic.lot_file()
    intake = refused(data, "5002", max_bytes=len(data) - 1)
    assert "limit" in intake.errors[0].message


def test_missing_schema_version_names_the_schema(clinic):
    data = clinic.lot_file()
    data = data.replace(b"<ans:Padrao>4.01.00</ans:Padrao>", b"<ans:Padrao>4.00.01</ans:Padrao>")
    intake = refused(data, "5002")
    assert "tissV4_00_01.xsd" in intake.errors[0].message


def test_utf16_is_refused(clinic):
    data = clinic.lot_file().decode("iso-8859-1").replace("ISO-8859-1", "UTF-16").encode("utf-16")
    refused(data, "5002")


# 1206 / 1207 / 5005 ------------------------------------------------------------------------
def test_unknown_provider_is_5005(clinic):
    stranger = f.make_provider("Desconhecida Ltda", country=clinic.provider.country)
    data = clinic.lot_file(provider=stranger)
    db.session.delete(stranger)
    db.session.flush()
    refused(data, "5005")


def test_unknown_provider_code_is_1206(clinic):
    data = clinic.lot_file()
    root = etree.fromstring(data)
    ident = find(root, "cabecalho/origem/identificacaoPrestador")
    ident.remove(ident[0])
    etree.SubElement(ident, f"{Q}codigoPrestadorNaOperadora").text = "NAO-EXISTE"
    refused(restamp(etree.tostring(root)), "1206")


def test_inactive_provider_is_refused(clinic):
    clinic.provider.status = ProviderStatus.SUSPENDED
    db.session.flush()
    refused(clinic.lot_file(), "1207")


def test_provider_user_cannot_send_another_providers_file(clinic):
    other = f.make_provider("Outra Clínica Ltda", country=clinic.provider.country)
    db.session.commit()
    intake = refused(clinic.lot_file(), "1206", provider_id=other.id)
    assert intake.submission.provider_id == other.id


# 5006 / 5014 / 5015 / 1308 ------------------------------------------------------------------
def test_other_payers_registro_ans_is_5006(clinic):
    refused(clinic.lot_file(registro_ans="123456"), "5006")


def test_wrong_hash_is_5014(clinic):
    data = clinic.lot_file()
    root = etree.fromstring(data)
    find(root, "epilogo/hash").text = "0" * 32
    refused(etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1"), "5014")


def test_content_changed_after_hashing_is_5014(clinic):
    data = clinic.lot_file().replace(b"<ans:valorTotalGeral>", b"<ans:valorTotalGeral>1", 1)
    refused(data, "5014")


def test_iso_8859_1_reading_of_the_hash_is_accepted_and_recorded(clinic):
    patient = f.make_beneficiary("CARTÃO-ÇÕES", "Conceição")
    db.session.flush()
    data = clinic.lot_file([clinic.guide(card=patient.card_number)])

    def latin1(root):
        hash_node = find(root, "epilogo/hash")
        from services.tiss import hashing
        hash_node.text = ""
        hash_node.text = hashing.compute(root, "iso-8859-1")

    root = etree.fromstring(data)
    latin1(root)
    intake = receive(etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1"), "latin1.xml")
    assert intake.accepted, intake.as_json()
    assert intake.submission.hash_encoding == "iso-8859-1"


def test_more_than_100_guides_is_5015(clinic):
    guides = [clinic.guide(GuideType.CONSULTA) for _ in range(101)]
    intake = refused(clinic.lot_file(guides), "5015")
    assert intake.errors[0].code == "5015"


def test_mixed_guide_types_is_5015(clinic):
    guides = [clinic.guide(GuideType.CONSULTA), clinic.guide(GuideType.CONSULTA)]
    data = clinic.lot_file(guides)
    other = etree.fromstring(clinic.lot_file([clinic.guide(GuideType.SP_SADT)]))
    sadt = other.find(f".//{Q}guiaSP-SADT")

    def mix(root):
        root.find(f".//{Q}guiasTISS").append(sadt)

    intake = refused(restamp(data, mix), "5015")
    assert [e.code for e in intake.errors] == ["5015"]


def test_a_guide_invalid_inside_an_oversized_lot_is_still_5002(clinic):
    guides = [clinic.guide(GuideType.CONSULTA) for _ in range(101)]

    def break_last(root):
        find(root.findall(f".//{Q}guiaConsulta")[100], "dadosBeneficiario/atendimentoRN").text = "X"

    intake = refused(restamp(clinic.lot_file(guides), break_last), "5002")
    assert "guiaConsulta[101]" in intake.errors[0].element


def test_duplicate_lot_number_is_1308_unless_cancelled(clinic):
    first = receive(clinic.lot_file(lot_number="777"), "a.xml")
    assert first.accepted
    refused(clinic.lot_file(lot_number="777"), "1308")
    first.lot.status = LotStatus.CANCELLED
    for guide in first.lot.guides:
        guide.lot_id = None
    db.session.commit()
    again = receive(clinic.lot_file(lot_number="777"), "b.xml")
    assert again.accepted, again.as_json()


# Per-guide occurrences --------------------------------------------------------------------
def test_unknown_card_is_1001_with_guide_and_element(clinic):
    bad = clinic.guide(card="0000000000")
    intake = refused(clinic.lot_file([clinic.guide(), bad]), "1001")
    error = next(e for e in intake.errors if e.code == "1001")
    assert error.guide == bad.number
    assert error.element.endswith("dadosBeneficiario/numeroCarteira")


def test_guide_repeated_in_the_file_is_1308(clinic):
    guide = clinic.guide()
    refused(clinic.lot_file([guide, clinic.guide(number=guide.number)]), "1308")


def test_guide_already_billed_is_1308(clinic):
    guide = clinic.guide()
    assert receive(clinic.lot_file([guide]), "a.xml").accepted
    intake = refused(clinic.lot_file([clinic.guide(), clinic.guide(number=guide.number)]), "1308")
    assert intake.errors[0].guide == guide.number


def test_procedure_not_in_the_price_table_is_1801(clinic):
    guide = clinic.guide(items=[clinic.item("40304361"), clinic.item("99999999", unit_price="10.00")])
    intake = refused(clinic.lot_file([guide]), "1801")
    error = next(e for e in intake.errors if e.code == "1801")
    assert error.guide == guide.number and "procedimentoExecutado[2]" in error.element


def test_value_above_the_table_is_accepted_with_a_1705_glosa(clinic):
    guide = clinic.guide(items=[clinic.item("40304361", 2, unit_price="30.00"), clinic.item("70000001")])
    intake = receive(clinic.lot_file([guide, clinic.guide()]), "a.xml")
    assert intake.accepted, intake.as_json()
    assert [(g["code"], g["guide"], g["amount"]) for g in intake.glosas] == [("1705", guide.number, "10.00")]
    glosa = db.session.scalar(sa.select(Glosa).where(Glosa.lot_id == intake.lot.id))
    assert glosa.amount == Decimal("10.00") and glosa.code.code == "1705"
    assert glosa.guide_item.code == "40304361"
    assert intake.submission.errors[0]["code"] == "1705"


def test_every_error_of_every_guide_is_reported(clinic):
    a = clinic.guide(card="0000000000")
    b = clinic.guide(items=[clinic.item("99999999", unit_price="10.00")])
    intake = refused(clinic.lot_file([a, b]), "1001")
    assert {(e.code, e.guide) for e in intake.errors} >= {("1001", a.number), ("1801", b.number)}


def test_failed_file_keeps_only_the_history_row(clinic):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(TissSubmission))
    refused(clinic.lot_file([clinic.guide(card="0000000000")]), "1001")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TissSubmission)) == before + 1


def test_a_free_guide_registered_before_is_refreshed_and_attached(clinic):
    registered = f.make_guide(clinic.provider, f"7{f.unique_suffix():08d}", GuideType.SP_SADT, clinic.patients[0],
                              clinic.day, [(clinic.prices["10101012"], 1)], execution=clinic.day)
    db.session.commit()
    old_item_id = registered.items[0].id
    data = clinic.lot_file([clinic.guide(number=registered.number), clinic.guide()])
    intake = receive(data, "lote.xml")
    assert intake.accepted, intake.as_json()
    db.session.refresh(registered)
    assert registered.lot_id == intake.lot.id and len(intake.lot.guides) == 2
    assert [i.code for i in registered.items] == ["40304361", "40302040", "70000001", "90000001", "60000732"]
    assert old_item_id not in {i.id for i in registered.items}
    assert registered.total_amount == sum(i.total_amount for i in registered.items)
    assert intake.lot.total_amount == sum(g.total_amount for g in intake.lot.guides)
    attached = db.session.scalars(sa.select(AuditLog).where(AuditLog.entity == "guide",
                                                           AuditLog.entity_id == registered.id)).all()
    assert any(r.changes == {"lot_id": [None, intake.lot.id]} for r in attached)
    removed = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "guide_item", AuditLog.action == "delete",
                                                         AuditLog.entity_id == old_item_id))
    assert removed.changes["code"] == "10101012"
    received = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "lot", AuditLog.action == "event",
                                                          AuditLog.entity_id == intake.lot.id))
    assert received.changes["guides"][registered.number] == registered.id


def test_builder_lots_never_take_a_number_a_provider_sends(clinic, client, login, make_user):
    """The provider numbers its TISS lot like the protocol the lot builder will use next: both lots live."""
    from models.enums import Role
    from models.sequences import next_value
    from services.lot_flow import issue_lot

    last = next_value("protocol")
    db.session.commit()
    # The file takes protocol last + 1; the builder lot after it takes last + 2, the provider's number.
    sent = receive(clinic.lot_file(lot_number=str(last + 2)), "lote.xml")
    assert sent.accepted, sent.as_json()
    price = clinic.table.items[0]
    guide = f.make_guide(clinic.provider, f"B{f.unique_suffix():08d}", GuideType.SP_SADT, clinic.patients[0],
                         clinic.day, [(price, 1)], execution=clinic.day)
    db.session.flush()
    built = issue_lot(clinic.provider, [guide], competence=clinic.day.strftime("%Y-%m"), actor=None)
    db.session.commit()
    assert built.protocol_number == last + 2 and sent.lot.number == str(last + 2)
    assert built.number != sent.lot.number and len(built.number) == 12 and built.number.isdigit()

    login(make_user(Role.PROVIDER, providers=[clinic.provider]))
    page = client.get(f"/admin/lot-tracking/?protocol={built.protocol_number}").get_data(True)
    assert built.number in page
    # The builder's numbers are closed to files, so the provider cannot take the next one either.
    intake = refused(clinic.lot_file(lot_number=f"9{last + 3:011d}"), "1308")
    assert "reserved for lots built in the portal" in intake.errors[0].message
