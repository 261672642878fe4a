"""The JSON API under /api: an organisation's responses, actions, progress updates and evidence metadata.

The same use cases and the same permission rule as the workspace pages: every route loads its record through
``load_response`` / ``load_child`` (which call ``tracker.permissions.require``), so an id of another
organisation's record answers 404, a reader who may not change it 403, and the public 401. Updates and evidence
marked internal are filtered by ``permissions.can_see_item`` (and, one by one, hidden behind 404 by ``load_child``).

Callers authenticate with a personal API token (``Authorization: Bearer trk_...``, made on /account/api-tokens)
or with the session cookie of a signed-in browser. See ``api_access`` for how CSRF protection applies.

Every error is an RFC 9457 problem document (``application/problem+json``): 400 for a body or path that does not
match the schema, 422 with ``errors`` (field -> message) for input that breaks a rule, 409 with ``current``
(the record as it is now) when the ``version`` sent is not the record's, never 500. Dates are ISO 8601
(``2025-03-27``), timestamps ISO 8601 in UTC, vocabularies their string values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from hmac import compare_digest
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from litestar import Controller, Request, Router, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, PathParameter
from litestar.response import Response as HttpResponse
from msgspec import UNSET, Meta, Struct, UnsetType
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.evidence import services as evidence_services
from tracker.evidence.models import Evidence
from tracker.inputs import MAX_ID
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission, can_see_item, require, visible_levels
from tracker.plans import services
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.rules import action_overdue, action_overdue_sql, response_overdue
from tracker.plans.services import (
    RESPONSE_FIELDS,
    UPDATE_FIELDS,
    PlanError,
    ResponseContext,
    StaleRecord,
    load_child,
    load_response,
)
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import ActionStatus, EvidenceKind, Rag, ResponseStatus, Visibility
from tracker.web.errors import PROBLEM_JSON, handle_exception, problem

T = TypeVar("T")

# --- what goes in -----------------------------------------------------------------------------------------

MAX_TEXT = services.MAX_TEXT
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
UpdateVisibility = Literal["public", "internal"]


def json_body(description: str) -> Any:
    """A JSON request body that the schema closes to other properties (unknown fields answer 400)."""
    return Body(description=description, schema_extra={"additional_properties": False})


class ResponseChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields to change on a response; those left out keep their values. ``null`` clears an optional field."""

    version: Version
    status: ResponseStatus | UnsetType = UNSET
    rag: Rag | UnsetType | None = UNSET
    summary: LongText | UnsetType | None = UNSET
    lead_role: ShortText | UnsetType | None = UNSET
    blocked_reason: LongText | UnsetType | None = UNSET
    not_applicable_reason: LongText | UnsetType | None = UNSET


class NewAction(Struct, forbid_unknown_fields=True, kw_only=True):
    description: RequiredText
    owner_role: ShortText | None = None
    target_date: dt.date | None = None
    status: ActionStatus = ActionStatus.NOT_STARTED


class ActionChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields to change on an action; those left out keep their values."""

    version: Version
    description: RequiredText | UnsetType = UNSET
    owner_role: ShortText | UnsetType | None = UNSET
    target_date: dt.date | UnsetType | None = UNSET
    status: ActionStatus | UnsetType = UNSET


class VersionOnly(Struct, forbid_unknown_fields=True, kw_only=True):
    version: Version


class ActionMove(Struct, forbid_unknown_fields=True, kw_only=True):
    direction: Literal["up", "down"]


class NewUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    text: RequiredText
    update_on: dt.date | None = None
    visibility: UpdateVisibility = "public"


class UpdateChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """A correction to a progress update; fields left out keep their values (the earlier text stays in the history)."""

    version: Version
    text: RequiredText | UnsetType = UNSET
    update_on: dt.date | UnsetType = UNSET
    visibility: UpdateVisibility | UnsetType = UNSET


class EvidenceChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """Evidence metadata to change; fields left out keep their values. The file, link or note itself stays."""

    version: Version
    title: Title | UnsetType = UNSET
    description: LongText | UnsetType | None = UNSET
    visibility: Visibility | UnsetType = UNSET


# --- what comes out ---------------------------------------------------------------------------------------


class OrganisationRef(Struct):
    id: int
    slug: str
    name: str


class RecommendationRef(Struct):
    id: int
    number: str
    parent_id: int | None
    text: str | None
    deadline: dt.date | None
    set_slug: str


class ResponseCounts(Struct):
    """What sits under a response (updates and evidence only as far as the caller may see them)."""

    actions: int
    actions_complete: int
    actions_overdue: int
    updates: int
    evidence: int
    last_update_on: dt.date | None


class ResponseOut(Struct):
    """An organisation's response to one recommendation."""

    id: int
    organisation: OrganisationRef
    recommendation: RecommendationRef
    required: bool
    status: ResponseStatus
    status_follows_sub_recommendations: bool
    # Open and past the recommendation's deadline (tracker.plans.rules); overdue actions are counts.actions_overdue.
    overdue: bool
    rag: Rag | None
    summary: str | None
    lead_role: str | None
    blocked_reason: str | None
    not_applicable_reason: str | None
    completed_at: dt.datetime | None
    updated_at: dt.datetime
    version: int
    counts: ResponseCounts


