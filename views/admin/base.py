"""The base admin views every screen inherits: permission checks, provider scoping,
locale-aware formatting and safe CSV export. No view re-implements these."""
from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import typefmt
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import BigInteger, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from models.base import Money
from models.enums import CURRENCIES, LabeledEnum
from models.errors import CodedError, NotFound
from models.permissions import can
from services import formatting, visibility
from services.csv_export import neutralise_cell
from views import refusals
from views.admin.export import StreamedCsvExport
from views.admin.filters import FilterConverter
from views.admin.labels import LabeledModelConverter, prettify, yes_no
from views.admin.paging import SeekPagingMixin
from views.admin.row_actions import once_per_page

log = logging.getLogger(__name__)
MAX_PAGE = 100_000


def _type_formatters(base: dict) -> dict:
    out = {
        LabeledEnum: lambda view, value, name: formatting.badge(value) if name == "status" else value.label,
        datetime: lambda view, value, name: formatting.day(value),
        date: lambda view, value, name: formatting.day(value),
        Decimal: lambda view, value, name: formatting.number(value),  # quantities; money has its own
        bool: yes_no,
    }
    out.update({k: v for k, v in base.items() if k not in out})
    return out


# Where a row's currency comes from: its own, its price table's, its provider's (directly or through its
# guide, order or appeal), else its country's.
CURRENCY_PATHS = ("currency", "table.currency", "provider.currency", "guide.provider.currency",
                  "order.provider.currency", "appeal.provider.currency")


def currency_of(model) -> str:
    for path in CURRENCY_PATHS:
        value = model
        for step in path.split("."):
            value = getattr(value, step, None)
        if isinstance(value, str):
            return value
    return CURRENCIES.get(getattr(model, "country", None), "ARS")


def _money_formatter(view, context, model, name):
    return formatting.money(getattr(model, name), currency_of(model))


def in_menu_of(provider_menu: bool | None) -> bool:
    """Whose menu shows an entry: providers only (True), staff only (False) or both (None). Access is
    the matrix's (``is_accessible``, which Flask-Admin also asks before drawing an entry), so an entry
    never shows to a role or country that could not open it."""
    if provider_menu is None or not current_user.is_authenticated:
        return True
    return current_user.is_provider == provider_menu


class MatrixAccess:
    """Who may open a screen: whoever ``can(action, resource)`` in the permission matrix; the menu entry shows
    per ``provider_menu`` (``in_menu_of``). A signed-in user refused gets 403, anyone else the login page."""

    resource: str | None = None
    action: str = "view"
    provider_menu: bool | None = None

    def is_accessible(self) -> bool:
        return can(current_user, self.action, self.resource)

    def is_visible(self) -> bool:
        return in_menu_of(self.provider_menu)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))


