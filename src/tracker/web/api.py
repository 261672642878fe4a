"""The plumbing every resource of the JSON API under /api shares: access, the problem documents of failures, and
the field types of request bodies. The resources live beside their use cases (``tracker.plans.api``: responses,
actions and progress updates; ``tracker.evidence.api``: evidence metadata); ``create_app`` puts them under one
router with ``api_router``.

Every route loads its record through ``load_response`` / ``load_child`` (which call
``tracker.permissions.require``), so an id of another organisation's record answers 404, a reader who may not
change it 403, and the public 401. Callers authenticate with a personal API token (``Authorization: Bearer
trk_...``, made on /account/api-tokens) or with the session cookie of a signed-in browser. See ``api_access`` for
how CSRF protection applies.

Every error is an RFC 9457 problem document (``application/problem+json``): 400 for a body or path that does not
match the schema, 422 with ``errors`` (field -> message) for input that breaks a rule, 409 with ``current``
(the record as it is now) when the ``version`` sent is not the record's, never 500. Dates are ISO 8601
(``2025-03-27``), timestamps ISO 8601 in UTC, vocabularies their string values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from hmac import compare_digest
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, PathParameter
from litestar.response import Response as HttpResponse
from msgspec import UNSET, Meta, Struct, UnsetType
from sqlmodel import Session

from tracker.db import StaleRecord
from tracker.inputs import MAX_ID
from tracker.plans.services import MAX_TEXT, PlanError
from tracker.web.errors import PROBLEM_JSON, handle_exception, problem

T = TypeVar("T")

# No control characters (tracker.inputs.DISALLOWED, less the lone surrogates a JSON schema's regex cannot spell;
# the before-flush check refuses those): PostgreSQL cannot hold NUL, XLSX exports cannot hold most of the rest.
CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"

NO_CONTROL = rf"^[^{CONTROL}]*$"

# What str.strip() removes and may be stored, spelt out: JavaScript's \s (the schema's readers) differs from Python's.
SPACE = r"\t\n\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

NOT_BLANK = rf"^[{SPACE}]*[^{SPACE}{CONTROL}][^{CONTROL}]*$"  # not only spaces, no control (linear: parts disjoint)

RecordId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The record's id")]

Slug = Annotated[
    str,
    PathParameter(
        max_length=80, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="The organisation's slug, like `kent`"
    ),
]

Version = Annotated[
    int, Meta(ge=1, le=MAX_ID, description="The record's `version` as last read; a different one answers 409")
]

LongText = Annotated[str, Meta(max_length=MAX_TEXT, pattern=NO_CONTROL)]

RequiredText = Annotated[str, Meta(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK)]

ShortText = Annotated[str, Meta(max_length=200, pattern=NO_CONTROL)]

Title = Annotated[str, Meta(min_length=1, max_length=300, pattern=NOT_BLANK)]


def json_body(description: str) -> Any:
    """A JSON request body that the schema closes to other properties (unknown fields answer 400)."""
    return Body(description=description, schema_extra={"additional_properties": False})


class Problem(Struct):
    """An RFC 9457 problem document. ``errors`` maps each field at fault to what is wrong with it."""

    type: str
    title: str
    status: int
    detail: str | UnsetType = UNSET
    errors: dict[str, str] | UnsetType = UNSET


_ERROR_TEXT = {
    400: "The request does not match the schema (`errors` names the fields)",
    401: "No valid session or API token (send `Authorization: Bearer <token>`)",
    403: "Not allowed to do this, or (for a signed-in browser) the CSRF header is missing",
    404: "No such record, or it belongs to an organisation the caller may not see",
    409: "The record changed since it was read: `current` holds it as it is now",
    422: "The input breaks a rule (`errors` names the fields)",
}


def errors(*codes: int, conflict: type[Problem] | None = None) -> dict[int, ResponseSpec]:
    """The documented error answers of an operation, every one a problem document."""
    return {
        code: ResponseSpec(
            data_container=conflict if code == 409 and conflict else Problem,
            description=_ERROR_TEXT[code],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for code in (400, 401, 403, 404, *codes)
    }


def api_access(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Every API call needs a user; a state-changing call from a browser session also needs the CSRF header.

    Litestar's CSRF middleware can only exclude by path, and it must not run on /api as a whole: a client with a
    bearer token has no CSRF cookie, and needs none, because a browser never attaches an ``Authorization`` header
    to a cross-site request by itself (so a forged request cannot carry the token). A session cookie, though, is
    attached by the browser, so a cookie-authenticated unsafe request is exactly what CSRF is about. Hence
    ``^/api/`` is excluded from the middleware in ``create_app``, and here, for unsafe methods authenticated by
    the session cookie (``connection.auth == "session"``), the ``x-csrftoken`` header is checked against the
    ``csrftoken`` cookie exactly as the middleware does: both must carry a valid HMAC under the app's secret
    and the same random part (double submit). Requests with a bearer token are authenticated by the token alone
    (``auth == "token"``; the middleware ignores any cookie then).
    """
    if connection.scope.get("user") is None:
        raise NotAuthorizedException(
            "Send a personal API token as 'Authorization: Bearer <token>', or sign in",
            headers={"WWW-Authenticate": 'Bearer realm="tracker"'},
        )
    config = connection.app.csrf_config
    if (
        config is None
        or connection.scope.get("auth") != "session"
        or connection.scope.get("method") in config.safe_methods
    ):
        return
    header = connection.headers.get(config.header_name)
    cookie = connection.cookies.get(config.cookie_name)
    if not (header and cookie and csrf_tokens_match(header, cookie, config.secret)):
        raise PermissionDeniedException("CSRF token verification failed: send the x-csrftoken header")


