"""The national figures: one computation that the dashboard, the progress report and the exports all use.

Everything comes from a fixed number of queries whatever the number of organisations or records, and every
figure can be traced to the responses behind it (each cell keeps its response id).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from tracker.assessments.models import Assessment
from tracker.db import saved_id
from tracker.organisations.models import Organisation
from tracker.permissions import national_levels
from tracker.plans.models import PlanPublication, ProgressUpdate, Response
from tracker.plans.rules import is_finished, response_overdue
from tracker.plans.summaries import current, newest_public_updates_floor
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.vocabulary import AssessmentRating, OrganisationKind, PeriodStatus, ResponseStatus, Visibility

# How much each claim promises, and how much each rating grants, on one scale.
CLAIM_LEVEL = {
    ResponseStatus.NOT_STARTED: 0,
    ResponseStatus.BLOCKED: 1,
    ResponseStatus.IN_PROGRESS: 1,
    ResponseStatus.COMPLETE: 2,
}
RATING_LEVEL = {AssessmentRating.NOT_MET: 0, AssessmentRating.PARTIALLY_MET: 1, AssessmentRating.MET: 2}
STATUS_CODES = {
    ResponseStatus.NOT_STARTED: "N",
    ResponseStatus.IN_PROGRESS: "P",
    ResponseStatus.BLOCKED: "B",
    ResponseStatus.COMPLETE: "C",
    ResponseStatus.NOT_APPLICABLE: "X",
}


def rating_below_claim(status: ResponseStatus, rating: AssessmentRating | None) -> bool:
    """An inspector's rating grants less than the organisation claims (e.g. 'complete' but 'partially met')."""
    if rating is None or rating not in RATING_LEVEL or status not in CLAIM_LEVEL:
        return False
    return RATING_LEVEL[rating] < CLAIM_LEVEL[status]


@dataclass
class Cell:
    """One organisation's response to one recommendation, with what oversight needs to know about it."""

    response_id: int
    organisation_id: int
    recommendation_id: int
    status: ResponseStatus
    due: dt.date | None
    actions_overdue: int
    evidence_count: int
    last_update_on: dt.date | None
    rating: AssessmentRating | None

    @property
    def code(self) -> str:
        return STATUS_CODES[self.status]

    def overdue(self, today: dt.date) -> bool:
        """The response is overdue (``tracker.plans.rules``); its overdue actions are ``actions_overdue``."""
        return response_overdue(self.status, self.due, today)

    def past_deadline_not_started(self, today: dt.date) -> bool:
        return self.due is not None and self.due < today and self.status is ResponseStatus.NOT_STARTED

    @property
    def complete_without_evidence(self) -> bool:
        return self.status is ResponseStatus.COMPLETE and self.evidence_count == 0

    @property
    def rating_below_claim(self) -> bool:
        return rating_below_claim(self.status, self.rating)

    def stale(self, today: dt.date, days: int) -> bool:
        return not is_finished(self.status) and (
            self.last_update_on is None or (today - self.last_update_on).days > days
        )

    def needs_attention(self, today: dt.date, stale_days: int) -> bool:
        return (
            self.overdue(today)
            or self.complete_without_evidence
            or self.rating_below_claim
            or self.stale(today, stale_days)
        )


@dataclass(frozen=True)
class Headline:
    """The headline figures, each defined here once; every page, report and export shows these.

    What each counts (templates/partials/figures.html says the same on the pages):
    ``organisations``: organisations with at least one numbered recommendation addressed to them, or that declare
    they answer one whose addressees are not yet known (``Response.declared``): they must answer;
    ``published``: of those, the ones that have published their action plan at least once;
    ``responses``: one per organisation per numbered recommendation addressed to it (a sub-recommendation counts
    within its recommendation, never on its own); ``complete`` / ``blocked``: responses with that status;
    ``overdue``: open responses past their recommendation's deadline (``tracker.plans.rules``);
    ``no_recent_update``: open responses without a progress update in the last ``stale_days`` days (None where
    a surface cannot know it, e.g. a frozen period's report).
    """

    organisations: int
    published: int
    responses: int
    complete: int
    blocked: int
    overdue: int
    no_recent_update: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        return dataclasses.asdict(self)

    @classmethod
    def count(
        cls,
        rows: Iterable[tuple[int, ResponseStatus, bool]],
        published: Iterable[int] | int,
        no_recent_update: int | None = None,
    ) -> Headline:
        """From (organisation id, status, overdue) per response and the organisations that have published."""
        rows = list(rows)
        organisations = {org for org, _, _ in rows}
        statuses = Counter(status for _, status, _ in rows)
        return cls(
            organisations=len(organisations),
            published=published if isinstance(published, int) else len(set(published) & organisations),
            responses=len(rows),
            complete=statuses[ResponseStatus.COMPLETE],
            blocked=statuses[ResponseStatus.BLOCKED],
            overdue=sum(overdue for _, _, overdue in rows),
            no_recent_update=no_recent_update,
        )