class SecureModelView(MatrixAccess, SeekPagingMixin, StreamedCsvExport, ModelView):
    """A CRUD screen whose every capability comes from the permission matrix; lists page by seeking
    (``views.admin.paging``), so they cost the same at any size.

    CRUD screens sit in staff menus (``provider_menu = False``): a provider user reaches its rows
    from its own guided pages (wizard, lot builder, statements), which apply the business rules.
    """

    provider_menu: bool | None = False
    page_size = 25
    can_set_page_size = True
    page_size_options = (10, 25, 50, 100)
    can_view_details = True
    export_types = ["csv"]
    column_display_pk = False
    # Status moves only through models.workflow; bookkeeping columns are the system's.
    form_excluded_columns = ("status", "version_id", "created_at", "updated_at")
    # What this screen offers at all; the matrix decides who may use it.
    offers = frozenset({"create", "edit", "delete", "export"})
    # Generated names, enum choices and icons in the reader's language (views.admin.labels); typed fields in
    # the user's locale (views.admin.form_converter); filters accept what their menu sends (views.admin.filters).
    model_form_converter = LabeledModelConverter
    filter_converter = FilterConverter()
    column_type_formatters = _type_formatters(typefmt.BASE_FORMATTERS)
    column_type_formatters_detail = _type_formatters(typefmt.DETAIL_FORMATTERS)
    column_type_formatters_export = {
        LabeledEnum: lambda view, value, name: value.label,
        Decimal: lambda view, value, name: str(value),
        **typefmt.EXPORT_FORMATTERS,
    }

    def __init__(self, model, session, *args, **kwargs):
        self.resource = self.resource or model.__tablename__
        formatters = dict(self.column_formatters or {})
        for column in inspect(model).columns:
            if isinstance(column.type, Money) and column.key not in formatters:
                formatters[column.key] = _money_formatter
        self.column_formatters = formatters
        # Every attribute named (Flask-Admin's forms ignore prettify_name once a screen labels some columns).
        self.column_labels = {**{key: prettify(key) for key in inspect(model).attrs.keys()},
                              **(self.column_labels or {})}
        super().__init__(model, session, *args, **kwargs)

    def _prettify_name(self, name):
        return prettify(name)

    def prettify_name(self, name):  # form labels
        return prettify(name)

    # What the matrix lets the user do here ---------------------------------------
    @property
    def can_create(self) -> bool:
        return "create" in self.offers and can(current_user, "create", self.resource)

    @property
    def can_edit(self) -> bool:
        return "edit" in self.offers and can(current_user, "edit", self.resource)

    @property
    def can_delete(self) -> bool:
        return "delete" in self.offers and can(current_user, "delete", self.resource)

    @property
    def can_export(self) -> bool:
        return "export" in self.offers and can(current_user, "export", self.resource)

    def is_action_allowed(self, name: str) -> bool:
        if name == "delete":
            return self.can_delete
        return super().is_action_allowed(name)

    def get_list_row_actions(self):
        """The row buttons the matrix allows (Flask-Admin's choice), each drawn once per page, not per row."""
        return once_per_page(super().get_list_row_actions())

    # Rows: what services.visibility lets the user see (list, capped count, details, edit, delete, export
    # and actions all start from these two) --------------------------------------------------
    def get_query(self):
        return visibility.visible(super().get_query(), current_user, self.resource, self.model)

    def get_one(self, id):
        """The row, or 404 alike for a malformed id, a missing row and one the user may not see."""
        key = visibility.parse_id(id)
        obj = super().get_one(str(key)) if key is not None else None
        if not visibility.may_see(current_user, obj, self.resource):
            raise NotFound()
        return obj

    def validate_form(self, form) -> bool:
        """A picked record that does not exist (a crafted or stale id in a relationship field) is that
        field's error, found before any query could choke on it or a blank relation be saved."""
        missing = [field for field in form if _picks_missing_record(field)]
        for field in missing:
            field._formdata = None  # the field looks no further: no query with a value that is not an id
        valid = super().validate_form(form)
        for field in missing:
            field.errors = [_("Choose an existing record: this one does not exist.")]
        return valid and not missing

    def handle_view_exception(self, exc: Exception) -> bool:
        """A service's refusal raised while saving (``CodedError``) is shown as its message; a database
        refusal (a lost race, a value out of range) as a sentence, never the database's own text."""
        if isinstance(exc, CodedError):
            refusals.show(exc)
            return True
        if isinstance(exc, (DBAPIError, StaleDataError)):
            log.warning("%s refused by the database: %s", self.endpoint, exc)
            flash(_("Someone else changed this record at the same time, or a value is not valid here. "
                    "Reload the page and try again."), "danger")
            return True
        return super().handle_view_exception(exc)

    def _get_list_extra_args(self):
        """The query string's page within bounds: ``?page=-1`` is the first page, not a negative OFFSET."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        return args

    # Relationship pickers and inline edits serve forms only: no form, no lookup.
    def _create_ajax_loader(self, name, options):
        """``form_ajax_refs`` entries search on indexes (``views.admin.lookups``)."""
        from views.admin.lookups import IndexedLookup

        remote = getattr(self.model, name).property.mapper.class_
        return IndexedLookup(name, self.session, remote, **options)

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        if not (self.can_create or self.can_edit):
            abort(403)
        return super().ajax_lookup()

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        if not self.can_edit:
            abort(403)
        return super().ajax_update()

    # Export ------------------------------------------------------------------
    def get_export_value(self, model, name):
        value = super().get_export_value(model, name)
        if isinstance(value, Markup):  # a list formatter's link or badge: its text in the file
            value = value.striptags()
        return neutralise_cell(value)


def _picks_missing_record(field) -> bool:
    """True when a relationship picker (Flask-Admin's ajax select fields) was sent an id of no row."""
    loader, raw = getattr(field, "loader", None), getattr(field, "_formdata", None)
    if loader is None or not raw:
        return False
    largest = 2**63 - 1 if isinstance(inspect(loader.model).primary_key[0].type, BigInteger) else 2**31 - 1
    for value in [raw] if isinstance(raw, str) else raw:
        key = visibility.parse_id(value)
        if key is None or key > largest or loader.get_one(str(key)) is None:
            return True
    return False


class ProviderScopedView(SecureModelView):
    """Rows owned by a provider: provider users read them here and write through the guided pages
    (wizard, lot builder, appeals) that apply the business rules; staff edit them here."""

    @property
    def can_create(self) -> bool:
        return not current_user.is_provider and super().can_create

    @property
    def can_edit(self) -> bool:
        return not current_user.is_provider and super().can_edit

    @property
    def can_delete(self) -> bool:
        return not current_user.is_provider and super().can_delete


class SecurePage(MatrixAccess, BaseView):
    """The base of every custom page (wizard, desk, report): open to whoever ``can(action, resource)``.

    ``provider_menu`` shows the menu entry only to providers (True) or only to staff (False).
    Rows come through ``visible_or_404`` (services.visibility): one answer, 404, for a row that
    does not exist and one the user may not see.
    """

    resource: str = "dashboard"

    @staticmethod
    def require(action: str, resource: str) -> None:
        if not can(current_user, action, resource):
            abort(403)

    @staticmethod
    def visible_or_404(model, ident, resource: str | None = None):
        return visibility.get_visible_or_404(model, ident, current_user, resource)
