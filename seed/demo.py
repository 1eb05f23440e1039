"""The documented demo payer: users of every role, ~20 providers, authorizations,
invoices in every status, TISS guides and lots, glosas, an appeal and payment orders.

Identifiers that the README and acceptance checks rely on are fixed here.
Loading is idempotent: a second run finds the admin user and does nothing.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from models import (
    Appeal,
    AppealItem,
    Glosa,
    GlosaCode,
    PayerIdentity,
    PayerSettings,
    PaymentCalendarEntry,
    PaymentDeduction,
    PaymentOrder,
    PaymentOrderLine,
    Professional,
    RejectionReason,
    ServiceLocation,
    ServiceType,
    TissWsCredential,
    User,
    WithholdingCertificate,
    WithholdingRule,
)
from models.audit import acting_as
from models.base import db, to_money
from models.enums import (
    AffiliationType,
    AppealStatus,
    Country,
    DeductionKind,
    GlosaSource,
    GuideStatus,
    GuideType,
    InvoiceStatus,
    ItemKind,
    LotStatus,
    PaymentLineKind,
    PaymentMethod,
    PaymentOrderStatus,
    Role,
    Tax,
    TaxCondition,
)
from models.rules.glosa_codes import TABLE_38
from models.sequences import next_value
from seed import demo_adjudication
from seed import factories as f
from services.tiss.credentials import password_hash_of

PAYER_CUIT = "30710000006"
PAYER_ANS = "419999"
PAYER_CNPJ = "34028316000103"
PROVIDER_CUIT = "20267565393"
PROVIDER2_CNPJ = "11222333000181"
PROVIDER2_CODE = "PRV0002"
PROVIDER2_WS_PASSWORD = "demo-ws-password-1"
OPEN_AUTHORIZATION = "100001"

STAFF = [
    ("admin@example.org", Role.ADMIN, "Ana Administradora"),
    ("clerk@example.org", Role.CLERK, "Carlos Administrativo"),
    ("credentialing@example.org", Role.CREDENTIALING, "Carla Acreditación"),
    ("supervisor@example.org", Role.SUPERVISOR, "Sofía Supervisora"),
    ("supervisor2@example.org", Role.SUPERVISOR, "Sergio Supervisor"),
]

SERVICE_TYPES = [
    ("CUIDADOR_DOMICILIARIO", "Cuidador domiciliario", Country.AR, None, True),
    ("ACOMP_TERAPEUTICO", "Acompañante terapéutico", Country.AR, None, True),
    ("KINESIOLOGIA", "Kinesiología", Country.AR, None, False),
    ("ENFERMERIA", "Enfermería domiciliaria", Country.AR, None, False),
    ("CONSULTA", "Consulta", Country.BR, GuideType.CONSULTA, False),
    ("SP_SADT", "SP/SADT", Country.BR, GuideType.SP_SADT, False),
    ("HONORARIOS", "Honorários", Country.BR, GuideType.HONORARIOS, False),
]

PAYER_GLOSA_CODES = [
    ("D01", "Débito: prestación no autorizada", "Débitos"),
    ("D02", "Débito: diferencia de valores con el nomenclador", "Débitos"),
    ("D03", "Débito: documentación incompleta", "Débitos"),
]
REJECTION_REASONS = [
    ("R01", "Documentación incompleta"),
    ("R02", "Período fuera de la autorización"),
    ("R03", "Importe superior al autorizado"),
    ("R04", "Comprobante con datos inconsistentes"),
]

PRICE_ITEMS = [
    ("10101012", "Consulta em consultório", ItemKind.PROCEDURE, "150.00"),
    ("40304361", "Hemograma com contagem de plaquetas", ItemKind.PROCEDURE, "25.00"),
    ("40302040", "Glicose - pesquisa e/ou dosagem", ItemKind.PROCEDURE, "12.50"),
    ("40301630", "Creatinina - pesquisa e/ou dosagem", ItemKind.PROCEDURE, "11.80"),
    ("40808041", "RX - Tórax PA e perfil", ItemKind.PROCEDURE, "68.40"),
    ("41101014", "Ultrassonografia de abdome total", ItemKind.PROCEDURE, "140.00"),
    ("70000001", "Seringa descartável 10 ml", ItemKind.MATERIAL, "1.35"),
    ("70000002", "Luva de procedimento (par)", ItemKind.MATERIAL, "0.90"),
    ("90000001", "Dipirona sódica 500 mg/ml ampola", ItemKind.MEDICINE, "3.20"),
    ("60000732", "Taxa de sala de observação", ItemKind.FEE, "45.00"),
]

AR_NAMES = [
    "Clínica San Martín SRL", "Centro Médico La Plata SA", "Kinesiología del Sur SRL", "Enfermería Bonaerense SA",
    "Instituto de Rehabilitación Quilmes SA", "Cuidados Domiciliarios Tandil SRL", "Sanatorio Mar del Plata SA",
    "Centro Terapéutico Bahía Blanca SRL", "Atención Integral Morón SA",
]
BR_NAMES = [
    "Clínica São Lucas Ltda", "Laboratório Vida Saudável Ltda", "Hospital Santa Helena S.A.",
    "Centro de Diagnóstico Paulista Ltda", "Clínica Sorocaba Saúde Ltda", "Policlínica Campinas Ltda",
    "Instituto de Imagem Curitiba Ltda", "Clínica Bem-Estar Ribeirão Ltda", "Hospital Boa Esperança S.A.",
]
AR_PEOPLE = [
    "María González", "Juan Pérez", "Lucía Fernández", "Martín Rodríguez", "Sofía López", "Diego Martínez",
    "Valentina Gómez", "Mateo Díaz", "Camila Sánchez", "Benjamín Romero", "Julieta Torres", "Tomás Álvarez",
]
BR_PEOPLE = [
    "Ana Souza", "João Silva", "Maria Oliveira", "Pedro Santos", "Alice Ferreira", "Lucas Pereira",
    "Beatriz Costa", "Gabriel Rodrigues", "Sandra Almeida", "Rafael Lima", "Juliana Carvalho", "Bruno Ribeiro",
]


def month_start(day: date, months_back: int = 0) -> date:
    """First day of the month ``months_back`` months before ``day`` (negative: ahead)."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def load_demo(today: date | None = None) -> bool:
    """Load the demo payer; False when it is already there."""
    if db.session.scalar(select(User).where(User.email == "admin@example.org")):
        return False
    today = today or date.today()
    rng = random.Random(42)
    with acting_as(label="seed"):
        _load(today, rng)
        db.session.commit()
    return True


