"""Use cases of an organisation's action plan: its responses, actions and progress updates.

Every function takes the caller's session and the acting person, checks the rules, writes the audit history
and commits, so controllers (pages and API) stay thin and tests can call them without HTTP. A stale save
(the record changed since the person loaded it) raises ``StaleRecord`` instead of overwriting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Unpack

from litestar.exceptions import NotFoundException
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.services import Actor, Event, audit_change, changed, fields_of, record
from tracker.db import check_version, next_version, not_none, saved_id
from tracker.evidence.models import Evidence
from tracker.inputs import FieldText, Input, InputError, character_problems, checked, faults, length_message
from tracker.organisations.bilingual_input import welsh_values
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, require
from tracker.plans.field_texts import ACTION_TEXTS, RESPONSE_TEXTS, UPDATE_TEXTS
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.retraction import is_retraction, retract_update
from tracker.plans.rules import rag_fits, rag_problem, update_date_problem
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.timeutil import DateParseError, parse_uk_date, utc_now
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus, Visibility
from tracker.web.i18n import N_

RESPONSE_FIELDS = Response.conflict_fields
ACTION_FIELDS = Action.conflict_fields
UPDATE_FIELDS = ProgressUpdate.conflict_fields
MAX_TEXT = 10_000
# How a response's texts are named in its messages (their Welsh twins' too: "The summary in Welsh must be...").
PlanError = InputError  # the former name, still imported by plans/api.py and the tests
Version = int | str | None  # the version last read: an int from the API, digits from a form
Choice = str | None  # a value of an enumeration (or the enumeration member itself, from the API)


@dataclass(frozen=True, kw_only=True)
class ResponseInput(Input):
    """A response as a form or the API sends it (``update_response`` checks it)."""

    version: Version = None
    status: Choice = None
    rag: Choice = None
    summary: str | None = None
    summary_cy: str | None = None  # the Welsh twins (bilingual organisations); None leaves the stored Welsh
    lead_role: str | None = None
    lead_role_cy: str | None = None
    blocked_reason: str | None = None
    blocked_reason_cy: str | None = None
    not_applicable_reason: str | None = None
    not_applicable_reason_cy: str | None = None


@dataclass(frozen=True, kw_only=True)
class ActionInput(Input):
    """An action as a form or the API sends it (``add_action``, ``update_action``); ``complete_action`` reads
    only the version."""

    version: Version = None
    description: str | None = None
    description_cy: str | None = None
    owner_role: str | None = None
    owner_role_cy: str | None = None
    target_date: dt.date | str | None = None
    status: Choice = None


@dataclass(frozen=True, kw_only=True)
class UpdateInput(Input):
    """A progress update as a form or the API sends it (``add_update``, ``edit_update``)."""

    version: Version = None
    update_on: dt.date | str | None = None
    text: str | None = None
    text_cy: str | None = None
    visibility: Choice = None


@dataclass(frozen=True)
class ResponseContext:
    """A response with what every page about it needs."""

    response: Response
    organisation: Organisation
    recommendation: Recommendation
    recommendation_set: RecommendationSet

    @property
    def organisation_id(self) -> int:
        return saved_id(self.organisation)


def actor_for(user: User) -> Actor:
    return Actor(user.display_name, user.id)


def load_response(session: Session, user: User | None, response_id: int, permission: Permission) -> ResponseContext:
    """The response ``response_id`` if ``user`` may ``permission`` it: 404 if it is not theirs to see."""
    row = session.exec(
        select(Response, Organisation, Recommendation, RecommendationSet)
        .join(Organisation, col(Organisation.id) == Response.organisation_id)
        .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
        .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
        .where(Response.id == response_id)
    ).first()
    if row is None:
        raise NotFoundException()
    require(user, permission, row[1].id)
    return ResponseContext(*row)


# --- responses -------------------------------------------------------------------------------------------


def _text(
    errors: dict[str, str],
    raw: str | None,
    name: str,
    texts: FieldText,
    *,
    required: bool = False,
    limit: int = MAX_TEXT,
) -> str | None:
    value = (raw or "").strip()
    if required and not value:
        errors[name] = texts.missing
    elif len(value) > limit:
        errors[name] = length_message(texts.too_long, limit)
    return value or None


def _choice(errors: dict[str, str], raw: Choice, name: str, enum: type, messages: tuple[str, str]) -> Any:
    """The ``enum`` member chosen, or None; ``messages``: what to say if none is chosen ("" if none need be) and
    if what was sent is not one of them."""
    if raw in (None, ""):
        if messages[0]:
            errors[name] = messages[0]
        return None
    try:
        return enum(raw)
    except ValueError:
        errors[name] = messages[1]
        return None


def _date(errors: dict[str, str], raw: dt.date | str | None, name: str, invalid: str) -> dt.date | None:
    try:
        return parse_uk_date(raw)
    except DateParseError:
        errors[name] = invalid
        return None


def record_on_response(session: Session, ctx: ResponseContext, user: User, **event: Unpack[Event]) -> None:
    """One event in the history of ``ctx``'s response, by ``user`` (in the open transaction)."""
    record(session, actor=actor_for(user), organisation_id=ctx.organisation_id, response_id=ctx.response.id, **event)


