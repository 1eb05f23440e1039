"""Small builders shared by tests (on top of seed.factories)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_admin.contrib.sqla import ModelView

import models as m
from models.base import db
from models.enums import Country, GuideType, InvoiceStatus, ItemKind, TaxCondition
from seed import factories as f


def argentine_provider(name: str = "Prestador SA", **fields):
    return f.make_provider(name, tax_condition=TaxCondition.MONOTRIBUTISTA,
                           service_codes=("CUIDADOR_DOMICILIARIO",), **fields)


def invoice_for(provider, status: InvoiceStatus = InvoiceStatus.DRAFT, number: int | None = None,
                amount: str = "1000.00", created_by=None, **fields):
    n = f.unique_suffix()
    beneficiary = f.make_beneficiary(f"AR{n:08d}", f"Afiliado {n}")
    auth = f.make_authorization(f"T{n:07d}", provider, beneficiary, f.service_type("CUIDADOR_DOMICILIARIO"),
                                "100000.00", date(2026, 1, 1), date(2026, 12, 31))
    invoice = f.make_invoice(auth, number or n, amount, date(2026, 3, 1), status=status, created_by=created_by,
                             **fields)
    db.session.flush()
    return invoice


def brazilian_provider_with_guides(name: str = "Clínica Teste Ltda", guides: int = 2):
    provider = f.make_provider(name, country=Country.BR, service_codes=("CONSULTA", "SP_SADT"))
    table = f.make_price_table(f"Tabela {name}", provider, [
        ("10101012", "Consulta em consultório", ItemKind.PROCEDURE, "150.00"),
        ("40304361", "Hemograma", ItemKind.PROCEDURE, "25.00"),
    ])
    db.session.flush()
    consult = table.items[0]
    made = []
    for _ in range(guides):
        n = f.unique_suffix()
        beneficiary = f.make_beneficiary(f"9{n:011d}", f"Beneficiário {n}")
        made.append(f.make_guide(provider, f"G{n}", GuideType.CONSULTA, beneficiary, date(2026, 10, 5),
                                 [(consult, Decimal(1))], execution=date(2026, 10, 5)))
    db.session.flush()
    return provider, made


def without_nonce(html: str) -> str:
    """A page without its per-request CSP nonce, to compare two answers."""
    return re.sub(r'nonce="[^"]*"', 'nonce=""', html)


# The URL map, as the sweeps walk it (tests/views/test_visibility_sweep.py, tests/fuzz/) ----------------
# Path arguments holding a row id, and the model whose ids they take.
ID_ARGS = {
    "invoice_id": m.Invoice, "lot_id": m.Lot, "order_id": m.PaymentOrder, "submission_id": m.TissSubmission,
    "attachment_id": m.Attachment, "appeal_id": m.Appeal, "cert_id": m.WithholdingCertificate,
    "guide_id": m.Guide, "provider_id": m.Provider,
}
OTHER_ARGS = {"export_type": "csv", "kind": "billed", "code": "es_AR", "token": "x", "filename": "x.eml"}
def provider_of(row) -> int | None:
    if isinstance(row, m.Provider):
        return row.id
    if isinstance(row, m.Attachment):
        return row.invoice.provider_id if row.invoice else (row.appeal.provider_id if row.appeal else None)
    return getattr(row, "provider_id", None)


def rows_by_owner(model, own: int | None):
    """(one own row id, one foreign row id) of ``model`` in the demo."""
    own_id = foreign_id = None
    for row in db.session.scalars(sa.select(model).order_by(model.id).limit(400)):
        owner = provider_of(row)
        if own is not None and owner == own and own_id is None:
            own_id = row.id
        if owner is not None and owner != own and foreign_id is None:
            foreign_id = row.id
    return own_id, foreign_id


def admin_views():
    return {view.endpoint: view for view in current_app.extensions["admin"][0]._views}


def urls_to_try(own: int | None) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET rule: ids of foreign rows (and own rows) in every id slot."""
    pairs = {arg: rows_by_owner(model, own) for arg, model in ID_ARGS.items()}
    views = admin_views()
    out = []
    for rule in current_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        for pick in (1, 0):  # the foreign row first, then the own row
            values = {}
            for arg in rule.arguments:
                values[arg] = pairs[arg][pick] if arg in pairs else OTHER_ARGS.get(arg, "1")
            if any(v is None for v in values.values()):
                continue
            url = rule.build(values, append_unknown=False)[1]
            view = views.get(rule.endpoint.split(".")[0])
            if isinstance(view, ModelView) and rule.endpoint.split(".")[1] in ("details_view", "edit_view"):
                _own, foreign = rows_by_owner(view.model, own) if view.model.__tablename__ != "user" else (1, 1)
                row_id = foreign if pick == 1 else _own
                if row_id is None:
                    continue
                url += f"?id={row_id}"
            elif not rule.arguments:
                foreign_provider = pairs["provider_id"][1]
                url += f"?provider_id={foreign_provider}&provider={foreign_provider}"
            out.append((rule.endpoint, url))
            if not rule.arguments and pick == 1:
                out.append((rule.endpoint, str(rule.rule)))
            if not rule.arguments:
                break
    return out


def body(response) -> str:
    return response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/xml")) else ""


def every_page(fetch) -> list:
    """The rows of every page ``fetch(cursor)`` (a keyset.Page) gives, following its cursors to the end."""
    rows, cursor = [], None
    while True:
        page = fetch(cursor)
        rows += page.rows
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor
