"""Factories for valid domain objects, shared by the demo seed, the volume seed and tests.

Each returns an object added to the session (not committed). Tax ids are
generated with correct check digits.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from stdnum.br import cnpj as std_cnpj

from models import (
    Authorization,
    AuthorizationOrder,
    Beneficiary,
    Guide,
    GuideItem,
    Invoice,
    Lot,
    PriceTable,
    PriceTableItem,
    Provider,
    ServiceType,
    User,
    UserProvider,
)
from models.base import db, to_money
from models.enums import (
    BillingType,
    Country,
    GuideStatus,
    GuideType,
    InvoiceStatus,
    LinkKind,
    LinkStatus,
    LotSource,
    LotStatus,
    Role,
    TaxCondition,
    TaxIdKind,
)
from models.rules.tax_ids import is_valid_cuit
from models.sequences import next_value

DEMO_PASSWORD = "demo-password-1"
_counter = itertools.count(1)


def unique_suffix() -> int:
    return next(_counter)


def cuit_with_check_digit(prefix: str, body: int) -> str | None:
    """Eleven-digit CUIT for ``prefix`` + 8-digit ``body``; None when no valid digit exists."""
    base = f"{prefix}{body:08d}"
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(w * int(d) for w, d in zip(weights, base)) % 11
    if remainder == 1:
        return None
    digit = 0 if remainder == 0 else 11 - remainder
    number = base + str(digit)
    return number if is_valid_cuit(number) else None


def valid_cuit(seed: int, prefix: str = "30") -> str:
    for body in itertools.count(10_000_000 + seed * 7919):
        number = cuit_with_check_digit(prefix, body % 100_000_000)
        if number:
            return number
    raise AssertionError("unreachable")


def valid_cnpj(seed: int) -> str:
    base = f"{(10_000_000 + seed * 104729) % 100_000_000:08d}0001"
    return base + std_cnpj.calc_check_digits(base)


def make_user(email: str, role: Role, name: str | None = None, password: str | None = DEMO_PASSWORD,
              locale: str | None = None) -> User:
    user = User(email=email, role=role, name=name or email.split("@")[0].title(), locale=locale)
    if password:
        user.set_password(password)
        user.activated_at = datetime(2026, 1, 1)
    db.session.add(user)
    return user


def service_type(code: str) -> ServiceType:
    return db.session.query(ServiceType).filter_by(code=code).one()


def make_provider(legal_name: str, country: Country = Country.AR, tax_id: str | None = None,
                  provider_number: str | None = None, tax_condition: TaxCondition | None = None,
                  service_codes: tuple[str, ...] = (), **fields) -> Provider:
    n = unique_suffix()
    if country == Country.AR:
        kind, tax_id = TaxIdKind.CUIT, tax_id or valid_cuit(n)
        tax_condition = tax_condition or TaxCondition.RESPONSABLE_INSCRIPTO
    else:
        kind, tax_id = TaxIdKind.CNPJ, tax_id or valid_cnpj(n)
        tax_condition = tax_condition or TaxCondition.SIMPLES_NACIONAL
    provider = Provider(
        legal_name=legal_name, country=country, tax_id_kind=kind, tax_id=tax_id,
        tax_condition=tax_condition, provider_number=provider_number or f"P{n:05d}", **fields,
    )
    provider.service_types = [service_type(code) for code in service_codes]
    db.session.add(provider)
    return provider


def link(user: User, provider: Provider, status: LinkStatus = LinkStatus.APPROVED) -> UserProvider:
    row = UserProvider(user=user, provider=provider, kind=LinkKind.SUPPLIER, status=status)
    db.session.add(row)
    return row


def make_beneficiary(card_number: str, name: str, **fields) -> Beneficiary:
    row = Beneficiary(card_number=card_number, name=name, **fields)
    db.session.add(row)
    return row


def make_authorization(number: str, provider: Provider, beneficiary: Beneficiary, service: ServiceType,
                       total: Decimal | str, valid_from: date, valid_to: date, orders=()) -> Authorization:
    auth = Authorization(
        number=number, provider=provider, beneficiary=beneficiary, service_type=service,
        authorized_total=to_money(total), valid_from=valid_from, valid_to=valid_to,
    )
    for description, professional, ordered_at in orders:
        auth.orders.append(
            AuthorizationOrder(description=description, professional=professional, ordered_at=ordered_at))
    db.session.add(auth)
    return auth


def make_invoice(authorization: Authorization, number: int, amount: Decimal | str, period: date,
                 status: InvoiceStatus = InvoiceStatus.DRAFT, voucher_type: int = 11, point_of_sale: int = 2,
                 created_by: User | None = None, **fields) -> Invoice:
    invoice_date = fields.pop("invoice_date", period + timedelta(days=32 - period.day))
    invoice = Invoice(
        provider=authorization.provider, authorization=authorization, voucher_type=voucher_type,
        billing_type=fields.pop("billing_type", BillingType.NORMAL), point_of_sale=point_of_sale, number=number,
        cae=fields.pop("cae", f"7{number:013d}"[:14]), cae_due_date=invoice_date + timedelta(days=10),
        period_month=period.month, period_year=period.year, amount=to_money(amount), invoice_date=invoice_date,
        status=status, created_by=created_by, **fields,
    )
    db.session.add(invoice)
    return invoice


def make_price_table(name: str, provider: Provider | None, items, valid_from: date = date(2025, 1, 1)) -> PriceTable:
    table = PriceTable(name=name, provider=provider, valid_from=valid_from, currency="BRL")
    for code, description, kind, price in items:
        table.items.append(PriceTableItem(code=code, description=description, kind=kind, unit_price=to_money(price)))
    db.session.add(table)
    return table


def make_guide(provider: Provider, number: str, guide_type: GuideType, beneficiary: Beneficiary,
               emission: date, items, execution: date | None = None,
               status: GuideStatus = GuideStatus.AUTHORIZED, **fields) -> Guide:
    """``items``: (PriceTableItem, quantity) pairs, priced from the table."""
    guide = Guide(
        provider=provider, number=number, guide_type=guide_type, beneficiary=beneficiary, emission_date=emission,
        execution_date=execution, execution_time=time(9, 30) if execution else None, status=status,
        authorization_number=fields.pop("authorization_number", f"A{number}"),
        authorization_date=fields.pop("authorization_date", emission),
        authorization_valid_to=fields.pop("authorization_valid_to", emission + timedelta(days=60)),
        **fields,
    )
    for price_item, quantity in items:
        quantity = Decimal(quantity)
        guide.items.append(GuideItem(
            kind=price_item.kind, code=price_item.code, description=price_item.description,
            execution_date=execution, quantity=quantity, unit_price=price_item.unit_price,
            total_amount=to_money(price_item.unit_price * quantity), price_table_item_id=price_item.id,
        ))
    guide.total_amount = sum((i.total_amount for i in guide.items), Decimal("0.00"))
    db.session.add(guide)
    return guide


def make_lot(provider: Provider, guides: list[Guide], competence: str, status: LotStatus = LotStatus.RECEIVED,
             number: str | None = None, created_by: User | None = None, sent_at: datetime | None = None) -> Lot:
    lot = Lot(
        provider=provider, number=number or f"L{unique_suffix():06d}", guide_type=guides[0].guide_type,
        competence=competence, source=LotSource.BUILDER, status=status, created_by=created_by,
        sent_at=sent_at or datetime.now(), protocol_number=next_value("protocol"),
    )
    lot.description = f"LOTE_{lot.number}_{competence[5:]}/{competence[:4]}"
    db.session.add(lot)
    for guide in guides:
        guide.lot = lot
    lot.total_amount = sum((g.total_amount for g in guides), Decimal("0.00"))
    return lot