def add_on_response(
    session: Session,
    ctx: ResponseContext,
    user: User,
    item: Any,
    fields: tuple[str, ...],
    summary: str,
    *,
    action: str = "create",
    skip_empty: bool = False,
    touch: bool = True,
) -> None:
    """Store a new item on ``ctx``'s response (an action, update, evidence, assessment or comment), record its
    ``fields`` as created (``skip_empty``: the empty ones left out) and commit; ``touch``: the item is part of the
    plan, so the response counts as updated now (an assessment or a comment is not)."""
    session.add(item)
    session.flush()
    after = {name: value for name, value in fields_of(item, fields).items() if value is not None or not skip_empty}
    record_on_response(
        session,
        ctx,
        user,
        action=action,
        entity_type=item.__tablename__,
        entity_id=item.id,
        summary=summary,
        after=after,
    )
    if touch:
        _touch(ctx)
    session.commit()


def change_on_response(
    session: Session,
    ctx: ResponseContext,
    user: User,
    item: Any,
    change: tuple[Version, dict[str, Any]],
    fields: tuple[str, ...],
    summary: str,
    *,
    name_fields: bool = True,
) -> list[str]:
    """The one check-change-audit step of every edit of ``ctx``'s response or of an item on it: refuse an edit made
    on an older version than ``item``'s (``StaleRecord``), set the new values, and give the item its next version
    and one audit event if any of ``fields`` changed (``audit_change``). ``change``: the version the person loaded
    and the checked values; the event's ``summary`` is followed by the names of the fields changed unless
    ``name_fields`` is false. Returns those names."""
    version, values = change
    check_version(item, version, fields)
    before = fields_of(item, fields)
    for name, value in values.items():
        setattr(item, name, value)
    return audit_change(
        session,
        item,
        before,
        fields,
        actor=actor_for(user),
        entity_type=type(item).__tablename__,
        summary=lambda names: f"{summary}: {', '.join(names)}" if name_fields else summary,
        organisation_id=ctx.organisation_id,
        response_id=ctx.response.id,
    )


def update_response(
    session: Session, ctx: ResponseContext, user: User, change: ResponseInput | Mapping[str, Any]
) -> Response:
    """Save an organisation's response (status, RAG, lead role, summary, what it waits for or why not)."""
    response = ctx.response
    given, rolled_up = _response_given(session, ctx, change)
    was_complete = response.status is ResponseStatus.COMPLETE
    values = checked(lambda errors: _response_values(errors, given, rolled_up))
    summary = f"Response to recommendation {ctx.recommendation.number} changed"
    diff = change_on_response(session, ctx, user, response, (given.version, values), RESPONSE_FIELDS, summary)
    if diff:
        now = utc_now()
        if response.status is ResponseStatus.COMPLETE and not was_complete:
            response.completed_at = now
        elif response.status is not ResponseStatus.COMPLETE:
            response.completed_at = None
        response.updated_at = now
        if "status" in diff:
            _roll_up_parent(session, ctx, user)
    session.commit()
    return response


def check_response(session: Session, ctx: ResponseContext, change: ResponseInput | Mapping[str, Any]) -> dict[str, str]:
    """Every fault ``update_response`` would refuse in ``change``, found without writing anything."""
    given, rolled_up = _response_given(session, ctx, change)
    return faults(lambda errors: _response_values(errors, given, rolled_up))


def _response_given(
    session: Session, ctx: ResponseContext, change: ResponseInput | Mapping[str, Any]
) -> tuple[ResponseInput, bool]:
    """``change`` as the rules read it, and whether the recommendation has sub-recommendations."""
    change = ResponseInput.of(change)
    response = ctx.response
    rolled_up = has_sub_recommendations(session, ctx)
    if rolled_up:
        # The status of a recommendation with sub-recommendations follows from theirs, and so does the reason it
        # is Blocked or Not applicable: each sub-recommendation records its own, so none is asked of the parent.
        change = replace(
            change,
            status=response.status.value,
            blocked_reason=response.blocked_reason,
            blocked_reason_cy=response.blocked_reason_cy,
            not_applicable_reason=response.not_applicable_reason,
            not_applicable_reason_cy=response.not_applicable_reason_cy,
        )
    return change, rolled_up


