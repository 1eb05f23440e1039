"""Adjudication as data: plans, the procedure catalogue, rules, prior authorizations and what the
rules found (issue 15). The engine (``services.adjudication``) reads these rows; admins edit them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Money, Quantity, TimestampMixin, db, enum_column, utcnow
from models.chunk_memo import once
from models.enums import LabeledEnum
from models.providers import Provider
from models.users import User

if TYPE_CHECKING:
    from models.guides import Guide, GuideItem


class Segmentation(LabeledEnum):
    """ANS segmentação assistencial of a plan (and the one a procedure group needs)."""

    AMBULATORY = "ambulatory", _l("Outpatient (ambulatorial)")
    HOSPITAL = "hospital", _l("Hospital (hospitalar)")
    OBSTETRIC = "obstetric", _l("Hospital with obstetrics (obstétrica)")
    DENTAL = "dental", _l("Dental (odontológica)")
    REFERENCE = "reference", _l("Reference plan (referência)")


class WaitingKind(LabeledEnum):
    """Which ANS cap bounds a group's waiting period (Lei 9.656 art. 12 V)."""

    URGENCY = "urgency", _l("Urgency / emergency (24 hours)")
    CHILDBIRTH = "childbirth", _l("Childbirth at term (300 days)")
    OTHER = "other", _l("Other procedures (180 days)")


class RuleKind(LabeledEnum):
    ELIGIBILITY = "eligibility", _l("Eligibility on the execution date")
    WAITING_PERIOD = "waiting_period", _l("Waiting period (carência)")
    COVERAGE = "coverage", _l("Coverage by segmentation")
    SEX_AGE = "sex_age", _l("Sex and age")
    QUANTITY = "quantity", _l("Quantity per guide")
    FREQUENCY = "frequency", _l("Frequency per beneficiary")
    DUPLICATE = "duplicate", _l("Duplicate billing")
    PRIOR_AUTHORIZATION = "prior_authorization", _l("Prior authorization")
    CONTRACT_PRICE = "contract_price", _l("Contracted price")


class RuleAction(LabeledEnum):
    REFUSE = "refuse", _l("Refuse at intake"), "danger"
    PROPOSE = "propose", _l("Propose at analysis"), "warning"


class FindingStatus(LabeledEnum):
    APPLIED = "applied", _l("Applied at intake"), "danger"
    PROPOSED = "proposed", _l("Proposed"), "warning"
    CONFIRMED = "confirmed", _l("Confirmed"), "success"
    REMOVED = "removed", _l("Removed by the clerk"), "secondary"


class HealthPlan(TimestampMixin, db.Model):
    """A plan (produto) registered at ANS."""

    __tablename__ = "health_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    ans_product_number: Mapped[str | None] = mapped_column(sa.String(20), comment="registro do produto na ANS")
    segmentation: Mapped[Segmentation] = enum_column(Segmentation, default=Segmentation.AMBULATORY)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    waiting_periods: Mapped[list[PlanWaitingPeriod]] = relationship(
        back_populates="plan", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class ProcedureGroup(db.Model):
    """A group of the catalogue (consultas, exames, terapias, parto…): carências and rules scope by it."""

    __tablename__ = "procedure_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    segmentation: Mapped[Segmentation] = enum_column(
        Segmentation, default=Segmentation.AMBULATORY, comment="the segmentation that covers it")
    waiting_kind: Mapped[WaitingKind] = enum_column(WaitingKind, default=WaitingKind.OTHER)

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"


