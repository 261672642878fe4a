"""Every rule of the domain holds over the demo data, at scale 1 and 10 (issue 15, item 7).

The demo is what a coordinator shows to forces: a status that contradicts its sub-recommendations, a
Not-started response with completed actions or a plan "last updated" today on every page would be asked about.
Each check below is one rule, with where the app states it: ``plans/rules.py`` (finished, overdue),
``plans/services.py`` (the roll-up and what a save enforces), ``plans/obligations.py``, ``plans/publication.py``
and ``reports/figures.py``. One demo database per scale for the whole module (building one takes seconds).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, col, select

from tests.support.demo import DemoDatabases
from tracker.assessments.models import Assessment, Comment
from tracker.audit.services import Actor
from tracker.db import TrackerSession, make_engine
from tracker.demo import DEMO_TODAY, MARK, PLANS_DUE, UPDATE_OPENINGS, action_texts_for
from tracker.evidence.models import Evidence
from tracker.organisations.models import Organisation
from tracker.plans.models import Action, PlanPublication, ProgressUpdate, PublishedResponse, Response
from tracker.plans.obligations import sync_obligations
from tracker.plans.publication import has_unpublished_changes, latest_publication, public_plan, published_responses
from tracker.plans.rules import rag_fits
from tracker.plans.services import MAX_TEXT, rolled_up_status
from tracker.practice.models import Practice
from tracker.recommendations.models import Recommendation
from tracker.reports.figures import national_state
from tracker.reports.models import PeriodExport, ReportingPeriod, Snapshot
from tracker.vocabulary import (
    ActionStatus,
    AssessmentRating,
    PeriodStatus,
    PracticeStatus,
    Rag,
    ResponseStatus,
    Visibility,
)

# The first check of each scale builds its demo, and pytest-timeout counts that against it: on the loaded 2-core
# machine, building scale 10 on PostgreSQL took longer than the suite's 180 s per test.
pytestmark = pytest.mark.timeout(900)

REPORT_PUBLISHED = dt.date(2024, 9, 27)
START = dt.datetime(2024, 9, 27, tzinfo=dt.UTC)
END = dt.datetime.combine(DEMO_TODAY + dt.timedelta(days=1), dt.time(), dt.UTC)


class Demo:
    """Everything the checks read, loaded once per scale."""

    def __init__(self, session: Session, scale: int) -> None:
        self.session, self.scale = session, scale
        self.recs = {r.id: r for r in session.exec(select(Recommendation))}
        self.responses = list(session.exec(select(Response).order_by(Response.id)))
        self.actions: dict[int, list[Action]] = defaultdict(list)
        for action in session.exec(select(Action).order_by(Action.response_id, Action.position)):
            self.actions[action.response_id].append(action)
        self.updates: dict[int, list[ProgressUpdate]] = defaultdict(list)
        for update in session.exec(select(ProgressUpdate)):
            self.updates[update.response_id].append(update)
        self.evidence = list(session.exec(select(Evidence)))
        self.publications = list(session.exec(select(PlanPublication).order_by(PlanPublication.id)))
        self.periods = list(session.exec(select(ReportingPeriod).order_by(ReportingPeriod.cut_off)))

    def theme(self, response: Response) -> str | None:
        """The theme of the response's recommendation (a sub-recommendation's is its parent's)."""
        rec = self.recs[response.recommendation_id]
        return rec.theme or (self.recs[rec.parent_id].theme if rec.parent_id else None)

    def families(self) -> Iterator[tuple[Response, list[Response]]]:
        """Each parent response with the required responses of its sub-recommendations (same organisation)."""
        by_key = {(r.organisation_id, r.recommendation_id): r for r in self.responses}
        children: dict[tuple[int, int], list[Response]] = defaultdict(list)
        for response in self.responses:
            parent_id = self.recs[response.recommendation_id].parent_id
            if parent_id is not None and response.required:
                children[(response.organisation_id, parent_id)].append(response)
        for key, kids in children.items():
            yield by_key[key], kids


