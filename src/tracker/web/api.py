"""The plumbing every resource of the JSON API under /api shares: access, the problem documents of failures, and
the field types of request bodies. The resources live beside their use cases (``tracker.plans.api``: responses,
actions and progress updates; ``tracker.evidence.api``: evidence metadata); ``create_app`` puts them under one
router with ``api_router``.

Every route declares the records it loads and the permission it needs (``tracker.web.api_routes``); its loaders
call ``load_response`` / ``load_child`` (and so ``tracker.permissions.require``), so an id of another
organisation's record answers 404, a reader who may not change it 403, and the public 401. Callers authenticate
with a personal API token (``Authorization: Bearer trk_...``, made on /account/api-tokens) or with the session
cookie of a signed-in browser. See ``api_access`` for
how CSRF protection applies.

Every error is an RFC 9457 problem document (``application/problem+json``): 400 for a body or path that does not
match the schema, 422 with ``errors`` (field -> message) for input that breaks a rule, 409 with ``current``
(the record as it is now) when the ``version`` sent is not the record's, never 500. A request's faults are
reported all at once: ``errors`` holds each field's first, ``faults`` every one with its field, and text the
schema refuses (control characters, too long, blank) is reported with the rules the rest of the input breaks
(422), or alone (400). Its ``title``, ``detail`` and messages are in the language ``Accept-Language`` prefers
(Welsh, or English by default: ``tracker.web.errors.problem``, ``tracker.web.problem_text``). Dates are ISO 8601
(``2025-03-27``), timestamps ISO 8601 in UTC, vocabularies their string values.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from hmac import compare_digest
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    SerializationException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, KwargDefinition, PathParameter
from litestar.response import Response as HttpResponse
from msgspec import UNSET, Meta, Struct, UnsetType
from sqlalchemy import event
from sqlmodel import Session

from tracker.db import StaleRecord
from tracker.inputs import CONTROL_MESSAGE, MAX_ID, InputError, has_control_characters, limit_message
from tracker.organisations.bilingual import WELSH_SUFFIX
from tracker.plans.services import MAX_TEXT
from tracker.web.errors import PROBLEM_JSON, handle_exception, problem
from tracker.web.handler_types import AnyRequest
from tracker.web.i18n import N_, answer_in_its_language
from tracker.web.problem_text import said

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

# Text fields: the schema states their rules (KwargDefinition), but decoding takes any string (msgspec reads only its
# own Meta), so ``text_faults`` can report every text fault together with the rules the rest of the input breaks.
LongText = Annotated[str, KwargDefinition(max_length=MAX_TEXT, pattern=NO_CONTROL)]

RequiredText = Annotated[str, KwargDefinition(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK)]

ShortText = Annotated[str, KwargDefinition(max_length=200, pattern=NO_CONTROL)]

Title = Annotated[str, KwargDefinition(min_length=1, max_length=300, pattern=NOT_BLANK)]

ShortTitle = Annotated[str, KwargDefinition(max_length=300, pattern=NO_CONTROL)]  # a title that may be empty

BLANK_MESSAGE = N_("Enter some text, not only spaces")

BREAKS_A_RULE = N_("The input breaks a rule")

Fault = tuple[str, str]  # a field and what is wrong with it


def json_body(description: str) -> Any:
    """A JSON request body that the schema closes to other properties (unknown fields answer 400)."""
    return Body(description=description, schema_extra={"additional_properties": False})


class FieldFault(Struct):
    """One fault of a request: the field (``body`` for the body as a whole) and what is wrong with it."""

    field: str
    message: str


class Problem(Struct):
    """An RFC 9457 problem document. ``errors`` maps each field at fault to what is wrong with it (the first
    fault); ``faults`` lists every fault of the request, each with its field."""

    type: str
    title: str
    status: int
    detail: str | UnsetType = UNSET
    errors: dict[str, str] | UnsetType = UNSET
    faults: list[FieldFault] | UnsetType = UNSET


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
            N_("Send a personal API token as 'Authorization: Bearer <token>', or sign in"),
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
        raise PermissionDeniedException(N_("CSRF token verification failed: send the x-csrftoken header"))


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
            detail=N_(
                "Someone else changed this record since it was read. `current` holds it as it is now; "
                "send the change again with its `version`."
            )
        )
        self.current = current


def _conflict_problem(request: AnyRequest, exc: Conflict) -> HttpResponse[Any]:
    with answer_in_its_language(request):
        return problem(409, exc.detail, current=msgspec.to_builtins(exc.current))


class Faults(HTTPException):
    """Every fault of a request at once (400: the body does not match the schema; 422: it breaks a rule)."""

    def __init__(self, status_code: int, detail: str, faults: Iterable[Fault]) -> None:
        super().__init__(detail=detail, status_code=status_code)
        self.faults = list(faults)


def _faults_problem(request: AnyRequest, exc: Faults) -> HttpResponse[Any]:
    """The one place faults become a problem document: ``errors`` (each field's first) and ``faults`` (all)."""
    errors: dict[str, str] = {}
    for field, message in exc.faults:
        errors.setdefault(field, message)
    response = handle_exception(
        request, ValidationException(detail=exc.detail, status_code=exc.status_code, extra=errors or None)
    )
    if errors:
        with answer_in_its_language(request):
            response.content["faults"] = [{"field": field, "message": said(message)} for field, message in exc.faults]
    return response


MISSING_FIELD = re.compile(r"missing required field `(\w+)`")


def _validation_problem(request: AnyRequest, exc: ValidationException) -> HttpResponse[Any]:
    """Litestar's list of body and parameter errors becomes the same ``errors`` and ``faults``."""
    faults: list[Fault] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or "body")
        message = str(item.get("message") or N_("Not valid"))
        if key == "data":  # Litestar's name for the body as a whole
            missing = MISSING_FIELD.search(message)
            key = missing.group(1) if missing else "body"
            if message == "'data'":
                message = N_("Send a JSON object as the body")
        faults.append((key, message))
    return _faults_problem(request, Faults(exc.status_code, exc.detail, faults))