class OrganisationRow(NamedTuple):
    """What the national pages show of an organisation: read as columns, not as a database object (the dashboard
    lists every organisation, and loading objects was a large share of its queries' time)."""

    id: int
    slug: str
    name: str
    kind: OrganisationKind
    region_code: str | None


@dataclass
class NationalState:
    """Every required response of the chosen sets, as cells of a matrix of organisations by recommendations."""

    today: dt.date
    stale_days: int
    organisations: list[OrganisationRow]
    recommendations: list[Recommendation]
    sets: dict[int, RecommendationSet]
    cells: dict[tuple[int, int], Cell]
    published: set[int]
    updates_last_30_days: int
    # Every recommendation read (sub-recommendations and those no organisation answers too), for the coverage.
    all_recommendations: list[Recommendation] = field(default_factory=list)

    def cell(self, organisation_id: int, recommendation_id: int) -> Cell | None:
        return self.cells.get((organisation_id, recommendation_id))

    def cells_for_recommendation(self, recommendation_id: int) -> list[Cell]:
        return [c for (_, rid), c in self.cells.items() if rid == recommendation_id]

    def cells_for_organisation(self, organisation_id: int) -> list[Cell]:
        return [c for (oid, _), c in self.cells.items() if oid == organisation_id]

    def status_counts(self, recommendation_id: int) -> Counter[ResponseStatus]:
        return Counter(self._status_counts.get(recommendation_id, Counter()))

    def status_rows(self) -> list[tuple[Recommendation, Counter[ResponseStatus]]]:
        """Each recommendation with its organisations' statuses counted (the dashboard's table, the status chart)."""
        return [(r, self.status_counts(saved_id(r))) for r in self.recommendations]

    @cached_property
    def _status_counts(self) -> dict[int, Counter[ResponseStatus]]:
        """Every recommendation's statuses, counted in one pass over the cells (the dashboard asks for each)."""
        counts: dict[int, Counter[ResponseStatus]] = {}
        for (_, rid), cell in self.cells.items():
            counts.setdefault(rid, Counter())[cell.status] += 1
        return counts

    def progress(self, organisation_id: int) -> float:
        """Share of an organisation's responses that are finished (complete or not applicable)."""
        cells = self.cells_for_organisation(organisation_id)
        return sum(is_finished(c.status) for c in cells) / len(cells) if cells else 0.0

    @property
    def overdue_count(self) -> int:
        return self.headline.overdue

    @cached_property
    def headline(self) -> Headline:
        return Headline.count(
            ((c.organisation_id, c.status, c.overdue(self.today)) for c in self.cells.values()),
            self.published,
            no_recent_update=sum(c.stale(self.today, self.stale_days) for c in self.cells.values()),
        )

    def agreement(self) -> Counter[str]:
        """How inspectorate ratings compare with the organisations' claims, nationally."""
        result: Counter[str] = Counter()
        for cell in self.cells.values():
            if cell.rating is None or cell.rating not in RATING_LEVEL or cell.status not in CLAIM_LEVEL:
                continue
            claim, rating = CLAIM_LEVEL[cell.status], RATING_LEVEL[cell.rating]
            result["agrees" if rating == claim else "below the claim" if rating < claim else "above the claim"] += 1
        return result

    def attention(self) -> dict[str, list[Cell]]:
        """The "needs attention" lists."""
        cells = sorted(self.cells.values(), key=lambda c: (c.organisation_id, c.recommendation_id))
        return {
            "overdue": [c for c in cells if c.overdue(self.today)],
            "past_deadline_not_started": [c for c in cells if c.past_deadline_not_started(self.today)],
            "complete_without_evidence": [c for c in cells if c.complete_without_evidence],
            "no_recent_update": [c for c in cells if c.stale(self.today, self.stale_days)],
            "rating_below_claim": [c for c in cells if c.rating_below_claim],
        }


