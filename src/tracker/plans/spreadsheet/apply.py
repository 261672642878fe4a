"""Step 4 of an import: ``apply_import`` writes a dry run without errors, all or nothing, checking each change
against what is stored now.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.services import changed, fields_of, record
from tracker.db import next_version, not_none, saved_id
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.services import ACTION_FIELDS, RESPONSE_FIELDS, UPDATE_FIELDS, actor_for, roll_up
from tracker.plans.spreadsheet.common import ImportConflict, SpreadsheetError, action_key, update_key
from tracker.plans.spreadsheet.results import ImportPlan, ImportResult, PlannedChange
from tracker.recommendations.models import Recommendation
from tracker.timeutil import utc_now
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus


def apply_import(session: Session, organisation_id: int, plan: ImportPlan, user: User) -> ImportResult:
    """Write a dry run without errors, all or nothing: one transaction, committed once at the end.

    The organisation's responses are locked first (PostgreSQL; SQLite's write transaction already excludes
    other writers) and each change is checked against what is stored now: something added meanwhile is not
    added twice, and a record someone else changed since the dry run stops the import (``ImportConflict``).
    """
    if plan.organisation_id != organisation_id:
        raise SpreadsheetError("This import was checked for another organisation")
    if not plan.ok:
        raise SpreadsheetError("The spreadsheet has problems, so nothing was imported")
    result = ImportResult()
    if not plan.changes:
        return result
    try:
        _write(session, organisation_id, plan, user, result)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def _write(session: Session, organisation_id: int, plan: ImportPlan, user: User, result: ImportResult) -> None:
    """Every change of the plan with its history, and the import's own record, in the open transaction."""
    actor = actor_for(user)
    responses = {
        saved_id(r): r
        for r in session.exec(
            select(Response)
            .where(Response.organisation_id == organisation_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    touched, rolled_parents = _apply_changes(session, responses, plan, actor, organisation_id, result)
    created = _add_new_records(session, plan, user, result)
    session.flush()
    for kind, record_, change in created:
        _record_creation(session, kind, record_, change, actor, organisation_id)
        touched.add(change.response_id)
    result.statuses_rolled_up = _roll_up(session, organisation_id, responses, rolled_parents, actor)
    now = utc_now()
    for response_id in touched:
        responses[response_id].updated_at = now
    if result.total:
        _record_import(session, actor, organisation_id, plan, result)


def _apply_changes(
    session: Session,
    responses: dict[int, Response],
    plan: ImportPlan,
    actor: Any,
    organisation_id: int,
    result: ImportResult,
) -> tuple[set[int], set[int]]:
    """The changes to existing responses and actions; returns the responses touched and the parents to roll up."""
    touched: set[int] = set()
    rolled_parents: set[int] = set()
    for change in plan.changes:
        if change.kind == "change_response":
            if _apply_response_change(session, responses, change, actor, organisation_id):
                result.responses_changed += 1
                touched.add(change.response_id)
                if "status" in change.values and change.parent_recommendation_id is not None:
                    rolled_parents.add(change.parent_recommendation_id)
        elif change.kind == "change_action" and _apply_action_change(session, change, actor, organisation_id):
            result.actions_changed += 1
            touched.add(change.response_id)
    return touched, rolled_parents


def _record_import(session: Session, actor: Any, organisation_id: int, plan: ImportPlan, result: ImportResult) -> None:
    record(
        session,
        actor=actor,
        action="import",
        entity_type="plan_import",
        entity_id=None,
        organisation_id=organisation_id,
        summary=f"Spreadsheet imported: {result.summary()}",
        after={
            "actions_added": result.actions_added,
            "actions_changed": result.actions_changed,
            "responses_changed": result.responses_changed,
            "updates_added": result.updates_added,
            "statuses_rolled_up": result.statuses_rolled_up,
            # for the next import of this file: its previous import (conflicts) and its columns' dates
            "file_name": plan.file_name,
            "column_dates": {column: on.isoformat() for column, on in plan.dates.items()},
        },
    )


def _conflict(number: str) -> ImportConflict:
    return ImportConflict(
        f"Someone changed recommendation {number} since the file was checked, so nothing was imported. "
        "Check the file again."
    )


def _apply_response_change(
    session: Session, responses: dict[int, Response], change: PlannedChange, actor: Any, organisation_id: int
) -> bool:
    response = responses.get(change.response_id)
    if response is None:
        raise _conflict(change.number)
    current = fields_of(response, RESPONSE_FIELDS)
    if all(current[n] == v for n, v in change.values.items()):
        return False
    if any(current[n] != change.before[n] for n in change.values):
        raise _conflict(change.number)
    for name, value in change.values.items():
        if name == "status":
            value = ResponseStatus(value)
        elif name == "rag":
            value = Rag(value) if value else None
        setattr(response, name, value)
    now = utc_now()
    if "status" in change.values:
        response.completed_at = now if response.status is ResponseStatus.COMPLETE else None
    next_version(response)
    response.updated_at = now
    _record_response_update(
        session,
        actor,
        organisation_id,
        response,
        f"Response to recommendation {change.number} changed by a spreadsheet import: {', '.join(change.values)}",
        dict(change.before),
        fields_of(response, tuple(change.values)),
    )
    return True


def _apply_action_change(session: Session, change: PlannedChange, actor: Any, organisation_id: int) -> bool:
    action = session.get(Action, change.action_id, with_for_update=True, populate_existing=True)
    if action is None or action.response_id != change.response_id:
        raise _conflict(change.number)
    if all(getattr(action, n) == v for n, v in change.values.items()):
        return False
    if action.version != change.version:
        raise _conflict(change.number)
    before = fields_of(action, ACTION_FIELDS)
    for name, value in change.values.items():
        setattr(action, name, value)
    if action.status is ActionStatus.COMPLETE and action.completed_on is None:
        action.completed_on = dt.date.today()
    elif action.status is not ActionStatus.COMPLETE:
        action.completed_on = None
    after = fields_of(action, ACTION_FIELDS)
    diff = changed(before, after)
    next_version(action)
    action.updated_at = utc_now()
    record(
        session,
        actor=actor,
        action="update",
        entity_type="action",
        entity_id=action.id,
        organisation_id=organisation_id,
        response_id=action.response_id,
        summary=f"Action changed on recommendation {change.number} by a spreadsheet import: {', '.join(diff)}",
        before={k: before[k] for k in diff},
        after={k: after[k] for k in diff},
    )
    return True


def _add_new_records(
    session: Session, plan: ImportPlan, user: User, result: ImportResult
) -> list[tuple[str, Any, PlannedChange]]:
    """Add the new actions and updates (flushed together), skipping any that now exist."""
    new = [c for c in plan.changes if c.kind in ("new_action", "new_update")]
    ids = sorted({c.response_id for c in new})
    if not ids:
        return []
    actions: dict[int, list[Action]] = defaultdict(list)
    for action in session.exec(
        select(Action).where(col(Action.response_id).in_(ids)).execution_options(populate_existing=True)
    ):
        actions[action.response_id].append(action)
    existing_updates = {
        (u.response_id, update_key(u.text))
        for u in session.exec(select(ProgressUpdate).where(col(ProgressUpdate.response_id).in_(ids)))
    }
    created: list[tuple[str, Any, PlannedChange]] = []
    today = dt.date.today()
    for change in new:
        if change.kind == "new_action":
            mine = actions[change.response_id]
            key = action_key(change.values["description"])
            if any(action_key(a.description) == key for a in mine):
                result.already_there += 1
                continue
            position = max((a.position for a in mine), default=-1) + 1
            action = Action(response_id=change.response_id, position=position, **change.values)
            if action.status is ActionStatus.COMPLETE:
                action.completed_on = today
            session.add(action)
            mine.append(action)
            created.append(("action", action, change))
            result.actions_added += 1
        else:
            key_u = (change.response_id, update_key(change.values["text"]))
            if key_u in existing_updates:
                result.already_there += 1
                continue
            existing_updates.add(key_u)
            update = ProgressUpdate(response_id=change.response_id, author_id=user.id, **change.values)
            session.add(update)
            created.append(("update", update, change))
            result.updates_added += 1
    return created


def _record_creation(
    session: Session, kind: str, record_: Any, change: PlannedChange, actor: Any, organisation_id: int
) -> None:
    if kind == "action":
        entity_type, fields = "action", ACTION_FIELDS
        summary = f"Action added to recommendation {change.number} by a spreadsheet import: {record_.description[:200]}"
    else:
        entity_type, fields = "progress_update", UPDATE_FIELDS
        summary = f"Progress update added to recommendation {change.number} by a spreadsheet import"
    record(
        session,
        actor=actor,
        action="create",
        entity_type=entity_type,
        entity_id=record_.id,
        organisation_id=organisation_id,
        response_id=change.response_id,
        summary=summary,
        after=fields_of(record_, fields),
    )


def _record_response_update(
    session: Session,
    actor: Any,
    organisation_id: int,
    response: Response,
    summary: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    record(
        session,
        actor=actor,
        action="update",
        entity_type="response",
        entity_id=response.id,
        organisation_id=organisation_id,
        response_id=response.id,
        summary=summary,
        before=before,
        after=after,
    )


def _roll_up(
    session: Session, organisation_id: int, responses: dict[int, Response], parent_ids: set[int], actor: Any
) -> int:
    """Bring each parent's status in line with its sub-recommendations' (as the response page does)."""
    if not parent_ids:
        return 0
    rows = list(
        session.exec(
            select(Response.id, Recommendation.id, Recommendation.parent_id, Recommendation.number)
            .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
            .where(
                Response.organisation_id == organisation_id,
                col(Recommendation.parent_id).in_(parent_ids) | col(Recommendation.id).in_(parent_ids),
            )
        )
    )
    count = 0
    for parent_id in sorted(parent_ids):
        parent_row = next((r for r in rows if r[1] == parent_id), None)
        if parent_row is None:
            continue
        parent = responses[not_none(parent_row[0])]
        children = [c for r in rows if r[2] == parent_id and (c := responses[not_none(r[0])]).required]
        count += roll_up(session, parent, parent_row[3], [c.status for c in children], actor)
    return count