def csrf_tokens_match(sent: str, cookie: str, secret: str) -> bool:
    """The check of Litestar's CSRFMiddleware (``_csrf_tokens_match``), built on its own HMAC function."""

    def decode(token: str) -> str | None:
        if len(token) < CSRF_SECRET_LENGTH + 1:
            return None
        random_part, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        return random_part if compare_digest(signature, generate_csrf_hash(random_part, secret)) else None

    decoded_sent, decoded_cookie = decode(sent), decode(cookie)
    return decoded_sent is not None and decoded_cookie is not None and compare_digest(decoded_sent, decoded_cookie)


class Conflict(HTTPException):
    """A stale save, answered with the record as it is now."""

    status_code = 409

    def __init__(self, current: Struct) -> None:
        super().__init__(
            detail="Someone else changed this record since it was read. `current` holds it as it is now; "
            "send the change again with its `version`."
        )
        self.current = current


def _conflict_problem(request: Request[Any, Any, Any], exc: Conflict) -> HttpResponse[Any]:
    return problem(409, exc.detail, current=msgspec.to_builtins(exc.current))


MISSING_FIELD = re.compile(r"missing required field `(\w+)`")


def _validation_problem(request: Request[Any, Any, Any], exc: ValidationException) -> HttpResponse[Any]:
    """Litestar's list of body and parameter errors becomes the same ``errors`` object (field -> message)."""
    if isinstance(exc.extra, list):
        found: dict[str, str] = {}
        for item in exc.extra:
            if not isinstance(item, dict):
                continue
            key = str(item.get("key") or "body")
            message = str(item.get("message") or "Not valid")
            if key == "data":  # Litestar's name for the body as a whole
                missing = MISSING_FIELD.search(message)
                key = missing.group(1) if missing else "body"
                if message == "'data'":
                    message = "Send a JSON object as the body"
            found.setdefault(key, message)
        exc = ValidationException(detail=exc.detail, status_code=exc.status_code, extra=found or None)
    return handle_exception(request, exc)


def carry_out(db: Session, use_case: Callable[[], T], current: Callable[[], Struct] | None = None) -> T:
    """Run a use case: a rule broken answers 422 with the field errors, a stale version 409 with ``current``."""
    try:
        return use_case()
    except PlanError as exc:
        db.rollback()
        raise ValidationException(detail="The input breaks a rule", status_code=422, extra=dict(exc.errors)) from exc
    except StaleRecord as exc:
        db.rollback()  # the record reloads as it is now
        if current is None:
            raise
        raise Conflict(current()) from exc


def with_change(record_: Any, fields: Iterable[str], change: Struct) -> dict[str, Any]:
    """The record's values with the change laid over them (the use cases take whole records)."""
    values = {name: getattr(record_, name) for name in fields}
    values.update({k: v for k, v in msgspec.structs.asdict(change).items() if v is not UNSET})
    return values


S = TypeVar("S", bound=Struct)


def out_of(cls: type[S], record_: Any, **computed: Any) -> S:
    """An answer read from a record: each of the struct's fields from the attribute of that name, unless given."""
    return cls(
        **{
            name: computed[name] if name in computed else getattr(record_, name)
            for name in (f.name for f in msgspec.structs.fields(cls))
        }
    )


def api_router(*controllers: type[Controller]) -> Router:
    """The JSON API under /api: every resource's controller behind ``api_access``, failures as problem documents."""
    return Router(
        path="/api",
        route_handlers=list(controllers),
        guards=[api_access],
        exception_handlers={ValidationException: _validation_problem, Conflict: _conflict_problem},
        include_in_schema=True,
    )