class ActionOut(Struct):
    id: int
    response_id: int
    position: int
    description: str
    owner_role: str | None
    target_date: dt.date | None
    status: ActionStatus
    completed_on: dt.date | None
    overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class UpdateOut(Struct):
    id: int
    response_id: int
    update_on: dt.date
    text: str
    visibility: UpdateVisibility
    created_at: dt.datetime
    edited_at: dt.datetime | None
    version: int


class EvidenceOut(Struct):
    """Evidence metadata (not the file or note itself)."""

    id: int
    response_id: int
    kind: EvidenceKind
    title: str
    description: str | None
    visibility: Visibility
    url: str | None
    original_name: str | None
    content_type: str | None
    size_bytes: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class Problem(Struct):
    """An RFC 9457 problem document. ``errors`` maps each field at fault to what is wrong with it."""

    type: str
    title: str
    status: int
    detail: str | UnsetType = UNSET
    errors: dict[str, str] | UnsetType = UNSET


class ResponseConflict(Problem, kw_only=True):
    current: ResponseOut


class ActionConflict(Problem, kw_only=True):
    current: ActionOut


class UpdateConflict(Problem, kw_only=True):
    current: UpdateOut


class EvidenceConflict(Problem, kw_only=True):
    current: EvidenceOut


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


# --- access: authentication, CSRF and the problem documents of failures ----------------------------------


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
    if config is None or connection.scope.get("auth") != "session" or connection.method in config.safe_methods:
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


def _carry_out(db: Session, use_case: Callable[[], T], current: Callable[[], Struct] | None = None) -> T:
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


# --- turning records into answers -------------------------------------------------------------------------


def _response_outs(
    db: Session,
    user: User,
    organisation: Organisation,
    rows: Iterable[tuple[Response, Recommendation, RecommendationSet]],
) -> list[ResponseOut]:
    """Responses of one organisation with their counts, in a fixed number of queries."""
    rows = list(rows)
    ids = [r.id for r, _, _ in rows]
    levels = visible_levels(user, organisation.id)  # type: ignore[arg-type]
    today = dt.date.today()
    actions = {
        rid: (total, done or 0, late or 0)
        for rid, total, done, late in db.exec(
            select(
                Action.response_id,
                func.count(),
                func.sum(case((Action.status == ActionStatus.COMPLETE, 1), else_=0)),
                func.sum(case((action_overdue_sql(today), 1), else_=0)),
            )
            .where(col(Action.response_id).in_(ids))
            .group_by(Action.response_id)
        )
    }
    updates = {
        rid: (n, last)
        for rid, n, last in db.exec(
            select(ProgressUpdate.response_id, func.count(), func.max(ProgressUpdate.update_on))
            .where(col(ProgressUpdate.response_id).in_(ids), col(ProgressUpdate.visibility).in_(levels))
            .group_by(ProgressUpdate.response_id)
        )
    }
    evidence = dict(
        db.exec(
            select(Evidence.response_id, func.count())
            .where(col(Evidence.response_id).in_(ids), col(Evidence.visibility).in_(levels))
            .group_by(Evidence.response_id)
        ).all()
    )
    parents = set(
        db.exec(
            select(Recommendation.parent_id).where(col(Recommendation.parent_id).in_([rec.id for _, rec, _ in rows]))
        )
    )
    org = OrganisationRef(id=organisation.id, slug=organisation.slug, name=organisation.name)  # type: ignore[arg-type]
    out = []
    for response, rec, rec_set in rows:
        total, done, late = actions.get(response.id, (0, 0, 0))
        n_updates, last_update = updates.get(response.id, (0, None))
        out.append(
            ResponseOut(
                id=response.id,  # type: ignore[arg-type]
                organisation=org,
                recommendation=RecommendationRef(
                    id=rec.id,  # type: ignore[arg-type]
                    number=rec.number,
                    parent_id=rec.parent_id,
                    text=rec.text,
                    deadline=rec.deadline,
                    set_slug=rec_set.slug,
                ),
                required=response.required,
                status=response.status,
                status_follows_sub_recommendations=rec.id in parents,
                overdue=response_overdue(response.status, rec.deadline, today),
                rag=response.rag,
                summary=response.summary,
                lead_role=response.lead_role,
                blocked_reason=response.blocked_reason,
                not_applicable_reason=response.not_applicable_reason,
                completed_at=response.completed_at,
                updated_at=response.updated_at,
                version=response.version,
                counts=ResponseCounts(
                    actions=total,
                    actions_complete=done,
                    actions_overdue=late,
                    updates=n_updates,
                    evidence=evidence.get(response.id, 0),
                    last_update_on=last_update,
                ),
            )
        )
    return out


