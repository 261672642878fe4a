"""What may be featured as an example under a recommendation, and whether a chosen one is still public.

An example is one of:
- a progress update an organisation made public (visibility *public*, and in the latest publication of its
  plan: an update marked public but not yet published is not public yet) dated within
  the period's update window (``tracker.reports.services.update_window``: from the day after the previous frozen
  period's cut-off to this one's) on the recommendation or one of its sub-recommendations;
- promising practice approved for the public library and linked to the recommendation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from tracker.db import not_none
from tracker.organisations.models import Organisation
from tracker.plans.models import PlanPublication, ProgressUpdate, Response
from tracker.plans.publication import latest_publications
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.recommendations.models import Recommendation
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative.models import ReportExample
from tracker.reports.services import update_window
from tracker.timeutil import uk_date
from tracker.vocabulary import PracticeStatus, Visibility
from tracker.web.i18n import gettext

_ = gettext

UPDATE, PRACTICE = "update", "practice"
PER_RECOMMENDATION = 25  # the newest updates offered under each recommendation


@dataclass(frozen=True)
class Candidate:
    """Something an analyst may feature under ``recommendation_id``."""

    recommendation_id: int
    source_kind: str
    source_id: int
    organisation_id: int | None
    organisation_name: str
    source_on: dt.date | None
    title: str | None
    text: str

    @property
    def choice(self) -> str:
        """The value of its option in the form: the recommendation, the kind of source and its id."""
        return f"{self.recommendation_id}:{self.source_kind}:{self.source_id}"

    def describe(self, limit: int = 110) -> str:
        words = self.title or self.text
        words = words if len(words) <= limit else words[: limit - 1].rstrip() + "\u2026"
        when = f", {uk_date(self.source_on)}" if self.source_on else ""
        kind = _("practice") if self.source_kind == PRACTICE else _("update")
        return f"{self.organisation_name} ({kind}{when}): {words}"


def _top_of(session: Session, recommendations: Iterable[Recommendation]) -> dict[int, int]:
    """Each numbered recommendation's id and its sub-recommendations', mapped to the numbered one's."""
    numbered = {not_none(r.id) for r in recommendations if r.parent_id is None}
    subs = session.exec(
        select(Recommendation.id, Recommendation.parent_id).where(col(Recommendation.parent_id).in_(numbered))
    )
    return {rec_id: rec_id for rec_id in numbered} | {not_none(sub): not_none(parent) for sub, parent in subs}


def candidates(
    session: Session, period: ReportingPeriod, recommendations: list[Recommendation], *, stale_days: int = 90
) -> dict[int, list[Candidate]]:
    """What may be featured under each numbered recommendation: the newest public updates of the period, then the
    approved practice. Three queries whatever the number of recommendations."""
    window = update_window(session, period, stale_days)
    top_of = _top_of(session, recommendations)
    published = select(PlanPublication.organisation_id)  # narrows the query; the publications' content decides
    found: dict[int, list[Candidate]] = {rec_id: [] for rec_id in set(top_of.values())}
    updates = session.exec(
        select(ProgressUpdate, Response.recommendation_id, Organisation)
        .join(Response, col(Response.id) == ProgressUpdate.response_id)
        .join(Organisation, col(Organisation.id) == Response.organisation_id)
        .where(
            col(Response.recommendation_id).in_(list(top_of)),
            ProgressUpdate.visibility == Visibility.PUBLIC,
            col(ProgressUpdate.update_on) >= window.first_day,
            col(ProgressUpdate.update_on) <= window.last_day,
            col(Response.organisation_id).in_(published),
        )
        .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc())
    )
    rows = list(updates)
    published_now = published_updates(session, {not_none(organisation.id) for _, _, organisation in rows})
    for update, rec_id, organisation in rows:
        listed = found[top_of[rec_id]]
        if len(listed) < PER_RECOMMENDATION and _key(rec_id, update) in published_now.get(
            not_none(organisation.id), set()
        ):
            listed.append(_of_update(top_of[rec_id], update, organisation))
    practices = session.exec(
        select(Practice, PracticeRecommendation.recommendation_id, Organisation)
        .join(PracticeRecommendation, col(PracticeRecommendation.practice_id) == Practice.id)
        .outerjoin(Organisation, col(Organisation.id) == Practice.organisation_id)
        .where(
            col(PracticeRecommendation.recommendation_id).in_(list(found)),
            Practice.status == PracticeStatus.APPROVED,
            col(Practice.reviewed_at) <= period.fixed_at,  # approved by the freeze: what the period could know
        )
        .order_by(Practice.title)
    )
    for practice, rec_id, organisation in practices:
        found[rec_id].append(_of_practice(rec_id, practice, organisation))
    return found