@pytest.fixture(scope="module", params=[1, 10], ids=["scale-1", "scale-10"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_databases: DemoDatabases
) -> Iterator[Demo]:
    """A copy of the worker's demo database at one scale (tests/support/demo.py), shared by every check of the
    module."""
    tmp = tmp_path_factory.mktemp(f"demo{request.param}")
    with demo_databases.copy(f"demo{request.param}", tmp, ("full", request.param)) as (url, _):
        engine = make_engine(url)
        with TrackerSession(engine, expire_on_commit=False) as session:
            yield Demo(session, request.param)
        engine.dispose()


def problems(found: list[Any], what: str) -> None:
    """Fail listing a few of the offending records (an empty list passes)."""
    assert not found, f"{len(found)} {what}, e.g. {found[:5]}"


# --- statuses (plans/services.py: the roll-up and what a save enforces) -------------------------------------


def test_a_parent_status_is_the_roll_up_of_its_sub_recommendations(demo):
    families = list(demo.families())
    assert families, "the demo has recommendations with sub-recommendations"
    problems(
        [
            (p.id, p.status.value, [k.status.value for k in kids])
            for p, kids in families
            if p.status is not rolled_up_status([k.status for k in kids])
        ],
        "parents contradict their sub-recommendations",
    )


def test_not_started_responses_have_no_action_started_or_done(demo):
    problems(
        [
            r.id
            for r in demo.responses
            if r.status is ResponseStatus.NOT_STARTED
            and any(a.status is not ActionStatus.NOT_STARTED for a in demo.actions[r.id])
        ],
        "Not-started responses have started or completed actions",
    )


def test_complete_responses_have_every_action_done_and_a_completion_time(demo):
    problems(
        [
            r.id
            for r in demo.responses
            if r.status is ResponseStatus.COMPLETE
            and (r.completed_at is None or any(a.status is not ActionStatus.COMPLETE for a in demo.actions[r.id]))
        ],
        "Complete responses have open actions or no completion time",
    )
    problems(
        [r.id for r in demo.responses if r.status is not ResponseStatus.COMPLETE and r.completed_at is not None],
        "responses that are not Complete carry a completion time",
    )


def test_blocked_responses_say_what_they_wait_for_and_have_work_left(demo):
    problems(
        [
            r.id
            for r in demo.responses
            if r.status is ResponseStatus.BLOCKED
            and (not r.blocked_reason or all(a.status is ActionStatus.COMPLETE for a in demo.actions[r.id]))
        ],
        "Blocked responses have no reason or nothing left to do",
    )
    problems(
        [r.id for r in demo.responses if r.status is not ResponseStatus.BLOCKED and r.blocked_reason],
        "responses that are not Blocked keep a blocked reason (a save clears it)",
    )


def test_not_applicable_responses_say_why_and_others_do_not(demo):
    problems(
        [r.id for r in demo.responses if (r.status is ResponseStatus.NOT_APPLICABLE) != bool(r.not_applicable_reason)],
        "responses whose not-applicable reason does not match their status",
    )


def test_not_applicable_responses_have_one_completed_action_recording_the_decision(demo):
    """A plan for a recommendation that does not apply holds one thing done, the decision, and nothing else: open or
    themed actions would say the organisation is working on what it says it need not do."""
    not_applicable = [r for r in demo.responses if r.status is ResponseStatus.NOT_APPLICABLE]
    assert not_applicable, "the demo has Not applicable responses"
    problems(
        [
            (r.id, [(a.description, a.status.value) for a in demo.actions[r.id]])
            for r in not_applicable
            if len(demo.actions[r.id]) != 1
            or demo.actions[r.id][0].status is not ActionStatus.COMPLETE
            or "does not apply" not in demo.actions[r.id][0].description
        ],
        "Not applicable responses whose actions are not the one completed decision",
    )
    problems(
        [
            (r.id, a.description)
            for r in demo.responses
            if r.status is not ResponseStatus.NOT_APPLICABLE
            for a in demo.actions[r.id]
            if "does not apply" in a.description
        ],
        "responses that apply record a decision that they do not",
    )


def test_not_applicable_reasons_are_specific_varied_and_synthetic(demo):
    """Why a recommendation does not apply is a reason a reader can weigh, drawn from a few invented ones that name
    no real organisation (every organisation's name is a real place)."""
    reasons = Counter(
        r.not_applicable_reason or "" for r in demo.responses if r.status is ResponseStatus.NOT_APPLICABLE
    )
    names = [o.name for o in demo.session.exec(select(Organisation))]
    problems(
        [reason for reason in reasons if MARK not in reason or any(name in reason for name in names)],
        "not-applicable reasons unmarked or naming a real organisation",
    )
    assert len(reasons) >= 3, f"the reasons vary: {reasons}"
    assert reasons.most_common(1)[0][1] < sum(reasons.values()) * 0.6, f"no one reason dominates: {reasons}"


def test_a_parent_blocked_by_a_sub_recommendation_names_its_blocker(demo):
    """Naming the blocked sub-recommendation and what it waits for ("7.2: waiting for …") tells a reader what to
    chase; "a sub-recommendation is waiting for others" does not."""
    bad = []
    for parent, kids in demo.families():
        if parent.status is not ResponseStatus.BLOCKED:
            continue
        named = [
            k
            for k in kids
            if k.status is ResponseStatus.BLOCKED
            and f"{demo.recs[k.recommendation_id].number}: {k.blocked_reason}" in (parent.blocked_reason or "")
        ]
        if not named:
            bad.append((parent.id, parent.blocked_reason))
    problems(bad, "Blocked parents that do not name their blocked sub-recommendation's blocker")


# What an inspector can find of a claim: Met only what is Complete, Partially met what is under way or done, Not met
# what is still open; a response that does not apply is not assessed.
PLAUSIBLE_RATINGS = {
    ResponseStatus.NOT_STARTED: {AssessmentRating.NOT_YET_ASSESSED, AssessmentRating.NOT_MET},
    ResponseStatus.IN_PROGRESS: {
        AssessmentRating.NOT_YET_ASSESSED,
        AssessmentRating.NOT_MET,
        AssessmentRating.PARTIALLY_MET,
    },
    ResponseStatus.BLOCKED: {AssessmentRating.NOT_YET_ASSESSED, AssessmentRating.NOT_MET},
    ResponseStatus.COMPLETE: {
        AssessmentRating.NOT_YET_ASSESSED,
        AssessmentRating.PARTIALLY_MET,
        AssessmentRating.MET,
    },
    ResponseStatus.NOT_APPLICABLE: set(),
}


def test_assessments_are_plausible_for_the_status_claimed(demo):
    """An inspector finding met what the organisation says it has not started reads as a data error. A rating fits
    the status claimed now and, as far as the record shows (when the response was complete), the status claimed
    when it was made: Met once complete, Not met before."""
    by_id = {r.id: r for r in demo.responses}
    assessments = list(demo.session.exec(select(Assessment)))
    assert {a.rating for a in assessments} >= {AssessmentRating.MET, AssessmentRating.NOT_MET}, "ratings vary"
    bad = []
    for a in assessments:
        response = by_id[a.response_id]
        complete_then = response.completed_at is not None and response.completed_at <= a.created_at
        if (
            a.rating not in PLAUSIBLE_RATINGS[response.status]
            or (a.rating is AssessmentRating.MET and not complete_then)
            or (a.rating is AssessmentRating.NOT_MET and complete_then)
        ):
            bad.append((demo.recs[response.recommendation_id].number, response.status.value, a.rating.value))
    problems(bad, "assessments that contradict the status claimed")


def test_rag_ratings_fit_their_status(demo):
    assert {r.rag for r in demo.responses if r.rag} == set(Rag), "every RAG colour is used"
    problems(
        [(r.id, r.status.value, r.rag) for r in demo.responses if not rag_fits(r.status, r.rag)],
        "RAG ratings contradict their status (e.g. Blocked and Green)",
    )


def test_every_finished_blocked_or_open_response_has_a_rag_rating(demo):
    """Every demo organisation rates: a Complete response with "Not set" is a question a demonstrator cannot
    answer (the tracker allows no rating; the tests of the forms cover that, not the demo)."""
    problems(
        [(r.id, r.status.value) for r in demo.responses if r.status is not ResponseStatus.NOT_APPLICABLE and not r.rag],
        "responses without a RAG rating",
    )


def test_the_latest_public_update_speaks_of_the_status_the_response_has(demo):
    """A Complete response whose latest update says work has not started contradicts itself."""
    openings = {status: tuple(texts) for status, texts in UPDATE_OPENINGS.items()}
    bad = []
    for r in demo.responses:
        public = sorted(
            (u for u in demo.updates[r.id] if u.visibility is Visibility.PUBLIC), key=lambda u: (u.update_on, u.id)
        )
        if public and not public[-1].text.startswith(openings[r.status]):
            bad.append((r.id, r.status.value, public[-1].text[:50]))
    problems(bad, "responses whose latest public update contradicts their status")


def test_most_published_plans_are_up_to_date_with_the_latest_round(demo):
    """Publications follow the rounds of updates: most organisations that publish have published their latest
    round, so "Unpublished changes" marks the ones behind, not nearly every row."""
    organisations = {p.organisation_id for p in demo.publications}
    behind = [o for o in organisations if has_unpublished_changes(demo.session, o, latest_publication(demo.session, o))]
    assert len(behind) < len(organisations) / 2, f"{len(behind)} of {len(organisations)} published plans are behind"
    assert behind, "some organisations are behind (the flag has something to show)"


def test_every_status_is_used(demo):
    statuses = Counter(r.status for r in demo.responses)
    assert set(statuses) == set(ResponseStatus), statuses


# --- actions and updates (plans/services.py validation) -----------------------------------------------------


def test_actions_completed_on_iff_complete_and_within_the_timeline(demo):
    bad = []
    for actions in demo.actions.values():
        for a in actions:
            if (a.status is ActionStatus.COMPLETE) != (a.completed_on is not None):
                bad.append((a.id, "completed_on"))
            elif a.completed_on and not (a.created_at.date() <= a.completed_on <= DEMO_TODAY):
                bad.append((a.id, a.created_at, a.completed_on))
            if not (START <= a.created_at <= a.updated_at < END):
                bad.append((a.id, a.created_at, a.updated_at))
            if not a.description.strip() or len(a.description) > MAX_TEXT:
                bad.append((a.id, "description"))
    problems(bad, "actions break the save rules or the timeline")


def test_action_positions_are_0_to_n_per_response(demo):
    problems(
        [rid for rid, actions in demo.actions.items() if [a.position for a in actions] != list(range(len(actions)))],
        "responses whose actions are not numbered 0..n-1",
    )


def test_action_texts_are_written_for_their_recommendation(demo):
    bad = []
    for response in demo.responses:
        allowed = action_texts_for(demo.theme(response), demo.scale)
        bad += [(response.id, a.description) for a in demo.actions[response.id] if a.description not in allowed]
    problems(bad, "action texts belong to another recommendation's theme")


def test_no_response_repeats_an_action_or_an_update(demo):
    """Two actions (or two updates) of one plan saying the same words read as a copying slip, not as work."""
    bad = [
        (rid, text)
        for rid, actions in demo.actions.items()
        for text, times in Counter(a.description for a in actions).items()
        if times > 1
    ]
    bad += [
        (rid, text)
        for rid, updates in demo.updates.items()
        for text, times in Counter(u.text for u in updates).items()
        if times > 1
    ]
    problems(bad, "responses with two actions or two updates of the same text")


# Words that belong to one theme's subjects. A text of another theme using them speaks of another recommendation
# (recommendation 16's commissioning in recommendation 25's plan on working with partner agencies).
THEME_WORDS = {
    "identification-and-recording": ("recording stalking", "crime records", "is recorded", "records system"),
    "training": ("training", "learning"),
    "victim-support": ("commission", "specialist support", "victims"),
    "multi-agency-working": ("partner agencies", "partners", "partnership", "multi-agency"),
}


def test_action_and_update_texts_fit_their_recommendations_theme(demo):
    """Each text speaks of a subject of its recommendation's own theme (a recommendation with none: of no theme's);
    the decision that a recommendation does not apply is of no theme."""
    bad = []
    for response in demo.responses:
        own = THEME_WORDS.get(demo.theme(response) or "", ())
        others = [w for theme, words in THEME_WORDS.items() if words is not own for w in words]
        texts = [a.description for a in demo.actions[response.id] if "does not apply" not in a.description]
        for text in texts + [u.text for u in demo.updates[response.id]]:
            if any(w in text for w in others) or (own and not any(w in text for w in own)):
                bad.append((demo.recs[response.recommendation_id].number, text))
    problems(bad, "texts that speak of another theme than their recommendation's")


# The steps of work on one subject, in the order they are done (Review, Update and Audit stand alone).
STEPS = ["Agree", "Pilot", "Deliver", "Embed", "Evaluate"]
STEP = re.compile(rf"^({'|'.join(STEPS)}) (.+?)(?:, phase (\d+))? \(")


def test_steps_on_one_subject_are_due_and_done_in_order(demo):
    """Agree, pilot, deliver, embed, evaluate (a later phase after an earlier): the steps on one subject of a plan
    are due in that order and done in that order, and none is done while a step before it is open."""
    sequences = 0
    bad = []
    for actions in demo.actions.values():
        subjects: dict[str, list[tuple[int, int, Action]]] = defaultdict(list)
        for a in actions:
            if found := STEP.match(a.description):
                subjects[found[2]].append((int(found[3] or 1), STEPS.index(found[1]), a))
        for steps in subjects.values():
            sequences += len(steps) > 1
            steps.sort(key=lambda step: step[:2])
            for (*_, earlier), (*_, later) in itertools.pairwise(steps):
                done_first = earlier.completed_on and later.completed_on and earlier.completed_on > later.completed_on
                if earlier.target_date >= later.target_date or done_first:
                    bad.append((earlier.id, earlier.description, earlier.target_date, later.description))
                if later.status is ActionStatus.COMPLETE and earlier.status is not ActionStatus.COMPLETE:
                    bad.append((earlier.id, earlier.description, "open while a later step is done"))
    assert sequences, "plans have several steps on one subject"
    problems(bad, "steps on one subject due or done out of order")


def test_action_texts_never_quote_a_recommendation(demo):
    wordings = {r.text for r in demo.recs.values() if r.text}
    problems(
        [a.description for acts in demo.actions.values() for a in acts if any(w in a.description for w in wordings)],
        "action texts quote a recommendation's wording",
    )


def test_updates_are_dated_in_the_past_public_or_internal_and_within_the_timeline(demo):
    bad = []
    for updates in demo.updates.values():
        for u in updates:
            if not (REPORT_PUBLISHED <= u.update_on <= DEMO_TODAY) or u.created_at.date() < u.update_on:
                bad.append((u.id, u.update_on, u.created_at))
            if u.visibility not in (Visibility.PUBLIC, Visibility.INTERNAL) or not u.text.strip():
                bad.append((u.id, u.visibility))
    problems(bad, "updates break the save rules or the timeline")


def test_updates_come_in_rounds_over_two_years(demo):
    months = Counter((u.update_on.year, u.update_on.month) for us in demo.updates.values() for u in us)
    assert min(months) <= (2024, 11) and max(months) >= (2026, 9), months
    assert len(months) >= 5, "updates come in several rounds"


def test_a_response_was_last_updated_when_its_last_activity_happened(demo):
    bad = []
    for r in demo.responses:
        times = [a.updated_at for a in demo.actions[r.id]] + [u.created_at for u in demo.updates[r.id]]
        if r.completed_at:
            times.append(r.completed_at)
        if not (START <= r.updated_at < END) or (times and r.updated_at < max(times)):
            bad.append((r.id, r.updated_at, max(times) if times else None))
    problems(bad, "responses whose 'last updated' is not their last activity")
    days = Counter(r.updated_at.date() for r in demo.responses)
    assert days.most_common(1)[0][1] < len(demo.responses) / 4, "plans are not all last updated on one day"


def test_every_response_has_actions_and_updates_and_every_text_is_marked_synthetic(demo):
    problems([r.id for r in demo.responses if not demo.actions[r.id] or not demo.updates[r.id]], "empty plans")
    texts = [a.description for acts in demo.actions.values() for a in acts]
    texts += [u.text for us in demo.updates.values() for u in us]
    texts += [r.summary or "" for r in demo.responses] + [e.title for e in demo.evidence]
    texts += [r.blocked_reason for r in demo.responses if r.blocked_reason]
    texts += [r.not_applicable_reason for r in demo.responses if r.not_applicable_reason]
    problems([t for t in texts if MARK.lower() not in t.lower()], "texts not marked synthetic")


def test_evidence_and_assessments_fall_within_the_timeline(demo):
    problems(
        [e.id for e in demo.evidence if not (START <= e.created_at <= e.updated_at < END)],
        "evidence outside the timeline",
    )
    session = demo.session
    stamps = [a.created_at for a in session.exec(select(Assessment))] + [
        c.created_at for c in session.exec(select(Comment))
    ]
    problems([s for s in stamps if not (START <= s < END)], "assessments or comments outside the timeline")


# --- obligations and figures ---------------------------------------------------------------------------------


def test_obligations_match_the_addressees(demo):
    with TrackerSession(demo.session.get_bind()) as other:  # its rollback must not expire the module's records
        changes = sync_obligations(other, Actor("test"))
        other.rollback()
    assert not changes.any, changes.summary()
    assert all(r.required for r in demo.responses)


def test_national_figures_add_up(demo):
    state = national_state(demo.session, today=DEMO_TODAY)
    headline = state.headline
    tops = [r for r in demo.responses if demo.recs[r.recommendation_id].parent_id is None]
    assert headline.responses == len(tops)
    assert headline.complete == sum(r.status is ResponseStatus.COMPLETE for r in tops)
    assert headline.blocked == sum(r.status is ResponseStatus.BLOCKED for r in tops)
    assert 0 < headline.published <= headline.organisations
    assert headline.overdue <= headline.responses - headline.complete
    by_id = {r.id: r for r in demo.responses}
    assert all(c.status is by_id[c.response_id].status for c in state.cells.values())


# --- publications (plans/publication.py) ---------------------------------------------------------------------


def test_plans_were_published_from_november_2024_in_rounds(demo):
    days = sorted(p.published_at for p in demo.publications)
    assert days and all(START <= d < END for d in days)
    first = {}
    for p in demo.publications:
        first.setdefault(p.organisation_id, p.published_at)
    assert min(first.values()).date() >= dt.date(2024, 11, 1)
    assert sum(d.date() <= PLANS_DUE for d in first.values()) > len(first) / 2, "most met the 56-day duty"
    assert Counter(d.date() for d in days).most_common(1)[0][1] < len(days) / 4, "not all published on one day"
    assert len({(d.year, d.month) for d in days}) >= 4, "publications follow the rounds of updates"
    assert len(demo.publications) > len(first), "organisations published again after later rounds"


def test_publications_hold_only_public_items_and_their_published_responses(demo):
    public_updates = {(r, u.text) for r, us in demo.updates.items() for u in us if u.visibility is Visibility.PUBLIC}
    public_evidence = {e.id for e in demo.evidence if e.visibility is Visibility.PUBLIC}
    ids = {(r.organisation_id, r.recommendation_id): r.id for r in demo.responses}
    stored = defaultdict(list)
    for row in demo.session.exec(select(PublishedResponse)):
        stored[row.publication_id].append((row.recommendation_id, row.status, row.summary))
    bad = []
    for publication in demo.publications:
        expected = [(p.recommendation_id, p.status, p.summary) for p in published_responses(publication)]
        if sorted(stored[publication.id]) != sorted(expected):
            bad.append((publication.id, "published responses"))
        children_of = defaultdict(list)  # the publication's entries of each recommendation's sub-recommendations
        for c in publication.content["responses"]:
            children_of[demo.recs[c["recommendation_id"]].parent_id].append(c)
        for entry in publication.content["responses"]:
            rid = ids[(publication.organisation_id, entry["recommendation_id"])]
            bad += [(publication.id, u["text"]) for u in entry["updates"] if (rid, u["text"]) not in public_updates]
            bad += [(publication.id, e["id"]) for e in entry["evidence"] if e["id"] not in public_evidence]
            children = children_of[entry["recommendation_id"]]
            if children and entry["status"] != rolled_up_status([ResponseStatus(c["status"]) for c in children]):
                bad.append((publication.id, entry["recommendation_id"], "roll-up"))
            if not rag_fits(ResponseStatus(entry["status"]), Rag(entry["rag"]) if entry["rag"] else None):
                bad.append((publication.id, entry["recommendation_id"], "RAG"))
    problems(bad, "publications break the publication rules")


def test_a_publication_is_the_plan_as_it_stood_then(demo):
    """Publications are made as the timeline unfolds: an early one shows less than the plan today."""
    latest: dict[int, PlanPublication] = {}
    for p in demo.publications:
        latest[p.organisation_id] = p
    organisations = {o.id: o for o in demo.session.exec(select(Organisation))}
    unchanged = sum(public_plan(demo.session, organisations[o]) == p.content for o, p in latest.items())
    assert 0 < unchanged < len(latest), "some published plans are up to date, some have unpublished changes"
    for p in demo.publications:
        for entry in p.content["responses"]:
            assert all(u["date"] <= p.published_at.date().isoformat() for u in entry["updates"])


# --- reporting periods (reports/services.py) -----------------------------------------------------------------


def test_periods_are_frozen_at_their_cut_offs_with_snapshots_that_obey_the_rules(demo):
    frozen = [p for p in demo.periods if p.status is PeriodStatus.FROZEN]
    assert len(frozen) == min(7, 2 + demo.scale) and demo.periods[-1].status is PeriodStatus.OPEN
    bad = []
    for period in frozen:
        assert period.frozen_at is not None
        # The demo writes each period's statuses as they stood at its cut-off, so it freezes it on that day and
        # the period says its statuses are as at the cut-off (a later freeze would say "as at" its own day).
        if period.frozen_on != period.cut_off or period.statuses_as_at != period.cut_off:
            bad.append((period.name, period.frozen_at))
        snaps = list(demo.session.exec(select(Snapshot).where(Snapshot.period_id == period.id)))
        by_key = {(s.organisation_id, s.recommendation_id): s for s in snaps}
        kids = defaultdict(list)
        for s in snaps:
            parent = demo.recs[s.recommendation_id].parent_id
            if parent:
                kids[(s.organisation_id, parent)].append(s.status)
            if s.captured_at != period.frozen_at:
                bad.append((period.name, s.id, "captured_at"))
            if not rag_fits(s.status, s.rag) or s.actions_complete > s.actions_total:
                bad.append((period.name, s.id, s.status, s.rag))
            if s.status is ResponseStatus.NOT_STARTED and s.actions_complete:
                bad.append((period.name, s.id, "not started with actions done"))
            if s.status is ResponseStatus.COMPLETE and s.actions_complete != s.actions_total:
                bad.append((period.name, s.id, "complete with actions open"))
            if s.latest_update_on and s.latest_update_on > period.cut_off:
                bad.append((period.name, s.id, "update after the cut-off"))
        for key, statuses in kids.items():
            if by_key[key].status is not rolled_up_status(statuses):
                bad.append((period.name, key, "roll-up"))
    problems(bad, "frozen snapshots break the rules")


def test_each_frozen_periods_exports_hold_what_was_true_at_its_freeze(demo):
    """Outsider pass 5, finding 2: the demo freezes its periods through the services, so each stores its exports
    then; they list the actions as they stood at the cut-off (agreeing with the snapshots), no update dated after
    it and no assessment recorded after the freeze."""
    bad = []
    for stored in demo.session.exec(select(PeriodExport)):
        period = demo.session.get(ReportingPeriod, stored.period_id)
        cut_off, document = period.cut_off.isoformat(), json.loads(stored.document)
        if stored.late or stored.stored_at != period.frozen_at:
            bad.append((period.name, "not stored at the freeze"))
        bad += [(period.name, u["date"]) for u in document["updates"] if u["date"] > cut_off]
        bad += [(period.name, a["assessed_on"]) for a in document["assessments"] if a["assessed_on"] > cut_off]
        actions = Counter((a["organisation_slug"], a["recommendation"], a["status"]) for a in document["actions"])
        bad += [(period.name, a["completed_on"]) for a in document["actions"] if (a["completed_on"] or "") > cut_off]
        totals: Counter[tuple[str, str]] = Counter()
        for (*where, _), n in actions.items():
            totals[tuple(where)] += n  # each response's actions, whatever their status
        for snap in document["snapshots"]:
            key = (snap["organisation_slug"], snap["recommendation"])
            if (totals[key], actions[(*key, "complete")]) != (snap["actions_total"], snap["actions_complete"]):
                bad.append((period.name, key, "actions"))
    assert demo.session.exec(select(PeriodExport)).first() is not None
    problems(bad, "frozen exports hold what was not true at the freeze")


def test_practice_reviews_follow_the_workflow(demo):
    bad = []
    for p in demo.session.exec(select(Practice)):
        reviewed = p.status in (PracticeStatus.APPROVED, PracticeStatus.RETURNED)
        if (p.submitted_at is None) != (p.status is PracticeStatus.DRAFT):
            bad.append((p.slug, "submitted"))
        if reviewed != (p.reviewed_at is not None) or (reviewed and p.reviewed_at < p.submitted_at):
            bad.append((p.slug, "reviewed"))
        if (p.status is PracticeStatus.RETURNED) != bool(p.review_comment):
            bad.append((p.slug, "comment"))
    problems(bad, "practice entries break the review workflow")


def test_periods_and_publications_use_only_required_responses(demo):
    required = {r.id for r in demo.responses if r.required}
    snaps = demo.session.exec(select(Snapshot.response_id)).all()
    assert set(snaps) <= required
    assert not list(demo.session.exec(select(Response).where(col(Response.required).is_(False))))
