"""The JSON API of an organisation's plan: its responses, actions and progress updates (``/api/...``).

The same use cases and the same permission rule as the workspace pages; updates marked internal are filtered by
``permissions.can_see_item`` (and, one by one, hidden behind 404 by ``load_child``). Access, errors and the
shared field types are ``tracker.web.api``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import Annotated, Literal

import msgspec
from litestar import Controller
from litestar.di import NamedDependency
from msgspec import UNSET, Struct, UnsetType
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.db import saved_id
from tracker.organisations.models import Organisation
from tracker.permissions import visible_levels
from tracker.plans import services
from tracker.plans.items import load_child
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.rules import action_overdue, response_overdue
from tracker.plans.services import RESPONSE_FIELDS, UPDATE_FIELDS, ResponseContext
from tracker.plans.workspace import action_counts, evidence_counts, update_counts
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus, Visibility
from tracker.web.api import (
    LongText,
    Problem,
    RecordId,
    RequiredText,
    ShortText,
    Version,
    carry_out,
    json_body,
    out_of,
    with_change,
)
from tracker.web.api_routes import CHANGE, EDIT, LOADERS, VIEW, Item, Loaded, Me, loader, operation, permission_of
from tracker.web.handler_types import AnyRequest, Db

UpdateVisibility = Literal["public", "internal"]


class ResponseChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields to change on a response; those left out keep their values. ``null`` clears an optional field."""

    version: Version
    status: ResponseStatus | UnsetType = UNSET
    rag: Rag | UnsetType | None = UNSET
    summary: LongText | UnsetType | None = UNSET
    summary_cy: LongText | UnsetType | None = UNSET
    lead_role: ShortText | UnsetType | None = UNSET
    lead_role_cy: ShortText | UnsetType | None = UNSET
    blocked_reason: LongText | UnsetType | None = UNSET
    blocked_reason_cy: LongText | UnsetType | None = UNSET
    not_applicable_reason: LongText | UnsetType | None = UNSET
    not_applicable_reason_cy: LongText | UnsetType | None = UNSET


class NewAction(Struct, forbid_unknown_fields=True, kw_only=True):
    description: RequiredText
    description_cy: LongText | None = None
    owner_role: ShortText | None = None
    owner_role_cy: ShortText | None = None
    target_date: dt.date | None = None
    status: ActionStatus = ActionStatus.NOT_STARTED


class ActionChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """Fields to change on an action; those left out keep their values."""

    version: Version
    description: RequiredText | UnsetType = UNSET
    description_cy: LongText | UnsetType | None = UNSET
    owner_role: ShortText | UnsetType | None = UNSET
    owner_role_cy: ShortText | UnsetType | None = UNSET
    target_date: dt.date | UnsetType | None = UNSET
    status: ActionStatus | UnsetType = UNSET


class VersionOnly(Struct, forbid_unknown_fields=True, kw_only=True):
    version: Version


class ActionMove(Struct, forbid_unknown_fields=True, kw_only=True):
    direction: Literal["up", "down"]


class NewUpdate(Struct, forbid_unknown_fields=True, kw_only=True):
    text: RequiredText
    text_cy: LongText | None = None
    update_on: dt.date | None = None
    visibility: UpdateVisibility = "public"


class UpdateChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """A correction to a progress update; fields left out keep their values (the earlier text stays in the history)."""

    version: Version
    text: RequiredText | UnsetType = UNSET
    text_cy: LongText | UnsetType | None = UNSET
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
    declared: Annotated[
        bool,
        msgspec.Meta(
            description="Declared by the organisation: it says it answers this recommendation, whose addressees "
            "are not yet known (a plan import or the workspace); false once the addressees are known"
        ),
    ]
    status: ResponseStatus
    status_follows_sub_recommendations: bool
    # Open and past the recommendation's deadline (tracker.plans.rules); overdue actions are counts.actions_overdue.
    overdue: bool
    rag: Rag | None
    summary: str | None
    summary_cy: str | None
    lead_role: str | None
    lead_role_cy: str | None
    blocked_reason: str | None
    blocked_reason_cy: str | None
    not_applicable_reason: str | None
    not_applicable_reason_cy: str | None
    completed_at: dt.datetime | None
    updated_at: dt.datetime
    version: int
    counts: ResponseCounts