def _load(today: date, rng: random.Random) -> None:
    db.session.add(PayerSettings(name="Obra Social Demo", country=Country.AR, tiss_version="4.01.00", identities=[
        PayerIdentity(country=Country.AR, legal_name="Obra Social Demo", tax_id=PAYER_CUIT, tax_condition="IVA Exento",
                      address="Calle 46 Nº 886, La Plata, Buenos Aires", signer_name="Ana Administradora",
                      signer_position="Gerente de Liquidaciones"),
        PayerIdentity(country=Country.BR, legal_name="Operadora Demo Saúde Ltda", tax_id=PAYER_CNPJ,
                      ans_registry=PAYER_ANS, address="Av. Paulista, 1000, Bela Vista, São Paulo - SP",
                      signer_name="Beatriz Gestora", signer_position="Diretora Financeira"),
    ]))
    staff = {email: f.make_user(email, role, name) for email, role, name in STAFF}
    existing = set(db.session.scalars(select(ServiceType.code)))
    for code, name, country, guide_type, sheet in SERVICE_TYPES:
        if code not in existing:
            db.session.add(ServiceType(code=code, name=name, country=country, guide_type=guide_type,
                                       requires_attendance_sheet=sheet))
    for code, (description, group) in TABLE_38.items():
        db.session.add(GlosaCode(code=code, description=description, group=group, source=GlosaSource.TISS))
    for code, description, group in PAYER_GLOSA_CODES:
        db.session.add(GlosaCode(code=code, description=description, group=group, source=GlosaSource.PAYER))
    for code, name in REJECTION_REASONS:
        db.session.add(RejectionReason(code=code, name=name))
    _withholding_rules()
    for months_ahead in range(-3, 7):
        cutoff = month_start(today, -months_ahead) - timedelta(days=1) + timedelta(days=20)
        db.session.add(PaymentCalendarEntry(received_until=cutoff, payment_date=cutoff + timedelta(days=30)))
    db.session.flush()

    argentine = _argentine_side(today, rng, staff)
    brazilian = _brazilian_side(today, rng, staff)
    demo_adjudication.load(today)
    db.session.flush()
    _payments(today, staff, argentine, brazilian)


