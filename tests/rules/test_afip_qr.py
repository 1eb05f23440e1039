"""The AFIP/ARCA QR URL: parsing, refusals and the comparison with typed data."""
import base64
import json
from datetime import date
from decimal import Decimal

import pytest

from models.rules.afip_qr import QrError, build_qr_url, compare, parse_qr_url, qr_prefill

PAYLOAD = {"ver": 1, "fecha": "2021-03-18", "cuit": 20267565393, "ptoVta": 2, "tipoCmp": 11, "nroCmp": 85,
           "importe": 29663.5, "moneda": "PES", "ctz": 1, "tipoDocRec": 80, "nroDocRec": 30710000006,
           "tipoCodAut": "E", "codAut": 71110383321640}


def url(payload=None, host="www.afip.gob.ar", encoder=base64.b64encode):
    return f"https://{host}/fe/qr/?p=" + encoder(json.dumps(payload or PAYLOAD).encode()).decode()


def test_parse_official_example():
    qr = parse_qr_url(url())
    assert (qr.cuit, qr.point_of_sale, qr.voucher_type, qr.number) == ("20267565393", 2, 11, 85)
    assert qr.invoice_date == date(2021, 3, 18) and qr.amount == Decimal("29663.50") and qr.cae == "71110383321640"
    assert qr.receiver_doc == "30710000006" and qr.cuit_is_valid


@pytest.mark.parametrize("host", ["www.arca.gob.ar", "arca.gob.ar", "afip.gob.ar"])
def test_arca_host_accepted(host):
    assert parse_qr_url(url(host=host)).number == 85


def test_urlsafe_and_unpadded_base64():
    assert parse_qr_url(url(encoder=lambda b: base64.urlsafe_b64encode(b).rstrip(b"="))).number == 85


@pytest.mark.parametrize("text", [
    "https://evil.example/fe/qr/?p=" + base64.b64encode(json.dumps(PAYLOAD).encode()).decode(),
    "https://www.afip.gob.ar/other/?p=e30=", "https://www.afip.gob.ar/fe/qr/", "https://www.afip.gob.ar/fe/qr/?p=!!!",
    "https://www.afip.gob.ar/fe/qr/?p=" + base64.b64encode(b"[1,2]").decode(), "javascript:alert(1)", "x" * 5000,
    "https://www.afip.gob.ar/fe/qr/?p=" + base64.b64encode(b"not json").decode(),
])
def test_refuses_non_afip_urls(text):
    with pytest.raises(QrError):
        parse_qr_url(text)


@pytest.mark.parametrize("change", [
    {"ver": 2}, {"cuit": 123}, {"ptoVta": 0}, {"ptoVta": 100000}, {"nroCmp": 0}, {"codAut": 123},
    {"tipoCodAut": "X"}, {"fecha": "2021-02-30"}, {"importe": "abc"},
])
def test_refuses_bad_fields(change):
    with pytest.raises(QrError):
        parse_qr_url(url({**PAYLOAD, **change}))


def test_missing_field():
    payload = dict(PAYLOAD)
    del payload["nroCmp"]
    with pytest.raises(QrError) as info:
        parse_qr_url(url(payload))
    assert info.value.code == "missing:nroCmp"


def test_build_round_trip_and_prefill():
    qr = parse_qr_url(url())
    again = parse_qr_url(build_qr_url(qr, host="www.arca.gob.ar"))
    assert again == qr.__class__(**{**qr.__dict__, "receiver_doc_type": None, "receiver_doc": None})
    assert qr_prefill(qr) == {"voucher_type": "11", "point_of_sale": "00002", "number": "00000085",
                              "invoice_date": "2021-03-18", "amount": "29663.50", "cae": "71110383321640"}


def test_compare_reports_each_difference():
    qr = parse_qr_url(url()).as_json()
    typed = {"cuit": "20-26756539-3", "voucher_type": 11, "point_of_sale": 2, "number": 85,
             "invoice_date": date(2021, 3, 18), "amount": Decimal("29663.50"), "cae": "71110383321640"}
    assert compare(qr, typed) == {}
    diff = compare(qr, {**typed, "number": 86, "amount": Decimal("29663.00"), "cuit": "30500010912"})
    assert diff == {"number": {"typed": 86, "qr": 85}, "amount": {"typed": "29663.00", "qr": "29663.50"},
                    "cuit": {"typed": "30500010912", "qr": "20267565393"}}


def test_compare_flags_foreign_currency():
    qr = parse_qr_url(url({**PAYLOAD, "moneda": "DOL", "ctz": 850.5})).as_json()
    assert compare(qr, {})["currency"] == {"typed": "PES", "qr": "DOL"}