def _response_out(db: Session, user: User, ctx: ResponseContext) -> ResponseOut:
    return _response_outs(db, user, ctx.organisation, [(ctx.response, ctx.recommendation, ctx.recommendation_set)])[0]


def _action_out(action: Action) -> ActionOut:
    overdue = action_overdue(action.status, action.target_date, dt.date.today())
    return ActionOut(
        id=action.id,  # type: ignore[arg-type]
        response_id=action.response_id,
        position=action.position,
        description=action.description,
        owner_role=action.owner_role,
        target_date=action.target_date,
        status=action.status,
        completed_on=action.completed_on,
        overdue=overdue,
        created_at=action.created_at,
        updated_at=action.updated_at,
        version=action.version,
    )


def _update_out(update: ProgressUpdate) -> UpdateOut:
    return UpdateOut(
        id=update.id,  # type: ignore[arg-type]
        response_id=update.response_id,
        update_on=update.update_on,
        text=update.text,
        visibility="internal" if update.visibility is Visibility.INTERNAL else "public",
        created_at=update.created_at,
        edited_at=update.edited_at,
        version=update.version,
    )


def _evidence_out(item: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=item.id,  # type: ignore[arg-type]
        response_id=item.response_id,
        kind=item.kind,
        title=item.title,
        description=item.description,
        visibility=item.visibility,
        url=item.url,
        original_name=item.original_name,
        content_type=item.content_type,
        size_bytes=item.size_bytes,
        created_at=item.created_at,
        updated_at=item.updated_at,
        version=item.version,
    )


def _values(record_: Any, fields: Iterable[str], change: Struct) -> dict[str, Any]:
    """The record's values with the change laid over them (the use cases take whole records)."""
    values = {name: getattr(record_, name) for name in fields}
    values.update({k: v for k, v in msgspec.structs.asdict(change).items() if v is not UNSET})
    return values


# --- the routes -------------------------------------------------------------------------------------------


class ResponsesApi(Controller):
    tags = ["Responses"]

    @get(
        "/organisations/{slug:str}/responses",
        sync_to_thread=True,
        operation_id="listOrganisationResponses",
        summary="What an organisation must answer, with status and counts",
        responses=errors(),
    )
    def list_responses(
        self, request: Request[Any, Any, Any], db: NamedDependency[Session], slug: Slug
    ) -> list[ResponseOut]:
        """Every recommendation the organisation must answer, in report order."""
        organisation = get_by_slug(db, slug)
        if organisation is None:
            raise NotFoundException()
        require(request.user, Permission.VIEW_PLAN, organisation.id)
        return _response_outs(db, request.user, organisation, obligations_for(db, organisation.id))  # type: ignore[arg-type]

    @get(
        "/responses/{response_id:int}",
        sync_to_thread=True,
        operation_id="getResponse",
        summary="One response",
        responses=errors(),
    )
    def get_response(
        self, request: Request[Any, Any, Any], db: NamedDependency[Session], response_id: RecordId
    ) -> ResponseOut:
        ctx = load_response(db, request.user, response_id, Permission.VIEW_PLAN)
        return _response_out(db, request.user, ctx)

    @patch(
        "/responses/{response_id:int}",
        sync_to_thread=True,
        operation_id="updateResponse",
        summary="Change a response's status, RAG rating, summary or lead",
        responses=errors(409, 422, conflict=ResponseConflict),
    )
    def update_response(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        response_id: RecordId,
        data: Annotated[ResponseChange, json_body("The fields to change, with the version last read")],
    ) -> ResponseOut:
        """A blocked response needs ``blocked_reason``, a not-applicable one ``not_applicable_reason``.

        The status of a recommendation with sub-recommendations follows theirs
        (``status_follows_sub_recommendations``), so a status sent for it is ignored.
        """
        ctx = load_response(db, request.user, response_id, Permission.EDIT_PLAN)
        values = _values(ctx.response, RESPONSE_FIELDS, data)
        _carry_out(
            db,
            lambda: services.update_response(db, ctx, request.user, values),
            lambda: _response_out(db, request.user, ctx),
        )
        return _response_out(db, request.user, ctx)