def _withholding_rules() -> None:
    start = date(2024, 1, 1)
    ri = [TaxCondition.RESPONSABLE_INSCRIPTO.value]
    rules = [
        (Country.AR, Tax.GANANCIAS, "116", "217", "Ganancias - Profesiones liberales (RG 830, régimen 116)",
         "10.0000", "160000.00", "240.00", ri + [TaxCondition.MONOTRIBUTISTA.value], False),
        (Country.AR, Tax.GANANCIAS, "94", "217", "Ganancias - Locaciones de servicios (RG 830, régimen 94)",
         "2.0000", "67170.00", "240.00", ri, False),
        (Country.AR, Tax.IVA, None, "767", "IVA - Retención sobre servicios", "10.5000", "0.00", "0.00", ri, False),
        (Country.AR, Tax.IIBB, "DN B 1/04", None, "Ingresos Brutos Buenos Aires (alícuota por padrón ARBA)",
         "0.0000", "0.00", "0.00", ri + [TaxCondition.MONOTRIBUTISTA.value], True),
        (Country.BR, Tax.IRRF, None, "01", "IRRF - serviços profissionais", "1.5000", "0.00", "10.00",
         [TaxCondition.LUCRO_PRESUMIDO.value, TaxCondition.LUCRO_REAL.value], False),
        (Country.BR, Tax.ISS, "LC 116/03", "02", "ISS - alíquota do município do prestador", "0.0000", "0.00", "0.00",
         [c.value for c in (TaxCondition.SIMPLES_NACIONAL, TaxCondition.LUCRO_PRESUMIDO, TaxCondition.LUCRO_REAL)],
         True),
        (Country.BR, Tax.INSS, None, "03", "INSS - cessão de mão de obra", "11.0000", "0.00", "0.00",
         [TaxCondition.PESSOA_FISICA.value], False),
        (Country.BR, Tax.PIS, None, "04", "PIS (CSRF)", "0.6500", "0.00", "10.00",
         [TaxCondition.LUCRO_PRESUMIDO.value, TaxCondition.LUCRO_REAL.value], False),
        (Country.BR, Tax.COFINS, None, "05", "COFINS (CSRF)", "3.0000", "0.00", "10.00",
         [TaxCondition.LUCRO_PRESUMIDO.value, TaxCondition.LUCRO_REAL.value], False),
        (Country.BR, Tax.CSLL, None, "06", "CSLL (CSRF)", "1.0000", "0.00", "10.00",
         [TaxCondition.LUCRO_PRESUMIDO.value, TaxCondition.LUCRO_REAL.value], False),
    ]
    for country, tax, regime, code, description, rate, minimum, min_wh, conditions, provider_rate in rules:
        db.session.add(WithholdingRule(
            country=country, tax=tax, regime_code=regime, tax_code=code, description=description,
            rate=Decimal(rate), non_taxable_minimum=Decimal(minimum), minimum_withholding=Decimal(min_wh),
            tax_conditions=conditions, use_provider_rate=provider_rate, valid_from=start,
        ))


