"""Forms of the account pages: registration, activation, password reset, links, staff-created logins."""
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.fields import AjaxSelectMultipleField
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from models import Provider
from models.base import db
from models.enums import LinkKind
from models.rules.passwords import password_errors


class _PasswordsMixin:
    """Two password fields checked by ``models.rules.passwords``."""

    def check_passwords(self, email: str = "", name: str = "") -> bool:
        errors = password_errors(self.password.data, self.confirm.data, email=email, name=name)
        for field, message in errors.items():
            getattr(self, field).errors = list(getattr(self, field).errors) + [str(message)]
        return not errors


class RegisterForm(_PasswordsMixin, FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=60)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=60)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password (at least 8 characters)"), validators=[DataRequired()])
    confirm = PasswordField(_l("Confirm password"), validators=[DataRequired()])

    def validate_on_submit(self, extra_validators=None) -> bool:
        ok = super().validate_on_submit(extra_validators)
        if not self.is_submitted():
            return False
        name = f"{self.first_name.data or ''}{self.last_name.data or ''}"
        return self.check_passwords(self.email.data or "", name) and ok


class ChoosePasswordForm(_PasswordsMixin, FlaskForm):
    password = PasswordField(_l("New password (at least 8 characters)"), validators=[DataRequired()])
    confirm = PasswordField(_l("Confirm password"), validators=[DataRequired()])


class ChangePasswordForm(_PasswordsMixin, FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    password = PasswordField(_l("New password (at least 8 characters)"), validators=[DataRequired()])
    confirm = PasswordField(_l("Confirm password"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A button and its CSRF token."""


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class LinkForm(FlaskForm):
    kind = SelectField(
        _l("Type of company to link"),
        choices=[("", _l("Select")), (LinkKind.CLIENT.value, _l("Client")), (LinkKind.SUPPLIER.value, _l("Provider"))],
        validators=[DataRequired()],
    )
    tax_id = StringField(_l("CUIT / CNPJ / CPF"), validators=[DataRequired(), Length(max=20)],
                         render_kw={"placeholder": _l("Enter the CUIT"), "inputmode": "numeric"})
    provider_number = StringField(_l("Client / provider number"), validators=[DataRequired(), Length(max=20)],
                                  render_kw={"placeholder": _l("Enter the client / provider number")})


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("approve", _l("Approve")), ("reject", _l("Reject"))],
                          validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (required to reject)"), validators=[Optional(), Length(max=500)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])


# Providers found by name, number or tax id, ten at a time (a payer has thousands of them).
PROVIDER_SEARCH = QueryAjaxModelLoader("providers", db, Provider,
                                       fields=("legal_name", "provider_number", "tax_id"),
                                       order_by=Provider.legal_name, page_size=10)


class ProviderLoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language of the emails"),
                         choices=[("", _l("The language of the provider's country")), ("es_AR", "Español"),
                                  ("pt_BR", "Português"), ("en", "English")])
    providers = AjaxSelectMultipleField(
        PROVIDER_SEARCH, _l("Linked providers"), validators=[DataRequired()],
        render_kw={"data-placeholder": _l("Type a name, provider number or CUIT / CNPJ")},
        description=_l("Search and pick one or more providers."))
