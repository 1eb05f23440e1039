"""Security headers on every response (pages, errors, static files, CSV/PDF/XML downloads), by Flask-Talisman.

Content-Security-Policy: everything from this origin only; scripts and ``<style>`` elements run only from
files of this origin or with the request's nonce (``csp_nonce()`` in templates, Flask-Admin's
``admin_csp_nonce_attribute``); no inline event handler, ``javascript:`` URL or ``style=`` attribute runs
(``static/liquida.js`` does what they used to); no plugins, no framing, forms post only here.
``img-src`` also allows ``data:``: Bootstrap draws its select arrows and validation icons as data-URI SVGs.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_talisman import Talisman
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

class _Talisman(Talisman):
    """Talisman, keeping a policy a view set itself (``sandbox`` on uploaded PDFs shown inline) as a
    second Content-Security-Policy header: the browser enforces both."""

    def _set_content_security_policy_headers(self, headers, options):
        own = headers.getlist("Content-Security-Policy")
        super()._set_content_security_policy_headers(headers, options)
        for policy in own:
            headers.add("Content-Security-Policy", policy)


def csp_nonce() -> str:
    """This request's nonce (Flask-Admin asks for it when rendering its scripts)."""
    return getattr(request, "csp_nonce", "")


def init_headers(app: Flask) -> None:
    _reach_flask_admin_templates(app)
    hsts = int(app.config.get("HSTS_SECONDS") or 0)
    # One Talisman per app: it keeps its settings on itself, not in the app.
    app.extensions["talisman"] = _Talisman(
        app,
        force_https=False,  # the TLS proxy redirects; the app may run on plain http behind it or locally
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src", "style-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
        x_content_type_options=True,
        strict_transport_security=hsts > 0,
        strict_transport_security_max_age=hsts,
        strict_transport_security_include_subdomains=False,
        # Cookie flags are settings of their own (settings.py); keep Talisman from rewriting them.
        session_cookie_secure=False,
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )


def _reach_flask_admin_templates(app: Flask) -> None:
    """``flask_admin/...`` names Flask-Admin's own templates, so that ours of the same name (the few
    macros with inline event handlers, in templates/admin/) import the originals and replace only those."""
    import flask_admin

    originals = FileSystemLoader(str(Path(flask_admin.__file__).parent / "templates" / "bootstrap4"))
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PrefixLoader({"flask_admin": originals})])