class PlanWaitingPeriod(db.Model):
    __tablename__ = "plan_waiting_period"
    __table_args__ = (sa.UniqueConstraint("plan_id", "group_id"),
                      sa.CheckConstraint("days >= 0", name="days_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("health_plan.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("procedure_group.id"), index=True)
    days: Mapped[int]

    plan: Mapped[HealthPlan] = relationship(back_populates="waiting_periods")
    group: Mapped[ProcedureGroup] = relationship()

    def __str__(self) -> str:
        return f"{self.group_id}: {self.days}"


class Procedure(db.Model):
    """The TUSS catalogue as the rules need it."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), unique=True, comment="TUSS")
    description: Mapped[str] = mapped_column(sa.String(200))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure_group.id"), index=True)
    sex: Mapped[str | None] = mapped_column(sa.String(1), comment="F, M or empty (both)")
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    requires_authorization: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    max_quantity: Mapped[Decimal | None] = mapped_column(Quantity, comment="per guide")
    frequency_count: Mapped[int | None] = mapped_column(comment="at most N …")
    frequency_days: Mapped[int | None] = mapped_column(comment="… in D days per beneficiary")
    frequency_per_provider: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    group: Mapped[ProcedureGroup | None] = relationship()

    def __str__(self) -> str:
        return f"{self.code} - {self.description}"


class AdjudicationRule(TimestampMixin, db.Model):
    """One rule: its kind, parameters, scope, Tabela 38 code (or the payer's own) and action."""

    __tablename__ = "adjudication_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[RuleKind] = enum_column(RuleKind, index=True)
    parameters: Mapped[dict | None] = mapped_column(sa.JSON, comment="per kind, e.g. {\"count\": 1, \"days\": 30}")
    procedure_code: Mapped[str | None] = mapped_column(sa.String(10), comment="scope: one TUSS code")
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("procedure_group.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("health_plan.id"), index=True)
    glosa_code: Mapped[str | None] = mapped_column(sa.String(10), comment="Tabela 38; empty = the kind's own")
    payer_code: Mapped[str | None] = mapped_column(sa.String(10), comment="the payer's own code, if any")
    action: Mapped[RuleAction] = enum_column(RuleAction, default=RuleAction.PROPOSE)
    active_from: Mapped[date | None]
    active_to: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    group: Mapped[ProcedureGroup | None] = relationship()
    provider: Mapped[Provider | None] = relationship()
    plan: Mapped[HealthPlan | None] = relationship()

    def __str__(self) -> str:
        return self.name


class PriorAuthorization(TimestampMixin, db.Model):
    """A senha the payer issued: who, what, how many, until when."""

    __tablename__ = "prior_authorization"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True, comment="senha")
    beneficiary_id: Mapped[int] = mapped_column(sa.ForeignKey("beneficiary.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(sa.String(10))
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("1"))
    valid_to: Mapped[date]

    beneficiary = relationship("Beneficiary")
    provider: Mapped[Provider | None] = relationship()

    def __str__(self) -> str:
        return self.number


class AdjudicationSettings(db.Model):
    """Auto-adjudication knobs (one row)."""

    __tablename__ = "adjudication_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    auto_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    auto_limit: Mapped[Decimal] = mapped_column(Money, default=Decimal("5000.00"), comment="lots above go to a clerk")
    sample_percent: Mapped[int] = mapped_column(default=10, server_default="10")

    @classmethod
    def current(cls) -> AdjudicationSettings:
        row = once("adjudication_settings", lambda: db.session.scalar(sa.select(cls).order_by(cls.id).limit(1)))
        return row if row is not None else cls(auto_enabled=False, auto_limit=Decimal("5000.00"), sample_percent=10)


class WatchedProvider(TimestampMixin, db.Model):
    """Every lot of a provider under watch goes to a clerk."""

    __tablename__ = "watched_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(sa.String(200))

    provider: Mapped[Provider] = relationship()

    def __str__(self) -> str:
        return str(self.provider)


class AdjudicationFinding(db.Model):
    """What a rule found on a guide item: applied at intake, or proposed to the clerk (then confirmed
    or removed with a reason). The dashboard's figures per rule come from here."""

    __tablename__ = "adjudication_finding"
    __table_args__ = (sa.Index("ix_adjudication_finding_rule_created", "rule_id", "created_at"),
                      sa.Index("ix_adjudication_finding_lot_status", "lot_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"))
    guide_id: Mapped[int] = mapped_column(sa.ForeignKey("guide.id", ondelete="CASCADE"), index=True)
    guide_item_id: Mapped[int] = mapped_column(sa.ForeignKey("guide_item.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("adjudication_rule.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(sa.String(10))
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[FindingStatus] = enum_column(FindingStatus)
    glosa_id: Mapped[int | None] = mapped_column(sa.ForeignKey("glosa.id", ondelete="SET NULL"))
    removal_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rule: Mapped[AdjudicationRule | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    guide: Mapped[Guide] = relationship(viewonly=True)
    guide_item: Mapped[GuideItem] = relationship(viewonly=True)

    def __str__(self) -> str:
        return f"{self.code} {self.amount}"


class LotAdjudication(db.Model):
    """How a lot was routed: analysed automatically, or sent to a clerk and why."""

    __tablename__ = "lot_adjudication"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lot.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    automatic: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(sa.String(40), comment="sampled / above_limit / watched / findings")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __str__(self) -> str:
        return self.reason or ""
