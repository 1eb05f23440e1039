"""The domain model. Importing this package registers every table on ``db.metadata``."""
from models.adjudication import (
    AdjudicationFinding,
    AdjudicationRule,
    AdjudicationSettings,
    HealthPlan,
    LotAdjudication,
    PlanWaitingPeriod,
    PriorAuthorization,
    Procedure,
    ProcedureGroup,
    WatchedProvider,
)
from models.audit import AuditLog
from models.audit_chain import AuditChainLink, AuditCheckpoint
from models.authorizations import Authorization, AuthorizationOrder
from models.base import db
from models.beneficiaries import Beneficiary
from models.drafts import Draft
from models.glosas import Appeal, AppealItem, Glosa, GlosaCode
from models.guides import Guide, GuideItem
from models.invoices import Attachment, Invoice, RejectionReason
from models.jobs import Job
from models.lots import Lot, PaymentCalendarEntry
from models.payer import PayerIdentity, PayerSettings
from models.payments import (
    PaymentDeduction,
    PaymentOrder,
    PaymentOrderLine,
    WithholdingCertificate,
    WithholdingRule,
)
from models.pricing import PriceTable, PriceTableItem
from models.providers import Professional, Provider, ServiceLocation, ServiceType, UserProvider
from models.rollups import AuthorizationTotal, LotTotal, MonthlyRollup, StatusTotal
from models.sequences import Counter
from models.tiss import TissSubmission, TissWsCredential
from models.users import User, UserSession

__all__ = [
    "db", "AuditLog", "AuditChainLink", "AuditCheckpoint", "Draft", "Authorization", "AuthorizationOrder",
    "Beneficiary", "Appeal", "AppealItem",
    "Glosa", "GlosaCode", "Guide", "GuideItem", "Attachment", "Invoice", "RejectionReason", "Lot",
    "PaymentCalendarEntry", "PayerIdentity", "PayerSettings", "PaymentDeduction", "PaymentOrder", "PaymentOrderLine",
    "WithholdingCertificate", "WithholdingRule", "PriceTable", "PriceTableItem", "Professional",
    "Provider", "ServiceLocation", "ServiceType", "UserProvider", "Counter", "TissSubmission", "TissWsCredential",
    "User", "UserSession", "Job", "MonthlyRollup", "StatusTotal", "LotTotal", "AuthorizationTotal",
    "AdjudicationFinding", "AdjudicationRule", "AdjudicationSettings", "HealthPlan", "LotAdjudication",
    "PlanWaitingPeriod", "PriorAuthorization", "Procedure", "ProcedureGroup", "WatchedProvider",
]
