"""Flask-Admin list filters that accept what their own menu sends and nothing else.

Flask-Admin's enum filters look members up by *name* while their menu (and our columns, stored by
value) send the *value*: every status filter answered 500. Numbers went to the database unchecked
(an id beyond 64 bits, ``NaN``). Here a filter value is read as the column holds it, and a value that
cannot be is invalid: Flask-Admin then drops that filter and says so ("Invalid Filter Value").
"""
from __future__ import annotations

import math

from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model.filters import convert

from models.enums import LabeledEnum

MAX_INT = 2**63 - 1
MAX_FLOAT = 1e15


def _member(enum_class, value):
    """The member whose value (or name) is ``value``; ValueError otherwise."""
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        try:
            return enum_class[value]
        except KeyError:
            raise ValueError(value) from None


def _in_range(value) -> bool:
    if isinstance(value, list):
        return all(_in_range(v) for v in value)
    if isinstance(value, int):
        return -MAX_INT <= value <= MAX_INT
    if isinstance(value, float):
        return math.isfinite(value) and abs(value) < MAX_FLOAT
    return True


class _Checked:
    """A value is valid when it cleans to something the column can hold."""

    def validate(self, value) -> bool:
        try:
            return _in_range(self.clean(value))
        except (ValueError, TypeError, KeyError, OverflowError, ArithmeticError):
            return False


class _EnumOne(_Checked):
    def clean(self, value):
        return _member(self.enum_class, value) if self.enum_class is not None else value


class _EnumList(_Checked):
    def clean(self, value):
        values = [v.strip() for v in str(value).split(",") if v.strip()]
        return [_member(self.enum_class, v) for v in values] if self.enum_class is not None else values


def _checked(classes, mixin=_Checked) -> tuple:
    return tuple(type(cls.__name__, (mixin, cls), {}) for cls in classes)


class FilterConverter(sqla_filters.FilterConverter):
    int_filters = _checked(sqla_filters.FilterConverter.int_filters)
    float_filters = _checked(sqla_filters.FilterConverter.float_filters)
    enum = (
        type("EnumEqualFilter", (_EnumOne, sqla_filters.EnumEqualFilter), {}),
        type("EnumFilterNotEqual", (_EnumOne, sqla_filters.EnumFilterNotEqual), {}),
        sqla_filters.EnumFilterEmpty,
        type("EnumFilterInList", (_EnumList, sqla_filters.EnumFilterInList), {}),
        type("EnumFilterNotInList", (_EnumList, sqla_filters.EnumFilterNotInList), {}),
    )

    @convert("enum")
    def conv_enum(self, column, name, options=None, **kwargs):
        """The menu offers each member by value with its translated label."""
        enum_class = getattr(column.type, "enum_class", None)
        if not options and enum_class is not None and issubclass(enum_class, LabeledEnum):
            options = [(member.value, member._label) for member in enum_class]  # lazy: built at start-up
        return super().conv_enum(column, name, options, **kwargs)