class ActionsApi(Controller):
    tags = ["Actions"]

    @get(
        "/responses/{response_id:int}/actions",
        sync_to_thread=True,
        operation_id="listActions",
        summary="A response's actions, in plan order",
        responses=errors(),
    )
    def list_actions(
        self, request: Request[Any, Any, Any], db: NamedDependency[Session], response_id: RecordId
    ) -> list[ActionOut]:
        ctx = load_response(db, request.user, response_id, Permission.VIEW_PLAN)
        query = select(Action).where(Action.response_id == ctx.response.id).order_by(Action.position, Action.id)
        return [_action_out(a) for a in db.exec(query)]

    @post(
        "/responses/{response_id:int}/actions",
        sync_to_thread=True,
        operation_id="createAction",
        summary="Add an action to a response's plan",
        responses=errors(422),
    )
    def create_action(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        response_id: RecordId,
        data: Annotated[NewAction, json_body("The new action")],
    ) -> ActionOut:
        ctx = load_response(db, request.user, response_id, Permission.EDIT_PLAN)
        values = msgspec.structs.asdict(data)
        action = _carry_out(db, lambda: services.add_action(db, ctx, request.user, values))
        return _action_out(action)

    @patch(
        "/actions/{action_id:int}",
        sync_to_thread=True,
        operation_id="updateAction",
        summary="Change an action",
        responses=errors(409, 422, conflict=ActionConflict),
    )
    def update_action(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        action_id: RecordId,
        data: Annotated[ActionChange, json_body("The fields to change, with the version last read")],
    ) -> ActionOut:
        action, ctx = load_child(db, request.user, Action, action_id, Permission.EDIT_PLAN)
        values = _values(action, ("description", "owner_role", "target_date", "status"), data)
        _carry_out(
            db,
            lambda: services.update_action(db, action, ctx, request.user, values),
            lambda: _action_out(action),
        )
        return _action_out(action)

    @post(
        "/actions/{action_id:int}/complete",
        sync_to_thread=True,
        status_code=200,
        operation_id="completeAction",
        summary="Mark an action complete (today)",
        responses=errors(409, conflict=ActionConflict),
    )
    def complete_action(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        action_id: RecordId,
        data: Annotated[VersionOnly, json_body("The version last read")],
    ) -> ActionOut:
        action, ctx = load_child(db, request.user, Action, action_id, Permission.EDIT_PLAN)
        _carry_out(
            db,
            lambda: services.complete_action(db, action, ctx, request.user, {"version": data.version}),
            lambda: _action_out(action),
        )
        return _action_out(action)

    @post(
        "/actions/{action_id:int}/move",
        sync_to_thread=True,
        status_code=200,
        operation_id="moveAction",
        summary="Swap an action with its neighbour above or below",
        responses=errors(),
    )
    def move_action(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        action_id: RecordId,
        data: Annotated[ActionMove, json_body("Which way to move it")],
    ) -> list[ActionOut]:
        """Answers the response's actions in their new order."""
        action, ctx = load_child(db, request.user, Action, action_id, Permission.EDIT_PLAN)
        services.move_action(db, action, ctx, request.user, data.direction)
        query = select(Action).where(Action.response_id == ctx.response.id).order_by(Action.position, Action.id)
        return [_action_out(a) for a in db.exec(query)]

    @delete(
        "/actions/{action_id:int}",
        sync_to_thread=True,
        operation_id="deleteAction",
        summary="Delete an action (it stays in the history)",
        responses=errors(),
    )
    def delete_action(self, request: Request[Any, Any, Any], db: NamedDependency[Session], action_id: RecordId) -> None:
        action, ctx = load_child(db, request.user, Action, action_id, Permission.EDIT_PLAN)
        services.delete_action(db, action, ctx, request.user)


