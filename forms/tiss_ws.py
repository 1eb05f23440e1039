"""Issuing a provider's login to the TISS web services."""
from flask_admin.model.fields import AjaxSelectField
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from forms.accounts import PROVIDER_SEARCH


class TissWsLoginForm(FlaskForm):
    provider = AjaxSelectField(
        PROVIDER_SEARCH, _l("Provider"), validators=[DataRequired()],
        render_kw={"data-placeholder": _l("Type a name, provider number or CNPJ")})
    login = StringField(_l("Login (loginPrestador)"), validators=[Optional(), Length(max=20)],
                        description=_l("3 to 20 letters, digits or . _ @ -; empty: the provider number."))
