"""Forms of the invoice wizard and the review page.

Fields carry the seed's labels and no business validators: every check lives
in ``models.rules.invoices`` and its errors are attached to these fields.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from forms.fields import MoneyField, typed

MONTHS = [(str(m), f"{m:02d}") for m in range(1, 13)]


class SearchForm(FlaskForm):
    number = StringField(_l("Procedure number (número de trámite)"), validators=[Length(max=20)],
                         render_kw={"autofocus": True, "inputmode": "numeric", "autocomplete": "off"})


class InvoiceDataForm(FlaskForm):
    voucher_type = SelectField(_l("Voucher type"), choices=[], validate_choice=False)
    billing_type = SelectField(_l("Billing type"), choices=[
        ("", _l("Select a type")), ("normal", _l("Normal")), ("adjustment", _l("Adjustment"))],
        validate_choice=False)
    referenced_invoice_id = SelectField(_l("Referenced invoice (for an adjustment)"), choices=[], validate_choice=False)
    point_of_sale = StringField(_l("Point of sale"), render_kw={"inputmode": "numeric", "maxlength": 5,
                                                                "placeholder": "00002"})
    number = StringField(_l("Voucher no."), render_kw={"inputmode": "numeric", "maxlength": 8,
                                                         "placeholder": "00000085"})
    cae = StringField(_l("CAE"), render_kw={"inputmode": "numeric", "maxlength": 14, "autocomplete": "off"})
    cae_due_date = StringField(_l("CAE expiry"), render_kw={"type": "date"})
    period_month = SelectField(_l("Month"), choices=[("", "--")] + MONTHS, validate_choice=False)
    period_year = SelectField(_l("Year"), choices=[], validate_choice=False)
    amount = MoneyField(_l("Amount"))
    invoice_date = StringField(_l("Invoice date"), render_kw={"type": "date"})
    qr_pdf = FileField(_l("Invoice PDF with the AFIP QR code (optional: fills the fields for you)"),
                       render_kw={"accept": "application/pdf"})

    DATA_FIELDS = ("voucher_type", "billing_type", "referenced_invoice_id", "point_of_sale", "number", "cae",
                   "cae_due_date", "period_month", "period_year", "amount", "invoice_date")

    def setup(self, voucher_choices, reference_choices, years):
        self.voucher_type.choices = [("", _l("Select a voucher type"))] + voucher_choices
        self.referenced_invoice_id.choices = [("", _l("None"))] + reference_choices
        self.period_year.choices = [("", "----")] + [(str(y), str(y)) for y in years]

    def raw(self) -> dict:
        """What was typed, as typed (the rules parse it and say what is wrong)."""
        return {name: typed(getattr(self, name)) for name in self.DATA_FIELDS}

    def attach(self, errors) -> None:
        for name, issues in errors.items():
            getattr(self, name).errors = list(getattr(self, name).errors or []) + [str(i) for i in issues]


class AttachmentsForm(FlaskForm):
    invoice_pdf = FileField(_l("Invoice (PDF)"), render_kw={"accept": "application/pdf"})
    attendance_sheet = FileField(_l("Attendance and conformity sheet (PDF)"), render_kw={"accept": "application/pdf"})
    referenced_invoice = FileField(_l("Referenced invoice (PDF)"), render_kw={"accept": "application/pdf"})


class ConfirmForm(FlaskForm):
    token = HiddenField()


class ReviewForm(FlaskForm):
    action = HiddenField()
    version_id = HiddenField()
    remarks = TextAreaField(_l("Remarks"), validators=[Length(max=4000)], render_kw={"rows": 3})
    rejection_reason_id = SelectField(_l("Rejection reason"), choices=[], validate_choice=False)


def year_choices(valid_from: date, valid_to: date, today: date) -> list[int]:
    return list(range(valid_from.year, min(valid_to.year, today.year) + 1))
