"""End-to-end service flow: analyse a lot, release, appeal, pay (with withholdings), certificates."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import PaymentOrderLine, WithholdingCertificate
from models.base import db
from models.enums import AppealStatus, InvoiceStatus, LotStatus, PaymentLineKind, PaymentMethod, PaymentOrderStatus, Tax
from models.workflow import TransitionError, transition
from services import analysis, appeals, payments

D = Decimal


def _analyse(lot, clerk, codes):
    transition(lot, LotStatus.IN_ANALYSIS, clerk)
    analysis.start_values(lot)
    g1, g2 = lot.guides
    hemo = g1.items[1]
    analysis.set_executed_quantity(hemo, "1")           # 2 billed, 1 executed: processed 25.00
    analysis.add_glosa(g1.items[0], "30.00", codes["1705"], "acima da tabela", clerk)
    analysis.glosa_guide(g2, codes["1702"], "duplicada", clerk)
    return g1, g2


def test_analysis_totals_reconcile(br_lot, money_setup, staff):
    g1, g2 = _analyse(br_lot, staff["clerk"], money_setup)
    st = analysis.statement(br_lot)
    assert st.totals.informed == D("350.00")
    assert st.totals.processed == D("325.00")
    assert st.totals.glosa == D("180.00")
    assert st.totals.released == D("145.00")
    for g in st.guides:
        assert g.totals.released == g.totals.processed - g.totals.glosa
        assert sum(i.totals.released for i in g.items) == g.totals.released
    assert g2.items[0].released_amount == D("0.00")
    with pytest.raises(analysis.AnalysisError):
        analysis.add_glosa(g1.items[0], "200.00", money_setup["1705"], None, staff["clerk"])
    analysis.accept_guide(g2)
    assert analysis.statement(br_lot).totals.released == D("295.00")


def test_four_eyes_on_release_and_orders(br_lot, money_setup, staff):
    clerk, sup, sup2 = staff["clerk"], staff["supervisor"], staff["supervisor2"]
    _analyse(br_lot, clerk, money_setup)
    analysis.finish(br_lot, clerk)
    assert br_lot.status == LotStatus.ANALYSED and br_lot.analysed_by_id == clerk.id
    with pytest.raises(TransitionError):
        transition(br_lot, LotStatus.RELEASED, clerk)  # a clerk may not release
    transition(br_lot, LotStatus.RELEASED, sup)
    order = payments.create_order(br_lot.provider, [f"lot:{br_lot.id}"], date(2026, 3, 10), clerk)
    payments.submit(order, clerk)
    with pytest.raises(TransitionError) as exc:
        payments.approve(order, clerk)
    assert exc.value.code in ("forbidden", "four_eyes")
    payments.approve(order, sup2)
    with pytest.raises(TransitionError):
        payments.mark_paid(order, sup2, date(2026, 3, 10), PaymentMethod.TRANSFER)


def test_full_payment_with_appeal(br_lot, money_setup, staff, make_user):
    from models.enums import Role

    clerk, sup = staff["clerk"], staff["supervisor"]
    provider_user = make_user(Role.PROVIDER, providers=[br_lot.provider])
    _analyse(br_lot, clerk, money_setup)
    analysis.finish(br_lot, clerk)
    transition(br_lot, LotStatus.RELEASED, sup)
    released = analysis.lot_released_total(br_lot)
    assert released == D("145.00")

    glosas = appeals.appealable_glosas(br_lot)
    amounts = {a.glosa.id: a.glosa.amount for a in glosas}
    with pytest.raises(appeals.AppealError):
        appeals.create_appeal(br_lot, provider_user, "x" * 501, amounts)
    too_much = {k: v + 1 for k, v in amounts.items()}
    with pytest.raises(appeals.AppealError):
        appeals.create_appeal(br_lot, provider_user, "Conforme contrato", too_much)
    appeal = appeals.create_appeal(br_lot, provider_user, "Conforme contrato", amounts,
                                   files=[("a.pdf", b"%PDF-1.4\n1 0 obj\n%%EOF\n")])
    db.session.commit()
    assert appeal.requested_amount == D("180.00") and len(appeal.attachments) == 1
    with pytest.raises(appeals.AppealError):  # nothing left to appeal while pending
        appeals.create_appeal(br_lot, provider_user, "again", amounts)
    with pytest.raises(appeals.AppealError):
        appeals.create_appeal(br_lot, provider_user, "fake", {glosas[0].glosa.id: "1"}, files=[("x.pdf", b"MZ")])
    item_ids = [i.id for i in appeal.items]
    partial = {item_ids[0]: "30.00", item_ids[1]: "0"}
    with pytest.raises(appeals.AppealError):  # partial needs a reason
        appeals.decide(appeal, clerk, partial, "")
    assert appeal.status == AppealStatus.OPEN
    status = appeals.decide(appeal, clerk, {appeal.items[0].id: "30.00", appeal.items[1].id: "0"}, "Parcial")
    assert status == AppealStatus.PARTIALLY_ACCEPTED and appeal.accepted_amount == D("30.00")

    order = payments.create_order(br_lot.provider, [f"lot:{br_lot.id}", f"appeal:{appeal.id}"],
                                  date(2026, 3, 10), clerk)
    assert order.gross_amount == D("175.00")
    kinds = {line.kind for line in order.lines}
    assert kinds == {PaymentLineKind.LOT, PaymentLineKind.APPEAL}
    # Lucro presumido: IRRF 1.5 % = 2.63 (< R$10: not withheld), ISS 3 % = 5.25, PIS/COFINS/CSLL below R$10.
    taxes = {d.rule.tax: d.amount for d in order.deductions if d.rule}
    assert taxes == {Tax.ISS: D("5.25")}
    assert order.net_amount == D("169.75")
    payments.submit(order, clerk)
    payments.approve(order, sup)
    certs = payments.mark_paid(order, clerk, date(2026, 3, 11), PaymentMethod.TRANSFER)
    assert order.status == PaymentOrderStatus.PAID and br_lot.status == LotStatus.PAID
    assert len(certs) == 1 and certs[0].amount == D("5.25")
    assert order.bank_account == "5678-9"
    assert payments.payables(br_lot.provider).all == []


def test_invoice_debit_and_order(ar_invoice, money_setup, staff):
    clerk, sup = staff["clerk"], staff["supervisor"]
    analysis.debit_invoice(ar_invoice, "10000.00", money_setup["D01"], "no autorizado", clerk)
    with pytest.raises(analysis.AnalysisError):
        analysis.debit_invoice(ar_invoice, "190000.01", money_setup["D01"], None, clerk)
    assert ar_invoice.debited_amount == D("10000.00") and ar_invoice.net_amount == D("190000.00")
    ar_invoice.forwarded_by_id = clerk.id
    transition(ar_invoice, InvoiceStatus.ACCEPTED, sup)
    order = payments.create_order(ar_invoice.provider, [f"invoice:{ar_invoice.id}"], date(2026, 3, 10), clerk)
    assert ar_invoice.status == InvoiceStatus.ENTERED
    taxes = {d.rule.tax: (d.base_amount, d.amount) for d in order.deductions if d.rule}
    # RI: Ganancias régimen 116 (first rule) 10 % over the 160,000 minimum → 3,000;
    # IVA 10.5 % → 19,950; IIBB 2.5 % → 4,750
    assert taxes[Tax.IIBB][1] == D("4750.00")
    assert taxes[Tax.IVA][1] == D("19950.00")
    gan = [d for d in order.deductions if d.rule and d.rule.tax == Tax.GANANCIAS]
    assert [(d.rule.regime_code, d.amount) for d in gan] == [("116", D("3000.00"))]
    assert order.net_amount == order.gross_amount - sum(d.amount for d in order.deductions)
    payments.cancel(order, sup, "error")
    assert ar_invoice.status == InvoiceStatus.ACCEPTED
    assert db.session.query(PaymentOrderLine).filter_by(invoice_id=ar_invoice.id).count() == 0


def test_withholdings_csv_neutralises(ar_invoice, money_setup, staff):
    clerk, sup = staff["clerk"], staff["supervisor"]
    ar_invoice.provider.legal_name = "=HYPERLINK(\"x\")"
    ar_invoice.forwarded_by_id = clerk.id
    transition(ar_invoice, InvoiceStatus.ACCEPTED, sup)
    order = payments.create_order(ar_invoice.provider, [f"invoice:{ar_invoice.id}"], date(2026, 3, 10), clerk)
    payments.submit(order, clerk)
    payments.approve(order, sup)
    payments.mark_paid(order, clerk, date(2026, 3, 12), PaymentMethod.TRANSFER)
    assert db.session.query(WithholdingCertificate).count() == 3
    text = payments.withholdings_csv(date(2026, 3, 1), date(2026, 3, 31))
    assert "'=HYPERLINK" in text and text.count("\n") == 4
