"""Language selection: the user's preference, else ``?lang=`` or ``/lang/<code>`` (kept in the session), else the
browser. Only a POST stores the preference."""
from __future__ import annotations

from babel import support
from flask import Blueprint, abort, current_app, has_app_context, has_request_context, redirect, request, session
from flask_babel import Domain, get_locale
from flask_login import current_user, login_required

from models.base import db
from services.accounts import set_language
from services.formatting import register_filters
from services.locale_context import babel_context
from views.safety import safe_next

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"es_AR": "Español", "pt_BR": "Português", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, jobs: the configured default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _remember_lang_param() -> None:
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang


@bp.route("/lang/<code>")
def switch(code: str):
    """Links on public pages: the choice is kept in the session only (a GET changes no stored data)."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or "/")


@bp.route("/lang", methods=["POST"])
@login_required
def store():
    """The navigation bar's language menu of a logged-in user: stores the preference (a POST with CSRF)."""
    code = request.form.get("code", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = code
    set_language(current_user, code)
    db.session.commit()
    return redirect(safe_next(request.form.get("next")) or "/")


class RequestDomain(Domain):
    """Flask-Babel's message domain, finding the current translations in one step.

    A page translates a few hundred strings (labels, badges, lazy column names); Flask-Babel looks the
    request context up three times per string (14 µs a string here, a tenth of a list page). This keeps
    the translations found for the request's locale object on that context: a string costs 9 µs, and
    ``force_locale`` (emails in the recipient's language) sets another locale object, so another lookup.
    """

    def get_translations(self):
        if not has_app_context():  # nothing to translate with
            return support.NullTranslations()
        context = babel_context()
        locale = getattr(context, "babel_locale", None)
        if locale is None:
            locale = get_locale()
            context = babel_context()
        found = getattr(context, "liquida_translations", None)
        if found is not None and found[0] is locale:
            return found[1]
        translations = super().get_translations()
        context.liquida_translations = (locale, translations)
        return translations


def init_babel(app, babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = RequestDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.before_request(_remember_lang_param)
    register_filters(app)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        return {"language_names": LANGUAGE_NAMES, "current_locale": str(get_locale())}
