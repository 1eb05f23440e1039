"""A list's row buttons (view, edit, delete) drawn once per page, not once per row.

Flask-Admin draws each button of each row through a Jinja macro and ``url_for`` (``TemplateLinkRowAction``):
25 rows × 3 buttons a page. Its own buttons depend on the row only through its id, so ``once_per_page``
stands each in for one that draws it once, for a placeholder id, and puts each row's id in its place:
the same markup (the same macros of templates/admin/model/row_actions.html), the same links.
Any other row action (``column_extra_row_actions``) is left as it is, drawn per row.
"""
from __future__ import annotations

from flask_admin.model import template
from markupsafe import Markup

from services.url_query import quote as url_quote

# Not a character a URL or an id from url_for carries (it would be percent-encoded there, %1F), so no
# other text of a button (the return URL, a search in it) can be mistaken for it.
ROW_ID = "\x1frow-id\x1f"
_QUOTED_ROW_ID = url_quote(ROW_ID)

# Flask-Admin's own buttons: where each one puts the row's id (a link's URL, the delete form's hidden field).
_IN_URL, _IN_FIELD = "url", "field"
_PLACES = {
    template.ViewRowAction: _IN_URL,
    template.ViewPopupRowAction: _IN_URL,
    template.EditRowAction: _IN_URL,
    template.EditPopupRowAction: _IN_URL,
    template.DeleteRowAction: _IN_FIELD,
}


class OncePerPage(template.BaseListRowAction):
    """One of Flask-Admin's buttons, drawn for the first row and copied, with its id, for the others."""

    def __init__(self, action: template.TemplateLinkRowAction, place: str) -> None:
        super().__init__(title=action.title)
        self.action = action
        self.place = place
        self.markup: Markup | None = None

    def render(self, context, row_id, row) -> Markup:
        if self.markup is None:
            self.markup = Markup(self.action.render(context, ROW_ID, None))
        if self.place == _IN_URL:
            return self.markup.replace(_QUOTED_ROW_ID, url_quote(row_id))
        return self.markup.replace(ROW_ID, str(row_id))  # Markup.replace escapes the id, as the field does


def once_per_page(actions: list[template.BaseListRowAction]) -> list[template.BaseListRowAction]:
    """``actions`` (a fresh list for each page) with Flask-Admin's own buttons drawn once per page."""
    return [OncePerPage(action, _PLACES[type(action)]) if type(action) in _PLACES else action
            for action in actions]