def _argentine_side(today: date, rng: random.Random, staff: dict) -> dict:
    clerk = staff["clerk@example.org"]
    supervisor = staff["supervisor@example.org"]
    provider_user = f.make_user("provider@example.org", Role.PROVIDER, "Marta Cuidadora")
    main = f.make_provider(
        "Marta Beatriz Cuidadora", tax_id=PROVIDER_CUIT, provider_number="AR-000101",
        tax_condition=TaxCondition.MONOTRIBUTISTA, service_codes=("CUIDADOR_DOMICILIARIO",),
        email="provider@example.org", address="Calle 7 Nº 1234", city="La Plata", state="Buenos Aires",
        postal_code="1900", cbu="2850590940090418135201", bank_name="Banco de la Provincia de Buenos Aires",
        iibb_rate=Decimal("1.5000"),
    )
    f.link(provider_user, main)
    others = []
    for i, name in enumerate(AR_NAMES):
        services = rng.sample(["CUIDADOR_DOMICILIARIO", "ACOMP_TERAPEUTICO", "KINESIOLOGIA", "ENFERMERIA"], 2)
        others.append(f.make_provider(
            name, tax_id=f.valid_cuit(i + 11, prefix="30"), provider_number=f"AR-{102 + i:06d}",
            tax_condition=TaxCondition.RESPONSABLE_INSCRIPTO, service_codes=tuple(services),
            city=rng.choice(["La Plata", "Quilmes", "Mar del Plata", "Bahía Blanca", "Tandil", "Morón"]),
            state="Buenos Aires", iibb_rate=Decimal("2.5000"), cbu=None,
        ))
    beneficiaries = [
        f.make_beneficiary(f"{1_000_000 + i:07d}/0{i % 3}", name, affiliation_type=rng.choice(list(AffiliationType)),
                           document=str(20_000_000 + i * 37_111), plan="IOMA Plan Integral")
        for i, name in enumerate(AR_PEOPLE)
    ]
    professional = Professional(name="Dpto. Asist. Sociales", council="MP", council_number="4455", council_state="BA")
    db.session.add(professional)
    cuidador = f.service_type("CUIDADOR_DOMICILIARIO")
    db.session.flush()

    valid_from = month_start(today, 10)
    open_auth = f.make_authorization(
        OPEN_AUTHORIZATION, main, beneficiaries[0], cuidador, "355968.00", valid_from,
        month_start(today, -6) - timedelta(days=1),
        orders=[("ORDEN CUIDADOR DOMICILIARIO Dpto. Asist. Sociales Autorización Continuidad (mismo CD)",
                 professional, datetime.combine(valid_from, datetime.min.time()) + timedelta(hours=10, minutes=57))],
    )
    monthly = Decimal("29663.00")
    # The open authorization: months billed in every status, the rest still to bill.
    history = [
        InvoiceStatus.ENTERED, InvoiceStatus.ACCEPTED, InvoiceStatus.IN_AUDIT, InvoiceStatus.SENT,
        InvoiceStatus.OBSERVED, InvoiceStatus.REJECTED, InvoiceStatus.DRAFT,
    ]
    invoices = []
    for k, status in enumerate(history):
        period = month_start(valid_from, -k)
        extra = {}
        if status == InvoiceStatus.OBSERVED:
            extra["remarks"] = "Falta la planilla de asistencia firmada por el afiliado."
        if status == InvoiceStatus.REJECTED:
            extra["rejection_text"] = "Período ya facturado en otra presentación."
        if status in (InvoiceStatus.IN_AUDIT, InvoiceStatus.ACCEPTED, InvoiceStatus.ENTERED, InvoiceStatus.REJECTED):
            extra["forwarded_by"] = clerk
        if status in (InvoiceStatus.ACCEPTED, InvoiceStatus.ENTERED, InvoiceStatus.REJECTED):
            extra["decided_by"] = supervisor
        invoices.append(f.make_invoice(open_auth, 80 + k, monthly, period, status=status,
                                       created_by=provider_user, **extra))
    # Other providers: a spread of authorizations and invoices.
    number = 100002
    for provider in others:
        service = provider.service_types[0]
        for j in range(2):
            beneficiary = rng.choice(beneficiaries[1:])
            start = month_start(today, rng.randint(3, 9))
            expired = j == 1 and rng.random() < 0.4
            auth = f.make_authorization(
                str(number), provider, beneficiary, service, to_money(rng.randint(150, 600) * 1000),
                start, (month_start(today, 1) - timedelta(days=1)) if expired else month_start(today, -6),
                orders=[(f"ORDEN {service.name.upper()}", professional, datetime.combine(start, datetime.min.time()))],
            )
            number += 1
            for k in range(rng.randint(1, 3)):
                status = rng.choice(list(InvoiceStatus))
                extra = {"forwarded_by": clerk} if status in (
                    InvoiceStatus.IN_AUDIT, InvoiceStatus.ACCEPTED, InvoiceStatus.ENTERED) else {}
                f.make_invoice(auth, 1000 + number * 10 + k, to_money(rng.randint(20, 60) * 1000),
                               month_start(start, -k), status=status, voucher_type=rng.choice([1, 6]),
                               point_of_sale=rng.randint(1, 5), created_by=clerk, **extra)
    return {"provider": main, "invoices": invoices, "others": others}