def _response_values(errors: dict[str, str], change: ResponseInput, rolled_up: bool) -> dict[str, Any]:
    """The checked values of a response, each fault added to ``errors``; a reason only with its status."""
    status = _choice(
        errors, change.status, "status", ResponseStatus, (N_("Select a status"), N_("Select a status from the list"))
    )
    rag = _choice(errors, change.rag, "rag", Rag, ("", N_("Select a RAG rating from the list")))
    summary = _text(errors, change.summary, "summary", RESPONSE_TEXTS["summary"])
    lead_role = _text(errors, change.lead_role, "lead_role", RESPONSE_TEXTS["lead_role"], limit=200)
    blocked_reason = _text(
        errors,
        change.blocked_reason,
        "blocked_reason",
        RESPONSE_TEXTS["blocked_reason"],
        required=status is ResponseStatus.BLOCKED and not rolled_up,
    )
    na_reason = _text(
        errors,
        change.not_applicable_reason,
        "not_applicable_reason",
        RESPONSE_TEXTS["not_applicable_reason"],
        required=status is ResponseStatus.NOT_APPLICABLE and not rolled_up,
    )
    if status is not None and (problem := rag_problem(status, rag)):
        errors["rag"] = problem
    welsh = welsh_values(errors, change, Response, RESPONSE_TEXTS)
    errors.update(character_problems(Response, change.values()))
    blocked, not_applicable = status is ResponseStatus.BLOCKED, status is ResponseStatus.NOT_APPLICABLE
    # The Welsh of a reason goes with the reason it translates.
    gone = {"blocked_reason_cy": None} if not blocked else {}
    gone |= {"not_applicable_reason_cy": None} if not not_applicable else {}
    return {
        "status": status,
        "rag": rag,
        "summary": summary,
        "lead_role": lead_role,
        "blocked_reason": blocked_reason if blocked else None,
        "not_applicable_reason": na_reason if not_applicable else None,
        **welsh,
    } | gone


def rolled_up_status(children: list[ResponseStatus]) -> ResponseStatus:
    """A parent recommendation's status from its sub-recommendations' (the NPCC framework's roll-up)."""
    live = [s for s in children if s is not ResponseStatus.NOT_APPLICABLE]
    if not live:
        return ResponseStatus.NOT_APPLICABLE if children else ResponseStatus.NOT_STARTED
    if all(s is ResponseStatus.COMPLETE for s in live):
        return ResponseStatus.COMPLETE
    if any(s is ResponseStatus.BLOCKED for s in live):
        return ResponseStatus.BLOCKED
    if any(s in (ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETE) for s in live):
        return ResponseStatus.IN_PROGRESS
    return ResponseStatus.NOT_STARTED


def has_sub_recommendations(session: Session, ctx: ResponseContext) -> bool:
    return (
        session.exec(
            select(Recommendation.id).where(
                Recommendation.parent_id == ctx.recommendation.id, col(Recommendation.removed_at).is_(None)
            )
        ).first()
        is not None
    )


def _roll_up_parent(session: Session, ctx: ResponseContext, user: User) -> None:
    """After a sub-recommendation's status changes, bring its parent's status in line."""
    parent_id = ctx.recommendation.parent_id
    if parent_id is None:
        return
    rows = list(
        session.exec(
            select(Response, Recommendation)
            .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
            .where(
                Response.organisation_id == ctx.organisation_id,
                (Recommendation.parent_id == parent_id) | (Recommendation.id == parent_id),
            )
        )
    )
    parent, parent_rec = next(((r, rec) for r, rec in rows if rec.id == parent_id), (None, None))
    if parent is None or parent_rec is None:
        return
    children = [r.status for r, rec in rows if rec.id != parent_id and r.required]
    roll_up(session, parent, parent_rec.number, children, actor_for(user))


