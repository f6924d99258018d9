"""Every error a user can meet, in Swedish and in the system's own layout — the same for both mocks.

A mock gives a page renderer (its layout's message page) and, per API prefix, a renderer for that
API's error format (SS 12000's JSON Error object, the grade API's XML). Everything else — which
status says what, the CSRF refusal, a query string that is too long, the server's own refusals
before Flask sees the request — is decided here, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestURITooLarge

log = logging.getLogger("mock_kit.errors")

# (title, message) per status: what the user reads on the page.
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Felaktig förfrågan", "Förfrågan kunde inte tolkas. Gå tillbaka och försök igen."),
    401: ("Inloggning krävs", "Du behöver logga in för att se sidan."),
    403: ("Ingen behörighet", "Du har inte behörighet till sidan."),
    404: ("Sidan finns inte", "Sidan eller posten finns inte."),
    405: ("Det går inte att göra så", "Sidan tar inte emot den här sortens förfrågan."),
    409: ("Konflikt", "Någon annan har ändrat uppgifterna. Ladda om sidan och försök igen."),
    413: ("För mycket data", "Det som skickades är för stort."),
    414: ("Adressen är för lång", "Adressen är för lång. Korta sökningen och försök igen."),
    415: ("Fel format", "Innehållet har ett format som inte tas emot."),
    422: ("Uppgifterna kunde inte sparas", "Rätta uppgifterna och försök igen."),
    429: ("För många förfrågningar", "För många förfrågningar på kort tid. Vänta en stund och försök igen."),
    431: ("För stora rubriker", "Förfrågans rubriker är för stora."),
    500: ("Ett fel inträffade", "Ett oväntat fel inträffade. Försök igen om en stund."),
    503: ("Tjänsten är inte tillgänglig", "Tjänsten är inte tillgänglig just nu. Försök igen om en stund."),
    505: ("HTTP-versionen stöds inte", "Förfrågan använder en HTTP-version som tjänsten inte stöder."),
}
CSRF_MESSAGE = "Formuläret saknar en giltig säkerhetstoken. Ladda om sidan och försök igen."
MAX_QUERY_STRING = 8 * 1024  # longer search addresses are refused (414) before any work is done

PageRenderer = Callable[[int, str, str], Response]
ApiRenderer = Callable[[int, str, str], Response]  # (status, code, message)


def describe(status: int) -> tuple[str, str]:
    return MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 400]


@dataclass
class ErrorPages:
    page: PageRenderer
    apis: dict[str, ApiRenderer] = field(default_factory=dict)
    # Per API prefix, a first look at the HTTP exception itself (an API that knows more about a 404
    # or a 405 than the status says); None from it means: the API's renderer with the default text.
    api_exceptions: dict[str, Callable[[HTTPException], Response | None]] = field(default_factory=dict)

    def render(
        self, status: int, message: str | None = None, *, code: str | None = None, path: str | None = None
    ) -> Response:
        title, default = describe(status)
        text = message or default
        where = request.path if path is None else path
        for prefix, api in self.apis.items():
            if where.startswith(prefix):
                return api(status, code or _code(status), text)
        response = self.page(status, title, text)
        response.status_code = status
        return response


def _code(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        414: "uri_too_long",
        415: "unsupported_media_type",
        422: "unprocessable",
        429: "too_many_requests",
        431: "headers_too_large",
        500: "internal_error",
        503: "unavailable",
        505: "http_version_not_supported",
    }.get(status, f"error_{status}")


def install(app: Flask, pages: ErrorPages) -> None:
    """Handlers for every HTTP error, the CSRF refusal and unexpected exceptions, and the query
    string limit. The control API (``/_mock``) keeps its own JSON errors."""
    app.extensions["mock_kit_errors"] = pages

    @app.before_request
    def _limit_query_string():
        if len(request.query_string) > MAX_QUERY_STRING:
            raise RequestURITooLarge()
        return None

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return pages.render(400, CSRF_MESSAGE, code="csrf")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if request.path.startswith("/_mock"):
            control_answer = jsonify({"code": _code(error.code), "message": describe(error.code)[1]})
            control_answer.status_code = error.code
            return control_answer
        if error.response is not None:  # abort(Response(...)): the view's own answer
            return error.response
        for prefix, first_look in pages.api_exceptions.items():
            if request.path.startswith(prefix):
                answer = first_look(error)
                if answer is not None:
                    return answer
        response = error.get_response()
        rendered = pages.render(error.code)
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response.headers:
                rendered.headers[header] = response.headers[header]
        return rendered

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        log.exception("unexpected error on %s %s", request.method, request.path)
        # As any other 500: JSON under /_mock, the API's own error format under its prefix, the
        # Swedish page elsewhere.
        return _http(InternalServerError())


def request_path(raw_line: bytes | str | None) -> str:
    """The path of a request line the server refused before parsing it (perhaps cut off at the
    server's limit, perhaps an absolute URI): "/" when none can be read."""
    if isinstance(raw_line, bytes):
        raw_line = raw_line.decode("latin-1")
    words = (raw_line or "").split()
    target = words[1] if len(words) > 1 else "/"
    if not target.startswith("/"):
        try:
            target = urlsplit(target).path or "/"
        except ValueError:
            target = "/"
    path = target.split("?", 1)[0].split("#", 1)[0]
    # Enough to tell which part of the system it was for; a prefix is all that is compared.
    path = "".join(c for c in path[:256] if c.isascii() and c.isprintable() and c != " ")
    return path if path.startswith("/") else "/"


def render_outside_request(app: Flask, status: int, path: str = "/") -> Response:
    """The answer to a refusal the server makes before Flask sees the request (a request line over
    the server's limit: 414; headers too large: 431; an HTTP version it does not speak: 505), as
    the app would give it for ``path``: JSON under ``/_mock``, the API's own error format under an
    API's prefix (SS 12000's Error object, the grade API's XML), else the system's Swedish page —
    with the security headers every answer carries."""
    from betyg_harness.mock_kit.app import SECURITY_HEADERS  # app imports this module

    pages: ErrorPages | None = app.extensions.get("mock_kit_errors")
    title, message = describe(status)
    try:
        context = app.test_request_context(path)
    except Exception:  # noqa: BLE001 — an odd path: answer as for the start page
        path, context = "/", app.test_request_context("/")
    with context:
        if path.startswith("/_mock"):  # the control API's JSON, as its handler answers (install)
            response = jsonify({"code": _code(status), "message": message})
        elif pages is None:
            response = Response(
                f"<!doctype html><html lang='sv'><title>{title}</title><h1>{title}</h1><p>{message}</p>",
                mimetype="text/html",
            )
        else:
            response = pages.render(status, path=path)
        response.status_code = status
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        response.headers["Connection"] = "close"
        response.make_sequence()
        return response
