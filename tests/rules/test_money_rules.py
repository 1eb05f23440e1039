"""Pure money rules: analysis totals (property-based), withholdings against worked examples, appeals."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from models.enums import AppealStatus, Country, DeductionKind, Tax
from models.rules import analysis as an
from models.rules import appeals as ap
from models.rules import withholdings as wh

D = Decimal
cents = st.integers(min_value=1, max_value=5_000_000).map(lambda c: D(c) / 100)
qty = st.integers(min_value=1, max_value=20).map(D)


@st.composite
def lots(draw):
    """Random lots: guides of items (unit price, billed qty, executed qty, glosa fractions)."""
    guides = []
    for _ in range(draw(st.integers(1, 8))):
        items = []
        for _ in range(draw(st.integers(1, 6))):
            price, billed = draw(cents), draw(qty)
            executed = D(draw(st.integers(0, int(billed))))
            fractions = draw(st.lists(st.integers(0, 100), max_size=3))
            items.append((price, billed, executed, fractions))
        guides.append(items)
    return guides


@settings(max_examples=150, deadline=None)
@given(lots())
def test_totals_reconcile_to_the_cent_at_every_level(lot):
    guide_totals = []
    for items in lot:
        item_totals = []
        for price, billed, executed, fractions in items:
            processed = an.processed_amount(price, executed)
            glosas = []
            for pct in fractions:  # each glosa a share of what is left, never above processed
                left = an.remaining(processed, glosas)
                amount = (left * pct / 100).quantize(D("0.01"))
                if amount > 0:
                    assert an.check_glosa(amount, processed, sum(glosas, D("0"))) is None
                    glosas.append(amount)
            assert an.check_glosa(an.remaining(processed, glosas) + D("0.01"), processed, sum(glosas, D("0"))) \
                == "above_processed"
            t = an.item_totals(an.processed_amount(price, billed), processed, glosas)
            assert t.released == t.processed - t.glosa >= 0
            item_totals.append(t)
        g = an.sum_totals(item_totals)
        assert g.released == g.processed - g.glosa
        assert g.informed == sum(t.informed for t in item_totals)
        guide_totals.append(g)
    total = an.sum_totals(guide_totals)
    assert total.released == total.processed - total.glosa
    assert total.released == sum(t.released for t in guide_totals)
    assert total.processed <= total.informed
    # a payment order paying the lot: gross - deductions = net, to the cent
    totals = wh.order_totals([total.released], [], [wh.Adjustment(DeductionKind.CREDIT, "08", "x", D("1.00"))])
    assert totals.net == total.released + D("1.00")


def test_item_rules():
    assert an.released_amount(D("100.00"), [D("30.00"), D("80.00")]) == D("0.00")  # never negative
    assert an.check_executed_quantity(D("3"), D("2")) == "above_billed"
    assert an.check_executed_quantity(D("-1"), D("2")) == "negative"
    assert an.check_glosa(D("0"), D("10")) == "not_positive"
    assert an.check_invoice_debit(D("100.01"), D("100.00")) == "above_invoice"
    assert an.processed_amount(D("12.50"), D("0.3333")) == D("4.17")


# Withholdings: the demo's rules as data -------------------------------------------------
def rule(tax, rate, conditions, country=Country.AR, rid=None, **kw):
    return wh.RuleData(id=rid or hash(tax) % 1000, country=country, tax=tax, description=tax.value,
                       rate=D(rate), tax_conditions=tuple(conditions), **kw)


RI, MONO, EXENTO = "responsable_inscripto", "monotributista", "exento"
LP, SN, PF = "lucro_presumido", "simples_nacional", "pessoa_fisica"
AR_RULES = [
    rule(Tax.GANANCIAS, "10", [RI, MONO], rid=1, regime_code="116", non_taxable_minimum=D("160000"),
         minimum_withholding=D("240")),
    rule(Tax.GANANCIAS, "2", [RI], rid=2, regime_code="94", non_taxable_minimum=D("67170"),
         minimum_withholding=D("240")),
    rule(Tax.IVA, "10.5", [RI], rid=3, tax_code="767"),
    rule(Tax.IIBB, "0", [RI, MONO], rid=4, use_provider_rate=True),
]
BR_RULES = [
    rule(Tax.IRRF, "1.5", [LP], Country.BR, 5, minimum_withholding=D("10")),
    rule(Tax.ISS, "0", [SN, LP], Country.BR, 6, use_provider_rate=True),
    rule(Tax.INSS, "11", [PF], Country.BR, 7),
    rule(Tax.PIS, "0.65", [LP], Country.BR, 8, minimum_withholding=D("10")),
    rule(Tax.COFINS, "3", [LP], Country.BR, 9, minimum_withholding=D("10")),
    rule(Tax.CSLL, "1", [LP], Country.BR, 10, minimum_withholding=D("10")),
]
ON = date(2026, 3, 10)


def taxes(rows):
    return {r.tax: r.amount for r in rows}


def test_ganancias_minimum_rate_and_monthly_accumulation():
    ri = wh.ProviderData(Country.AR, RI, iibb_rate=D("2.5"))
    # 250,000 - 160,000 non-taxable = 90,000 x 10 % = 9,000
    assert taxes(wh.compute_withholdings(AR_RULES, ri, D("250000"), ON))[Tax.GANANCIAS] == D("9000.00")
    # below the minimum: nothing
    assert Tax.GANANCIAS not in taxes(wh.compute_withholdings(AR_RULES, ri, D("150000"), ON))
    # (100,000 + 163,000 - 160,000) x 10 % = 10,300 ... minus 0 already withheld
    assert taxes(wh.compute_withholdings(AR_RULES, ri, D("163000"), ON, {1: (D("100000"), D("0"))}))[
        Tax.GANANCIAS] == D("10300.00")
    # 161,000: 100 of tax, under the 240 minimum withholding: nothing
    assert Tax.GANANCIAS not in taxes(wh.compute_withholdings(AR_RULES, ri, D("161000"), ON))
    # second payment in the month: (200,000 + 100,000 - 160,000) x 10 % = 14,000 - 4,000 withheld = 10,000
    assert taxes(wh.compute_withholdings(AR_RULES, ri, D("100000"), ON, {1: (D("200000"), D("4000"))}))[
        Tax.GANANCIAS] == D("10000.00")


def test_iva_iibb_and_exempt():
    ri = wh.ProviderData(Country.AR, RI, iibb_rate=D("2.5"))
    got = taxes(wh.compute_withholdings(AR_RULES, ri, D("10000.00"), ON))
    assert got[Tax.IVA] == D("1050.00")
    assert got[Tax.IIBB] == D("250.00")
    mono = wh.ProviderData(Country.AR, MONO, iibb_rate=D("1.5"))
    assert taxes(wh.compute_withholdings(AR_RULES, mono, D("29663.00"), ON)) == {Tax.IIBB: D("444.95")}
    assert wh.compute_withholdings(AR_RULES, wh.ProviderData(Country.AR, EXENTO, iibb_rate=D("3")),
                                   D("500000"), ON) == []
    # no per-provider rate on file: no IIBB
    assert Tax.IIBB not in taxes(wh.compute_withholdings(AR_RULES, wh.ProviderData(Country.AR, RI), D("1000"), ON))


def test_brazil_taxes():
    lp = wh.ProviderData(Country.BR, LP, iss_rate=D("5"))
    got = taxes(wh.compute_withholdings(BR_RULES, lp, D("10000.00"), ON))
    assert got == {Tax.IRRF: D("150.00"), Tax.ISS: D("500.00"), Tax.PIS: D("65.00"), Tax.COFINS: D("300.00"),
                   Tax.CSLL: D("100.00")}
    # small payment: IRRF 7.50 and PIS 3.25 are under R$10: not withheld
    small = taxes(wh.compute_withholdings(BR_RULES, lp, D("500.00"), ON))
    assert small == {Tax.ISS: D("25.00"), Tax.COFINS: D("15.00")}  # CSLL 5.00 < R$10 too
    pf = wh.ProviderData(Country.BR, PF)
    assert taxes(wh.compute_withholdings(BR_RULES, pf, D("2000.00"), ON)) == {Tax.INSS: D("220.00")}
    assert wh.compute_withholdings(BR_RULES, wh.ProviderData(Country.BR, "isento"), D("9999"), ON) == []


def test_rule_validity_dates_and_rounding():
    r = rule(Tax.IVA, "10.5", [RI], rid=3, valid_from=date(2026, 4, 1))
    assert wh.compute_withholdings([r], wh.ProviderData(Country.AR, RI), D("100"), ON) == []
    r2 = rule(Tax.IVA, "10.5", [RI], rid=3)
    assert wh.compute_withholdings([r2], wh.ProviderData(Country.AR, RI), D("0.05"), ON)[0].amount == D("0.01")


def test_order_totals_with_debits_and_credits():
    rows = [wh.Withholding(1, Tax.ISS, "ISS", None, "02", D("1000"), D("3"), D("30.00"))]
    adj = [wh.Adjustment(DeductionKind.DEBIT, "09", "Court order", D("100.00")),
           wh.Adjustment(DeductionKind.DEBIT, "07", "Discount", D("10.10")),
           wh.Adjustment(DeductionKind.CREDIT, "08", "Previous payment", D("5.05"))]
    t = wh.order_totals([D("600.00"), D("400.00")], rows, adj)
    assert (t.gross, t.withheld, t.debits, t.credits, t.deductions, t.net) == (
        D("1000.00"), D("30.00"), D("110.10"), D("5.05"), D("135.05"), D("864.95"))
    assert wh.check_adjustment(DeductionKind.DEBIT, "99", D("1")) == "code"
    assert wh.check_adjustment(DeductionKind.WITHHOLDING, "07", D("1")) == "kind"
    assert wh.check_adjustment(DeductionKind.CREDIT, "08", D("0")) == "not_positive"


def test_appeal_rules():
    assert ap.check_justification("x" * 501) == "too_long"
    assert ap.check_justification("  ") == "required"
    assert ap.check_appeal_amount(D("10.01"), ap.appealable(D("30"), D("20"))) == "above_glosa"
    assert ap.check_accepted_amount(D("5"), D("4")) == "above_appealed"
    assert ap.decision_status([(D("10"), D("10")), (D("5"), D("5"))]) == AppealStatus.ACCEPTED
    assert ap.decision_status([(D("10"), D("3")), (D("5"), D("0"))]) == AppealStatus.PARTIALLY_ACCEPTED
    assert ap.decision_status([(D("10"), D("0"))]) == AppealStatus.DENIED
