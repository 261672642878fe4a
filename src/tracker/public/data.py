"""What the public site shows, read ONLY from published plans (the latest ``PlanPublication.content`` of each
organisation, as built by ``tracker.plans.publication.public_plan``, and the statuses and summaries copied from it
into ``PublishedResponse`` at the same time, which the national pages count and list).

Recommendations, addressees and organisations are public reference data; everything an organisation says about
its own work comes from its latest publication and nowhere else, so drafts, internal items, comments and people
never reach these pages. Beside a published response stands the inspectorate's latest rating of it that an
inspector released for publication (``tracker.assessments.services.released_ratings``: the rating, the
inspectorate and the date, never the rationale or the inspector); unreleased ratings never appear. Every
function issues a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.assessments.services import PublicRating, released_ratings
from tracker.db import saved_id
from tracker.organisations.models import Organisation, Region
from tracker.organisations.services import addressee_names
from tracker.plans.declarations import adopted_from
from tracker.plans.models import PlanPublication
from tracker.plans.publication import latest_publications, public_answers, public_must_answer_ids
from tracker.practice.models import Practice
from tracker.practice.services import practice_for
from tracker.recommendations.coverage import is_known
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.recommendations.services import SetView, set_views
from tracker.vocabulary import OrganisationKind, ResponseStatus

# The order statuses are shown in, most finished first.
STATUS_ORDER = [
    ResponseStatus.COMPLETE,
    ResponseStatus.IN_PROGRESS,
    ResponseStatus.BLOCKED,
    ResponseStatus.NOT_STARTED,
    ResponseStatus.NOT_APPLICABLE,
]
# Organisations with a public page of their own: those that answer recommendations, and every force, policing
# body and national body (so a page says plainly when one has published nothing). Inspectorates have one only if
# a recommendation is addressed to them. Only organisations that must answer are listed as having action plans.
PUBLIC_KINDS = [OrganisationKind.FORCE, OrganisationKind.POLICING_BODY, OrganisationKind.NATIONAL_BODY]


def status_of(value: Any) -> ResponseStatus | None:
    try:
        return ResponseStatus(value)
    except ValueError:
        return None


@dataclass
class PublishedPlan:
    """An organisation and what it has published (``publication`` is None when it never published)."""

    organisation: Organisation
    publication: PlanPublication | None
    first_published_at: dt.datetime | None = None

    @property
    def responses(self) -> list[dict[str, Any]]:
        return list(self.publication.content.get("responses", [])) if self.publication else []


def first_publications(session: Session) -> dict[int, dt.datetime]:
    """When each organisation first published its plan."""
    query = select(PlanPublication.organisation_id, func.min(PlanPublication.published_at)).group_by(
        col(PlanPublication.organisation_id)
    )
    return {org_id: when for org_id, when in session.exec(query)}


def published_plans(
    session: Session, organisations: list[Organisation], *, with_content: bool = True
) -> list[PublishedPlan]:
    """Each organisation with its latest publication (if any), in two queries whatever their number."""
    ids = [o.id for o in organisations if o.id is not None]
    latest = latest_publications(session, ids, with_content=with_content)
    first = first_publications(session) if latest else {}
    return [PublishedPlan(o, latest.get(o.id or 0), first.get(o.id or 0)) for o in organisations]


def _has_public_page() -> Any:
    return col(Organisation.kind).in_(PUBLIC_KINDS) | col(Organisation.id).in_(public_must_answer_ids())


def public_organisations(session: Session) -> list[Organisation]:
    """The organisations listed with their action plans: those the public sees as having to answer
    (``tracker.plans.publication.public_must_answer_ids``)."""
    query = select(Organisation).where(col(Organisation.id).in_(public_must_answer_ids())).order_by(Organisation.name)
    return list(session.exec(query))


def data_date(plans: list[PublishedPlan]) -> dt.datetime | None:
    """The date of the data: the most recent publication behind a page."""
    dates = [p.publication.published_at for p in plans if p.publication]
    return max(dates) if dates else None


@dataclass
class PublicCounts:
    """One recommendation's figures: the organisations that must answer it, how many of them publish each status,
    and how many have published nothing about it."""

    addressed: int = 0
    not_published: int = 0
    statuses: Counter[ResponseStatus] = field(default_factory=Counter)


def public_counts(session: Session) -> dict[int, PublicCounts]:
    """For each recommendation, how many organisations the public sees as having to answer it, by the status of
    their latest published answer (``tracker.plans.publication.public_answers``, which each recommendation's page
    reads too), counted in the database without reading the plans themselves."""
    answers = public_answers().subquery()
    query = select(answers.c.recommendation_id, answers.c.status, func.count()).group_by(
        answers.c.recommendation_id, answers.c.status
    )
    counts: dict[int, PublicCounts] = {}
    for recommendation_id, value, n in session.exec(query):
        found = counts.setdefault(recommendation_id, PublicCounts())
        found.addressed += n
        if value is None:
            found.not_published += n
        elif (status := status_of(value)) is not None:
            found.statuses[status] += n
    return counts


# --- the national overview -----------------------------------------------------------------------------


@dataclass
class OverviewRow:
    recommendation: Recommendation
    addressees: list[str]
    figures: PublicCounts

    @property
    def addressed(self) -> int:
        return self.figures.addressed

    @property
    def counts(self) -> Counter[ResponseStatus]:
        return self.figures.statuses

    @property
    def published(self) -> int:
        return sum(self.counts.values())

    @property
    def not_published(self) -> int:
        return self.figures.not_published


@dataclass
class Overview:
    sets: list[SetView]
    chosen: SetView | None
    rows: dict[int, list[OverviewRow]]
    plans: list[PublishedPlan]
    as_of: dt.datetime | None

    @property
    def published_plans(self) -> list[PublishedPlan]:
        return [p for p in self.plans if p.publication]


def overview(session: Session, set_slug: str | None = None) -> Overview:
    """For each known recommendation of each (or the chosen) set: how many organisations are where, by their
    published plans; and the organisations that have published."""
    views = set_views(session)
    chosen = next((v for v in views if v.recommendation_set.slug == set_slug), None) if set_slug else None
    shown = [chosen] if chosen else views
    plans = published_plans(session, public_organisations(session), with_content=False)
    counts = public_counts(session)
    rows = {
        view.recommendation_set.id or 0: [
            OverviewRow(
                recommendation=item.recommendation,
                addressees=item.addressees,
                figures=counts.get(item.recommendation.id or 0, PublicCounts()),
            )
            # A recommendation awaiting its wording is listed too once a published response answers it (declared
            # by its organisation), so the overview and its own page count the same (outsider pass 6, finding 4);
            # the others are summarised in one section (templates/partials/coverage.html).
            for item in view.recommendations
            if is_known(item.recommendation) or _published_any(counts.get(item.recommendation.id or 0))
        ]
        for view in shown
    }
    return Overview(sets=views, chosen=chosen, rows=rows, plans=plans, as_of=data_date(plans))


def _published_any(figures: PublicCounts | None) -> bool:
    return figures is not None and figures.addressed > figures.not_published


# --- one recommendation --------------------------------------------------------------------------------


@dataclass
class RecommendationPage:
    recommendation: Recommendation
    recommendation_set: RecommendationSet
    parent: Recommendation | None
    sub_recommendations: list[Recommendation]
    addressees: list[str]
    answers: list[tuple[PublishedPlan, dict[str, Any]]]
    not_published: list[Organisation]
    practice: list[Practice]
    as_of: dt.datetime | None
    counts: Counter[ResponseStatus] = field(default_factory=Counter)
    ratings: dict[int, PublicRating] = field(default_factory=dict)  # by organisation id
    # how many organisations' declarations the addressees were taken from (None: not from declarations)
    addressees_declared_by: int | None = None
    practice_organisations: dict[int, Organisation] = field(default_factory=dict)  # by practice id

    @property
    def practice_with_organisations(self) -> list[tuple[Practice, Organisation | None]]:
        """The approved practice, each with the organisation that runs it (None: not a recorded one), whose
        language the page says its title is in (``tracker.web.written``)."""
        return [(p, self.practice_organisations.get(p.id or 0)) for p in self.practice]

    @property
    def anyone_addressed(self) -> bool:
        """Whether any organisation is known to be addressed (else there is no one to have published or not)."""
        return bool(self.answers or self.not_published)


def find_recommendation(
    session: Session, set_slug: str, number: str
) -> tuple[Recommendation, RecommendationSet] | None:
    row = session.exec(
        select(Recommendation, RecommendationSet)
        .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
        .where(RecommendationSet.slug == set_slug, Recommendation.number == number)
    ).first()
    return (row[0], row[1]) if row else None


def _published_answers(session: Session, recommendation_id: int) -> tuple[list[Organisation], dict[int, Any]]:
    """The organisations the public sees as having to answer one recommendation, by name, and each one's published
    status, summary (in English and Welsh) and declared mark for it from its latest publication
    (``public_answers``, as the overview counts)."""
    answers = public_answers([recommendation_id]).subquery()
    answer = (answers.c.status, answers.c.summary, answers.c.summary_cy, answers.c.declared)
    rows = session.execute(  # more columns than sqlmodel's select is typed for
        sa.select(Organisation, *answer)
        .join(answers, answers.c.organisation_id == Organisation.id)
        .order_by(col(Organisation.name))
    ).all()
    published = {
        saved_id(organisation): {
            "status": status,
            "summary": summary,
            "summary_cy": summary_cy,
            "declared": bool(declared),
        }
        for organisation, status, summary, summary_cy, declared in rows
        if status is not None
    }
    return [organisation for organisation, *_ in rows], published


def _answers(
    plans: list[PublishedPlan], published: dict[int, Any]
) -> tuple[list[tuple[PublishedPlan, dict[str, Any]]], list[Organisation], Counter[ResponseStatus]]:
    """The published answers in status order (then by name), the organisations that have published none, and how
    many answers each status has."""
    answers: list[tuple[PublishedPlan, dict[str, Any]]] = []
    not_published: list[Organisation] = []
    counts: Counter[ResponseStatus] = Counter()
    for plan in plans:
        response = published.get(plan.organisation.id or 0)
        if response is None:
            not_published.append(plan.organisation)
            continue
        answers.append((plan, response))
        status = status_of(response.get("status"))
        if status is not None:
            counts[status] += 1
    answers.sort(
        key=lambda pair: (
            STATUS_ORDER.index(status_of(pair[1].get("status")) or ResponseStatus.NOT_STARTED),
            pair[0].organisation.name,
        )
    )
    return answers, not_published, counts


def recommendation_page(session: Session, set_slug: str, number: str) -> RecommendationPage | None:
    """What a recommendation asks, who must act and what each of them has published about it."""
    found = find_recommendation(session, set_slug, number)
    if found is None:
        return None
    rec, rec_set = found
    related = list(
        session.exec(
            select(Recommendation)
            .where((Recommendation.parent_id == rec.id) | (Recommendation.id == (rec.parent_id or -1)))
            .order_by(col(Recommendation.position))
        )
    )
    parent = next((r for r in related if r.id == rec.parent_id), None)
    subs = [r for r in related if r.parent_id == rec.id]
    names = addressee_names(session)
    answering, published = _published_answers(session, saved_id(rec))
    plans = published_plans(session, answering, with_content=False)
    answers, not_published, counts = _answers(plans, published)
    practice = practice_for(session, saved_id(rec))
    return RecommendationPage(
        recommendation=rec,
        recommendation_set=rec_set,
        parent=parent,
        sub_recommendations=subs,
        addressees=[names.get(code, code) for code in rec.addressees],
        addressees_declared_by=adopted_from(rec, parent),
        answers=answers,
        not_published=not_published,
        practice=practice,
        practice_organisations=_organisations_of(session, practice),
        as_of=data_date(plans),
        counts=counts,
        ratings={
            organisation_id: rating
            for (organisation_id, _), rating in released_ratings(session, recommendation_id=rec.id).items()
        },
    )


def _organisations_of(session: Session, practice: list[Practice]) -> dict[int, Organisation]:
    """The organisation of each practice that has a recorded one, by practice id (one query, none for no practice)."""
    if not practice:
        return {}
    query = (
        select(Practice.id, Organisation)
        .join(Organisation, col(Organisation.id) == Practice.organisation_id)
        .where(col(Practice.id).in_([p.id for p in practice]))
    )
    return {practice_id: organisation for practice_id, organisation in session.exec(query) if practice_id is not None}


# --- organisations ---------------------------------------------------------------------------------------


@dataclass
class OrganisationGroup:
    kind: OrganisationKind
    regions: list[tuple[Region | None, list[PublishedPlan]]]


def organisation_groups(session: Session) -> tuple[list[OrganisationGroup], dt.datetime | None]:
    """Every organisation with a public page, grouped by type and then region, with its publication."""
    regions = {r.code: r for r in session.exec(select(Region).order_by(col(Region.position)))}
    region_order = list(regions)
    plans = published_plans(session, public_organisations(session), with_content=False)
    groups = []
    for kind in OrganisationKind:
        of_kind = [p for p in plans if p.organisation.kind is kind]
        if not of_kind:
            continue
        by_region: dict[str | None, list[PublishedPlan]] = {}
        for plan in of_kind:
            by_region.setdefault(plan.organisation.region_code, []).append(plan)
        ordered = sorted(
            by_region.items(), key=lambda kv: region_order.index(kv[0]) if kv[0] in region_order else len(region_order)
        )
        groups.append(OrganisationGroup(kind, [(regions.get(code or ""), items) for code, items in ordered]))
    return groups, data_date(plans)


@dataclass
class PlanEntry:
    """One published response, with the recommendation it answers (None if that is no longer loaded)."""

    response: dict[str, Any]
    recommendation: Recommendation | None
    recommendation_set: RecommendationSet | None
    rating: PublicRating | None = None


@dataclass
class OrganisationPage:
    plan: PublishedPlan
    entries: list[PlanEntry]
    region: Region | None


def organisation_page(session: Session, slug: str, draft: PlanPublication | None = None) -> OrganisationPage | None:
    """The public page of an organisation's plan as last published, or as ``draft`` would publish it (a preview)."""
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug, _has_public_page())).first()
    if organisation is None:
        return None
    [plan] = published_plans(session, [organisation])
    if draft is not None:
        plan = PublishedPlan(organisation, draft, plan.first_published_at or draft.published_at)
    entries: list[PlanEntry] = []
    if plan.publication:
        ratings = released_ratings(session, organisation_id=organisation.id)
        ids = [r.get("recommendation_id") for r in plan.responses if r.get("recommendation_id")]
        recs = {
            rec.id: (rec, rec_set)
            for rec, rec_set in session.exec(
                select(Recommendation, RecommendationSet)
                .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
                .where(col(Recommendation.id).in_(ids))
            )
        }
        for response in plan.responses:
            rec, rec_set = recs.get(response.get("recommendation_id"), (None, None))
            rating = ratings.get((organisation.id or 0, response.get("recommendation_id") or 0))
            entries.append(PlanEntry(response, rec, rec_set, rating))
    region = session.get(Region, organisation.region_code) if organisation.region_code else None
    return OrganisationPage(plan, entries, region)