def _input_problem(request: AnyRequest, exc: InputError) -> HttpResponse[Any]:
    return _faults_problem(request, Faults(422, BREAKS_A_RULE, exc.errors.items()))


@functools.cache
def _text_rules(body_type: type[Struct]) -> dict[str, KwargDefinition]:
    """The text fields of a request body and the rules their schema states."""
    rules = {}
    for name, hint in typing.get_type_hints(body_type, include_extras=True).items():
        arms = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, type(int | None)) else (hint,)
        for arm in arms:
            rule = next((m for m in getattr(arm, "__metadata__", ()) if isinstance(m, KwargDefinition)), None)
            if rule is not None and arm.__origin__ is str:
                rules[name] = rule
    return rules


def text_faults(body_type: type[Struct], values: Mapping[str, Any]) -> list[Fault]:
    """Every fault of the body's text fields: a control character, too long, blank where text is required."""
    faults: list[Fault] = []
    for name, rule in _text_rules(body_type).items():
        value = values.get(name)
        if not isinstance(value, str):
            continue
        if has_control_characters(value):
            faults.append((name, CONTROL_MESSAGE))
        if rule.max_length is not None and len(value) > rule.max_length:
            faults.append((name, limit_message(rule.max_length)))
        if rule.pattern and not re.search(rule.pattern, value) and not has_control_characters(value):
            faults.append((name, BLANK_MESSAGE))
    return faults


def body_faults(body_type: type[Struct], body: Mapping[str, Any]) -> list[Fault]:
    """Every way a JSON object fails the body's schema, field by field (msgspec stops at the first)."""
    fields = {f.name: f for f in msgspec.structs.fields(body_type)}
    hints = typing.get_type_hints(body_type, include_extras=True)
    faults: list[Fault] = [(name, f"Object missing required field `{name}`") for name in fields if name not in body]
    faults = [fault for fault in faults if fields[fault[0]].required]
    for name, value in body.items():
        if name not in fields:
            faults.append(("body", f"Object contains unknown field `{name}`"))
            continue
        try:
            msgspec.convert(value, type=hints[name], strict=False)
        except msgspec.ValidationError as exc:
            faults.append((name, str(exc).split(" - ")[0]))
    return faults + text_faults(body_type, {k: v for k, v in body.items() if k in fields})


