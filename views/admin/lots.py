"""CRUD screens of the TISS flow: guides, lots, received XML files, glosas and appeals."""
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from models import GuideItem
from services import guides as guide_svc
from views.admin.base import ProviderScopedView

SEARCH_WINDOW = 2_000  # a provider's next guides a searched page of its items is looked for in first


def _guide_link(view, context, model, name):
    """Guide number linking to the guide editor (execution, team, items)."""
    return Markup('<a href="{}" data-guide-link="{}">{}</a>').format(
        url_for("guide_edit.edit", guide_id=model.id), model.number, model.number)


class GuideView(ProviderScopedView):
    column_list = (
        "number", "guide_type", "beneficiary", "emission_date", "execution_date", "total_amount", "lot", "status")
    column_labels = {
        "number": _l("Guide"), "guide_type": _l("Guide type"), "beneficiary": _l("Beneficiary"),
        "emission_date": _l("Emission date"), "execution_date": _l("Execution date"),
        "total_amount": _l("Guide value"), "lot": _l("Lot"), "status": _l("Status"),
        "beneficiary.name": _l("Beneficiary name"), "beneficiary.card_number": _l("Card number"),
    }
    column_formatters = {"number": _guide_link}
    column_searchable_list = ("number", "beneficiary.name", "beneficiary.card_number")
    column_search_modes = {"number": "exact", "beneficiary.name": "name", "beneficiary.card_number": "exact"}
    column_filters = ("status", "guide_type", "emission_date")
    column_default_sort = ("emission_date", True)
    column_sortable_list = ("emission_date",)
    form_excluded_columns = ("status", "version_id", "created_at", "updated_at", "lot", "total_amount")
    form_ajax_refs = {
        "provider": {"fields": ("legal_name", "provider_number"), "modes": {"provider_number": "exact"},
                     "page_size": 10},
        "beneficiary": {"fields": ("name", "card_number"), "modes": {"card_number": "exact"}, "page_size": 10},
    }


class LotView(ProviderScopedView):
    """Lots are built by the lot builder or the XML intake and move through the workflow."""

    offers = frozenset({"export"})
    column_list = (
        "id", "guide_type", "description", "protocol_number", "sent_at", "physical_received_at",
        "status", "rejection_note", "expected_payment_date", "total_amount", "provider",
    )
    column_labels = {
        "id": _l("ID"), "guide_type": _l("Lot type"), "description": _l("Description"),
        "protocol_number": _l("Protocol"), "sent_at": _l("XML sent"), "physical_received_at": _l("Physical receipt"),
        "status": _l("Status"), "rejection_note": _l("Rejection note"),
        "expected_payment_date": _l("Expected payment"), "total_amount": _l("Total value"), "provider": _l("Provider"),
        "competence": _l("Competence"), "number": _l("Lot number"), "provider.legal_name": _l("Provider"),
    }
    column_searchable_list = ("number", "provider.legal_name")
    column_search_modes = {"number": "exact", "provider.legal_name": "name"}
    column_filters = ("status", "guide_type", "competence", "protocol_number", "sent_at")
    column_default_sort = ("id", True)
    column_sortable_list = ("id",)


class GlosaView(ProviderScopedView):
    column_list = ("lot", "guide", "guide_item", "invoice", "code", "amount", "reason", "created_at")
    column_labels = {
        "lot": _l("Lot"), "guide": _l("Guide"), "guide_item": _l("Item"), "invoice": _l("Invoice"),
        "code": _l("Glosa code"), "amount": _l("Amount"), "reason": _l("Reason"), "created_at": _l("Date"),
        "code.code": _l("Glosa code"),
    }
    column_filters = ("code.code", "created_at")
    column_default_sort = ("created_at", True)
    column_sortable_list = ("created_at",)
    form_ajax_refs = {
        "lot": {"fields": ("number",), "modes": {"number": "exact"}, "page_size": 10},
        "guide": {"fields": ("number",), "modes": {"number": "exact"}, "page_size": 10},
        "guide_item": {"fields": ("code",), "modes": {"code": "exact"}, "page_size": 10},  # 10M: no description scan
        "invoice": {"fields": ("cae",), "modes": {"cae": "exact"}, "page_size": 10},
        "provider": {"fields": ("legal_name", "provider_number"), "modes": {"provider_number": "exact"},
                     "page_size": 10},
    }


class AppealView(ProviderScopedView):
    offers = frozenset({"export"})
    column_list = ("id", "provider", "lot", "guide", "requested_amount", "accepted_amount", "status", "created_at")
    column_labels = {
        "id": _l("Appeal"), "provider": _l("Provider"), "lot": _l("Lot"), "guide": _l("Guide"),
        "requested_amount": _l("Amount appealed"), "accepted_amount": _l("Amount accepted"),
        "status": _l("Status"), "created_at": _l("Date"), "justification": _l("Justification"),
    }
    column_filters = ("status", "created_at")
    column_default_sort = ("created_at", True)


class GuideItemView(ProviderScopedView):
    """Items in guide order, newest guide first. A provider's page is read from its next guides
    (index ``guide (provider_id, id)``), not by walking all items until enough are the provider's."""

    column_list = ("guide", "kind", "code", "description", "quantity", "unit_price", "total_amount",
                   "released_amount")
    column_labels = {
        "guide": _l("Guide"), "kind": _l("Kind"), "code": _l("Code"), "description": _l("Description"),
        "quantity": _l("Quantity"), "unit_price": _l("Unit value"), "total_amount": _l("Value informed"),
        "released_amount": _l("Value released"), "guide.number": _l("Guide"),
    }
    column_searchable_list = ("code", "guide.number")
    column_search_modes = {"code": "exact", "guide.number": "exact"}
    column_filters = ("kind",)
    column_default_sort = ("guide_id", True)
    column_sortable_list = (("guide", "guide_id"),)
    form_excluded_columns = ("executed_quantity", "processed_amount", "released_amount")
    form_ajax_refs = {"guide": {"fields": ("number",), "modes": {"number": "exact"}, "page_size": 10}}

    def seek_narrow(self, query, cursor, newer: bool, size: int):
        if not current_user.is_provider:
            return query
        # the cursor's own guide (its remaining items) and enough guides after it to tell there is more
        ids = guide_svc.next_guide_ids(current_user, cursor[0] if cursor else None, newer, size + 2)
        return query.filter(GuideItem.guide_id.in_(ids))

    def search_narrow(self, query, cursor, newer: bool):
        """A provider's search (a code in most of its guides) looks in its next guides first: walking the
        code's index newest first would pass every other provider's items of that code."""
        if not current_user.is_provider:
            return None
        window = guide_svc.next_guides(current_user, cursor[0] if cursor else None, newer, SEARCH_WINDOW)
        return query.filter(GuideItem.guide_id.in_(window))


class AppealItemView(ProviderScopedView):
    offers = frozenset({"export"})
    column_list = ("appeal", "glosa", "amount_appealed", "amount_accepted", "created_at")
    column_labels = {
        "appeal": _l("Appeal"), "glosa": _l("Glosa"), "amount_appealed": _l("Amount appealed"),
        "amount_accepted": _l("Amount accepted"), "created_at": _l("Date"),
    }
    column_default_sort = ("created_at", True)