class UpdatesApi(Controller):
    tags = ["Progress updates"]

    @get(
        "/responses/{response_id:int}/updates",
        sync_to_thread=True,
        operation_id="listUpdates",
        summary="A response's progress updates, newest first",
        responses=errors(),
    )
    def list_updates(
        self, request: Request[Any, Any, Any], db: NamedDependency[Session], response_id: RecordId
    ) -> list[UpdateOut]:
        """Internal updates only for the organisation itself and admins."""
        ctx = load_response(db, request.user, response_id, Permission.VIEW_PLAN)
        levels = visible_levels(request.user, ctx.organisation_id)
        query = (
            select(ProgressUpdate)
            .where(ProgressUpdate.response_id == ctx.response.id, col(ProgressUpdate.visibility).in_(levels))
            .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc())
        )
        return [_update_out(u) for u in db.exec(query)]

    @post(
        "/responses/{response_id:int}/updates",
        sync_to_thread=True,
        operation_id="createUpdate",
        summary="Post a dated progress update",
        responses=errors(422),
    )
    def create_update(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        response_id: RecordId,
        data: Annotated[NewUpdate, json_body("The update; `update_on` defaults to today and cannot be later")],
    ) -> UpdateOut:
        ctx = load_response(db, request.user, response_id, Permission.EDIT_PLAN)
        values = msgspec.structs.asdict(data)
        update = _carry_out(db, lambda: services.add_update(db, ctx, request.user, values))
        return _update_out(update)

    @patch(
        "/updates/{update_id:int}",
        sync_to_thread=True,
        operation_id="updateUpdate",
        summary="Correct a progress update",
        responses=errors(409, 422, conflict=UpdateConflict),
    )
    def update_update(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        update_id: RecordId,
        data: Annotated[UpdateChange, json_body("The fields to change, with the version last read")],
    ) -> UpdateOut:
        update, ctx = load_child(db, request.user, ProgressUpdate, update_id, Permission.EDIT_PLAN)
        values = _values(update, UPDATE_FIELDS, data)
        _carry_out(
            db,
            lambda: services.edit_update(db, update, ctx, request.user, values),
            lambda: _update_out(update),
        )
        return _update_out(update)


class EvidenceApi(Controller):
    tags = ["Evidence"]

    @get(
        "/responses/{response_id:int}/evidence",
        sync_to_thread=True,
        operation_id="listEvidence",
        summary="The evidence behind a response (metadata only)",
        responses=errors(),
    )
    def list_evidence(
        self, request: Request[Any, Any, Any], db: NamedDependency[Session], response_id: RecordId
    ) -> list[EvidenceOut]:
        """Internal evidence only for the organisation itself and admins; inspectorate evidence also for
        inspectors and coordinators."""
        ctx = load_response(db, request.user, response_id, Permission.VIEW_PLAN)
        query = (
            select(Evidence).where(Evidence.response_id == ctx.response.id).order_by(Evidence.created_at, Evidence.id)
        )
        return [
            _evidence_out(item)
            for item in db.exec(query)
            if can_see_item(request.user, item.visibility, ctx.organisation_id)
        ]

    @patch(
        "/evidence/{evidence_id:int}",
        sync_to_thread=True,
        operation_id="updateEvidence",
        summary="Change evidence metadata: title, description, who can see it",
        responses=errors(409, 422, conflict=EvidenceConflict),
    )
    def update_evidence(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        evidence_id: RecordId,
        data: Annotated[EvidenceChange, json_body("The fields to change, with the version last read")],
    ) -> EvidenceOut:
        item, ctx = load_child(db, request.user, Evidence, evidence_id, Permission.EDIT_PLAN)
        values = _values(item, evidence_services.EDITABLE_FIELDS, data)
        _carry_out(
            db,
            lambda: evidence_services.update_evidence(db, item, ctx, request.user, values),
            lambda: _evidence_out(item),
        )
        return _evidence_out(item)


api_router = Router(
    path="/api",
    route_handlers=[ResponsesApi, ActionsApi, UpdatesApi, EvidenceApi],
    guards=[api_access],
    exception_handlers={ValidationException: _validation_problem, Conflict: _conflict_problem},
    include_in_schema=True,
)
