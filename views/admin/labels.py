"""Flask-Admin's generated words in the user's language: column and field names, enum choices of forms and
filters, the yes/no icons. Flask-Admin builds these once at start-up, so they stay lazy strings here."""
from __future__ import annotations

import enum

from flask_admin import form
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import filters
from flask_admin.model.form import converts
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import validators

from models.enums import LabeledEnum
from models.labels import field_label


def _labeled(column) -> type[LabeledEnum] | None:
    enum_class = getattr(column.type, "enum_class", None)
    return enum_class if enum_class is not None and issubclass(enum_class, LabeledEnum) else None


def enum_choices(enum_class: type[LabeledEnum]) -> list[tuple[str, object]]:
    """(value, lazy label) pairs: stored value, words of the reader's language."""
    return [(member.value, member._label) for member in enum_class]


class LabeledModelConverter(AdminModelConverter):
    """Form selects of a status-like column offer its labels, not its stored values."""

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column, field_args, **extra):
        enum_class = _labeled(column)
        if enum_class is None:
            return super().convert_enum(column, field_args, **extra)
        accepted = [member.value for member in enum_class]
        if column.nullable:
            field_args["allow_blank"] = True
            accepted.append(None)
        self._nullable_common(column, field_args)
        field_args["choices"] = enum_choices(enum_class)
        field_args["validators"].append(validators.AnyOf(accepted))
        field_args["coerce"] = lambda v: v.value if isinstance(v, enum.Enum) else str(v)
        return form.Select2Field(**field_args)


class LabeledFilterConverter(FilterConverter):
    """Filters of a status-like column list its labels."""

    @filters.convert("enum")
    def conv_enum(self, column, name, options=None, **kwargs):
        enum_class = _labeled(column)
        if not options and enum_class is not None:
            options = enum_choices(enum_class)
        return super().conv_enum(column, name, options, **kwargs)


def yes_no(view, value, name=None) -> Markup:
    """Flask-Admin's check icon, with a title in the reader's language (not "active: true")."""
    icon = "fa-check-circle text-success" if value else "fa-minus-circle text-muted"
    return Markup('<span class="fa {}" title="{}"></span><span class="sr-only">{}</span>').format(
        icon, _("Yes") if value else _("No"), _("Yes") if value else _("No"))


def prettify(name: str):
    """A column's name when the screen gives none: the shared field label, translated."""
    return field_label(name)