class ActionOut(Struct):
    id: int
    response_id: int
    position: int
    description: str
    description_cy: str | None
    owner_role: str | None
    owner_role_cy: str | None
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
    text_cy: str | None
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
    actions = action_counts(db, ids, today)
    updates = update_counts(db, ids, levels)
    evidence = evidence_counts(db, ids, levels)
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
    return out_of(
        ResponseOut,
        response,
        id=saved_id(response),
        organisation=org,
        recommendation=out_of(RecommendationRef, rec, id=saved_id(rec), set_slug=rec_set.slug),
        status_follows_sub_recommendations=follows_subs,
        overdue=response_overdue(response.status, rec.deadline, today),
        counts=counts,
    )


def _response_out(db: Session, user: User, ctx: ResponseContext) -> ResponseOut:
    return _response_outs(db, user, ctx.organisation, [(ctx.response, ctx.recommendation, ctx.recommendation_set)])[0]


def _action_out(action: Action) -> ActionOut:
    return out_of(ActionOut, action, overdue=action_overdue(action.status, action.target_date, dt.date.today()))


def _update_out(update: ProgressUpdate) -> UpdateOut:
    visibility = "internal" if update.visibility is Visibility.INTERNAL else "public"
    return out_of(UpdateOut, update, visibility=visibility)


def _action(request: AnyRequest, db: Db, action_id: RecordId) -> Loaded:
    return load_child(db, request.user, Action, action_id, permission_of(request))


def _update(request: AnyRequest, db: Db, update_id: RecordId) -> Loaded:
    return load_child(db, request.user, ProgressUpdate, update_id, permission_of(request))


def _actions_of(db: Session, ctx: ResponseContext) -> list[ActionOut]:
    query = (
        select(Action).where(col(Action.response_id) == ctx.response.id).order_by(col(Action.position), col(Action.id))
    )
    return [_action_out(a) for a in db.exec(query)]


Context = NamedDependency[ResponseContext]
# The request bodies that change a record: what to change, with the version the client last read.
VersionOnlyBody = Annotated[VersionOnly, json_body("The version last read")]


class ResponsesApi(Controller):
    tags = ["Responses"]
    dependencies = LOADERS

    @operation(
        "GET",
        "/organisations/{slug:str}/responses",
        "listOrganisationResponses",
        "What an organisation must answer, with status and counts",
        VIEW,
    )
    def list_responses(self, db: Db, user: Me, organisation: NamedDependency[Organisation]) -> list[ResponseOut]:
        """Every recommendation the organisation must answer, in report order."""
        return _response_outs(db, user, organisation, obligations_for(db, saved_id(organisation)))

    @operation("GET", "/responses/{response_id:int}", "getResponse", "One response", VIEW)
    def get_response(self, db: Db, user: Me, response: Context) -> ResponseOut:
        return _response_out(db, user, response)

    @operation(
        "PATCH",
        "/responses/{response_id:int}",
        "updateResponse",
        "Change a response's status, RAG rating, summary or lead",
        EDIT,
        409,
        422,
        conflict=ResponseConflict,
    )
    def update_response(
        self, db: Db, user: Me, response: Context, data: Annotated[ResponseChange, CHANGE]
    ) -> ResponseOut:
        """A blocked response needs ``blocked_reason``, a not-applicable one ``not_applicable_reason``.

        The status of a recommendation with sub-recommendations follows theirs
        (``status_follows_sub_recommendations``), so a status sent for it is ignored.
        """
        return carry_out(
            db,
            data,
            lambda: services.update_response(db, response, user, with_change(response.response, RESPONSE_FIELDS, data)),
            lambda _: _response_out(db, user, response),
            response.response,
        )


