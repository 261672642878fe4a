"""One organisation seen by national oversight: every response with its flags, ratings and publication state.

Built on the workspace rows (the same counts the organisation sees) plus the inspectorate's latest rating of
each response and a comparison of the plan as it stands with what was last published. A fixed number of
queries whatever the size of the plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from tracker.db import saved_id
from tracker.organisations.models import Organisation
from tracker.permissions import national_levels
from tracker.plans.models import PlanPublication
from tracker.plans.publication import latest_publication, public_plan
from tracker.plans.rules import is_finished
from tracker.plans.workspace import WorkspaceRow, workspace_rows
from tracker.reports.figures import Cell, latest_ratings, national_state, rating_below_claim
from tracker.vocabulary import AssessmentRating, ResponseStatus

FLAGS = ("overdue", "complete_without_evidence", "stale", "rating_below_claim")


@dataclass
class OversightRow:
    """One response as oversight sees it."""

    row: WorkspaceRow
    rating: AssessmentRating | None
    rated_at: dt.datetime | None
    public_evidence_count: int
    unpublished_changes: bool
    stale: bool
    stale_days: int
    # A numbered recommendation's cell of the national matrix: its flags are the dashboard's (sub-recommendations
    # folded in), so the page and the dashboard agree; a sub-recommendation has none and keeps its own.
    cell: Cell | None = None
    today: dt.date = dt.date.min

    @property
    def status(self) -> ResponseStatus:
        return self.row.response.status

    @property
    def rating_below_claim(self) -> bool:
        return rating_below_claim(self.status, self.rating)

    @property
    def flags(self) -> list[str]:
        """The reasons this response needs attention, in a fixed order (the words the page shows)."""
        if self.cell is not None:
            cell, today, days = self.cell, self.today, self.stale_days
            marks = (
                cell.overdue(today),
                cell.complete_without_evidence,
                cell.stale(today, days),
                cell.rating_below_claim,
            )
            return [flag for flag, marked in zip(FLAGS, marks, strict=True) if marked]
        found = []
        if self.row.overdue:
            found.append("overdue")
        if self.row.complete_without_evidence:
            found.append("complete_without_evidence")
        if self.stale:
            found.append("stale")
        if self.rating_below_claim:
            found.append("rating_below_claim")
        return found


@dataclass
class OrganisationOversight:
    organisation: Organisation
    rows: list[OversightRow]
    publication: PlanPublication | None
    stale_days: int
    today: dt.date

    @property
    def unpublished_changes(self) -> bool:
        return self.publication is None or any(r.unpublished_changes for r in self.rows)

    @property
    def numbered(self) -> list[OversightRow]:
        """The responses the headline figures count (``figures.Headline``): one per numbered recommendation, a
        sub-recommendation counting within its recommendation. The summary counts these; the table lists all."""
        return [r for r in self.rows if r.row.recommendation.parent_id is None]

    def flag_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(FLAGS, 0)
        for row in self.numbered:
            for flag in row.flags:
                counts[flag] += 1
        return counts

    def status_counts(self) -> dict[ResponseStatus, int]:
        counts = dict.fromkeys(ResponseStatus, 0)
        for row in self.numbered:
            counts[row.status] += 1
        return counts


def organisation_oversight(
    session: Session, organisation: Organisation, *, stale_days: int = 90, today: dt.date | None = None
) -> OrganisationOversight:
    """Every response the organisation must give, with what oversight needs to know about each."""
    today = today or dt.date.today()
    rows = workspace_rows(session, saved_id(organisation), levels=national_levels())  # read by every national reader
    ratings = latest_ratings(session, [saved_id(r.response) for r in rows])
    publication = latest_publication(session, saved_id(organisation))
    current: dict[int, dict[str, Any]] = {
        entry["recommendation_id"]: entry for entry in public_plan(session, organisation)["responses"]
    }
    published: dict[int, dict[str, Any]] = (
        {entry.get("recommendation_id"): entry for entry in publication.content.get("responses", [])}
        if publication is not None
        else {}
    )
    cells = {
        c.recommendation_id: c
        for c in national_state(
            session, today=today, stale_days=stale_days, organisation_id=saved_id(organisation)
        ).cells.values()
    }
    result = []
    for row in rows:
        rating, rated_at = ratings.get(saved_id(row.response), (None, None))
        now = current.get(saved_id(row.recommendation), {})
        stale = not is_finished(row.response.status) and (
            row.last_update_on is None or (today - row.last_update_on).days > stale_days
        )
        result.append(
            OversightRow(
                row=row,
                rating=rating,
                rated_at=rated_at,
                public_evidence_count=len(now.get("evidence", [])),
                unpublished_changes=published.get(saved_id(row.recommendation)) != now,
                stale=stale,
                stale_days=stale_days,
                cell=cells.get(saved_id(row.recommendation)),
                today=today,
            )
        )
    return OrganisationOversight(
        organisation=organisation, rows=result, publication=publication, stale_days=stale_days, today=today
    )
