"""Flask-Admin's generated words in the user's language: column and field names, enum choices of forms and
filters, the yes/no icons (built once at start-up, so they stay lazy strings here), and its templates' words
from our catalogue first."""
from __future__ import annotations

import enum

from flask_admin import babel as flask_admin_babel
from flask_admin import form
from flask_admin.model.form import converts
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import validators

from models.enums import LabeledEnum
from models.labels import field_label
from views.admin.form_converter import ModelConverter

# Flask-Admin's own translation functions, before ``use_our_words_first`` replaces them for its templates.
flask_admin_babel_gettext = flask_admin_babel.gettext
flask_admin_babel_ngettext = flask_admin_babel.ngettext


def _labeled(column) -> type[LabeledEnum] | None:
    enum_class = getattr(column.type, "enum_class", None)
    return enum_class if enum_class is not None and issubclass(enum_class, LabeledEnum) else None


def enum_choices(enum_class: type[LabeledEnum]) -> list[tuple[str, object]]:
    """(value, lazy label) pairs: stored value, words of the reader's language."""
    return [(member.value, member._label) for member in enum_class]


class LabeledModelConverter(ModelConverter):
    """Form selects of a status-like column offer its labels, not its stored values (and the typed fields
    of ``views.admin.form_converter``)."""

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


def yes_no(view, value, name=None) -> Markup:
    """Flask-Admin's check icon, with a title in the reader's language (not "active: true")."""
    icon = "fa-check-circle text-success" if value else "fa-minus-circle text-muted"
    return Markup('<span class="fa {}" title="{}"></span><span class="sr-only">{}</span>').format(
        icon, _("Yes") if value else _("No"), _("Yes") if value else _("No"))


def prettify(name: str):
    """A column's name when the screen gives none: the shared field label, translated."""
    return field_label(name)


# Words Flask-Admin asks for that its catalogues translate badly or not at all ("10 artículos", flashes).
FLASK_ADMIN_WORDS = (
    _l("items"), _l("Failed to create record. %(error)s"), _l("Failed to update record. %(error)s"),
    _l("Failed to delete record. %(error)s"), _l("Failed to delete records. %(error)s"),
    _l("Integrity error. %(message)s"),
)


def admin_gettext(string: str, **variables) -> str:
    """Flask-Admin's words, ours first where we say them better (its Spanish catalogue has "Salvar" for Save)."""
    ours = get_translations().ugettext(string)
    if ours != string:
        return ours % variables if variables else ours
    return flask_admin_babel_gettext(string, **variables)


def admin_ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The page-size menu's "25 items", which Flask-Admin asks for as a literal of each size."""
    if singular == f"{num} item":
        return _("%(num)s items", num=num)
    return flask_admin_babel_ngettext(singular, plural, num, **variables)


def use_our_words_first() -> None:
    """Flask-Admin hands its templates ``flask_admin.babel.gettext`` at each render, and its views flash
    through their own imported ``gettext``: point both here."""
    from flask_admin.contrib.sqla import view as sqla_view
    from flask_admin.model import base as model_base

    flask_admin_babel.gettext = admin_gettext
    flask_admin_babel.ngettext = admin_ngettext
    sqla_view.gettext = admin_gettext
    model_base.gettext = admin_gettext
