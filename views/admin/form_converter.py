"""Flask-Admin's create/edit forms with the project's typed fields (``forms.fields``): amounts,
quantities and rates read in the user's locale, refusing NaN, exponents and values the column cannot
hold (WTForms' DecimalField took "NaN" and stored it); dates between 1900 and 2100; an optional
relation's empty choice reads "Not set" (WTForms 3.3 shows an empty label as its value, ``__None``)."""
from __future__ import annotations

from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import DatePickerWidget
from flask_admin.model.form import converts
from flask_babel import lazy_gettext as _l

from forms.fields import DateField, MoneyField, QuantityField, RateField


class ModelConverter(AdminModelConverter):
    def _model_select_field(self, prop, multiple, remote_model, **kwargs):
        kwargs.setdefault("blank_text", _l("Not set"))
        return super()._model_select_field(prop, multiple, remote_model, **kwargs)

    @converts("Date")
    def convert_date(self, field_args, **extra):
        field_args.setdefault("widget", DatePickerWidget())
        return DateField(**field_args)

    @converts("Money")
    def convert_money(self, field_args, **extra):
        return MoneyField(minimum=None, **field_args)  # credits may be negative; the rules say where

    @converts("Quantity")
    def convert_quantity(self, field_args, **extra):
        return QuantityField(**field_args)

    @converts("Rate")
    def convert_rate(self, field_args, **extra):
        return RateField(**field_args)
