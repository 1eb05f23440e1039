"""Every web service driven by zeep (built from the served WSDL); every answer is checked against ANS's XSD
and its hash by the transport (tests/tiss/ws_client.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import Appeal, AuditLog, Guide, TissSubmission
from models.base import db
from models.enums import AppealStatus, GuideStatus, LotStatus, PaymentMethod, TissChannel
from models.workflow import transition
from seed import demo
from seed import factories as f
from services import analysis, appeals, payments, storage
from services.tiss.intake import STORAGE_KIND, receive
from tests.tiss.conftest import ANS, Clinic
from tests.tiss.ws.conftest import PASSWORD, analyse, lot_of, protocol_of


def status_of(ws, protocol, provider=None):
    return ws.call("tissSolicitacaoStatusProtocolo", ws.header("SOLIC_STATUS_PROTOCOLO"),
                   solicitacaoStatusProtocolo={"dadosPrestador": ws.contracted(provider),
                                               "numeroProtocolo": str(protocol)}).situacaoProtocolo


def test_a_valid_lot_gets_a_protocol_and_its_history_row(ws):
    answer = ws.send_lot(ws.clinic.lot_file(count=2))
    assert answer.cabecalho.identificacaoTransacao.tipoTransacao == "PROTOCOLO_RECEBIMENTO"
    assert answer.cabecalho.origem.registroANS == ANS
    assert answer.cabecalho.destino.identificacaoPrestador.CNPJ == ws.provider.tax_id
    receipt = answer.recebimentoLote.protocoloRecebimento
    protocol = protocol_of(answer)
    lot = lot_of(protocol)
    assert lot.provider_id == ws.provider.id and len(lot.guides) == 2 and lot.status == LotStatus.RECEIVED
    assert receipt.detalheProtocolo.valorTotalProtocolo == lot.total_amount
    assert len(receipt.detalheProtocolo.dadosGuiasProtocolo.dadosGuias) == 2

    row = db.session.scalar(sa.select(TissSubmission).where(TissSubmission.protocol_number == protocol))
    assert (row.channel, row.service, row.accepted, row.lot_id) == (TissChannel.WEB_SERVICE, "tissLoteGuias",
                                                                     True, lot.id)
    kept = storage.path_of(STORAGE_KIND, row.stored_name).read_bytes()
    assert b"loteGuiasWS" in kept and b"senhaPrestador>********" in kept
    assert PASSWORD.encode() not in kept
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.entity == "tiss_submission",
                                                        AuditLog.entity_id == row.id))
    assert audit.actor_label == f"tiss-ws:{ws.login}"
    assert audit.changes["service"] == "tissLoteGuias" and audit.changes["protocol_number"] == protocol


def test_a_refused_lot_is_an_answer_with_the_receivers_glosa_codes(ws):
    unknown_card = ws.send_lot(ws.clinic.lot_file([ws.clinic.guide(card="0000000000")]))
    error = unknown_card.recebimentoLote.mensagemErro
    assert error.codigoGlosa == "1001" and "/loteGuiasWS/loteGuias/guiasTISS" in error.descricaoGlosa
    data = ws.clinic.lot_file(lot_number="DUP1")
    assert protocol_of(ws.send_lot(data))
    assert ws.send_lot(data).recebimentoLote.mensagemErro.codigoGlosa == "1308"
    rows = db.session.scalars(sa.select(TissSubmission).where(TissSubmission.provider_id == ws.provider.id,
                                                              TissSubmission.accepted.is_(False))).all()
    assert sorted(r.errors[0]["code"] for r in rows) == ["1001", "1308"]
    assert all(r.channel == TissChannel.WEB_SERVICE for r in rows)


def test_the_status_of_a_protocol_follows_the_lot(ws, staff):
    protocol = protocol_of(ws.send_lot(ws.clinic.lot_file(count=2)))
    detail = status_of(ws, protocol).situacaoDoProtocolo.lote.detalheLote
    assert (detail.statusProtocolo, detail.numeroProtocolo) == ("1", str(protocol))
    assert len(detail.guiasTISS.guiasMedicas) == 2
    lot = lot_of(protocol)
    assert detail.valorTotalLote.valorProcessado == lot.total_amount
    item = analyse(lot, staff["clerk"])
    detail = status_of(ws, protocol).situacaoDoProtocolo.lote.detalheLote
    assert detail.statusProtocolo == "5"
    assert detail.valorTotalLote.valorGlosa == Decimal("10.00")
    glosed = [g.guias for g in detail.guiasTISS.guiasMedicas if g.guias.numeroGuiaPrestador == item.guide.number][0]
    assert glosed.glosaGuia.motivoGlosa[0].codigoGlosa == "1705"
    transition(lot, LotStatus.RELEASED, staff["supervisor"])
    db.session.commit()
    assert status_of(ws, protocol).situacaoDoProtocolo.lote.detalheLote.statusProtocolo == "3"


def test_another_providers_protocol_answers_as_not_found(ws):
    other = Clinic()
    foreign = receive(other.lot_file(), "other.xml")
    assert foreign.accepted
    answers = [status_of(ws, foreign.protocol), status_of(ws, 99999999),
               status_of(ws, foreign.protocol, provider=other.provider)]
    for answer in answers:
        assert answer.situacaoDoProtocolo is None
        assert answer.mensagemErro.codigoGlosa == "5054"
    assert str(other.provider.legal_name) not in str(answers)


def test_the_analysis_statement_after_an_analysis(ws, staff):
    protocol = protocol_of(ws.send_lot(ws.clinic.lot_file(count=2)))
    request = {"demonstrativoAnalise": {"dadosPrestador": ws.contracted(), "dataSolicitacao": date.today(),
                                        "protocolos": {"numeroProtocolo": [str(protocol)]}}}
    pending = ws.call("tissSolicitacaoDemonstrativoRetorno", ws.header("SOLIC_DEMONSTRATIVO_RETORNO"),
                      solicitacaoDemonstrativoRetorno=request).demonstrativoRetorno
    assert pending.situacaoDemonstrativoRetorno.situacaoDemonstrativo == "1"

    lot = lot_of(protocol)
    item = analyse(lot, staff["clerk"], glosa="12.50")
    answer = ws.call("tissSolicitacaoDemonstrativoRetorno", ws.header("SOLIC_DEMONSTRATIVO_RETORNO"),
                     solicitacaoDemonstrativoRetorno=request)
    assert answer.cabecalho.identificacaoTransacao.tipoTransacao == "DEMONSTRATIVO_ANALISE_CONTA"
    [statement] = answer.demonstrativoRetorno.demonstrativoAnaliseConta
    expected = analysis.statement(lot).totals
    assert (statement.valorInformadoGeral, statement.valorProcessadoGeral, statement.valorLiberadoGeral,
            statement.valorGlosaGeral) == (expected.informed, expected.processed, expected.released, expected.glosa)
    [account] = statement.dadosConta.dadosProtocolo
    assert account.numeroProtocolo == str(protocol) and account.situacaoProtocolo == "5"
    glosed = [g for g in account.relacaoGuias if g.numeroGuiaPrestador == item.guide.number][0]
    assert glosed.valorGlosaGuia == Decimal("12.50")
    assert glosed.detalhesGuia[0].relacaoGlosa[0].tipoGlosa == "1705"
    assert sum(g.valorLiberadoGuia for g in account.relacaoGuias) == expected.released


def test_the_payment_statement_after_payment(ws, staff):
    demo._withholding_rules()
    protocol = protocol_of(ws.send_lot(ws.clinic.lot_file(count=2)))
    lot = lot_of(protocol)
    analyse(lot, staff["clerk"])
    transition(lot, LotStatus.RELEASED, staff["supervisor"])
    paid_on = date(2026, 3, 10)
    order = payments.create_order(lot.provider, [f"lot:{lot.id}"], paid_on, staff["clerk"])
    payments.submit(order, staff["clerk"])
    payments.approve(order, staff["supervisor"])
    payments.mark_paid(order, staff["clerk"], paid_on, PaymentMethod.TRANSFER, bank_account="12345-6")
    db.session.commit()
    request = {"demonstrativoPagamento": {"dadosPrestador": ws.contracted(), "dataSolicitacao": date.today(),
                                          "tipoDemonstrativo": "1", "periodo": {"dataPagamento": paid_on}}}
    answer = ws.call("tissSolicitacaoDemonstrativoRetorno", ws.header("SOLIC_DEMONSTRATIVO_RETORNO"),
                     solicitacaoDemonstrativoRetorno=request).demonstrativoRetorno.demonstrativoPagamento
    [by_date] = answer.pagamentos.pagamentosPorData
    assert by_date.dadosPagamento.dataPagamento == paid_on and by_date.dadosPagamento.formaPagamento == "1"
    [paid] = by_date.dadosResumo.relacaoProtocolos
    assert paid.numeroProtocolo == str(protocol) and paid.valorLiberado == order.gross_amount
    assert {g.tipoPagamento for g in paid.guiasDoLote} == {"1"}
    assert by_date.totaisLiquidosPorData.liquidoPorData == order.net_amount
    assert answer.totaisDemonstrativo.totaisLiquidosDemonstrativo.valorLiberadoDemonstrativo == order.net_amount
    deductions = by_date.debitosCreditosPorData.debitosCreditos if order.deductions else []
    assert sum(d.valorDbCr for d in deductions) == order.deductions_amount
    none = ws.call("tissSolicitacaoDemonstrativoRetorno", ws.header("SOLIC_DEMONSTRATIVO_RETORNO"),
                   solicitacaoDemonstrativoRetorno={"demonstrativoPagamento": {
                       **request["demonstrativoPagamento"], "periodo": {"dataPagamento": date(2026, 3, 11)}}})
    assert none.demonstrativoRetorno.mensagemErro.codigoGlosa == "5054"


def _recurso(ws, lot, item, amount: str, justification: str = "Valor conforme contrato") -> dict:
    return {"guiaRecursoGlosa": {
        "registroANS": ANS, "numeroGuiaRecGlosaPrestador": "R1", "nomeOperadora": "Operadora Teste",
        "objetoRecurso": "2", "dadosContratado": ws.contracted(), "numeroLote": lot.number,
        "numeroProtocolo": lot.protocol_number,
        "opcaoRecurso": {"recursoGuia": [{"numeroGuiaOrigem": item.guide.number, "opcaoRecursoGuia": {"itensGuia": [{
            "sequencialItem": 1, "dataInicio": item.guide.execution_date,
            "procRecurso": {"codigoTabela": "22", "codigoProcedimento": item.code,
                            "descricaoProcedimento": item.description},
            "codGlosaItem": "1705", "valorRecursado": Decimal(amount), "justificativaItem": justification}]}}]},
        "valorTotalRecursado": Decimal(amount), "dataRecurso": date.today()}}


def test_an_appeal_enters_the_appeal_desk_and_its_status_follows_the_decision(ws, staff):
    lot = lot_of(protocol_of(ws.send_lot(ws.clinic.lot_file(count=2))))
    item = analyse(lot, staff["clerk"], glosa="10.00")
    too_much = ws.call("tissLoteRecursoGlosa", ws.header("RECURSO_GLOSA"),
                       loteRecurso=_recurso(ws, lot, item, "10.01"))
    assert too_much.recebimentoRecurso.mensagemErro.codigoGlosa == "2901"
    answer = ws.call("tissLoteRecursoGlosa", ws.header("RECURSO_GLOSA"), loteRecurso=_recurso(ws, lot, item, "10.00"))
    receipt = answer.recebimentoRecurso.protocoloRecebimento
    appeal = db.session.get(Appeal, int(receipt.nrProtocoloRecursoGlosa))
    assert appeal.provider_id == ws.provider.id and appeal.lot_id == lot.id and appeal.status == AppealStatus.OPEN
    assert appeal.requested_amount == Decimal("10.00") == receipt.valorTotalRecursado
    assert appeal.justification == "Valor conforme contrato" and appeal.guide_id == item.guide_id
    assert receipt.nrProtocoloRecursado == str(lot.protocol_number)
    again = ws.call("tissLoteRecursoGlosa", ws.header("RECURSO_GLOSA"), loteRecurso=_recurso(ws, lot, item, "1.00"))
    assert again.recebimentoRecurso.mensagemErro.codigoGlosa in ("2901", "2904")

    def status():
        return ws.call("tissSolicitacaoStatusRecursoGlosa", ws.header("SOLIC_STATUS_RECURSO_GLOSA"),
                       solicitacaoStatusProtocoloRecurso={"dadosPrestador": ws.contracted(),
                                                          "numeroProtocolo": str(appeal.id)}
                       ).situacaoProtocoloRecurso.reciboGlosaStatus

    assert status().situacaoProtocolo == "1" and status().numeroLote == lot.number
    appeals.decide(appeal, staff["clerk"], {appeal.items[0].id: "10.00"}, None)
    db.session.commit()
    assert status().situacaoProtocolo == "3"


def test_eligibility_yes_and_no(ws):
    active = ws.clinic.patients[0]
    inactive = f.make_beneficiary(f"9{f.unique_suffix():013d}", "Paciente Inativo", active=False)
    db.session.commit()

    def ask(card):
        return ws.call("tissVerificaElegibilidade", ws.header("VERIFICA_ELEGIBILIDADE"),
                       pedidoElegibilidade={"dadosPrestador": ws.contracted(), "numeroCarteira": card}
                       ).respostaElegibilidade

    yes = ask(active.card_number).reciboElegibilidade
    assert (yes.respostaSolicitacao, yes.nomeBeneficiario, yes.numeroCarteira) == ("S", active.name,
                                                                                   active.card_number)
    no = ask(inactive.card_number).reciboElegibilidade
    assert no.respostaSolicitacao == "N" and no.motivosNegativa.motivoNegativa[0].codigoGlosa == "1016"
    assert ask("000000000000").codigoGlosa.codigoGlosa == "1001"


def test_cancelling_guides_and_lots_not_yet_in_analysis(ws, staff):
    lot = lot_of(protocol_of(ws.send_lot(ws.clinic.lot_file(count=2))))
    first, second = sorted(lot.guides, key=lambda g: g.number)
    total = lot.total_amount

    def cancel(*numbers, protocol=None):
        return ws.call("tissCancelaGuia", ws.header("CANCELA_GUIA"), cancelaGuia={
            "dadosPrestador": ws.contracted(), "tipoCancelamento": {"tipoCancelamentoGuia": [
                {"tipoGuia": "2", "numeroGuiaPrestador": n, "numeroProtocolo": protocol} for n in numbers]}}
        ).reciboCancelaGuia.reciboCancelaGuia.retornoStatus.guiasCanceladas.dadosGuia

    [done] = cancel(first.number, protocol=str(lot.protocol_number))
    assert done.statusCancelamento == "1"
    db.session.expire_all()
    assert first.status == GuideStatus.CANCELLED and first.lot_id is None
    assert lot.total_amount == total - first.total_amount and lot.status == LotStatus.RECEIVED
    reason = db.session.scalar(sa.select(AuditLog.reason).where(AuditLog.entity == "guide",
                                                                AuditLog.entity_id == first.id,
                                                                AuditLog.action == "transition"))
    assert "CANCELA_GUIA" in reason
    again, unknown, wrong_protocol = cancel(first.number, "NOPE", second.number, protocol="999999999")
    assert (again.statusCancelamento, unknown.statusCancelamento, wrong_protocol.statusCancelamento) == ("6", "3",
                                                                                                         "6")
    other = Clinic()
    foreign = receive(other.lot_file(), "other.xml")
    foreign_guide = db.session.scalar(sa.select(Guide).where(Guide.lot_id == foreign.lot.id).limit(1))
    assert cancel(foreign_guide.number)[0].statusCancelamento == "3"
    analysed = lot_of(protocol_of(ws.send_lot(ws.clinic.lot_file(count=1))))
    analyse(analysed, staff["clerk"])
    assert cancel(analysed.guides[0].number)[0].statusCancelamento == "4"

    [last] = cancel(second.number)
    assert last.statusCancelamento == "1"
    db.session.expire_all()
    assert lot.status == LotStatus.CANCELLED and second.status == GuideStatus.CANCELLED


def test_cancelling_a_whole_lot(ws):
    lot = lot_of(protocol_of(ws.send_lot(ws.clinic.lot_file(count=2))))

    def cancel(number, protocol=None):
        return ws.call("tissCancelaGuia", ws.header("CANCELA_GUIA"), cancelaGuia={
            "dadosPrestador": ws.contracted(), "tipoCancelamento": {
                "tipoCancelamentoLote": {"numeroLote": number, "numeroProtocolo": protocol}}}
        ).reciboCancelaGuia.reciboCancelaGuia.retornoStatus.loteCancelado

    assert cancel(lot.number, "999999999").statusCancelamento == "6"
    assert cancel("NOPE").statusCancelamento == "5"
    done = cancel(lot.number, str(lot.protocol_number))
    assert done.statusCancelamento == "1" and done.numeroprotocolo == str(lot.protocol_number)
    db.session.expire_all()
    assert lot.status == LotStatus.CANCELLED
    assert all(g.status == GuideStatus.AUTHORIZED and g.lot_id is None for g in
               db.session.scalars(sa.select(Guide).where(Guide.provider_id == ws.provider.id)))
    assert status_of(ws, lot.protocol_number).situacaoDoProtocolo.lote.mensagemErro is not None


def test_every_call_is_in_the_providers_history_with_its_channel_and_service(ws, client, make_user, login):
    from models.enums import Role

    protocol = protocol_of(ws.send_lot(ws.clinic.lot_file(count=1)))
    status_of(ws, protocol)
    status_of(ws, 123456789)
    rows = db.session.scalars(sa.select(TissSubmission).where(TissSubmission.provider_id == ws.provider.id)
                              .order_by(TissSubmission.id)).all()
    assert [(r.service, r.accepted, r.protocol_number) for r in rows] == [
        ("tissLoteGuias", True, protocol), ("tissSolicitacaoStatusProtocolo", True, protocol),
        ("tissSolicitacaoStatusProtocolo", False, None)]
    assert rows[2].errors[0]["code"] == "5054"
    login(make_user(Role.PROVIDER, providers=[ws.provider]))
    page = client.get("/admin/tiss_submission/").get_data(as_text=True)
    assert page.count("tissSolicitacaoStatusProtocolo") >= 2 and "Web service" in page
    request = client.get(f"/admin/tiss/submission/{rows[1].id}/original")
    assert request.status_code == 200 and b"solicitacaoStatusProtocoloWS" in request.data
    assert b"********" in request.data
    for suffix in ("", "/answer.xml", "/report.pdf"):
        assert client.get(f"/admin/tiss/submission/{rows[1].id}{suffix}").status_code == 404
    assert client.get(f"/admin/tiss/submission/{rows[0].id}/answer.xml").status_code == 200


def test_the_demo_hospital_system_login_works(demo, soap_http):
    """README: provider2's provider (PRV0002) calls with login PRV0002 and the MD5 hex of demo-ws-password-1."""
    from models import Lot, Provider
    from seed.demo import PROVIDER2_CODE, PROVIDER2_WS_PASSWORD
    from tests.tiss.ws.conftest import WebServices

    provider = db.session.scalar(sa.select(Provider).where(Provider.provider_number == PROVIDER2_CODE))
    lot = db.session.scalar(sa.select(Lot).where(Lot.provider_id == provider.id, Lot.number == "42"))
    client = WebServices(type("Demo", (), {"provider": provider})(), soap_http, PROVIDER2_CODE)
    header = client.header("SOLIC_STATUS_PROTOCOLO", password=PROVIDER2_WS_PASSWORD,
                           sender={"codigoPrestadorNaOperadora": PROVIDER2_CODE})
    answer = client.call("tissSolicitacaoStatusProtocolo", header, solicitacaoStatusProtocolo={
        "dadosPrestador": {"codigoPrestadorNaOperadora": PROVIDER2_CODE}, "numeroProtocolo": str(lot.protocol_number)})
    assert answer.situacaoProtocolo.situacaoDoProtocolo.lote.detalheLote.statusProtocolo == "6"   # paid