def _brazilian_side(today: date, rng: random.Random, staff: dict) -> dict:
    provider_user = f.make_user("provider2@example.org", Role.PROVIDER, "Paulo Prestador", locale="pt_BR")
    clerk = staff["clerk@example.org"]
    main = f.make_provider(
        "Clínica Vida e Saúde Ltda", country=Country.BR, tax_id=PROVIDER2_CNPJ, provider_number=PROVIDER2_CODE,
        tax_condition=TaxCondition.LUCRO_PRESUMIDO, service_codes=("CONSULTA", "SP_SADT", "HONORARIOS"),
        email="provider2@example.org", address="Rua das Flores, 100", city="Sorocaba", state="SP",
        postal_code="18010-000", cnes="2345678", bank_code="001", bank_name="Banco do Brasil",
        bank_agency="1234-5", bank_account="98765-4", iss_rate=Decimal("3.0000"),
    )
    f.link(provider_user, main)
    # Its hospital system's login to the TISS web services (senhaPrestador: MD5 hex of the password)
    db.session.add(TissWsCredential(provider=main, login=PROVIDER2_CODE,
                                    password_hash=password_hash_of(PROVIDER2_WS_PASSWORD)))
    others = [
        f.make_provider(name, country=Country.BR, provider_number=f"PRV{i + 3:04d}",
                        service_codes=("CONSULTA", "SP_SADT"), city=rng.choice(["São Paulo", "Campinas", "Curitiba"]),
                        state="SP", bank_name="Itaú Unibanco", bank_agency="0001", bank_account=f"{10000 + i}-1",
                        iss_rate=Decimal("2.0000"))
        for i, name in enumerate(BR_NAMES)
    ]
    beneficiaries = [
        f.make_beneficiary(f"8000000000{i:02d}", f"{BR_PEOPLE[(i - 1) % len(BR_PEOPLE)]} {i:02d}",
                           sex=rng.choice("MF"), plan="Plano Ouro", birth_date=date(1950 + i, 1 + i % 12, 1 + i % 27))
        for i in range(1, 51)
    ]
    location = ServiceLocation(provider=main, name="Unidade Centro", cnes="2345678")
    location2 = ServiceLocation(provider=main, name="Unidade Campolim", cnes="2345679")
    doctor = Professional(provider=main, name="Dra. Helena Martins", council="CRM", council_number="123456",
                          council_state="SP", cbo="225125")
    db.session.add_all([location, location2, doctor])
    table = f.make_price_table("Tabela Clínica Vida e Saúde 2025", main, PRICE_ITEMS)
    db.session.flush()
    items = {i.code: i for i in table.items}

    current = month_start(today, 0)
    previous = month_start(today, 1)
    guides = {"consulta": [], "sp_sadt": []}
    number = 6112700
    for i in range(40):
        number += 10
        emission = (previous if i < 25 else current) + timedelta(days=i % 20)
        emission = min(emission, today)
        if i % 2 == 0:
            guide_type, lines = GuideType.CONSULTA, [(items["10101012"], 1)]
        else:
            guide_type = GuideType.SP_SADT
            lines = [(items["40304361"], 1), (items["40302040"], 1), (items["70000001"], 2), (items["60000732"], 1)]
        status = GuideStatus.AUTHORIZED
        if i in (37, 38):
            status = GuideStatus.PENDING
        if i == 39:
            status = GuideStatus.DENIED
        guide = f.make_guide(main, str(number), guide_type, beneficiaries[i % 50], emission, lines,
                             execution=emission if i != 36 else None, status=status,
                             professional=doctor, location=location if i % 3 else location2)
        guides[guide_type.value].append(guide)
    db.session.flush()
    # Lots in several statuses, built from the older consultations.
    consultas = guides["consulta"]
    competence = f"{previous.year}-{previous.month:02d}"
    lots = [
        f.make_lot(main, consultas[0:3], competence, LotStatus.PAID, number="42", created_by=provider_user),
        f.make_lot(main, consultas[3:5], competence, LotStatus.RELEASED, number="43", created_by=provider_user),
        f.make_lot(main, consultas[5:7], competence, LotStatus.ANALYSED, number="44", created_by=provider_user),
        f.make_lot(main, consultas[7:9], competence, LotStatus.IN_ANALYSIS, number="45", created_by=provider_user),
        f.make_lot(main, consultas[9:10], competence, LotStatus.RECEIVED, number="46", created_by=provider_user),
    ]
    for lot in lots:
        if lot.status != LotStatus.RECEIVED:
            lot.physical_received_at = lot.sent_at.date()
            lot.processing_date = lot.sent_at.date()
    lots[2].analysed_by = clerk
    lots[1].analysed_by = clerk
    lots[1].released_by = staff["supervisor@example.org"]
    # Analysis of the released lot: a glosa on one item, everything else released in full.
    glosa_code = db.session.scalar(select(GlosaCode).where(GlosaCode.code == "1705"))
    for lot in lots[:3]:
        for guide in lot.guides:
            for item in guide.items:
                item.executed_quantity = item.quantity
                item.processed_amount = item.total_amount
                item.released_amount = item.total_amount
    glosed_item = lots[1].guides[0].items[0]
    glosa = Glosa(provider=main, lot=lots[1], guide=glosed_item.guide, guide_item=glosed_item, code=glosa_code,
                  amount=Decimal("30.00"), reason="Valor acima da tabela contratada", created_by=clerk)
    glosed_item.released_amount = glosed_item.total_amount - glosa.amount
    db.session.add(glosa)
    appeal = Appeal(provider=main, lot=lots[1], guide=glosed_item.guide, status=AppealStatus.OPEN,
                    justification="Valor conforme aditivo contratual de 2025, anexo.",
                    requested_amount=Decimal("30.00"), created_by=provider_user)
    appeal.items.append(AppealItem(glosa=glosa, amount_appealed=Decimal("30.00")))
    db.session.add(appeal)
    return {"provider": main, "lots": lots, "others": others}


