"""Every error becomes a clear answer: a GOV.UK-style page for people, a problem document for the API."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, NotFoundException, ValidationException
from litestar.response import Redirect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from tracker.accounts.controllers import safe_next
from tracker.db import Duplicate, StaleRecord
from tracker.inputs import InputError
from tracker.web import i18n, observability
from tracker.web.handler_types import AnyRequest
from tracker.web.i18n import N_, gettext
from tracker.web.problem_text import said
from tracker.web.security import set_security_headers
from tracker.web.templating import page

log = logging.getLogger("tracker.errors")

# Pages show these in the reader's language (``?lang=``); problem documents in the caller's (``Accept-Language``
# on the API, see tracker.web.i18n.locale_of), English by default.
TITLES = {
    400: N_("There is a problem with the request"),
    401: N_("You need to sign in"),
    403: N_("You do not have permission to see this page"),
    404: N_("Page not found"),
    405: N_("That action is not allowed here"),
    409: N_("Someone else changed this record"),
    422: N_("There is a problem with the request"),
    413: N_("The file is too large"),
    415: N_("That type of file is not accepted"),
    429: N_("Too many requests"),
    500: N_("Sorry, there is a problem with the service"),
    503: N_("Sorry, the service is unavailable"),
}
PROBLEM_JSON = "application/problem+json"
RACE_LOST: dict[type[Exception], str] = {
    StaleRecord: N_(
        "Someone else changed this record at the same moment, so your change was not saved. "
        "Reload it and make your change again."
    ),
    Duplicate: N_(
        "Someone else saved a record with the same details at the same moment, so yours was not saved. "
        "Reload the page and check before saving again."
    ),
}


def wants_json(request: AnyRequest) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/health"


def problem(status: int, detail: str | None = None, **extra: Any) -> Response[dict[str, Any]]:
    """An RFC 9457 problem document, its title, detail and ``errors`` messages in the current language (English
    unless the request chose another: ``answer_in_its_language``); its type, status and field names are the same
    in every language, and ``Content-Language`` says which it is in."""
    body = {"type": "about:blank", "title": gettext(TITLES.get(status, N_("Error"))), "status": status}
    if detail:
        body["detail"] = said(detail)
    if isinstance(extra.get("errors"), dict):
        extra["errors"] = {field: said(str(message)) for field, message in extra["errors"].items()}
    body.update(extra)
    headers = {"Content-Language": i18n.html_lang(i18n.current_locale()), "Vary": "Accept-Language"}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def handle_exception(request: AnyRequest, exc: Exception) -> Response[Any]:
    """The app's one exception handler."""
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, HTTPException):
        status = exc.status_code
        detail = exc.detail if exc.detail and exc.detail not in (TITLES.get(status), _phrase(status)) else None
        headers = dict(exc.headers or {})
        if isinstance(exc, ValidationException) and exc.extra:
            extra["errors"] = exc.extra
    elif isinstance(exc, StaleRecord | Duplicate):
        # A write that lost a race where no form catches it (the forms that can show it do): nothing was saved.
        status, detail = 409, RACE_LOST[type(exc)]
    elif isinstance(exc, IntegrityError) and Duplicate.of(exc) is not None:
        status, detail = 409, RACE_LOST[Duplicate]  # a statement run outside the session's flush
    elif isinstance(exc, InputError):  # text a column cannot hold, refused before any SQL (tracker.inputs)
        status = 422
        detail = "; ".join(f"{_field_label(name)}: {message}" for name, message in exc.errors.items())
        extra["errors"] = dict(exc.errors)
    elif isinstance(exc, UnicodeDecodeError):  # a form part that is not UTF-8 (Litestar's multipart parser)
        status, detail = 400, N_("The form could not be read: its text is not in UTF-8.")
    elif isinstance(exc, OperationalError | DBAPIError) and _is_outage(exc):
        log.warning("database unavailable (request %s): %s", observability.request_id_of(request.scope), _cause(exc))
        status, detail = 503, N_("The database cannot be reached. Please try again in a few minutes.")
        headers = {"Retry-After": "30"}
    else:
        _log_unexpected(request)
        status, detail = 500, None
    if status >= 500 and status != 503:
        detail = None  # never leak internals
    if status == 401 and not wants_json(request):
        response = _to_sign_in(request)
        set_security_headers(response.headers, hsts=False)
        return _with_request_id(request, response, status)
    with i18n.answer_in_its_language(request):
        response = problem(status, detail, **extra) if wants_json(request) else _error_page(request, status, detail)
    if headers:
        response.headers.update(headers)
    # Routing errors (404, 405) are raised before the middleware stack: set the headers here too.
    set_security_headers(response.headers, hsts=request.app.state.settings.is_production)
    return _with_request_id(request, response, status)


