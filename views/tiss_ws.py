"""The TISS web services over HTTP: ``POST /tiss/ws/<service>`` (SOAP 1.1), ``GET /tiss/ws/<service>?wsdl``
and the XSDs the WSDLs import (``/tiss/ws/schemas/<version>/<file>.xsd``).

Not a browser form: exempt from CSRF, no session, authenticated only by the TISS login in the
message (``services.tiss.ws``). Failed calls count against a per-address limit; each provider
has its own call limit once identified. Messages are in Portuguese unless the caller's
Accept-Language asks for another language.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request, url_for
from flask_babel import force_locale
from flask_limiter.util import get_remote_address

from extensions import limiter, login_manager
from models import PayerSettings
from services.tiss.schemas import ws_file_name
from services.tiss.ws import endpoint, soap, wsdl
from services.tiss.ws.catalog import SERVICES

bp = Blueprint("tiss_ws", __name__, url_prefix="/tiss/ws")
DEFAULT_LOCALE = "pt_BR"
DEFAULT_VERSION = "4.01.00"


def _locale() -> str:
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or DEFAULT_LOCALE


def _xml(data: bytes, status: int = 200, headers: dict | None = None) -> Response:
    return Response(data, status=status, content_type=soap.CONTENT_TYPE,
                    headers={"X-Content-Type-Options": "nosniff", **(headers or {})})


def _failure_limit() -> str:
    return current_app.config["TISS_WS_FAILURE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code != 200


def _version() -> str:
    payer = PayerSettings.current()
    return (payer.tiss_version if payer and payer.tiss_version else DEFAULT_VERSION)


@bp.route("/<service>", methods=("GET", "POST"))
@limiter.limit(_failure_limit, key_func=get_remote_address, deduct_when=_failed, methods=["POST"])
def call(service: str):
    if service not in SERVICES:
        return Response("Unknown TISS web service.\n", status=404, content_type="text/plain; charset=utf-8")
    if request.method == "GET":
        if not any(key.lower() == "wsdl" for key in request.args):
            return Response(f"TISS web service {service}: POST SOAP 1.1 messages here; the WSDL is at ?wsdl.\n",
                            content_type="text/plain; charset=utf-8")
        return _wsdl(service)
    g._login_user = login_manager.anonymous_user()   # a browser session authorises (and names) nothing here
    limit = current_app.config["TISS_MAX_XML_BYTES"]
    with force_locale(_locale()):
        if (request.content_length or 0) > limit:
            fault = soap.Fault(soap.SCHEMA_INVALID, endpoint.too_large(request.content_length, limit))
            return _xml(soap.fault_envelope(fault), fault.status)
        answer = endpoint.handle(service, request.stream.read(limit + 1), get_remote_address())
    return _xml(answer.body, answer.status, answer.headers)


def _wsdl(service: str) -> Response:
    version = _version()
    if wsdl.schema_file(version, ws_file_name(version)) is None:
        return Response(f"No TISS {version} web-service schema is installed.\n", status=503,
                        content_type="text/plain; charset=utf-8")
    data = wsdl.wsdl(service, version, url_for(".call", service=service, _external=True), f"schemas/{version}")
    return _xml(data)


@bp.route("/schemas/<version>/<file_name>")
def schema(version: str, file_name: str):
    data = wsdl.schema_file(version, file_name)
    if data is None:
        return Response("Not found.\n", status=404, content_type="text/plain; charset=utf-8")
    return _xml(data)


@bp.errorhandler(429)
def too_many(error):
    with force_locale(_locale()):
        fault = soap.Fault(soap.SERVER_ERROR, endpoint.too_many_failures())
    return _xml(soap.fault_envelope(fault), 429, {"Retry-After": "60"})
