"""The payer's own settings (one row) and its identity in each country it operates in.

A payer operating in Argentina and Brazil signs Argentine documents with its CUIT, IVA condition,
address and signer, and Brazilian ones with its razão social, CNPJ, registro ANS, address and signer:
one ``PayerIdentity`` row per country. ``services.payer_identity.identity_for`` picks the one a
provider's documents carry.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, enum_column
from models.chunk_memo import once
from models.enums import Country

_COUNTRIES_KEY = "liquida.payer_countries"


class PayerSettings(db.Model):
    __tablename__ = "payer_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[Country] = enum_column(Country, default=Country.AR)  # home country (defaults)
    tiss_version: Mapped[str] = mapped_column(sa.String(10), default="4.01.00")
    auto_approve_links: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    max_guides_per_lot: Mapped[int] = mapped_column(default=100, server_default="100")
    identities: Mapped[list[PayerIdentity]] = relationship(
        back_populates="settings", cascade="all, delete-orphan", order_by="PayerIdentity.country")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> PayerSettings | None:
        return once("payer_settings", lambda: db.session.scalar(sa.select(cls).order_by(cls.id).limit(1)))

    @classmethod
    def operating_countries(cls) -> frozenset[Country]:
        """The countries the payer has an identity in (none configured: every country). Read once per
        request: every menu entry asks the permission matrix, which asks this."""
        from flask import has_request_context, request

        cached = request.environ.get(_COUNTRIES_KEY) if has_request_context() else None
        if cached is None:
            cached = frozenset(db.session.scalars(sa.select(PayerIdentity.country).distinct())) or frozenset(Country)
            if has_request_context():
                request.environ[_COUNTRIES_KEY] = cached
        return cached

    def identity(self, country: Country) -> PayerIdentity | None:
        return next((i for i in self.identities if i.country == country), None)

    @property
    def countries(self) -> list[Country]:
        """The countries the payer operates in: those it has an identity for."""
        return [i.country for i in self.identities]

    def _identity_for_write(self, country: Country) -> PayerIdentity:
        found = self.identity(country)
        if found is None:
            found = PayerIdentity(country=country, legal_name=self.name or "")
            self.identities.append(found)
        return found

    # The registroANS of TISS messages and the CUIT of AFIP checks live in their country's identity;
    # these shortcuts read (and, when building settings in code, write) them there.
    @property
    def ans_registry(self) -> str | None:
        br = self.identity(Country.BR)
        return br.ans_registry if br else None

    @ans_registry.setter
    def ans_registry(self, value: str | None) -> None:
        self._identity_for_write(Country.BR).ans_registry = value

    @property
    def cuit(self) -> str | None:
        ar = self.identity(Country.AR)
        return ar.tax_id if ar else None

    @cuit.setter
    def cuit(self, value: str | None) -> None:
        self._identity_for_write(Country.AR).tax_id = value


class PayerIdentity(db.Model):
    """Who the payer is in one country: the header, tax id and signer of that country's documents."""

    __tablename__ = "payer_identity"
    __table_args__ = (sa.UniqueConstraint("settings_id", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    settings_id: Mapped[int] = mapped_column(sa.ForeignKey("payer_settings.id", ondelete="CASCADE"))
    country: Mapped[Country] = enum_column(Country)
    legal_name: Mapped[str] = mapped_column(sa.String(200), comment="razón social / razão social")
    tax_id: Mapped[str | None] = mapped_column(sa.String(14), comment="CUIT (AR) or CNPJ (BR), digits")
    tax_condition: Mapped[str | None] = mapped_column(sa.String(60), comment="IVA condition (AR)")
    ans_registry: Mapped[str | None] = mapped_column(sa.String(6), comment="registroANS (BR)")
    address: Mapped[str | None] = mapped_column(sa.String(200))
    signer_name: Mapped[str | None] = mapped_column(sa.String(120))
    signer_position: Mapped[str | None] = mapped_column(sa.String(120))
    settings: Mapped[PayerSettings] = relationship(back_populates="identities")

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.country.label})"

    @property
    def tax_id_label(self) -> str:
        """CUIT in Argentina, CNPJ in Brazil (never a CNPJ labelled CUIT)."""
        return "CNPJ" if self.country == Country.BR else "CUIT"

    @property
    def formatted_tax_id(self) -> str:
        from models.rules.tax_ids import format_tax_id

        return format_tax_id(self.tax_id_label, self.tax_id) if self.tax_id else ""