def _body_type(handler: BaseRouteHandler) -> type[Struct] | None:
    data = handler.parsed_fn_signature.parameters.get("data")
    annotation = data.annotation if data is not None else None
    return annotation if isinstance(annotation, type) and issubclass(annotation, Struct) else None


async def check_body(request: AnyRequest) -> None:
    """Before any record is loaded: a body that does not match the schema answers 400 with all its faults.

    A body of the right shape passes, even with text faults: ``carry_out`` reports those with the rules."""
    body_type = _body_type(request.route_handler)
    if body_type is None or not await request.body():
        return
    try:
        body = await request.json()
    except SerializationException:
        return  # not JSON: Litestar's own decoding answers it
    except RecursionError:  # the decoder gives up on arrays or objects nested some thousand deep (pass 12, F5)
        raise ClientException(N_("The request body is nested too deeply to read.")) from None
    try:
        msgspec.convert(body, type=body_type, strict=False)
    except msgspec.ValidationError:
        if isinstance(body, dict) and (faults := body_faults(body_type, body)):
            raise Faults(400, f"Validation failed for {request.method} {request.url.path}", faults) from None


class _WriteRefused(Exception):
    """A dry run reached a write (so the input broke no rule it checks first)."""


def _refuse_write(*_: Any) -> None:
    raise _WriteRefused


def _rule_faults(db: Session, use_case: Callable[[], Any]) -> list[Fault]:
    """The rules ``use_case`` finds broken, run without writing anything (every flush and commit refused)."""
    events = ("before_flush", "before_commit")
    for name in events:
        event.listen(db, name, _refuse_write)
    try:
        use_case()
    except InputError as exc:
        return list(exc.errors.items())
    except (_WriteRefused, StaleRecord):
        pass
    finally:
        for name in events:
            event.remove(db, name, _refuse_write)
        db.rollback()
    return []


R = TypeVar("R")
S = TypeVar("S", bound=Struct)


def carry_out(
    db: Session,
    data: Struct | None,
    use_case: Callable[[], R],
    answer: Callable[[R], S],
    record_: R | None = None,
) -> S:
    """Run a use case and answer its result: every fault of ``data`` and every rule broken answer at once (422,
    or 400 for text faults alone), a stale version 409 with ``record_`` as it is now."""
    faults = text_faults(type(data), msgspec.structs.asdict(data)) if data is not None else []
    if faults:
        at_fault = {field for field, _ in faults}
        rules = [fault for fault in _rule_faults(db, use_case) if fault[0] not in at_fault]
        detail = BREAKS_A_RULE if rules else N_("The request does not match the schema")
        raise Faults(422 if rules else 400, detail, faults + rules)
    try:
        return answer(use_case())
    except InputError as exc:
        db.rollback()
        raise Faults(422, BREAKS_A_RULE, exc.errors.items()) from exc
    except StaleRecord as exc:
        db.rollback()  # the record reloads as it is now
        if record_ is None:
            raise
        raise Conflict(answer(record_)) from exc


def with_change(record_: Any, fields: Iterable[str], change: Struct) -> dict[str, Any]:
    """The record's values with the change laid over them (the use cases take whole records)."""
    values = {name: getattr(record_, name) for name in fields}
    values.update({k: v for k, v in msgspec.structs.asdict(change).items() if v is not UNSET})
    # A Welsh twin the use case is not given keeps its stored value (bilingual_input.welsh_values), so ``null``,
    # which clears an optional field, reaches it as an empty text.
    return {k: "" if v is None and k.endswith(WELSH_SUFFIX) else v for k, v in values.items()}


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
        before_request=check_body,
        exception_handlers={
            ValidationException: _validation_problem,
            Faults: _faults_problem,
            InputError: _input_problem,
            Conflict: _conflict_problem,
        },
        include_in_schema=True,
    )
