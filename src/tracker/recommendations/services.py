"""Queries about recommendation sets and their recommendations."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.exceptions import NotFoundException
from sqlmodel import Session, col, select

from tracker.organisations.services import addressee_names
from tracker.recommendations.coverage import Coverage, coverage, is_known
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import Provenance
from tracker.web.i18n import N_


@dataclass
class RecommendationView:
    """A recommendation with its sub-recommendations and readable addressees."""

    recommendation: Recommendation
    addressees: list[str]
    theme: str | None
    sub_recommendations: list[RecommendationView] = field(default_factory=list)


@dataclass
class SetView:
    recommendation_set: RecommendationSet
    recommendations: list[RecommendationView]

    @property
    def total(self) -> int:
        return len(self.recommendations)

    def count(self, provenance: Provenance) -> int:
        return sum(1 for r in self.recommendations if r.recommendation.provenance is provenance)

    def wording_count(self, source: str | None) -> int:
        """How many of its recommendations' texts are of that source (``Recommendation.wording_source``: "report",
        "quoted", "summary", or None for no text yet)."""
        return sum(1 for r in self.recommendations if r.recommendation.wording_source == source)

    @property
    def known(self) -> list[RecommendationView]:
        """The recommendations whose details are loaded (``tracker.recommendations.coverage.is_known``)."""
        return [r for r in self.recommendations if is_known(r.recommendation)]

    @property
    def coverage(self) -> Coverage:
        return coverage(
            (r.recommendation for r in self.recommendations), self.recommendation_set.expected_recommendations
        )


UNKNOWN_SET = N_("There is no recommendation set with that name.")


def set_named(session: Session, slug: str | None) -> RecommendationSet | None:
    """The set a page's ``?set=`` names (None when none is named): one rule for every page taking ``?set=``, so an
    unknown name is a 404 saying so rather than quietly showing every set."""
    if not slug:
        return None
    found = session.exec(select(RecommendationSet).where(RecommendationSet.slug == slug)).first()
    if found is None:
        raise NotFoundException(UNKNOWN_SET)
    return found


def list_sets(session: Session) -> list[RecommendationSet]:
    return list(session.exec(select(RecommendationSet).order_by(col(RecommendationSet.published_on).desc())))


def set_views(session: Session) -> list[SetView]:
    """Every set with its recommendations in report order, in a fixed number of queries."""
    sets = list_sets(session)
    names = addressee_names(session)
    by_set: dict[int, list[Recommendation]] = {s.id: [] for s in sets if s.id is not None}
    for rec in session.exec(
        select(Recommendation)
        .where(col(Recommendation.removed_at).is_(None))
        .order_by(col(Recommendation.set_id), col(Recommendation.position))
    ):
        by_set.setdefault(rec.set_id, []).append(rec)
    views = []
    for rec_set in sets:
        top: list[RecommendationView] = []
        index: dict[int, RecommendationView] = {}
        for rec in by_set.get(rec_set.id or 0, []):
            view = RecommendationView(
                recommendation=rec,
                addressees=[names.get(code, code) for code in rec.addressees],
                theme=rec_set.theme_name(rec.theme),
            )
            if rec.parent_id is None:
                top.append(view)
                index[rec.id or 0] = view
            elif rec.parent_id in index:
                index[rec.parent_id].sub_recommendations.append(view)
        views.append(SetView(rec_set, top))
    return views