def roll_up(session: Session, parent: Response, number: str, children: list[ResponseStatus], actor: Actor) -> bool:
    """Bring a parent recommendation's response to the status its sub-recommendations' ``children`` roll up to,
    with its history; False if it is already there. A RAG rating the new status contradicts is cleared.

    The status of a parent is nobody's to set, so a roll-up is not an edit a person makes: it leaves the version
    alone, and a form or API client holding the parent stays valid (saving its summary is no conflict). Clearing
    the RAG does change what the person set, so that alone gives the parent its next version."""
    status = rolled_up_status(children)
    if parent.status is status:
        return False
    before = fields_of(parent, ("status", "rag"))
    now = utc_now()
    parent.status, parent.updated_at = status, now
    parent.completed_at = now if status is ResponseStatus.COMPLETE else None
    if not rag_fits(status, parent.rag):
        parent.rag = None
        next_version(parent)
    after = fields_of(parent, ("status", "rag"))
    diff = changed(before, after)
    record(
        session,
        actor=actor,
        action="update",
        entity_type="response",
        entity_id=parent.id,
        organisation_id=parent.organisation_id,
        response_id=parent.id,
        summary=f"Status of recommendation {number} rolled up from its sub-recommendations",
        before={k: before[k] for k in diff},
        after={k: after[k] for k in diff},
    )
    return True


def complete_without_evidence(session: Session, response_ids: list[int]) -> set[int]:
    """Which of these responses are marked complete but have no evidence at all (flagged to oversight)."""
    if not response_ids:
        return set()
    complete = set(
        session.exec(
            select(Response.id).where(col(Response.id).in_(response_ids), Response.status == ResponseStatus.COMPLETE)
        )
    )
    with_evidence = set(session.exec(select(Evidence.response_id).where(col(Evidence.response_id).in_(complete))))
    return {not_none(i) for i in complete - with_evidence}


# --- actions ---------------------------------------------------------------------------------------------


def check_action(change: ActionInput | Mapping[str, Any]) -> dict[str, str]:
    """Every fault ``add_action`` or ``update_action`` would refuse in ``change``, found without writing anything."""
    given = ActionInput.of(change)
    return faults(lambda errors: _action_values(errors, given))


def _action_values(errors: dict[str, str], change: ActionInput) -> dict[str, Any]:
    """The checked values of an action, each fault added to ``errors``."""
    description = _text(errors, change.description, "description", ACTION_TEXTS["description"], required=True)
    owner_role = _text(errors, change.owner_role, "owner_role", ACTION_TEXTS["owner_role"], limit=200)
    target_date = _date(
        errors, change.target_date, "target_date", N_("Target date must be a real date, like 27/03/2025")
    )
    status = (
        _choice(errors, change.status, "status", ActionStatus, ("", N_("Select a status from the list")))
        or ActionStatus.NOT_STARTED
    )
    welsh = welsh_values(errors, change, Action, ACTION_TEXTS)
    errors.update(character_problems(Action, change.values()))
    return {"description": description, "owner_role": owner_role, "target_date": target_date, "status": status, **welsh}


def add_action(session: Session, ctx: ResponseContext, user: User, change: ActionInput | Mapping[str, Any]) -> Action:
    given = ActionInput.of(change)
    data = checked(lambda errors: _action_values(errors, given))
    # Lock the response so parallel additions (other processes, PostgreSQL) take the next place one at a time.
    session.exec(select(Response.id).where(Response.id == ctx.response.id).with_for_update())
    last = session.exec(select(func.max(Action.position)).where(Action.response_id == ctx.response.id)).one()
    action = Action(response_id=saved_id(ctx.response), position=(last if last is not None else -1) + 1, **data)
    if action.status is ActionStatus.COMPLETE:
        action.completed_on = dt.date.today()
    summary = f"Action added to recommendation {ctx.recommendation.number}: {data['description'][:200]}"
    add_on_response(session, ctx, user, action, ACTION_FIELDS, summary)
    return action


def update_action(
    session: Session, action: Action, ctx: ResponseContext, user: User, change: ActionInput | Mapping[str, Any]
) -> Action:
    given = ActionInput.of(change)
    values = checked(lambda errors: _action_values(errors, given))
    _change_action(session, action, ctx, user, (given.version, values), "changed")
    return action


def complete_action(
    session: Session, action: Action, ctx: ResponseContext, user: User, change: ActionInput | Mapping[str, Any]
) -> Action:
    version = ActionInput.of(change).version
    _change_action(session, action, ctx, user, (version, {"status": ActionStatus.COMPLETE}), "completed")
    return action


def _change_action(
    session: Session,
    action: Action,
    ctx: ResponseContext,
    user: User,
    change: tuple[Version, dict[str, Any]],
    verb: str,
) -> None:
    version, data = change
    done = data.get("status", action.status) is ActionStatus.COMPLETE
    data = {**data, "completed_on": (action.completed_on or dt.date.today()) if done else None}
    summary = f"Action {verb} on recommendation {ctx.recommendation.number}"
    diff = change_on_response(session, ctx, user, action, (version, data), ACTION_FIELDS, summary)
    if diff:
        action.updated_at = utc_now()
        _touch(ctx)
    session.commit()