class ActionsApi(Controller):
    tags = ["Actions"]
    dependencies = {**LOADERS, "action": loader(_action)}

    @operation(
        "GET", "/responses/{response_id:int}/actions", "listActions", "A response's actions, in plan order", VIEW
    )
    def list_actions(self, db: Db, response: Context) -> list[ActionOut]:
        return _actions_of(db, response)

    @operation(
        "POST", "/responses/{response_id:int}/actions", "createAction", "Add an action to a response's plan", EDIT, 422
    )
    def create_action(
        self, db: Db, user: Me, response: Context, data: Annotated[NewAction, json_body("The new action")]
    ) -> ActionOut:
        return carry_out(
            db, data, lambda: services.add_action(db, response, user, msgspec.structs.asdict(data)), _action_out
        )

    @operation(
        "PATCH", "/actions/{action_id:int}", "updateAction", "Change an action", EDIT, 409, 422, conflict=ActionConflict
    )
    def update_action(self, db: Db, user: Me, action: Item, data: Annotated[ActionChange, CHANGE]) -> ActionOut:
        item, ctx = action
        values = with_change(
            item, ("description", "description_cy", "owner_role", "owner_role_cy", "target_date", "status"), data
        )
        return carry_out(db, data, lambda: services.update_action(db, item, ctx, user, values), _action_out, item)

    @operation(
        "POST",
        "/actions/{action_id:int}/complete",
        "completeAction",
        "Mark an action complete (today)",
        EDIT,
        409,
        conflict=ActionConflict,
        status_code=200,
    )
    def complete_action(self, db: Db, user: Me, action: Item, data: VersionOnlyBody) -> ActionOut:
        item, ctx = action
        change = {"version": data.version}
        return carry_out(db, data, lambda: services.complete_action(db, item, ctx, user, change), _action_out, item)

    @operation(
        "POST",
        "/actions/{action_id:int}/move",
        "moveAction",
        "Swap an action with its neighbour above or below",
        EDIT,
        status_code=200,
    )
    def move_action(
        self, db: Db, user: Me, action: Item, data: Annotated[ActionMove, json_body("Which way to move it")]
    ) -> list[ActionOut]:
        """Answers the response's actions in their new order."""
        item, ctx = action
        services.move_action(db, item, ctx, user, data.direction)
        return _actions_of(db, ctx)

    @operation("DELETE", "/actions/{action_id:int}", "deleteAction", "Delete an action (it stays in the history)", EDIT)
    def delete_action(self, db: Db, user: Me, action: Item) -> None:
        services.delete_action(db, *action, user)


class UpdatesApi(Controller):
    tags = ["Progress updates"]
    dependencies = {**LOADERS, "update": loader(_update)}

    @operation(
        "GET",
        "/responses/{response_id:int}/updates",
        "listUpdates",
        "A response's progress updates, newest first",
        VIEW,
    )
    def list_updates(self, db: Db, user: Me, response: Context) -> list[UpdateOut]:
        """Internal updates only for the organisation itself and admins."""
        levels = visible_levels(user, response.organisation_id)
        query = (
            select(ProgressUpdate)
            .where(ProgressUpdate.response_id == response.response.id, col(ProgressUpdate.visibility).in_(levels))
            .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc())
        )
        return [_update_out(u) for u in db.exec(query)]

    @operation(
        "POST", "/responses/{response_id:int}/updates", "createUpdate", "Post a dated progress update", EDIT, 422
    )
    def create_update(
        self,
        db: Db,
        user: Me,
        response: Context,
        data: Annotated[NewUpdate, json_body("The update; `update_on` defaults to today and cannot be later")],
    ) -> UpdateOut:
        return carry_out(
            db, data, lambda: services.add_update(db, response, user, msgspec.structs.asdict(data)), _update_out
        )

    @operation(
        "PATCH",
        "/updates/{update_id:int}",
        "updateUpdate",
        "Correct a progress update",
        EDIT,
        409,
        422,
        conflict=UpdateConflict,
    )
    def update_update(self, db: Db, user: Me, update: Item, data: Annotated[UpdateChange, CHANGE]) -> UpdateOut:
        item, ctx = update
        values = with_change(item, UPDATE_FIELDS, data)
        return carry_out(db, data, lambda: services.edit_update(db, item, ctx, user, values), _update_out, item)
