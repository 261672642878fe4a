"""The wording and addressee a plan quotes for each recommendation ("Recommendation", "Rec. Owner" columns), kept
as candidates for an admin to check (``tracker.recommendations.candidates``), never applied by themselves.

The dry run lists the new ones (a quote the organisation already gave, or the wording the recommendation holds,
is no news); ``write_candidates`` records them in the import's transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from tracker.accounts.models import User
from tracker.db import saved_id
from tracker.plans.spreadsheet.known import Obligation
from tracker.plans.spreadsheet.results import ImportPlan, ImportResult, PlannedCandidate
from tracker.plans.spreadsheet.rows import Row
from tracker.recommendations.candidates import ADDRESSEES, TEXT, candidate_key, shown
from tracker.recommendations.models import Recommendation, RecommendationCandidate

MAX_QUOTE = 10_000  # a recommendation's wording (tracker.recommendations.editing.MAX_TEXT)
MAX_ADDRESSEE = 500


class QuotedCandidates:
    """The candidates of one dry run: what the organisation quoted before, and what its rows quote now."""

    def __init__(self, session: Session, plan: ImportPlan) -> None:
        self.session, self.plan = session, plan
        # An export of the plan carries the tracker's own summaries, not a quote of the report.
        self.active = bool({"recommendation_text", "addressee"} & set(plan.mapping.fields.values())) and (
            plan.mapping.column_for("exported_at") is None
        )
        self.seen: set[tuple[int, str, str]] = set()
        if self.active:
            query = select(
                RecommendationCandidate.recommendation_id, RecommendationCandidate.kind, RecommendationCandidate.key
            ).where(RecommendationCandidate.organisation_id == plan.organisation_id)
            self.seen = set(session.exec(query))

    def note(self, row: Row, entry: Obligation) -> None:
        """Keep what ``row`` quotes for its recommendation (the addressee, and the wording beside a
        sub-recommendation column, are its numbered recommendation's)."""
        if not self.active:
            return
        rec = entry.recommendation
        top = self.session.get(Recommendation, rec.parent_id) if rec.parent_id else rec
        assert top is not None
        by_sub = self.plan.mapping.column_for("sub_recommendation") is not None
        for name, kind, target, limit in (
            ("recommendation_text", TEXT, top if by_sub else rec, MAX_QUOTE),
            ("addressee", ADDRESSEES, top, MAX_ADDRESSEE),
        ):
            text = row.text(name, limit) if row.get(name) else None  # cleaned and checked as imports are
            if not text or not shown(text):
                continue
            key = candidate_key(text)
            if kind == TEXT and target.text and candidate_key(target.text) == key:
                continue  # the wording it holds already
            if (saved_id(target), kind, key) in self.seen:
                continue
            self.seen.add((saved_id(target), kind, key))
            self.plan.candidates.append(
                PlannedCandidate(row.number, target.number, saved_id(target), kind, shown(text), key)
            )


def write_candidates(session: Session, plan: ImportPlan, user: User, result: ImportResult) -> None:
    """Record the dry run's new candidates (one already there meanwhile is not recorded twice)."""
    if not plan.candidates:
        return
    query = select(
        RecommendationCandidate.recommendation_id, RecommendationCandidate.kind, RecommendationCandidate.key
    ).where(RecommendationCandidate.organisation_id == plan.organisation_id)
    there = set(session.exec(query))
    today = dt.date.today()
    for candidate in plan.candidates:
        if (candidate.recommendation_id, candidate.kind, candidate.key) in there:
            continue
        session.add(
            RecommendationCandidate(
                recommendation_id=candidate.recommendation_id,
                organisation_id=plan.organisation_id,
                kind=candidate.kind,
                text=candidate.text,
                key=candidate.key,
                file_name=(plan.file_name or "")[:255] or None,
                imported_on=today,
                imported_by_id=user.id,
            )
        )
        there.add((candidate.recommendation_id, candidate.kind, candidate.key))
        result.candidates_kept += 1
    session.flush()
