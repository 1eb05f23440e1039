"""tissSolicitacaoDemonstrativoRetorno: the demonstrativos, from the data the PDFs are made of.

- Análise de conta (``demonstrativoAnalise``: up to 30 protocols): one demonstrativo per
  competence, a ``dadosProtocolo`` per analysed protocol with its guides and items, values and
  glosas exactly as ``services.analysis.statement`` computes them for the screens and PDFs.
  Protocols not analysed yet are answered with their situation (``situacaoDemonstrativoRetorno``).
- Pagamento (``demonstrativoPagamento`` for a payment date or a competence): a ``pagamentosPorData``
  per paid payment order, its protocols (initial payments and appeals), deductions and net —
  the payment statement's lines.
"""
from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from models.enums import Country, DeductionKind, PaymentLineKind, PaymentMethod
from models.rules.analysis import Totals, sum_totals
from services import analysis
from services.payer_identity import identity_for
from services.tiss import inquiries
from services.tiss.export import UNKNOWN_CNES, quantity
from services.tiss.inquiries import NOT_FOUND
from services.tiss.ws.base import Call, Handler, Reply, contracted, error_entry, motivo, requested_provider
from services.tiss.ws.values import guide_day, guide_reasons, procedure, tiss_code
from services.tiss.ws.xml import amount, find, findall, first_child, local, sub, text

ZERO = Decimal("0.00")
FORMS = {PaymentMethod.TRANSFER: "1", PaymentMethod.WALLET: "2", PaymentMethod.BOLETO: "3", PaymentMethod.CHEQUE: "4"}
DEBIT_CREDIT_CODES = {f"{n:02d}" for n in range(1, 10)}
ANALYSIS, PAYMENT = "2", "1"   # dm_tipoDemonstrativo