def _error_page(request: AnyRequest, status: int, detail: str | None) -> Response[Any]:
    """The error page, in the reader's language (a detail is a message the catalogue holds)."""
    return page(
        request,
        "errors/error.html",
        status_code=status,
        title=gettext(TITLES[status]) if status in TITLES else None,
        detail=gettext(detail) if detail else detail,
        request_id=observability.request_id_of(request.scope),
    )


def _log_unexpected(request: AnyRequest) -> None:
    """The traceback, with the request's id and route (never its path or query, which hold what people typed)."""
    route, request_id = request.scope.get("path_template") or "(no route)", observability.request_id_of(request.scope)
    log.exception("unhandled error (request %s, %s %s)", request_id, request.method, route)


def _with_request_id(request: AnyRequest, response: Response[Any], status: int) -> Response[Any]:
    """Every answer names its request (X-Request-ID); one sent from outside the route's middleware (no route
    matched, or a middleware failed) gets its log line here."""
    response.headers[observability.REQUEST_ID_HEADER] = observability.request_id_of(request.scope)
    response.headers.setdefault("cache-control", "private, no-cache")  # also when sent outside the middleware
    observability.log_request_answered_by_error_handler(request.scope, status)
    return response


def _to_sign_in(request: AnyRequest) -> Response[Any]:
    """People (not API clients) who need to sign in are sent to the sign-in page, and back afterwards."""
    back = _page_to_return_to(request)
    location = "/sign-in" + (f"?{urlencode({'next': back})}" if back else "")
    if request.headers.get("hx-request"):
        return Response(None, status_code=401, headers={"HX-Redirect": location})
    return Redirect(location, status_code=303)


def _page_to_return_to(request: AnyRequest) -> str:
    """Where to come back to after signing in: the page asked for. A form posted once the session had ended has a
    URL nobody can GET (405), so: the page it was posted from (htmx's current URL or the Referer, this site's
    only), else the page its URL belongs to, else "" (the person's landing page)."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    for header in ("hx-current-url", "referer"):
        page_url = urlsplit(request.headers.get(header, ""))
        if page_url.netloc == request.url.netloc and page_url.path != "/sign-in":
            back = safe_next(page_url.path + (f"?{page_url.query}" if page_url.query else ""))
            if back:
                return back
    return _page_of(request, request.url.path)


def _page_of(request: AnyRequest, path: str) -> str:
    """The nearest page above ``path`` that can be read (``/plan/responses/1`` for ``/plan/responses/1/updates``);
    "" if there is none below the home page."""
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        candidate = "/".join(parts)
        try:
            request.app.asgi_router.handle_routing(candidate, "GET")
            return candidate
        except (NotFoundException, MethodNotAllowedException):
            parts.pop()
    return ""


def _field_label(name: str) -> str:
    """A field's name as people read it (``display_name`` -> "Display name")."""
    return name.replace("_", " ").capitalize()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


# SQLite reports a schema that does not match the code (a missing table or column: a migration not run, a table
# renamed by hand) as an OperationalError, like an outage. It is not one: it is a 500 with a traceback that names
# the request, and the people asking are not told the database cannot be reached.
_SCHEMA_ERRORS = ("no such table", "no such column", "has no column named", "no such function", "no such module")


def _is_outage(exc: DBAPIError) -> bool:
    if any(phrase in str(exc.orig) for phrase in _SCHEMA_ERRORS):
        return False
    return bool(getattr(exc, "connection_invalidated", False)) or isinstance(exc, OperationalError)


def _cause(exc: DBAPIError) -> str:
    """The driver's error class and first line (no SQL, no values: the engines hide parameters)."""
    first = str(exc.orig).splitlines()[0] if str(exc.orig) else ""
    return f"{exc.__class__.__name__}: {exc.orig.__class__.__name__}: {first}"[:300]