def delete_action(session: Session, action: Action, ctx: ResponseContext, user: User) -> None:
    summary = f"Action deleted from recommendation {ctx.recommendation.number}: {action.description[:200]}"
    before = fields_of(action, ACTION_FIELDS)
    record_on_response(
        session, ctx, user, action="delete", entity_type="action", entity_id=action.id, summary=summary, before=before
    )
    session.delete(action)
    _touch(ctx)
    session.commit()


def move_action(session: Session, action: Action, ctx: ResponseContext, user: User, direction: str) -> None:
    """Swap an action with its neighbour above (``up``) or below (``down``)."""
    if direction not in ("up", "down"):
        raise InputError({"direction": N_("Choose up or down")})
    actions = list(
        session.exec(
            select(Action)
            .where(col(Action.response_id) == ctx.response.id)
            .order_by(col(Action.position), col(Action.id))
        )
    )
    index = next(i for i, a in enumerate(actions) if a.id == action.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(actions):
        return
    actions[index], actions[other] = actions[other], actions[index]
    for position, item in enumerate(actions):
        if item.position != position:
            item.position = position
            next_version(item)
    summary = f"Action moved {direction} on recommendation {ctx.recommendation.number}"
    order = {"order": [a.id for a in actions]}
    record_on_response(
        session, ctx, user, action="reorder", entity_type="action", entity_id=action.id, summary=summary, after=order
    )
    _touch(ctx)
    session.commit()


# --- progress updates -------------------------------------------------------------------------------------


def check_update(ctx: ResponseContext, change: UpdateInput | Mapping[str, Any]) -> dict[str, str]:
    """Every fault ``add_update`` or ``edit_update`` would refuse in ``change``, found without writing anything."""
    given = UpdateInput.of(change)
    return faults(lambda errors: _update_values(errors, given, ctx))


def _update_values(errors: dict[str, str], change: UpdateInput, ctx: ResponseContext) -> dict[str, Any]:
    """The checked values of a progress update on ``ctx``'s response, each fault added to ``errors``."""
    today = dt.date.today()
    invalid_date = N_("The date of the update must be a real date, like 27/03/2025")
    update_on = _date(errors, change.update_on, "update_on", invalid_date) or (today if not change.update_on else None)
    text = _text(errors, change.text, "text", UPDATE_TEXTS["text"], required=True)
    visibility = (
        _choice(errors, change.visibility, "visibility", Visibility, ("", N_("Select who can see it from the list")))
        or Visibility.PUBLIC
    )
    if visibility is Visibility.INSPECTORATE:
        visibility = Visibility.INTERNAL  # updates are either published with the plan or kept in-house
    problem = update_date_problem(update_on, ctx.recommendation_set.published_on, today) if update_on else None
    if problem:
        errors["update_on"] = problem[:1].upper() + problem[1:]
    welsh = welsh_values(errors, change, ProgressUpdate, UPDATE_TEXTS)
    errors.update(character_problems(ProgressUpdate, change.values()))
    return {"update_on": update_on, "text": text, "visibility": visibility, **welsh}


def add_update(
    session: Session, ctx: ResponseContext, user: User, change: UpdateInput | Mapping[str, Any]
) -> ProgressUpdate:
    given = UpdateInput.of(change)
    data = checked(lambda errors: _update_values(errors, given, ctx))
    update = ProgressUpdate(response_id=saved_id(ctx.response), author_id=user.id, **data)
    summary = f"Progress update added to recommendation {ctx.recommendation.number}"
    add_on_response(session, ctx, user, update, UPDATE_FIELDS, summary)
    return update


def edit_update(
    session: Session, update: ProgressUpdate, ctx: ResponseContext, user: User, change: UpdateInput | Mapping[str, Any]
) -> ProgressUpdate:
    """Correct an update; the earlier text stays in the history (updates are never deleted)."""
    given = UpdateInput.of(change)
    was, values = update.visibility, checked(lambda errors: _update_values(errors, given, ctx))
    summary = f"Progress update on recommendation {ctx.recommendation.number} corrected"
    diff = change_on_response(
        session, ctx, user, update, (given.version, values), UPDATE_FIELDS, summary, name_fields=False
    )
    if diff:
        update.edited_at = utc_now()
        if is_retraction(was, update.visibility):
            retract_update(session, update, ctx.organisation_id, actor_for(user))
        _touch(ctx)
    session.commit()
    return update


def _touch(ctx: ResponseContext) -> None:
    ctx.response.updated_at = utc_now()
