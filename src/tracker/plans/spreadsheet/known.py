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
from tracker.plans.spreadsheet.results import NOT_IN_THE_PLAN, ChangedField, ImportPlan, PlannedChange
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.timeutil import LONDON, UTC
from tracker.web.i18n import N_, gettext


@dataclass
class Obligation:
    """A recommendation the organisation must answer, with its response."""

    response: Response
    recommendation: Recommendation


@dataclass
class Declared:
    """A recommendation the organisation declares it answers (its addressees are not known), planned by a row."""

    entry: Obligation
    row: int
    new: bool  # no response yet: ``entry.response`` is a placeholder with a negative id until the import writes it


class Declarations:
    """The recommendations of the import's sets whose addressees are not known, which a row may declare.

    A declaration takes in the recommendation's whole family (the recommendation and its sub-recommendations),
    as addressees would. A response the organisation had before (no longer required) is declared again; any other
    is a placeholder whose id is the recommendation's, negated, until ``apply_import`` writes it.
    """

    def __init__(self, session: Session, organisation_id: int, recommendations: list[Recommendation]) -> None:
        self.organisation_id = organisation_id
        open_ = [r for r in recommendations if not r.removed and not r.addressees_known]
        self.by_number: dict[str, list[Recommendation]] = defaultdict(list)
        self.family: dict[int, list[Recommendation]] = defaultdict(list)
        for rec in open_:
            self.by_number[canonical(rec.number)].append(rec)
            self.family[rec.parent_id or saved_id(rec)].append(rec)
        ids = [saved_id(r) for r in open_]
        self.responses: dict[int, Response] = {}  # the organisation's, by recommendation
        if ids:
            query = select(Response).where(
                Response.organisation_id == organisation_id, col(Response.recommendation_id).in_(ids)
            )
            self.responses = {r.recommendation_id: r for r in session.exec(query)}
        self.planned: dict[int, Declared] = {}  # by response id (negative: a placeholder)

    def candidates(self, number: str) -> list[Recommendation]:
        """The recommendations with this number a row may declare (more than one: the set must be chosen)."""
        return self.by_number.get(number, [])

    def declare(self, rec: Recommendation, row: int) -> list[Obligation]:
        """The obligations declaring ``rec`` plans: its family's, each with its response or a placeholder."""
        entries = []
        for member in self.family[rec.parent_id or saved_id(rec)]:
            response = self.responses.get(saved_id(member))
            if response is not None and response.required:
                continue  # declared before (a sub-recommendation added since is declared now): already known
            new = response is None
            if response is None:
                response = Response(
                    id=-saved_id(member), organisation_id=self.organisation_id, recommendation_id=saved_id(member)
                )
            entry = Obligation(response, member)
            self.planned[saved_id(response)] = Declared(entry, row, new)
            entries.append(entry)
        return entries

    def add_changes(self, plan: ImportPlan) -> None:
        """A change in the dry run for each recommendation the file's rows declare: the response the import
        creates (or a response no longer required that it makes required again), marked declared."""
        for response_id, declared in self.planned.items():
            rec, response = declared.entry.recommendation, declared.entry.response
            now = gettext(NOT_IN_THE_PLAN if declared.new else N_("In the plan, no longer required"))
            plan.changes.append(
                PlannedChange(
                    "declare",
                    declared.row,
                    rec.number,
                    response_id,
                    [ChangedField(gettext("Declared by your organisation"), now, gettext(DECLARED))],
                    {"recommendation_id": saved_id(rec)},
                    version=None if declared.new else response.version,
                )
            )


DECLARED = N_(
    "Answered, as declared by your organisation: who the report addresses this recommendation to is not yet "
    "known, so the import records that your organisation answers it"
)


class KnownPlan:
    """What plan_import knows about the organisation's plan, loaded in a fixed number of queries."""

    def __init__(
        self, session: Session, organisation_id: int, set_id: int | None = None, file_name: str | None = None
    ) -> None:
        self.by_number: dict[str, list[Obligation]] = defaultdict(list)
        self.by_response: dict[int, Obligation] = {}
        for response, recommendation, _rec_set in obligations_for(session, organisation_id, set_id=set_id):
            entry = Obligation(response, recommendation)
            self.by_number[canonical(recommendation.number)].append(entry)
            self.by_response[saved_id(response)] = entry
        sets = list(session.exec(select(RecommendationSet)))
        self.set_titles: dict[int, str] = {saved_id(s): s.short_title for s in sets}
        # by set: no update is dated before it (rules)
        self.published_on: dict[int, dt.date | None] = {saved_id(s): s.published_on for s in sets}
        query = select(Recommendation)
        if set_id is not None:
            query = query.where(Recommendation.set_id == set_id)
        recommendations = list(session.exec(query))
        self.known_numbers = {canonical(r.number) for r in recommendations}
        self.number_of = {saved_id(r): r.number for r in recommendations}
        self.parents = {r.parent_id for r in recommendations if r.parent_id is not None}
        self.declarations = Declarations(session, organisation_id, recommendations)
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
                self.action_by_id[saved_id(action)] = action
            for update in session.exec(select(ProgressUpdate).where(col(ProgressUpdate.response_id).in_(ids))):
                self.updates.add((update.response_id, update_key(update.text)))
        self.changed_at = _field_changes(session, organisation_id)
        self.deleted_actions = _deleted_actions(session, organisation_id)
        self.previous_import = previous_import(session, organisation_id, file_name)

    def declare(self, number: str, row: int) -> list[Obligation]:
        """The obligations for ``number`` if the organisation may declare it (its addressees are not known):
        planned, and known from now on to every later row; more than one if the number is in several sets."""
        candidates = self.declarations.candidates(number)
        if len(candidates) != 1:
            organisation_id = self.declarations.organisation_id
            return [
                Obligation(Response(organisation_id=organisation_id, recommendation_id=saved_id(r)), r)
                for r in candidates
            ]
        for entry in self.declarations.declare(candidates[0], row):
            response_id = saved_id(entry.response)
            self.by_number[canonical(entry.recommendation.number)].append(entry)
            self.by_response[response_id] = entry
            if entry.recommendation.parent_id is not None:
                self.children[entry.recommendation.parent_id].append(entry)
        return self.by_number[number]

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
