"""What a dry run finds (``ImportPlan``: changes, row and column errors, conflicts) and what an import did
(``ImportResult``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from tracker.plans.spreadsheet.mapping import Mapping
from tracker.vocabulary import Visibility
from tracker.web.i18n import N_, gettext


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return gettext("Row %(row)s: %(problem)s", row=self.row, problem=self.message)


@dataclass(frozen=True)
class MappingError:
    """A problem with the choice of columns rather than with a row; ``column`` is the one concerned."""

    message: str
    column: str | None = None
    about: str = "column"  # "column" (its field) or "date" (the date of its updates)

    def __str__(self) -> str:
        return self.message


NOT_IN_THE_PLAN = N_("Not in the plan")  # what an added action or update is "now", in the dry run's table


@dataclass(frozen=True)
class ChangedField:
    """One line of the dry run's table: what changes, as it is now and as it will be after the import."""

    what: str
    now: str
    after: str


@dataclass
class PlannedChange:
    """One thing the import would do, in words (``fields``: now and after) and in values (for ``apply_import``)."""

    kind: str  # declare, new_action, change_action, change_response, new_update, roll_up
    row: int | None
    number: str
    response_id: int
    fields: list[ChangedField]
    values: dict[str, Any] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    action_id: int | None = None
    version: int | None = None
    parent_recommendation_id: int | None = None


@dataclass(frozen=True)
class PlannedCandidate:
    """A wording or addressee a row quotes for a recommendation, kept as a candidate (never applied by itself)."""

    row: int
    number: str
    recommendation_id: int
    kind: str  # text or addressees (tracker.recommendations.candidates)
    text: str
    key: str


@dataclass
class ImportPlan:
    """The dry run: what an import would do, and everything that stops it."""

    organisation_id: int
    mapping: Mapping
    changes: list[PlannedChange] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    mapping_errors: list[MappingError] = field(default_factory=list)
    rows_read: int = 0
    dates: dict[str, dt.date] = field(default_factory=dict)  # the date used for each dated column
    conflicts: list[Conflict] = field(default_factory=list)
    file_name: str | None = None
    visibility: Visibility = Visibility.PUBLIC  # of imported updates, unless a column gives theirs
    use_file: Collection[str] = ()  # keys of the conflicts where the person chose the file's value
    response_dates: dict[int, dt.date] = field(default_factory=dict)  # latest update date in the file, by response
    file_date: dt.date | None = None  # when the file says it was saved or exported
    exported_at: dt.datetime | None = None  # the earliest "Exported at" in the file (UTC), to the second
    candidates: list[PlannedCandidate] = field(default_factory=list)  # new ones only: a known quote is no news

    @property
    def total(self) -> int:
        """How many changes the import would make: the one count the dry run and the import's banner show (the
        candidates it keeps included: they are written, though never applied to a recommendation)."""
        return len(self.changes) + len(self.candidates)

    @property
    def writes(self) -> bool:
        """Whether importing would write anything."""
        return bool(self.changes or self.candidates)

    def candidate_count(self, kind: str) -> int:
        return sum(1 for c in self.candidates if c.kind == kind)

    @property
    def errors(self) -> list[str]:
        return [str(e) for e in self.mapping_errors] + [str(e) for e in self.row_errors]

    @property
    def ok(self) -> bool:
        return not self.mapping_errors and not self.row_errors

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def by_recommendation(self) -> list[tuple[str, list[PlannedChange]]]:
        """The changes grouped by recommendation, in the order each first appears (the dry run's tables)."""
        groups: dict[str, list[PlannedChange]] = {}
        for change in self.changes:
            groups.setdefault(change.number, []).append(change)
        return list(groups.items())

    @property
    def rows_unchanged(self) -> int:
        busy = {c.row for c in self.changes} | {e.row for e in self.row_errors}
        return max(self.rows_read - len(busy - {None}), 0)

    def error(self, row: int, message: str) -> None:
        self.row_errors.append(RowError(row, message))


@dataclass(frozen=True)
class Conflict:
    """A field the file would change that the tracker changed after the row was written (or last imported)."""

    key: str  # "response-12-status", "action-5-target_date": the form field is "conflict-" + key
    row: int
    number: str
    what: str
    file_value: str
    tracker_value: str
    changed_at: dt.datetime
    use_file: bool


@dataclass
class ImportResult:
    responses_declared: int = 0  # answered on the organisation's declaration (the addressees are not known)
    actions_added: int = 0
    actions_changed: int = 0
    responses_changed: int = 0
    updates_added: int = 0
    statuses_rolled_up: int = 0
    candidates_kept: int = 0  # wordings and addressees quoted, kept for an admin to check
    already_there: int = 0  # added by someone else between the dry run and the import

    @property
    def total(self) -> int:
        """Every change made, counted as ``ImportPlan.total`` counts them (roll-ups included)."""
        return (
            self.responses_declared
            + self.actions_added
            + self.actions_changed
            + self.responses_changed
            + self.updates_added
            + self.statuses_rolled_up
            + self.candidates_kept
        )

    def summary(self) -> str:
        parts = [
            _plural(self.responses_declared, "response declared", "responses declared"),
            _plural(self.actions_added, "action added", "actions added"),
            _plural(self.actions_changed, "action changed", "actions changed"),
            _plural(self.responses_changed, "response changed", "responses changed"),
            _plural(self.statuses_rolled_up, "status rolled up", "statuses rolled up"),
            _plural(self.updates_added, "update added", "updates added"),
            _plural(self.candidates_kept, "quoted wording or addressee kept", "quoted wordings or addressees kept"),
        ]
        return ", ".join(p for p in parts if p) or "nothing changed"


def _plural(n: int, one: str, many: str) -> str:
    return "" if n == 0 else f"{n} {one if n == 1 else many}"
