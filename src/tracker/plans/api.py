"""The JSON API of an organisation's plan: its responses, actions and progress updates (``/api/...``).

The same use cases and the same permission rule as the workspace pages; updates marked internal are filtered by
``permissions.can_see_item`` (and, one by one, hidden behind 404 by ``load_child``). Access, errors and the
shared field types are ``tracker.web.api``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from msgspec import UNSET, Struct, UnsetType
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.db import saved_id
from tracker.evidence.models import Evidence
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission, require, visible_levels
from tracker.plans import services
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.rules import action_overdue, action_overdue_sql, response_overdue
from tracker.plans.services import RESPONSE_FIELDS, UPDATE_FIELDS, ResponseContext, load_child, load_response
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus, Visibility
from tracker.web.api import (
    LongText,
    Problem,
    RecordId,
    RequiredText,
    ShortText,
    Slug,
    Version,
    carry_out,
    errors,
    json_body,
    out_of,
    with_change,
)

UpdateVisibility = Literal["public", "internal"]


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


class ResponseConflict(Problem, kw_only=True):
    current: ResponseOut


class ActionConflict(Problem, kw_only=True):
    current: ActionOut


class UpdateConflict(Problem, kw_only=True):
    current: UpdateOut


def _response_outs(
    db: Session,
    user: User,
    organisation: Organisation,
    rows: Iterable[tuple[Response, Recommendation, RecommendationSet]],
) -> list[ResponseOut]:
    """Responses of one organisation with their counts, in a fixed number of queries."""
    rows = list(rows)
    ids = [saved_id(r) for r, _, _ in rows]
    today = dt.date.today()
    counts = _counts(db, ids, visible_levels(user, saved_id(organisation)), today)
    parents = set(
        db.exec(
            select(Recommendation.parent_id).where(col(Recommendation.parent_id).in_([rec.id for _, rec, _ in rows]))
        )
    )
    org = OrganisationRef(id=saved_id(organisation), slug=organisation.slug, name=organisation.name)
    return [
        _one_response_out(response, rec, rec_set, org, counts[saved_id(response)], rec.id in parents, today)
        for response, rec, rec_set in rows
    ]


def _counts(db: Session, ids: list[int], levels: Collection[Visibility], today: dt.date) -> dict[int, ResponseCounts]:
    """What sits under each response: actions (done, overdue), and the updates and evidence the reader may see."""
    actions = {
        rid: (total, done or 0, late or 0)
        for rid, total, done, late in db.exec(
            select(
                Action.response_id,
                func.count(),
                func.sum(case((col(Action.status) == ActionStatus.COMPLETE, 1), else_=0)),
                func.sum(case((action_overdue_sql(today), 1), else_=0)),
            )
            .where(col(Action.response_id).in_(ids))
            .group_by(col(Action.response_id))
        )
    }
    updates = {
        rid: (n, last)
        for rid, n, last in db.exec(
            select(ProgressUpdate.response_id, func.count(), func.max(ProgressUpdate.update_on))
            .where(col(ProgressUpdate.response_id).in_(ids), col(ProgressUpdate.visibility).in_(levels))
            .group_by(col(ProgressUpdate.response_id))
        )
    }
    evidence = dict(
        db.exec(
            select(Evidence.response_id, func.count())
            .where(col(Evidence.response_id).in_(ids), col(Evidence.visibility).in_(levels))
            .group_by(col(Evidence.response_id))
        ).all()
    )
    counts: dict[int, ResponseCounts] = {}
    for rid in ids:
        total, done, late = actions.get(rid, (0, 0, 0))
        n_updates, last_update = updates.get(rid, (0, None))
        counts[rid] = ResponseCounts(
            actions=total,
            actions_complete=done,
            actions_overdue=late,
            updates=n_updates,
            evidence=evidence.get(rid, 0),
            last_update_on=last_update,
        )
    return counts


def _one_response_out(
    response: Response,
    rec: Recommendation,
    rec_set: RecommendationSet,
    org: OrganisationRef,
    counts: ResponseCounts,
    follows_subs: bool,
    today: dt.date,
) -> ResponseOut:
    return ResponseOut(
        id=saved_id(response),
        organisation=org,
        recommendation=RecommendationRef(
            id=saved_id(rec),
            number=rec.number,
            parent_id=rec.parent_id,
            text=rec.text,
            deadline=rec.deadline,
            set_slug=rec_set.slug,
        ),
        required=response.required,
        status=response.status,
        status_follows_sub_recommendations=follows_subs,
        overdue=response_overdue(response.status, rec.deadline, today),
        rag=response.rag,
        summary=response.summary,
        lead_role=response.lead_role,
        blocked_reason=response.blocked_reason,
        not_applicable_reason=response.not_applicable_reason,
        completed_at=response.completed_at,
        updated_at=response.updated_at,
        version=response.version,
        counts=counts,
    )


def _response_out(db: Session, user: User, ctx: ResponseContext) -> ResponseOut:
    return _response_outs(db, user, ctx.organisation, [(ctx.response, ctx.recommendation, ctx.recommendation_set)])[0]


def _action_out(action: Action) -> ActionOut:
    return out_of(ActionOut, action, overdue=action_overdue(action.status, action.target_date, dt.date.today()))


def _update_out(update: ProgressUpdate) -> UpdateOut:
    visibility = "internal" if update.visibility is Visibility.INTERNAL else "public"
    return out_of(UpdateOut, update, visibility=visibility)


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
        return _response_outs(db, request.user, organisation, obligations_for(db, saved_id(organisation)))

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
        values = with_change(ctx.response, RESPONSE_FIELDS, data)
        carry_out(
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
        query = (
            select(Action)
            .where(col(Action.response_id) == ctx.response.id)
            .order_by(col(Action.position), col(Action.id))
        )
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
        action = carry_out(db, lambda: services.add_action(db, ctx, request.user, values))
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
        values = with_change(action, ("description", "owner_role", "target_date", "status"), data)
        carry_out(
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
        carry_out(
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
        query = (
            select(Action)
            .where(col(Action.response_id) == ctx.response.id)
            .order_by(col(Action.position), col(Action.id))
        )
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
        update = carry_out(db, lambda: services.add_update(db, ctx, request.user, values))
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
        values = with_change(update, UPDATE_FIELDS, data)
        carry_out(
            db,
            lambda: services.edit_update(db, update, ctx, request.user, values),
            lambda: _update_out(update),
        )
        return _update_out(update)