class ReturnStatements(Handler):
    request, response, response_body = ("solicitacaoDemonstrativoRetornoWS", "demonstrativoRetornoWS",
                                         "demonstrativoRetorno")
    transaction, response_transaction = "SOLIC_DEMONSTRATIVO_RETORNO", "DEMONSTRATIVO_ANALISE_CONTA"

    def answer(self, call: Call) -> Reply:
        request = first_child(find(call.body, "solicitacaoDemonstrativoRetorno"))
        if not requested_provider(call, f"solicitacaoDemonstrativoRetorno/{local(request)}/dadosPrestador"):
            return self._not_found(_("No statement of this provider was found."), "DEMONSTRATIVO_ANALISE_CONTA")
        if local(request) == "demonstrativoAnalise":
            return self._analysis(call, [n.text or "" for n in findall(request, "protocolos/numeroProtocolo")])
        return self._payments(call, request)

    def _not_found(self, message: str, transaction: str) -> Reply:
        body = self.new_body()
        motivo(body, "mensagemErro", NOT_FOUND, message)
        return Reply(body, transaction, accepted=False, errors=[error_entry(NOT_FOUND, message)])

    # Análise de conta -----------------------------------------------------------------
    def _analysis(self, call: Call, protocols: list[str]) -> Reply:
        found = inquiries.analysis_statements(call.principal, protocols)
        if not found.statements:
            if found.pending:
                return self._situation(call, found.pending[0])
            return self._not_found(_("Protocol(s) %(protocols)s not found.", protocols=", ".join(protocols)[:400]),
                                   "DEMONSTRATIVO_ANALISE_CONTA")
        by_competence: OrderedDict[str, list[analysis.LotStatement]] = OrderedDict()
        for statement in sorted(found.statements, key=lambda st: (st.lot.competence, st.lot.protocol_number)):
            by_competence.setdefault(statement.lot.competence, []).append(statement)
        body = self.new_body()
        for competence, statements in by_competence.items():
            self._analysis_statement(sub(body, "demonstrativoAnaliseConta"), call, competence, statements)
        protocol = found.statements[0].lot.protocol_number if len(found.statements) == 1 else None
        return Reply(body, "DEMONSTRATIVO_ANALISE_CONTA", protocol=protocol)

    def _situation(self, call: Call, lot) -> Reply:
        body = self.new_body()
        node = sub(body, "situacaoDemonstrativoRetorno")
        sub(node, "identificacaoOperadora", call.registro)
        contracted(node, call.provider)
        sub(node, "numeroProtocolo", lot.protocol_number)
        sub(node, "protocoloSolicitacaoDemonstrativo", (call.header.sequence or "1")[:12])
        sub(node, "tipoDemonstrativo", ANALYSIS)
        sub(node, "dataSituacaoDemonstrativo", date.today())
        sub(node, "situacaoDemonstrativo", lot.status.tiss_code)
        return Reply(body, "DEMONSTRATIVO_ANALISE_CONTA", protocol=lot.protocol_number)

    def _header(self, parent, call: Call, number: str) -> None:
        node = sub(parent, "cabecalhoDemonstrativo")
        sub(node, "registroANS", call.registro)
        sub(node, "numeroDemonstrativo", number[:20])
        identity = identity_for(Country.BR)  # the operadora's Brazilian identity (razão social, CNPJ)
        sub(node, "nomeOperadora", ((identity.legal_name if identity else None) or call.payer.name or "-")[:70])
        sub(node, "numeroCNPJ", re.sub(r"\D", "", (identity.tax_id if identity else None) or "") or "0" * 14)
        sub(node, "dataEmissao", date.today())

    def _provider(self, parent, call: Call, tag: str, inner: str) -> None:
        node = sub(parent, tag)
        contracted(node, call.provider, inner)
        sub(node, "CNES", call.provider.cnes or UNKNOWN_CNES)

    def _analysis_statement(self, node, call: Call, competence: str, statements) -> None:
        self._header(node, call, f"{competence.replace('-', '')}-{statements[0].lot.protocol_number}")
        self._provider(node, call, "dadosPrestador", "dadosContratado")
        account = sub(node, "dadosConta")
        for statement in statements:
            self._protocol(sub(account, "dadosProtocolo"), statement)
        totals = sum_totals(st.totals for st in statements)
        amount(node, "valorInformadoGeral", totals.informed)
        amount(node, "valorProcessadoGeral", totals.processed)
        amount(node, "valorLiberadoGeral", totals.released)
        amount(node, "valorGlosaGeral", totals.glosa)

    def _protocol(self, node, statement: analysis.LotStatement) -> None:
        lot = statement.lot
        sub(node, "numeroLotePrestador", lot.number)
        sub(node, "numeroProtocolo", lot.protocol_number)
        sub(node, "dataProtocolo", (lot.sent_at or lot.created_at).date())
        sub(node, "situacaoProtocolo", lot.status.tiss_code)
        for row in statement.guides:
            guide = row.guide
            line = sub(node, "relacaoGuias")
            sub(line, "numeroGuiaPrestador", guide.number)
            if guide.operator_number:
                sub(line, "numeroGuiaOperadora", guide.operator_number)
            if guide.authorization_number:
                sub(line, "senha", guide.authorization_number)
            sub(line, "numeroCarteira", guide.beneficiary.card_number)
            sub(line, "dataInicioFat", guide_day(guide))
            if guide.execution_time:
                sub(line, "horaInicioFat", guide.execution_time.strftime("%H:%M:%S"))
            for code, reason in guide_reasons(row).items():
                motivo(line, "motivoGlosaGuia", code, reason)
            sub(line, "situacaoGuia", lot.status.tiss_code)
            for position, item_row in enumerate(row.items, start=1):
                item = item_row.item
                detail = sub(line, "detalhesGuia")
                sub(detail, "sequencialItem", position)
                sub(detail, "dataRealizacao", guide_day(guide, item))
                procedure(detail, item)
                amount(detail, "valorInformado", item_row.totals.informed)
                executed = item.executed_quantity if item.executed_quantity is not None else item.quantity
                sub(detail, "qtdExecutada", quantity(executed))
                amount(detail, "valorProcessado", item_row.totals.processed)
                amount(detail, "valorLiberado", item_row.totals.released)
                for glosa in item_row.glosas:
                    code = tiss_code(glosa)
                    if code:
                        reason = sub(detail, "relacaoGlosa")
                        amount(reason, "valorGlosa", glosa.amount)
                        sub(reason, "tipoGlosa", code)
            amount(line, "valorInformadoGuia", row.totals.informed)
            amount(line, "valorProcessadoGuia", row.totals.processed)
            amount(line, "valorLiberadoGuia", row.totals.released)
            amount(line, "valorGlosaGuia", row.totals.glosa)
        amount(node, "valorInformadoProtocolo", statement.totals.informed)
        amount(node, "valorProcessadoProtocolo", statement.totals.processed)
        amount(node, "valorLiberadoProtocolo", statement.totals.released)
        amount(node, "valorGlosaProtocolo", statement.totals.glosa)

    # Pagamento ------------------------------------------------------------------------
    def _payments(self, call: Call, request) -> Reply:
        if text(request, "tipoDemonstrativo") != PAYMENT:
            return self._not_found(_("No dental payment statements are issued here."), "DEMONSTRATIVO_PAGAMENTO")
        day = text(request, "periodo/dataPagamento")
        competence = text(request, "periodo/competencia")
        orders = inquiries.paid_orders(call.principal, call.provider.id,
                                       on=date.fromisoformat(day[:10]) if day else None, competence=competence)
        paid = [(order, self._order_protocols(order)) for order in orders]
        paid = [(order, protocols) for order, protocols in paid if protocols]
        if not paid:
            return self._not_found(_("No payment to this provider on %(period)s.", period=day or competence),
                                   "DEMONSTRATIVO_PAGAMENTO")
        body = self.new_body()
        node = sub(body, "demonstrativoPagamento")
        self._header(node, call, f"{paid[0][0].number:08d}" + (f"-{len(paid)}" if len(paid) > 1 else ""))
        self._provider(node, call, "dadosContratado", "dadosPrestador")
        payments = sub(node, "pagamentos")
        gross, deductions, debits, credits = Totals(), [], ZERO, ZERO
        for order, protocols in paid:
            totals, order_debits, order_credits = self._by_date(sub(payments, "pagamentosPorData"), call, order,
                                                                protocols)
            gross += totals
            debits += order_debits
            credits += order_credits
            deductions += list(order.deductions)
        summary = sub(node, "totaisDemonstrativo")
        brutos = sub(summary, "totaisBrutosDemonstrativo")
        amount(brutos, "valorInformadoBruto", gross.informed)
        amount(brutos, "valorProcessadoBruto", gross.processed)
        amount(brutos, "valorLiberadoBruto", gross.released)
        amount(brutos, "valorGlosaBruto", gross.glosa)
        for deduction in deductions:
            self._deduction(sub(summary, "debitosCreditosDemonstrativo"), deduction)
        net = sub(summary, "totaisLiquidosDemonstrativo")
        amount(net, "totalDebitosDemonstrativo", debits)
        amount(net, "totalCreditosdemonstrativo", credits)
        amount(net, "valorLiberadoDemonstrativo", sum((order.net_amount for order, _p in paid), ZERO))
        return Reply(body, "DEMONSTRATIVO_PAGAMENTO")

    def _order_protocols(self, order) -> list[tuple]:
        """(tipoPagamento, lot, protocol date, Totals, guides) per lot or appeal the order paid; guides:
        (guide, processed, released)."""
        out = []
        for line in order.lines:
            if line.kind == PaymentLineKind.LOT and line.lot is not None:
                statement = analysis.statement(line.lot)
                totals = Totals(statement.totals.informed, statement.totals.processed, statement.totals.glosa,
                                line.amount)
                guides = [(row.guide, row.totals.processed, row.totals.released) for row in statement.guides]
                out.append(("1", line.lot, line.lot.sent_at.date() if line.lot.sent_at else None, totals, guides))
            elif line.kind == PaymentLineKind.APPEAL and line.appeal is not None and line.appeal.lot is not None:
                appeal = line.appeal
                per_guide: dict = defaultdict(lambda: [ZERO, ZERO])
                for item in appeal.items:
                    per_guide[item.glosa.guide][0] += item.amount_appealed
                    per_guide[item.glosa.guide][1] += item.amount_accepted or ZERO
                totals = Totals(appeal.requested_amount, appeal.requested_amount,
                                appeal.requested_amount - line.amount, line.amount)
                guides = [(guide, values[0], values[1]) for guide, values in per_guide.items() if guide is not None]
                out.append(("2", appeal.lot, appeal.created_at.date(), totals, guides))
        return [entry for entry in out if entry[4]]

    def _by_date(self, node, call: Call, order, protocols) -> tuple[Totals, Decimal, Decimal]:
        payment = sub(node, "dadosPagamento")
        sub(payment, "dataPagamento", order.paid_at or order.payment_date)
        sub(payment, "formaPagamento", FORMS.get(order.method, "1"))
        if call.provider.bank_code:
            sub(payment, "banco", call.provider.bank_code[:4])
        if order.bank_agency:
            sub(payment, "agencia", order.bank_agency[:7])
        if order.bank_account:
            sub(payment, "nrContaCheque", order.bank_account[:20])
        summary = sub(node, "dadosResumo")
        for kind, lot, day, totals, guides in protocols:
            entry = sub(summary, "relacaoProtocolos")
            sub(entry, "dataProtocolo", day or order.paid_at)
            sub(entry, "numeroProtocolo", lot.protocol_number)
            sub(entry, "numeroLote", lot.number)
            amount(entry, "valorInformado", totals.informed)
            amount(entry, "valorProcessado", totals.processed)
            amount(entry, "valorLiberado", totals.released)
            amount(entry, "valorGlosa", totals.glosa)
            for guide, processed, released in guides[:100]:
                line = sub(entry, "guiasDoLote")
                sub(line, "numeroGuiaPrestador", guide.number)
                if guide.operator_number:
                    sub(line, "numeroGuiaOperadora", guide.operator_number)
                if guide.authorization_number:
                    sub(line, "senha", guide.authorization_number)
                sub(line, "tipoPagamento", kind)
                amount(line, "valorProcessadoGuia", processed)
                amount(line, "valorLiberadoGuia", released)
                amount(line, "valorGlosaGuia", processed - released)
        totals = sum_totals(entry[3] for entry in protocols)
        gross = sub(node, "totaisBrutosPorData")
        amount(gross, "totalInformadoPorData", totals.informed)
        amount(gross, "totalProcessadoPorData", totals.processed)
        amount(gross, "totaLiberadoPorData", totals.released)
        amount(gross, "totalGlosaPorData", totals.glosa)
        debits = sum((d.amount for d in order.deductions if d.kind != DeductionKind.CREDIT), ZERO)
        credits = sum((d.amount for d in order.deductions if d.kind == DeductionKind.CREDIT), ZERO)
        if order.deductions:
            block = sub(node, "debitosCreditosPorData")
            for deduction in order.deductions:
                self._deduction(sub(block, "debitosCreditos"), deduction)
        net = sub(node, "totaisLiquidosPorData")
        amount(net, "totalDebitosPorData", debits)
        amount(net, "totalCreditosPorData", credits)
        amount(net, "liquidoPorData", order.net_amount)
        return totals, debits, credits

    @staticmethod
    def _deduction(node, deduction) -> None:
        """ct_descontos: 1 debit / 2 credit, TISS code 01–09 (IRRF … court order), description, value."""
        credit = deduction.kind == DeductionKind.CREDIT
        code = deduction.code if deduction.code in DEBIT_CREDIT_CODES else ("08" if credit else "07")
        sub(node, "indicador", "2" if credit else "1")
        sub(node, "tipoDebitoCredito", code)
        sub(node, "descricaoDbCr", (deduction.description or code)[:40])
        amount(node, "valorDbCr", deduction.amount)