def national_state(
    session: Session,
    *,
    set_id: int | None = None,
    today: dt.date | None = None,
    stale_days: int = 90,
    organisation_id: int | None = None,
    recommendation_id: int | None = None,
) -> NationalState:
    """Read every required response of the (chosen) recommendation sets, in a fixed number of queries.

    The matrix's columns are the numbered recommendations (a parent's status rolls up from its
    sub-recommendations), or only ``recommendation_id`` (its national page); its rows are the organisations that
    must answer at least one of them (or only ``organisation_id``, for that organisation's oversight page).
    """
    today = today or dt.date.today()
    rec_query = select(Recommendation)
    if set_id is not None:
        rec_query = rec_query.where(Recommendation.set_id == set_id)
    if recommendation_id is not None:
        rec_query = rec_query.where(
            (col(Recommendation.id) == recommendation_id) | (col(Recommendation.parent_id) == recommendation_id)
        )
    all_recs = list(session.exec(rec_query.order_by(col(Recommendation.set_id), col(Recommendation.position))))
    recommendations = [r for r in all_recs if r.parent_id is None]
    # A sub-recommendation's activity counts towards its parent's cell.
    top_of = {r.id: (r.parent_id or saved_id(r)) for r in all_recs}
    # One row per required response, with its figures (tracker.plans.summaries: kept in step with every write).
    summaries = current(
        session,
        today,
        set_id=set_id,
        organisation_id=organisation_id,
        recommendation_ids=None if recommendation_id is None else [saved_id(r) for r in all_recs],
    )
    cells = _cells(summaries, {r.id: r for r in recommendations}, _activity(summaries, top_of))
    org_ids = {oid for oid, _ in cells}
    organisations = [
        OrganisationRow(*row)
        for row in session.exec(
            select_columns(
                Organisation.id, Organisation.slug, Organisation.name, Organisation.kind, Organisation.region_code
            )
            .where(col(Organisation.id).in_(org_ids))
            .order_by(Organisation.kind, Organisation.name)
        )
    ]
    answered = {rid for _, rid in cells}
    return NationalState(
        today=today,
        stale_days=stale_days,
        organisations=organisations,
        recommendations=[r for r in recommendations if r.id in answered],
        sets={saved_id(s): s for s in session.exec(select(RecommendationSet))},
        cells=cells,
        published=set(session.exec(select(PlanPublication.organisation_id).distinct())) & org_ids,
        updates_last_30_days=sum(row.recent_updates for row in summaries),
        all_recommendations=all_recs,
    )


def _cells(
    summaries: list[Any], rec_by_id: dict[Any, Recommendation], activity: _Activity
) -> dict[tuple[int, int], Cell]:
    """One cell per organisation and numbered recommendation (a sub-recommendation has none of its own)."""
    cells: dict[tuple[int, int], Cell] = {}
    # Each recommendation's id and deadline read once, not once per response (a database object's attributes cost).
    deadlines = {rec_id: rec.deadline for rec_id, rec in rec_by_id.items()}
    for row in summaries:
        rec_id = row.recommendation_id
        if rec_id not in deadlines:
            continue  # a sub-recommendation: folded into its parent's cell by _activity
        key = (row.organisation_id, rec_id)
        cells[key] = Cell(
            response_id=row.response_id,
            organisation_id=row.organisation_id,
            recommendation_id=rec_id,
            status=row.status,
            due=deadlines[rec_id],
            actions_overdue=activity.overdue_actions[key],
            evidence_count=activity.evidence[key],
            last_update_on=activity.last_update.get(key),
            rating=activity.ratings.get(row.response_id),
        )
    return cells


@dataclass
class _Activity:
    """What happened under each cell (its response's and its sub-recommendations' responses'): overdue actions,
    evidence, the latest update; and each response's latest rating."""

    overdue_actions: Counter[tuple[int, int]] = field(default_factory=Counter)
    evidence: Counter[tuple[int, int]] = field(default_factory=Counter)
    last_update: dict[tuple[int, int], dt.date] = field(default_factory=dict)
    ratings: dict[int, AssessmentRating] = field(default_factory=dict)


def _activity(summaries: list[Any], top_of: dict[Any, int]) -> _Activity:
    """Fold each response's summary into its cell. Every national reader sees the same figures: the summaries
    count only items all of them may see (never internal ones)."""
    found = _Activity()
    overdue, evidence, last_update = found.overdue_actions, found.evidence, found.last_update
    for row in summaries:
        key = (row.organisation_id, top_of[row.recommendation_id])
        overdue[key] = overdue.get(key, 0) + row.overdue_actions
        evidence[key] = evidence.get(key, 0) + row.evidence
        if row.last_update_on is not None:
            last_update[key] = max(row.last_update_on, last_update.get(key, row.last_update_on))
        if row.rating is not None:
            found.ratings[row.response_id] = AssessmentRating(row.rating)
    return found


def select_columns(*columns: Any) -> Select[*tuple[Any, ...]]:
    """A SELECT of any number of columns: sqlmodel's ``select`` is typed for at most four."""
    return Select(*columns)


def first_of_each(session: Session, columns: Sequence[Any], *where: Any, order_by: Sequence[Any]) -> list[Any]:
    """The first row of each group of ``columns``, grouped by the first column (e.g. each response's latest
    rating), in one query: a window function ranks each group's rows by ``order_by``."""
    rank = func.row_number().over(partition_by=columns[0], order_by=order_by).label("rank")
    ranked = select_columns(*columns, rank).where(*where).subquery()
    return list(session.exec(select_columns(*list(ranked.c)[: len(columns)]).where(ranked.c.rank == 1)))


