"""Step 4 of an import: ``apply_import`` writes a dry run without errors, all or nothing, checking each change
against what is stored now.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from tracker import metrics
from tracker.accounts.models import User
from tracker.audit.services import Actor, EventBatch, audit_change, fields_of
from tracker.db import insert_rows, not_none, plain, saved_id
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import declare_response
from tracker.plans.services import ACTION_FIELDS, RESPONSE_FIELDS, UPDATE_FIELDS, actor_for, roll_up
from tracker.plans.spreadsheet.candidates import write_candidates
from tracker.plans.spreadsheet.common import ImportConflict, SpreadsheetError, action_key, update_key
from tracker.plans.spreadsheet.results import ImportPlan, ImportResult, PlannedChange
from tracker.recommendations.models import Recommendation
from tracker.timeutil import utc_now
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus
from tracker.web.i18n import N_, gettext

Summary = Callable[[list[str]], str]  # an event's summary from the names of the fields changed


def apply_import(session: Session, organisation_id: int, plan: ImportPlan, user: User) -> ImportResult:
    """Write a dry run without errors, all or nothing: one transaction, committed once at the end.

    The organisation's responses are locked first (PostgreSQL; SQLite's write transaction already excludes
    other writers) and each change is checked against what is stored now: something added meanwhile is not
    added twice, and a record someone else changed since the dry run stops the import (``ImportConflict``).
    """
    if plan.organisation_id != organisation_id:
        raise SpreadsheetError(gettext("This import was checked for another organisation"))
    if not plan.ok:
        raise SpreadsheetError(gettext("The spreadsheet has problems, so nothing was imported"))
    result = ImportResult()
    if not plan.writes:
        return result
    try:
        _write(session, organisation_id, plan, user, result)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    metrics.IMPORTS.inc()
    return result


@dataclass(frozen=True)
class _Writing:
    """One import being written: its transaction, who imports, the organisation every event is about, and its
    events, written together at the end (thousands of rows make thousands of events)."""

    session: Session
    actor: Actor
    organisation_id: int
    events: EventBatch = field(default_factory=EventBatch)

    def note(self, action: str, entity_type: str, entity_id: int | None, summary: str, **values: Any) -> None:
        """One event in the history (``values``: its response_id, before and after)."""
        self.events.add(
            actor=self.actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            organisation_id=self.organisation_id,
            summary=summary,
            **values,
        )

    def audit(
        self, record_: Any, before: dict[str, Any], fields: tuple[str, ...], summary: Summary, entity: str
    ) -> None:
        """Version ``record_`` and record what changed since ``before`` (``audit_change``), as a web edit would."""
        audit_change(
            self.session,
            record_,
            before,
            fields,
            actor=self.actor,
            entity_type=entity,
            summary=summary,
            organisation_id=self.organisation_id,
            response_id=record_.response_id if entity == "action" else record_.id,
            batch=self.events,
        )


def _write(session: Session, organisation_id: int, plan: ImportPlan, user: User, result: ImportResult) -> None:
    """Every change of the plan with its history, and the import's own record, in the open transaction."""
    writing = _Writing(session, actor_for(user), organisation_id)
    responses = {
        saved_id(r): r
        for r in session.exec(
            select(Response)
            .where(Response.organisation_id == organisation_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    _declare(writing, responses, plan, result)
    touched, rolled_parents = _apply_changes(writing, responses, plan, result)
    for kind, row, change in _add_new_records(session, plan, user, result):
        _record_creation(writing, kind, row, change)
        touched.add(change.response_id)
    result.statuses_rolled_up = _roll_up(writing, responses, rolled_parents)
    write_candidates(session, plan, user, result)
    now = utc_now()
    for response_id in touched:
        responses[response_id].updated_at = now
    if result.total:
        _record_import(writing, plan, result)
    session.flush()
    writing.events.write(session)


def _declare(writing: _Writing, responses: dict[int, Response], plan: ImportPlan, result: ImportResult) -> None:
    """The responses the file declares (their recommendations' addressees are not known), written first; the
    plan's other changes then name them by their new ids instead of the dry run's placeholders."""
    new_ids: dict[int, int] = {}
    for change in plan.changes:
        if change.kind != "declare":
            continue
        rec = writing.session.get(Recommendation, change.values["recommendation_id"], populate_existing=True)
        if rec is None or rec.removed or rec.addressees_known:
            raise _conflict(change.number)  # its addressees became known meanwhile: the dry run no longer holds
        response = responses.get(change.response_id)
        if response is None and change.response_id >= 0:
            raise _conflict(change.number)
        if response is not None and (response.required or response.version != change.version):
            raise _conflict(change.number)
        response = declare_response(
            writing.session, writing.actor, writing.organisation_id, rec, response, "in a spreadsheet import"
        )
        new_ids[change.response_id] = saved_id(response)
        responses[saved_id(response)] = response
        result.responses_declared += 1
    for change in plan.changes:
        change.response_id = new_ids.get(change.response_id, change.response_id)


def _apply_changes(
    writing: _Writing, responses: dict[int, Response], plan: ImportPlan, result: ImportResult
) -> tuple[set[int], set[int]]:
    """The changes to existing responses and actions; returns the responses touched and the parents to roll up."""
    touched: set[int] = set()
    rolled_parents: set[int] = set()
    action_ids = [c.action_id for c in plan.changes if c.kind == "change_action"]
    actions = {
        saved_id(a): a
        for a in writing.session.exec(
            select(Action)
            .where(col(Action.id).in_(action_ids))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    for change in plan.changes:
        if change.kind == "change_response":
            if _apply_response_change(writing, responses, change):
                result.responses_changed += 1
                touched.add(change.response_id)
                if "status" in change.values and change.parent_recommendation_id is not None:
                    rolled_parents.add(change.parent_recommendation_id)
        elif change.kind == "change_action":
            action = actions.get(change.action_id or 0)
            if _apply_action_change(writing, action, change):
                result.actions_changed += 1
                touched.add(change.response_id)
    return touched, rolled_parents


def _record_import(writing: _Writing, plan: ImportPlan, result: ImportResult) -> None:
    counts = (
        "responses_declared",
        "actions_added",
        "actions_changed",
        "responses_changed",
        "updates_added",
        "statuses_rolled_up",
        "candidates_kept",
    )
    after: dict[str, Any] = {name: getattr(result, name) for name in counts}
    # for the next import of this file: its previous import (conflicts) and its columns' dates
    after["file_name"] = plan.file_name
    after["column_dates"] = {column: on.isoformat() for column, on in plan.dates.items()}
    writing.note("import", "plan_import", None, f"Spreadsheet imported: {result.summary()}", after=after)


def _conflict(number: str) -> ImportConflict:
    message = N_(
        "Someone changed recommendation %(number)s since the file was checked, so nothing was imported. "
        "Check the file again."
    )
    return ImportConflict(gettext(message, number=number))


def _apply_response_change(writing: _Writing, responses: dict[int, Response], change: PlannedChange) -> bool:
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
    response.updated_at = now
    writing.audit(
        response,
        {name: current[name] for name in change.values},
        tuple(change.values),
        lambda names: f"Response to recommendation {change.number} changed by a spreadsheet import: {', '.join(names)}",
        "response",
    )
    return True


def _apply_action_change(writing: _Writing, action: Action | None, change: PlannedChange) -> bool:
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
    action.updated_at = utc_now()
    writing.audit(
        action,
        before,
        ACTION_FIELDS,
        lambda names: f"Action changed on recommendation {change.number} by a spreadsheet import: {', '.join(names)}",
        "action",
    )
    return True


def _add_new_records(
    session: Session, plan: ImportPlan, user: User, result: ImportResult
) -> list[tuple[str, dict[str, Any], PlannedChange]]:
    """Add the new actions and updates, skipping any that now exist, a few statements for them all (a file may
    hold thousands); returns each added row with its values and new id."""
    new = [c for c in plan.changes if c.kind in ("new_action", "new_update")]
    ids = sorted({c.response_id for c in new})
    if not ids:
        return []
    action_keys: dict[int, set[str]] = defaultdict(set)
    positions: dict[int, int] = defaultdict(lambda: -1)  # the last position used on each response
    for response_id, description, position in session.exec(
        select(Action.response_id, Action.description, Action.position).where(col(Action.response_id).in_(ids))
    ):
        action_keys[response_id].add(action_key(description))
        positions[response_id] = max(positions[response_id], position)
    update_keys = {
        (response_id, update_key(text))
        for response_id, text in session.exec(
            select(ProgressUpdate.response_id, ProgressUpdate.text).where(col(ProgressUpdate.response_id).in_(ids))
        )
    }
    actions: list[tuple[dict[str, Any], PlannedChange]] = []
    updates: list[tuple[dict[str, Any], PlannedChange]] = []
    today = dt.date.today()
    for change in new:
        if change.kind == "new_action":
            key = action_key(change.values["description"])
            if key in action_keys[change.response_id]:
                result.already_there += 1
                continue
            action_keys[change.response_id].add(key)
            positions[change.response_id] += 1
            row = {"response_id": change.response_id, "position": positions[change.response_id], **change.values}
            if row.get("status") is ActionStatus.COMPLETE:
                row["completed_on"] = today
            actions.append((row, change))
        else:
            key_u = (change.response_id, update_key(change.values["text"]))
            if key_u in update_keys:
                result.already_there += 1
                continue
            update_keys.add(key_u)
            updates.append(({"response_id": change.response_id, "author_id": user.id, **change.values}, change))
    result.actions_added, result.updates_added = len(actions), len(updates)
    return [
        *_inserted(session, Action, ("response_id", "position"), actions),
        *_inserted(session, ProgressUpdate, ("response_id", "text"), updates),
    ]


def _inserted(
    session: Session, model: Any, key: tuple[str, str], rows: list[tuple[dict[str, Any], PlannedChange]]
) -> list[tuple[str, dict[str, Any], PlannedChange]]:
    """Insert ``rows`` of ``model``, each told apart by its ``key`` (new actions by their new positions, updates by
    their texts, which the import keeps to one per response)."""
    kind = "action" if model is Action else "update"
    stored = insert_rows(session, model, [row for row, _ in rows], key)
    return [(kind, row, change) for row, (_, change) in zip(stored, rows, strict=True)]


def _record_creation(writing: _Writing, kind: str, row: dict[str, Any], change: PlannedChange) -> None:
    if kind == "action":
        entity_type, fields = "action", ACTION_FIELDS
        summary = f"Action added to recommendation {change.number} by a spreadsheet import: {row['description'][:200]}"
    else:
        entity_type, fields = "progress_update", UPDATE_FIELDS
        summary = f"Progress update added to recommendation {change.number} by a spreadsheet import"
    after = {name: plain(row[name]) for name in fields}
    writing.note("create", entity_type, row["id"], summary, response_id=change.response_id, after=after)


def _roll_up(writing: _Writing, responses: dict[int, Response], parent_ids: set[int]) -> int:
    """Bring each parent's status in line with its sub-recommendations' (as the response page does), clearing a
    RAG rating that no longer fits it."""
    if not parent_ids:
        return 0
    rows = list(
        writing.session.exec(
            select(Response.id, Recommendation.id, Recommendation.parent_id, Recommendation.number)
            .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
            .where(
                Response.organisation_id == writing.organisation_id,
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
        count += roll_up(writing.session, parent, parent_row[3], [c.status for c in children], writing.actor)
    return count
