"""Benchmark: a payment statement with 2,000 lines rendered to PDF.

Targets: median of 5 runs <= 3 s, and <= 0.15 x the time of the same rows as
one plain xhtml2pdf table (measured once). Run: .venv/bin/python bench/statement_pdf.py
No database needed: the order is built in memory (unsaved model objects).
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LINES = int(os.environ.get("BENCH_LINES", "2000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def build_order():
    from models import Lot, PaymentDeduction, PaymentOrder, PaymentOrderLine, Provider
    from models.enums import (
        Country,
        DeductionKind,
        PaymentLineKind,
        PaymentMethod,
        PaymentOrderStatus,
        TaxCondition,
        TaxIdKind,
    )

    provider = Provider(legal_name="Clínica Vida e Saúde Ltda", country=Country.BR, tax_id_kind=TaxIdKind.CNPJ,
                        tax_id="11222333000181", tax_condition=TaxCondition.LUCRO_PRESUMIDO, provider_number="PRV0002",
                        bank_name="Banco do Brasil", bank_agency="1234-5", bank_account="98765-4")
    order = PaymentOrder(number=1234, provider=provider, payment_date=date(2026, 3, 10),
                         status=PaymentOrderStatus.PAID, method=PaymentMethod.TRANSFER, bank_name="Banco do Brasil",
                         bank_agency="1234-5", bank_account="98765-4", paid_at=date(2026, 3, 10))
    gross = Decimal("0.00")
    for i in range(LINES):
        lot = Lot(number=f"L{i:06d}", protocol_number=100000 + i, competence="2026-02")
        amount = Decimal(1000 + (i * 37) % 9000) / 10
        order.lines.append(PaymentOrderLine(kind=PaymentLineKind.LOT, lot=lot, amount=amount))
        gross += amount
    iss = (gross * Decimal("0.03")).quantize(Decimal("0.01"))
    order.deductions.append(PaymentDeduction(kind=DeductionKind.WITHHOLDING, code="02", description="ISS",
                                             base_amount=gross, rate=Decimal("3"), amount=iss))
    order.gross_amount, order.deductions_amount, order.net_amount = gross, iss, gross - iss
    return order


def plain_table_html(order) -> str:
    """The same rows as ONE plain xhtml2pdf table (the baseline)."""
    from flask import render_template_string

    from services import payments

    rows = "".join(
        f"<tr><td>{payments.payment_type(line)}</td><td>{payments.line_label(line)}</td>"
        f"<td class='num'>{line.amount}</td></tr>" for line in order.lines)
    return render_template_string(
        "{% extends 'pdf/base.html' %}{% block content %}<h1>Statement</h1><table repeat='1'>"
        "<tr><th>Type</th><th>Document</th><th>Amount</th></tr>{{ rows|safe }}</table>{% endblock %}", rows=rows)


def main() -> None:
    os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    from app import create_app
    from services.pdf import html_to_pdf
    from views import documents

    app = create_app({"TESTING": True, "SERVER_NAME": "localhost"})
    with app.test_request_context("/", headers={"Accept-Language": "pt-BR"}):
        import models.payer

        models.payer.PayerSettings.current = classmethod(lambda cls: None)  # no database in the benchmark
        order = build_order()
        times = []
        size = 0
        for _ in range(RUNS):
            start = time.perf_counter()
            response = documents.statement_pdf(order)
            times.append(time.perf_counter() - start)
            size = len(response.get_data())
        median = statistics.median(times)
        print(f"statement with {LINES} lines: runs {[round(t, 2) for t in times]} s, median {median:.2f} s, "
              f"{size // 1024} KiB")
        html = plain_table_html(order)
        start = time.perf_counter()
        html_to_pdf(html)
        baseline = time.perf_counter() - start
        ratio = median / baseline
        print(f"same rows as one plain xhtml2pdf table: {baseline:.2f} s (one run)")
        print(f"ratio {ratio:.3f} (target <= 0.15); median target <= 3 s")
        ok = median <= 3 and ratio <= 0.15
        print("PASS" if ok else "FAIL")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