def _payments(today: date, staff: dict, argentine: dict, brazilian: dict) -> None:
    clerk, supervisor = staff["clerk@example.org"], staff["supervisor@example.org"]
    payer = db.session.scalar(select(PayerSettings))
    payer_ar, payer_br = payer.identity(Country.AR), payer.identity(Country.BR)
    # Argentina: the Ingresada invoice, paid, with Ingresos Brutos withheld.
    invoice = next(i for i in argentine["invoices"] if i.status == InvoiceStatus.ENTERED)
    provider = argentine["provider"]
    order = PaymentOrder(
        number=next_value("payment_order"), provider=provider, payment_date=today - timedelta(days=20),
        status=PaymentOrderStatus.PAID, method=PaymentMethod.TRANSFER, bank_name=provider.bank_name,
        bank_account=provider.cbu, paid_at=today - timedelta(days=20), created_by=clerk, approved_by=supervisor,
        approved_at=datetime.now() - timedelta(days=21), paid_by=clerk,
    )
    order.lines.append(PaymentOrderLine(kind=PaymentLineKind.INVOICE, invoice=invoice, amount=invoice.amount))
    iibb_rule = db.session.scalar(select(WithholdingRule).where(WithholdingRule.tax == Tax.IIBB))
    iibb = to_money(invoice.amount * provider.iibb_rate / 100)
    deduction = PaymentDeduction(kind=DeductionKind.WITHHOLDING, rule=iibb_rule, description=iibb_rule.description,
                                 base_amount=invoice.amount, rate=provider.iibb_rate, amount=iibb)
    order.deductions.append(deduction)
    order.gross_amount, order.deductions_amount = invoice.amount, iibb
    order.net_amount = invoice.amount - iibb
    db.session.add(order)
    db.session.flush()
    db.session.add(WithholdingCertificate(
        number=next_value("certificate"), deduction=deduction, provider=provider, issued_at=order.payment_date,
        tax=Tax.IIBB, regime_code=iibb_rule.regime_code, base_amount=invoice.amount, amount=iibb,
        signer_name=payer_ar.signer_name, signer_position=payer_ar.signer_position,
        verification_code=f"DEMO{order.number:08d}",
    ))
    # Brazil: the paid lot (paid order) and the released lot (order awaiting approval).
    provider2 = brazilian["provider"]
    paid_lot, released_lot = brazilian["lots"][0], brazilian["lots"][1]
    iss_rule = db.session.scalar(select(WithholdingRule).where(WithholdingRule.tax == Tax.ISS))
    for lot, status in ((paid_lot, PaymentOrderStatus.PAID), (released_lot, PaymentOrderStatus.PENDING_APPROVAL)):
        gross = sum((i.released_amount or Decimal("0.00") for g in lot.guides for i in g.items), Decimal("0.00"))
        order = PaymentOrder(
            number=next_value("payment_order"), provider=provider2, payment_date=today + timedelta(days=10),
            status=status, method=PaymentMethod.TRANSFER, bank_name=provider2.bank_name,
            bank_agency=provider2.bank_agency, bank_account=provider2.bank_account, created_by=clerk,
        )
        if status == PaymentOrderStatus.PAID:
            order.payment_date = order.paid_at = today - timedelta(days=5)
            order.approved_by, order.paid_by = supervisor, clerk
        order.lines.append(PaymentOrderLine(kind=PaymentLineKind.LOT, lot=lot, amount=gross))
        iss = to_money(gross * provider2.iss_rate / 100)
        # Tied to its rule, as services.payments does: paying the order issues the ISS certificate.
        deduction = PaymentDeduction(kind=DeductionKind.WITHHOLDING, rule=iss_rule, code=iss_rule.tax_code,
                                     description=iss_rule.description, base_amount=gross, rate=provider2.iss_rate,
                                     amount=iss)
        order.deductions.append(deduction)
        order.gross_amount, order.deductions_amount, order.net_amount = gross, iss, gross - iss
        db.session.add(order)
        if status == PaymentOrderStatus.PAID:
            db.session.add(WithholdingCertificate(
                number=next_value("certificate"), deduction=deduction, provider=provider2, issued_at=order.paid_at,
                tax=Tax.ISS, regime_code=iss_rule.regime_code, base_amount=gross, amount=iss,
                signer_name=payer_br.signer_name, signer_position=payer_br.signer_position,
                verification_code=f"DEMO{order.number:08d}",
            ))
