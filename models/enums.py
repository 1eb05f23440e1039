"""Every closed list of the domain, with translated labels and badge colours.

Values are stored as strings; labels are what users read (the seed portals'
names), translated per locale.
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class LabeledEnum(str, enum.Enum):
    """A string enum whose members carry a translated label and a badge colour."""

    def __new__(cls, value, label, badge="secondary"):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj._label = label
        obj.badge = badge
        return obj

    @property
    def label(self) -> str:
        return str(self._label)

    def __str__(self) -> str:
        return self.label

    @classmethod
    def choices(cls):
        return [(m.value, m.label) for m in cls]


class Role(LabeledEnum):
    ADMIN = "admin", _l("Administrator"), "dark"
    CLERK = "clerk", _l("Clerk"), "info"
    CREDENTIALING = "credentialing", _l("Credentialing"), "primary"
    SUPERVISOR = "supervisor", _l("Supervisor"), "warning"
    PROVIDER = "provider", _l("Provider"), "success"


class Country(LabeledEnum):
    AR = "AR", _l("Argentina")
    BR = "BR", _l("Brazil")


# The currency a country's providers bill and are paid in (ISO 4217).
CURRENCIES = {Country.AR: "ARS", Country.BR: "BRL"}
# The language a country's providers read when their users chose none (mails, stored glosa reasons).
COUNTRY_LOCALES = {Country.AR: "es_AR", Country.BR: "pt_BR"}


class TaxIdKind(LabeledEnum):
    CUIT = "CUIT", _l("CUIT")
    CNPJ = "CNPJ", _l("CNPJ")
    CPF = "CPF", _l("CPF")


class TaxCondition(LabeledEnum):
    RESPONSABLE_INSCRIPTO = "responsable_inscripto", _l("Responsable Inscripto")
    MONOTRIBUTISTA = "monotributista", _l("Monotributista")
    EXENTO = "exento", _l("Exento")
    SIMPLES_NACIONAL = "simples_nacional", _l("Simples Nacional")
    LUCRO_PRESUMIDO = "lucro_presumido", _l("Lucro Presumido")
    LUCRO_REAL = "lucro_real", _l("Lucro Real")
    PESSOA_FISICA = "pessoa_fisica", _l("Pessoa Física")
    ISENTO = "isento", _l("Isento / Imune")


class ProviderStatus(LabeledEnum):
    ACTIVE = "active", _l("Active"), "success"
    SUSPENDED = "suspended", _l("Suspended"), "warning"
    INACTIVE = "inactive", _l("Inactive"), "secondary"


class LinkKind(LabeledEnum):
    CLIENT = "client", _l("Client")
    SUPPLIER = "supplier", _l("Supplier")


class LinkStatus(LabeledEnum):
    PENDING = "pending", _l("Pending approval"), "warning"
    APPROVED = "approved", _l("Approved"), "success"
    REJECTED = "rejected", _l("Rejected"), "danger"


class AffiliationType(LabeledEnum):
    HOLDER = "holder", _l("Holder")
    DEPENDENT = "dependent", _l("Dependent")
    VOLUNTARY = "voluntary", _l("Voluntary")
    RETIRED = "retired", _l("Retired")


class AuthorizationStatus(LabeledEnum):
    ACTIVE = "active", _l("Active"), "success"
    EXPIRED = "expired", _l("Expired"), "secondary"
    CANCELLED = "cancelled", _l("Cancelled"), "danger"


class GuideType(LabeledEnum):
    """TISS guide types (one per lot)."""

    CONSULTA = "consulta", _l("Consultation")
    SP_SADT = "sp_sadt", _l("SP/SADT")
    HONORARIOS = "honorarios", _l("Fees (Honorários)")


class GuideStatus(LabeledEnum):
    NOT_AUTHORIZED = "not_authorized", _l("Not authorized"), "secondary"
    AUTHORIZED = "authorized", _l("Authorized"), "success"
    PENDING = "pending", _l("Pending"), "warning"
    DENIED = "denied", _l("Denied"), "danger"
    CANCELLED = "cancelled", _l("Cancelled"), "dark"


class ItemKind(LabeledEnum):
    PROCEDURE = "procedure", _l("Procedure")
    MATERIAL = "material", _l("Material")
    MEDICINE = "medicine", _l("Medicine")
    FEE = "fee", _l("Fee (taxa)")


class LotStatus(LabeledEnum):
    """TISS dm_statusProtocolo; ``tiss_code`` gives the numeric code."""

    RECEIVED = "received", _l("Received"), "info"
    IN_ANALYSIS = "in_analysis", _l("In analysis"), "primary"
    RELEASED = "released", _l("Released for payment"), "success"
    CLOSED_UNPAID = "closed_unpaid", _l("Closed without payment"), "danger"
    ANALYSED = "analysed", _l("Analysed, awaiting release"), "warning"
    PAID = "paid", _l("Payment made"), "success"
    AWAITING_INFO = "awaiting_info", _l("Awaiting additional information"), "warning"
    CANCELLED = "cancelled", _l("Cancelled"), "dark"

    @property
    def tiss_code(self) -> str:
        return _LOT_TISS_CODES[self.value]


_LOT_TISS_CODES = {
    "received": "1", "in_analysis": "2", "released": "3", "closed_unpaid": "4",
    "analysed": "5", "paid": "6", "awaiting_info": "8", "cancelled": "9",
}


class LotSource(LabeledEnum):
    BUILDER = "builder", _l("Lot builder")
    XML = "xml", _l("TISS XML")


class TissChannel(LabeledEnum):
    """How a TISS message reached the payer (the history shows it)."""

    UPLOAD = "upload", _l("Upload")
    CLI = "cli", _l("Command line")
    WEB_SERVICE = "web_service", _l("Web service")


class JobState(LabeledEnum):
    """Where a background job is (services.jobs)."""

    QUEUED = "queued", _l("Queued"), "secondary"
    RUNNING = "running", _l("Running"), "info"
    DONE = "done", _l("Done"), "success"
    FAILED = "failed", _l("Failed"), "danger"


class InvoiceStatus(LabeledEnum):
    DRAFT = "draft", _l("Loaded (draft)"), "secondary"
    SENT = "sent", _l("Sent"), "info"
    OBSERVED = "observed", _l("Observed/Returned"), "warning"
    IN_AUDIT = "in_audit", _l("In audit"), "primary"
    ACCEPTED = "accepted", _l("Accepted"), "success"
    ENTERED = "entered", _l("Entered for payment"), "dark"
    REJECTED = "rejected", _l("Rejected"), "danger"


class BillingType(LabeledEnum):
    NORMAL = "normal", _l("Normal")
    ADJUSTMENT = "adjustment", _l("Adjustment")


class AttachmentKind(LabeledEnum):
    INVOICE_PDF = "invoice_pdf", _l("Invoice PDF")
    ATTENDANCE_SHEET = "attendance_sheet", _l("Attendance and conformity sheet")
    REFERENCED_INVOICE = "referenced_invoice", _l("Referenced invoice")
    APPEAL_DOCUMENT = "appeal_document", _l("Appeal document")
    OTHER = "other", _l("Other")


class GlosaSource(LabeledEnum):
    TISS = "tiss", _l("TISS table 38")
    PAYER = "payer", _l("Payer code")


class AppealStatus(LabeledEnum):
    OPEN = "open", _l("Open"), "info"
    IN_ANALYSIS = "in_analysis", _l("In analysis"), "primary"
    ACCEPTED = "accepted", _l("Accepted"), "success"
    PARTIALLY_ACCEPTED = "partially_accepted", _l("Partially accepted"), "warning"
    DENIED = "denied", _l("Denied"), "danger"


class PaymentOrderStatus(LabeledEnum):
    DRAFT = "draft", _l("Draft"), "secondary"
    PENDING_APPROVAL = "pending_approval", _l("Pending approval"), "warning"
    APPROVED = "approved", _l("Approved"), "primary"
    PAID = "paid", _l("Paid"), "success"
    CANCELLED = "cancelled", _l("Cancelled"), "dark"


class PaymentMethod(LabeledEnum):
    """TISS forma de pagamento codes 1-4."""

    TRANSFER = "transfer", _l("Bank transfer")
    WALLET = "wallet", _l("Wallet")
    BOLETO = "boleto", _l("Boleto")
    CHEQUE = "cheque", _l("Cash / cheque")


class PaymentLineKind(LabeledEnum):
    INVOICE = "invoice", _l("Invoice")
    LOT = "lot", _l("Lot")
    APPEAL = "appeal", _l("Appeal payment")


class Tax(LabeledEnum):
    GANANCIAS = "ganancias", _l("Income tax (Ganancias)")
    IVA = "iva", _l("VAT (IVA)")
    IIBB = "iibb", _l("Gross income (Ingresos Brutos)")
    IRRF = "irrf", _l("IRRF")
    ISS = "iss", _l("ISS")
    INSS = "inss", _l("INSS")
    PIS = "pis", _l("PIS")
    COFINS = "cofins", _l("COFINS")
    CSLL = "csll", _l("CSLL")


class DeductionKind(LabeledEnum):
    WITHHOLDING = "withholding", _l("Withholding")
    DEBIT = "debit", _l("Other debit")
    CREDIT = "credit", _l("Credit")


class AuditAction(LabeledEnum):
    CREATE = "create", _l("Created"), "success"
    UPDATE = "update", _l("Updated"), "info"
    DELETE = "delete", _l("Deleted"), "danger"
    TRANSITION = "transition", _l("Status change"), "primary"
    EVENT = "event", _l("Event"), "secondary"
