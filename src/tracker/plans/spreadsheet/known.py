"""What the dry run knows about the organisation's plan before it reads a row (``KnownPlan``), and what earlier
imports recorded: when a file was last imported and the dates given to its columns.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from tracker.audit.models import AuditEvent
from tracker.db import saved_id
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import obligations_for
from tracker.plans.spreadsheet.common import action_key, canonical, update_key
from tracker.plans.spreadsheet.results import ImportPlan
from tracker.recommendations.models import Recommendation
from tracker.timeutil import LONDON, UTC


@dataclass
class Obligation:
    """A recommendation the organisation must answer, with its response."""

    response: Response
    recommendation: Recommendation


class KnownPlan:
    """What plan_import knows about the organisation's plan, loaded in a fixed number of queries."""

    def __init__(
        self, session: Session, organisation_id: int, set_id: int | None = None, file_name: str | None = None
    ) -> None:
        self.by_number: dict[str, list[Obligation]] = defaultdict(list)
        self.by_response: dict[int, Obligation] = {}
        self.set_titles: dict[int, str] = {}
        self.published_on: dict[int, dt.date | None] = {}  # by set: no update is dated before it (rules)
        for response, recommendation, rec_set in obligations_for(session, organisation_id, set_id=set_id):
            entry = Obligation(response, recommendation)
            self.by_number[canonical(recommendation.number)].append(entry)
            self.by_response[response.id] = entry  # type: ignore[index]
            self.set_titles[rec_set.id] = rec_set.short_title  # type: ignore[index]
            self.published_on[saved_id(rec_set)] = rec_set.published_on
        query = select(Recommendation.id, Recommendation.number, Recommendation.parent_id)
        if set_id is not None:
            query = query.where(Recommendation.set_id == set_id)
        recommendations = list(session.exec(query))
        self.known_numbers = {canonical(number) for _, number, _ in recommendations}
        self.number_of = {rec_id: number for rec_id, number, _ in recommendations}
        self.parents = {parent_id for _, _, parent_id in recommendations if parent_id is not None}
        self.children: dict[int, list[Obligation]] = defaultdict(list)
        for entry in self.by_response.values():
            if entry.recommendation.parent_id is not None:
                self.children[entry.recommendation.parent_id].append(entry)
        ids = list(self.by_response)
        self.actions: dict[tuple[int, str], Action] = {}
        self.action_by_id: dict[int, Action] = {}
        self.updates: set[tuple[int, str]] = set()
        if ids:
            for action in session.exec(
                select(Action).where(col(Action.response_id).in_(ids)).order_by(col(Action.position), col(Action.id))
            ):
                self.actions.setdefault((action.response_id, action_key(action.description)), action)
                self.action_by_id[action.id] = action  # type: ignore[index]
            for update in session.exec(select(ProgressUpdate).where(col(ProgressUpdate.response_id).in_(ids))):
                self.updates.add((update.response_id, update_key(update.text)))
        self.changed_at = _field_changes(session, organisation_id)
        self.deleted_actions = _deleted_actions(session, organisation_id)
        self.previous_import = previous_import(session, organisation_id, file_name)

    def changed_after(
        self, entity: str, entity_id: int | None, name: str, response_id: int, plan: ImportPlan
    ) -> dt.datetime | None:
        """When the tracker last changed this field, if that is after the file was written and after the file was
        last imported; else None. An export says when it was written to the second ("Exported at"). Any other
        file's date is known only to the day (the date in its name or when it was saved), so a change made that
        day may be newer than the file and is a conflict. Without one, the rows' latest update date on the
        response says how recent they are: a change made that day is taken as seen. Without any of these
        nothing is known: None."""
        when = self.changed_at.get((entity, entity_id or 0, name))
        if when is None or (self.previous_import is not None and when <= self.previous_import):
            return None
        if plan.exported_at is not None:
            # the cell drops the fraction of a second: a change in the export's own second counts as after it
            return when if when > plan.exported_at else None
        if plan.file_date is not None:
            start = dt.datetime.combine(plan.file_date, dt.time(), tzinfo=LONDON).astimezone(UTC)
            return when if when >= start else None
        row_date = plan.response_dates.get(response_id)
        if row_date is None:
            return None if self.previous_import is None else when
        return when if when.date() > row_date else None


def _field_changes(session: Session, organisation_id: int) -> dict[tuple[str, int, str], dt.datetime]:
    """When each field of the organisation's responses and actions was last changed, from their history."""
    latest: dict[tuple[str, int, str], dt.datetime] = {}
    query = select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.after, AuditEvent.occurred_at).where(
        AuditEvent.organisation_id == organisation_id,
        col(AuditEvent.entity_type).in_(["response", "action"]),
        AuditEvent.action == "update",
    )
    for entity, entity_id, after, occurred_at in session.exec(query):
        for name in after or {}:
            key = (entity, entity_id or 0, name)
            if key not in latest or latest[key] < occurred_at:
                latest[key] = occurred_at
    return latest


def _deleted_actions(session: Session, organisation_id: int) -> dict[int, tuple[int, dt.datetime]]:
    """The organisation's deleted actions: {action id: (its response's id, when it was deleted)}."""
    query = select(col(AuditEvent.entity_id), col(AuditEvent.response_id), col(AuditEvent.occurred_at)).where(
        col(AuditEvent.organisation_id) == organisation_id,
        col(AuditEvent.entity_type) == "action",
        col(AuditEvent.action) == "delete",
    )
    return {
        entity_id: (response_id, when)
        for entity_id, response_id, when in session.exec(query)
        if entity_id and response_id is not None
    }


_IMPORT_EVENTS = 50  # the recent imports read for a file's previous import and its remembered dates


def _imports(session: Session, organisation_id: int) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """The organisation's recent imports, newest first: when, and what was recorded about them."""
    query = (
        select(AuditEvent.occurred_at, col(AuditEvent.after))
        .where(AuditEvent.organisation_id == organisation_id, AuditEvent.entity_type == "plan_import")
        .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
        .limit(_IMPORT_EVENTS)
    )
    return [(when, after or {}) for when, after in session.exec(query)]


def previous_import(session: Session, organisation_id: int, file_name: str | None) -> dt.datetime | None:
    """When a file of this name was last imported for the organisation (None: never, or no name given)."""
    if not file_name:
        return None
    return next(
        (when for when, after in _imports(session, organisation_id) if after.get("file_name") == file_name), None
    )


def remembered_dates(session: Session, organisation_id: int) -> dict[str, str]:
    """The date last given for each dated column heading in the organisation's imports (27/03/2025), to offer
    them again: a round imported again gets the same date, not a new one."""
    dates: dict[str, str] = {}
    for _when, after in reversed(_imports(session, organisation_id)):
        for column, iso in (after.get("column_dates") or {}).items():
            dates[column] = dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    return dates