def _key(recommendation_id: int, update: ProgressUpdate) -> tuple[int, str, str]:
    return (recommendation_id, update.update_on.isoformat(), update.text)


def published_updates(session: Session, organisation_ids: set[int]) -> dict[int, set[tuple[int, str, str]]]:
    """The updates each organisation's latest publication holds, as (recommendation id, date, text)."""
    found: dict[int, set[tuple[int, str, str]]] = {}
    for org_id, publication in latest_publications(session, organisation_ids).items():
        found[org_id] = {
            (response.get("recommendation_id"), item.get("date"), item.get("text"))
            for response in publication.content.get("responses", [])
            for item in response.get("updates", [])
        }
    return found


def _of_update(rec_id: int, update: ProgressUpdate, organisation: Organisation) -> Candidate:
    return Candidate(
        rec_id, UPDATE, not_none(update.id), organisation.id, organisation.name, update.update_on, None, update.text
    )


def _of_practice(rec_id: int, practice: Practice, organisation: Organisation | None) -> Candidate:
    name = organisation.name if organisation else "Promising practice library"  # a short name, not the note
    text = practice.summary or practice.what_was_done or ""
    return Candidate(
        rec_id, PRACTICE, not_none(practice.id), practice.organisation_id, name, None, practice.title, text
    )


def _update_still_published(session: Session, example: ReportExample) -> bool:
    """Does the organisation's latest publication still hold the words chosen (its date and text, on its
    recommendation)? Judged by what the public sees, not by live edits: an edit not yet republished changes
    nothing, and one republished (or a withdrawal) means the chosen words are no longer what the organisation says.
    An update made internal is taken as withdrawn at once."""
    row = session.exec(
        select(ProgressUpdate.visibility, Response.recommendation_id, Response.organisation_id)
        .join(Response, col(Response.id) == ProgressUpdate.response_id)
        .where(ProgressUpdate.id == example.source_id)
    ).first()
    if row is None or row[0] != Visibility.PUBLIC or example.source_on is None:
        return False
    _, rec_id, org_id = row
    published = published_updates(session, {org_id}).get(org_id, set())
    return (rec_id, example.source_on.isoformat(), example.text) in published


def source_now(session: Session, example: ReportExample) -> Candidate | None:
    """The example's source as the public may see it now (for an update: the words chosen, still in the
    organisation's latest publication; for practice: still approved), else None."""
    if example.source_kind == UPDATE:
        if not _update_still_published(session, example):
            return None
        return Candidate(
            example.recommendation_id,
            UPDATE,
            example.source_id,
            example.organisation_id,
            example.organisation_name,
            example.source_on,
            None,
            example.text,
        )
    practice = session.get(Practice, example.source_id)
    if practice is None or practice.status is not PracticeStatus.APPROVED:
        return None
    owner = session.get(Organisation, practice.organisation_id) if practice.organisation_id else None
    return _of_practice(example.recommendation_id, practice, owner)


def no_longer_public(session: Session, examples: list[ReportExample]) -> list[ReportExample]:
    """The chosen examples whose words the public no longer sees: an update changed and republished, made
    internal or taken out of the organisation's published plan; practice withdrawn from the library; or deleted."""
    return [example for example in examples if source_now(session, example) is None]