def latest_ratings(session: Session, response_ids: Any) -> dict[int, tuple[AssessmentRating, dt.datetime]]:
    """The current (latest) inspectorate rating of each response that has one, and when it was given, for the
    responses ``response_ids`` (a list, or a subquery of them)."""
    rows = first_of_each(
        session,
        [Assessment.response_id, Assessment.rating, Assessment.created_at],
        col(Assessment.response_id).in_(response_ids),
        order_by=(col(Assessment.created_at).desc(), col(Assessment.id).desc()),
    )
    return {rid: (AssessmentRating(rating), created) for rid, rating, created in rows}


def latest_update_of_each(session: Session, *where: Any) -> dict[int, tuple[dt.date, str]]:
    """Each response's latest progress update read by every national reader (never an internal one), as
    (date, text), among the updates that match ``where``."""
    rows = first_of_each(
        session,
        [ProgressUpdate.response_id, ProgressUpdate.update_on, ProgressUpdate.text],
        col(ProgressUpdate.visibility).in_(national_levels()),
        *where,
        order_by=(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc()),
    )
    return {rid: (day, text) for rid, day, text in rows}


def organisation_kinds(state: NationalState) -> list[OrganisationKind]:
    return sorted({o.kind for o in state.organisations}, key=list(OrganisationKind).index)


def latest_updates(
    session: Session, recommendation_id: int, *, limit: int = 10
) -> list[tuple[ProgressUpdate, Organisation]]:
    """The newest public progress updates on a recommendation (and its sub-recommendations) across organisations.

    Oversight pages see internal updates' existence only through the plan pages; here only updates marked public
    are listed (internal ones stay in-house). Read without sorting every update the recommendation ever had: only
    the updates on or after the day the summaries give (``newest_public_updates_floor``), through the index on
    each response's updates by date.
    """
    recs = select(Recommendation.id).where(
        (Recommendation.id == recommendation_id) | (Recommendation.parent_id == recommendation_id)
    )
    responses = select(Response.id).where(col(Response.recommendation_id).in_(recs))
    candidates, floor = newest_public_updates_floor(session, responses, limit)
    if not candidates:
        return []
    query = (
        select(ProgressUpdate, Organisation)
        .join(Response, col(Response.id) == ProgressUpdate.response_id)
        .join(Organisation, col(Organisation.id) == Response.organisation_id)
        .where(col(ProgressUpdate.response_id).in_(candidates), ProgressUpdate.visibility == Visibility.PUBLIC)
        .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc())
        .limit(limit)
    )
    if floor is not None:
        query = query.where(col(ProgressUpdate.update_on) >= floor)
    return [tuple(row) for row in session.exec(query)]  # type: ignore[misc]


def period_progress(session: Session) -> list[tuple[ReportingPeriod, Counter[ResponseStatus]]]:
    """For each frozen reporting period, oldest first: the numbered recommendations' responses by status (each
    period's ``label`` says when its statuses are not as at its cut-off)."""
    numbered = select(Recommendation.id).where(col(Recommendation.parent_id).is_(None))
    rows = session.exec(
        select(col(Snapshot.period_id), col(Snapshot.status), func.count())
        .where(col(Snapshot.recommendation_id).in_(numbered))
        .group_by(col(Snapshot.period_id), col(Snapshot.status))
    )
    counts: dict[int, Counter[ResponseStatus]] = {}
    for period_id, status, n in rows:
        counts.setdefault(period_id, Counter())[ResponseStatus(status)] += n
    frozen = session.exec(
        select(ReportingPeriod)
        .where(ReportingPeriod.status == PeriodStatus.FROZEN, col(ReportingPeriod.id).in_(counts))
        .order_by(col(ReportingPeriod.cut_off))
    )
    return [(period, counts[saved_id(period)]) for period in frozen]


def declared_count(session: Session, set_id: int | None = None) -> int:
    """How many of the responses counted (required, to a numbered recommendation) rest on the organisation's own
    declaration, not on known addressees: the figures count them, and say so (``Response.declared``)."""
    query = (
        select(func.count())
        .select_from(Response)
        .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
        .where(
            col(Response.declared).is_(True), col(Response.required).is_(True), col(Recommendation.parent_id).is_(None)
        )
    )
    if set_id is not None:
        query = query.where(Recommendation.set_id == set_id)
    return session.exec(query).one()


def declared_response_ids(session: Session, response_ids: list[int]) -> set[int]:
    """Which of these responses rest on their organisations' own declarations (``Response.declared``), for the
    pages that list responses to label them."""
    if not response_ids:
        return set()
    query = select(Response.id).where(col(Response.id).in_(response_ids), col(Response.declared).is_(True))
    return {rid for rid in session.exec(query) if rid is not None}
