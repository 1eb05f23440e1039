"""Forms of the guide editor, the lot builder, billing by period and lot tracking."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from forms.fields import DateField

COMPETENCE_RE = r"^(0[1-9]|1[0-2])/\d{4}$"


class LotStartForm(FlaskForm):
    """Passo 1: Tipo + Competência."""

    guide_type = SelectField(_l("Type"), validators=[DataRequired()])
    competence = StringField(
        _l("Competence (MM/YYYY)"),
        validators=[DataRequired(), Regexp(COMPETENCE_RE, message=_l("Enter the competence as MM/YYYY."))],
        render_kw={"placeholder": "MM/AAAA", "inputmode": "numeric", "maxlength": 7},
    )


class GuideSearchForm(FlaskForm):
    """Passo 2: Pesquise suas guias (GET, no CSRF needed: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    number = StringField(_l("Guide"), validators=[Optional(), Length(max=20)])
    emission_from = DateField(_l("Emission from"), validators=[Optional()])
    emission_to = DateField(_l("Emission to"), validators=[Optional()])
    card_number = StringField(_l("Card number"), validators=[Optional(), Length(max=20)])
    beneficiary_name = StringField(_l("Beneficiary name"), validators=[Optional(), Length(max=60)])
    supplies = SelectField(_l("Supplies"), validators=[Optional()], choices=[
        ("", _l("All")), ("with", _l("With materials/medicines")), ("without", _l("Without materials/medicines"))])
    authorization_from = DateField(_l("Authorization from"), validators=[Optional()])
    authorization_to = DateField(_l("Authorization to"), validators=[Optional()])
    execution_from = DateField(_l("Execution from"), validators=[Optional()])
    execution_to = DateField(_l("Execution to"), validators=[Optional()])
    location_id = SelectField(_l("Service location"), validators=[Optional()])

    def validate_emission_to(self, field):
        if field.data and self.emission_from.data and field.data < self.emission_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))


class BillingPeriodForm(FlaskForm):
    """Faturamento de atendimentos: the period to bill (within one month: the competence)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[DataRequired()])
    end = DateField(_l("To"), validators=[DataRequired()])

    def validate_end(self, field):
        if not field.data or not self.start.data:
            return
        if field.data < self.start.data:
            raise ValidationError(_l("The end date must not be before the start date."))
        if (field.data.year, field.data.month) != (self.start.data.year, self.start.data.month):
            raise ValidationError(_l("The period must fall within one month (the competence)."))


class GuideExecutionForm(FlaskForm):
    execution_date = DateField(_l("Execution date"), validators=[Optional()])
    execution_time = TimeField(_l("Execution time"), validators=[Optional()])
    professional_id = SelectField(_l("Executing professional"), validators=[Optional()])
    location_id = SelectField(_l("Service location"), validators=[Optional()])
    executing_team = TextAreaField(_l("Executing team"), validators=[Optional(), Length(max=500)],
                                   render_kw={"rows": 2})


class ReceiptForm(FlaskForm):
    physical_received_at = DateField(_l("Physical receipt date"), validators=[DataRequired()])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
