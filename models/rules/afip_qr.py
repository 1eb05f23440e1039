"""The AFIP/ARCA invoice QR (RG 4892/2020, version 1): parse its URL and compare it with typed data.

``https://www.afip.gob.ar/fe/qr/?p=<base64 JSON>`` (or host ``www.arca.gob.ar``).
Pure functions: the PDF rendering and image decoding live in ``services.qr``.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from models.base import to_money
from models.rules.tax_ids import digits, is_valid_cuit

QR_HOSTS = frozenset({"www.afip.gob.ar", "afip.gob.ar", "www.arca.gob.ar", "arca.gob.ar"})
QR_PATH = "/fe/qr/"
MAX_URL_LENGTH = 4096


class QrError(ValueError):
    """The text is not an AFIP invoice QR (``code`` says why)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class AfipQr:
    version: int
    invoice_date: date
    cuit: str
    point_of_sale: int
    voucher_type: int
    number: int
    amount: Decimal
    currency: str
    exchange_rate: Decimal
    auth_type: str  # "E" = CAE, "A" = CAEA
    cae: str
    receiver_doc_type: int | None = None
    receiver_doc: str | None = None

    @property
    def cuit_is_valid(self) -> bool:
        return is_valid_cuit(self.cuit)

    def as_json(self) -> dict:
        """JSON-safe dict stored in ``Invoice.qr_data``."""
        out = asdict(self)
        out["invoice_date"] = self.invoice_date.isoformat()
        out["amount"] = str(self.amount)
        out["exchange_rate"] = str(self.exchange_rate)
        return out


def _b64decode(text: str) -> bytes:
    text = text.strip().replace(" ", "+")  # '+' often arrives as a space after URL decoding
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise QrError("base64") from exc


def _int(value, name: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise QrError(name) from exc
    if not low <= number <= high:
        raise QrError(name)
    return number


def parse_qr_url(text: str) -> AfipQr:
    """Parse the QR text; raise QrError when it is not a version-1 AFIP/ARCA invoice QR."""
    if not isinstance(text, str) or len(text) > MAX_URL_LENGTH:
        raise QrError("url")
    parts = urlsplit(text.strip())
    if parts.scheme not in ("https", "http") or (parts.hostname or "").lower() not in QR_HOSTS:
        raise QrError("url")
    if not parts.path.rstrip("/").lower().endswith(QR_PATH.rstrip("/")):
        raise QrError("url")
    values = parse_qs(parts.query).get("p")
    if not values:
        raise QrError("payload")
    try:
        payload = json.loads(_b64decode(values[0]).decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QrError("json") from exc
    if not isinstance(payload, dict):
        raise QrError("json")
    try:
        version = _int(payload.get("ver", 1), "ver", 1, 1)
        fecha = date.fromisoformat(str(payload["fecha"]).strip()[:10])
        cuit = digits(str(payload["cuit"]))
        if len(cuit) != 11:
            raise QrError("cuit")
        point_of_sale = _int(payload["ptoVta"], "ptoVta", 1, 99_999)
        voucher_type = _int(payload["tipoCmp"], "tipoCmp", 1, 999)
        number = _int(payload["nroCmp"], "nroCmp", 1, 99_999_999)
        amount = to_money(Decimal(str(payload["importe"])))
        currency = str(payload.get("moneda", "PES")).strip().upper()[:3]
        exchange_rate = Decimal(str(payload.get("ctz", 1)))
        auth_type = str(payload.get("tipoCodAut", "E")).strip().upper()
        cae = digits(str(payload["codAut"]))
    except KeyError as exc:
        raise QrError(f"missing:{exc.args[0]}") from exc
    except (ValueError, InvalidOperation, TypeError) as exc:
        if isinstance(exc, QrError):
            raise
        raise QrError("value") from exc
    if auth_type not in ("E", "A") or len(cae) != 14:
        raise QrError("codAut")
    doc_type = payload.get("tipoDocRec")
    doc = payload.get("nroDocRec")
    return AfipQr(
        version=version, invoice_date=fecha, cuit=cuit, point_of_sale=point_of_sale, voucher_type=voucher_type,
        number=number, amount=amount, currency=currency, exchange_rate=exchange_rate, auth_type=auth_type, cae=cae,
        receiver_doc_type=_int(doc_type, "tipoDocRec", 0, 999) if doc_type not in (None, "") else None,
        receiver_doc=digits(str(doc)) if doc not in (None, "") else None,
    )


def build_qr_url(qr: AfipQr | dict, host: str = "www.afip.gob.ar") -> str:
    """The URL an invoice carries (used to make test PDFs and by the demo data)."""
    data = qr.as_json() if isinstance(qr, AfipQr) else dict(qr)
    payload = {
        "ver": data.get("version", 1), "fecha": data["invoice_date"], "cuit": int(data["cuit"]),
        "ptoVta": int(data["point_of_sale"]), "tipoCmp": int(data["voucher_type"]), "nroCmp": int(data["number"]),
        "importe": float(Decimal(str(data["amount"]))), "moneda": data.get("currency", "PES"),
        "ctz": float(Decimal(str(data.get("exchange_rate", 1)))), "tipoCodAut": data.get("auth_type", "E"),
        "codAut": int(data["cae"]),
    }
    encoded = base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    return f"https://{host}{QR_PATH}?p={encoded}"


# Comparison with what the user typed -------------------------------------------------
# field of the draft → (QR attribute, how to compare)
COMPARED_FIELDS = ("cuit", "voucher_type", "point_of_sale", "number", "invoice_date", "amount", "cae")


def qr_prefill(qr: AfipQr) -> dict:
    """Form values the QR provides (strings as the wizard's fields expect them)."""
    return {
        "voucher_type": str(qr.voucher_type),
        "point_of_sale": f"{qr.point_of_sale:05d}",
        "number": f"{qr.number:08d}",
        "invoice_date": qr.invoice_date.isoformat(),
        "amount": str(qr.amount),
        "cae": qr.cae,
    }


def compare(qr_data: dict, typed: dict) -> dict:
    """``{field: {"typed": ..., "qr": ...}}`` for every compared field whose values differ.

    ``qr_data`` is ``AfipQr.as_json()``; ``typed`` holds the draft's values and
    ``cuit`` (the provider's). Values are compared normalised (numbers as
    numbers, dates as ISO strings, amounts to the cent).
    """
    def norm(name, value):
        if value is None or value == "":
            return None
        if name in ("voucher_type", "point_of_sale", "number"):
            return int(value)
        if name == "amount":
            return str(to_money(Decimal(str(value))))
        if name == "invoice_date":
            return value.isoformat() if isinstance(value, date) else str(value)[:10]
        return digits(str(value))

    out = {}
    for name in COMPARED_FIELDS:
        qr_value, typed_value = norm(name, qr_data.get(name)), norm(name, typed.get(name))
        if qr_value != typed_value:
            out[name] = {"typed": typed_value, "qr": qr_value}
    if qr_data.get("currency") not in (None, "PES"):
        out["currency"] = {"typed": "PES", "qr": qr_data.get("currency")}
    return out
