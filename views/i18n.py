"""Language selection: the user's preference, else ``?lang=`` or ``/lang/<code>`` (kept in the session), else the
browser. Only a POST stores the preference."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, has_request_context, redirect, request, session
from flask_login import current_user, login_required

from models.base import db
from services.accounts import set_language
from services.formatting import register_filters
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


def init_babel(app, babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(_remember_lang_param)
    register_filters(app)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        return {"language_names": LANGUAGE_NAMES, "current_locale": str(get_locale())}
