"""The per-response summaries (``tracker.plans.summaries``) always equal a computation from scratch: after any
sequence of writes through the app's own services (actions, updates, evidence, assessments, statuses, retractions,
deletions, deadline edits, bulk inserts), stored in the same transaction, and right on any later day too; and the
newest public updates read through them are the newest of all."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import select

from tests.support.plans import response_of
from tracker.assessments.services import record_assessment
from tracker.db import insert_rows
from tracker.evidence.models import Evidence
from tracker.evidence.services import add_evidence, update_evidence, withdraw_evidence
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services, summaries
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.services import load_response
from tracker.plans.summaries import ResponseSummary, compute, current
from tracker.recommendations.models import Recommendation
from tracker.reports.figures import latest_updates
from tracker.vocabulary import Role

TODAY = dt.date.today()
# The responses of the small reference data (tests/support/factories.py): forces answer 1 and its parts, PCCs 3.
ANSWERS = [("kent", "1"), ("kent", "1.1"), ("kent", "1.2"), ("gwent", "1.1"), ("kent-pcc", "3")]
ORGANISATIONS = ["kent", "gwent", "kent-pcc"]
RESPONSES = st.sampled_from(ANSWERS)


def stored(session) -> dict[int, dict]:
    session.expire_all()
    rows = session.exec(select(ResponseSummary)).all()
    return {row.response_id: row.model_dump() for row in rows}


def from_scratch(session, today: dt.date = TODAY) -> dict[int, dict]:
    return {row["response_id"]: row for row in compute(session, None, today)}


def figures(rows) -> dict[int, tuple]:
    names = ("overdue_actions", "evidence", "last_update_on", "latest_update_id", "recent_updates", "rating")
    return {
        row["response_id"] if isinstance(row, dict) else row.response_id: tuple(
            row[n] if isinstance(row, dict) else getattr(row, n) for n in names
        )
        for row in rows
    }


def uk(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def test_every_write_of_the_fixtures_leaves_every_summary_right(session, scenario):
    assert stored(session) == from_scratch(session)
    assert len(stored(session)) == len(session.exec(select(Response.id)).all())


def test_the_demo_leaves_every_summary_right(session, demo_data):
    assert stored(session) == from_scratch(session)


def test_rebuilding_stores_what_the_records_give(session, scenario):
    session.exec(select(ResponseSummary)).all()
    session.execute(ResponseSummary.__table__.delete())
    assert summaries.refresh(session) == len(session.exec(select(Response.id)).all())
    assert stored(session) == from_scratch(session)


def test_a_summary_whose_figures_expired_is_computed_for_the_day_asked(session, small_reference, make_user):
    kent = make_user(Role.EDITOR, "kent")
    ctx = load_response(session, kent, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    services.add_action(session, ctx, kent, {"description": "Due soon", "target_date": uk(TODAY + dt.timedelta(3))})
    row = stored(session)[ctx.response.id]
    assert row["overdue_actions"] == 0 and row["valid_until"] == TODAY + dt.timedelta(3)
    later = TODAY + dt.timedelta(4)
    [found] = [r for r in current(session, later) if r.response_id == ctx.response.id]
    assert found.overdue_actions == 1, "the action fell due after the summary was stored"
    assert summaries.refresh_expired(session, later) >= 1
    assert stored(session)[ctx.response.id]["overdue_actions"] == 1


def test_the_newest_public_updates_may_all_be_one_response_s_and_need_no_stored_summary(
    session, small_reference, make_user
):
    editors = {slug: make_user(Role.EDITOR, slug) for slug in ("kent", "gwent")}
    written = {}
    for slug, number, ago, visibility in [
        ("kent", "1.1", 1, "public"),
        ("kent", "1.1", 2, "public"),
        ("kent", "1.1", 3, "public"),
        ("gwent", "1.1", 4, "public"),
        ("kent", "1.2", 0, "internal"),
        ("kent", "1.2", 9, "public"),
    ]:
        ctx = load_response(session, editors[slug], response_of(session, slug, number).id, Permission.EDIT_PLAN)
        text = f"{slug} {number} {ago}"
        change = {"text": text, "update_on": uk(TODAY - dt.timedelta(ago)), "visibility": visibility}
        services.add_update(session, ctx, editors[slug], change)
        written[text] = ctx.response.id
    rec = session.exec(select(Recommendation).where(Recommendation.number == "1")).one()

    def newest(limit: int) -> list[str]:
        return [update.text for update, _ in latest_updates(session, rec.id, limit=limit)]

    assert newest(2) == ["kent 1.1 1", "kent 1.1 2"], "both from one response, the internal one left out"
    assert newest(4) == ["kent 1.1 1", "kent 1.1 2", "kent 1.1 3", "gwent 1.1 4"]
    assert newest(10) == [*newest(4), "kent 1.2 9"]
    session.execute(ResponseSummary.__table__.delete())  # as if no summary were stored yet
    assert newest(2) == ["kent 1.1 1", "kent 1.1 2"] and len(newest(10)) == 5


@pytest.mark.parametrize("seed", [0])
def test_after_any_sequence_of_writes_the_summaries_equal_a_computation_from_scratch(
    session, small_reference, make_user, settings_, seed
):
    editors = {slug: make_user(Role.EDITOR, slug) for slug in ORGANISATIONS}
    inspector = make_user(Role.INSPECTOR)

    class Writes(RuleBasedStateMachine):
        def ctx(self, slug: str, number: str, user=None):
            rid = response_of(session, slug, number).id
            who = user or editors[slug]
            return load_response(session, who, rid, Permission.ASSESS if user else Permission.EDIT_PLAN), who

        def one_of(self, model, slug: str, index: int):
            rows = session.exec(
                select(model)
                .join(Response, Response.id == model.response_id)
                .where(Response.organisation_id == get_by_slug(session, slug).id)
                .order_by(model.id)
            ).all()
            return rows[index % len(rows)] if rows else None

        @rule(
            answer=RESPONSES,
            due=st.one_of(st.none(), st.integers(-40, 40)),
            status=st.sampled_from(["not_started", "in_progress", "complete"]),
        )
        def add_action(self, answer, due, status):
            ctx, who = self.ctx(*answer)
            target = "" if due is None else uk(TODAY + dt.timedelta(due))
            services.add_action(session, ctx, who, {"description": "Act", "target_date": target, "status": status})

        @rule(
            slug=st.sampled_from(ORGANISATIONS),
            index=st.integers(0, 20),
            status=st.sampled_from(["complete", "in_progress"]),
        )
        def change_action(self, slug, index, status):
            action = self.one_of(Action, slug, index)
            if action is None:
                return
            ctx, who = self.ctx(slug, self.number_of(action.response_id))
            change = {"description": action.description, "status": status, "version": str(action.version)}
            change["target_date"] = uk(action.target_date) if action.target_date else ""
            services.update_action(session, action, ctx, who, change)

        @rule(slug=st.sampled_from(ORGANISATIONS), index=st.integers(0, 20))
        def delete_action(self, slug, index):
            action = self.one_of(Action, slug, index)
            if action is not None:
                ctx, who = self.ctx(slug, self.number_of(action.response_id))
                services.delete_action(session, action, ctx, who)

        @rule(
            answer=RESPONSES,
            ago=st.integers(0, 60),
            visibility=st.sampled_from(["public", "inspectorate", "internal"]),
        )
        def add_update(self, answer, ago, visibility):
            ctx, who = self.ctx(*answer)
            when = uk(TODAY - dt.timedelta(ago))
            services.add_update(
                session, ctx, who, {"text": f"Update {ago}", "update_on": when, "visibility": visibility}
            )

        @rule(
            slug=st.sampled_from(ORGANISATIONS),
            index=st.integers(0, 20),
            visibility=st.sampled_from(["internal", "public"]),
        )
        def change_update(self, slug, index, visibility):
            update = self.one_of(ProgressUpdate, slug, index)
            if update is None:
                return
            ctx, who = self.ctx(slug, self.number_of(update.response_id))
            change = {"text": update.text, "visibility": visibility, "version": str(update.version)}
            services.edit_update(session, update, ctx, who, change | {"update_on": uk(update.update_on)})

        @rule(
            answer=RESPONSES,
            visibility=st.sampled_from(["public", "inspectorate", "internal"]),
        )
        def add_evidence(self, answer, visibility):
            ctx, who = self.ctx(*answer)
            note = {"kind": "note", "title": "A note", "note": "Text", "visibility": visibility}
            add_evidence(session, ctx, who, note, upload_dir=settings_.upload_dir, max_bytes=settings_.max_upload_bytes)

        @rule(slug=st.sampled_from(ORGANISATIONS), index=st.integers(0, 20), withdraw=st.booleans())
        def change_evidence(self, slug, index, withdraw):
            item = self.one_of(Evidence, slug, index)
            if item is None:
                return
            ctx, who = self.ctx(slug, self.number_of(item.response_id))
            if withdraw:
                withdraw_evidence(session, item, ctx, who, upload_dir=settings_.upload_dir)
            else:
                change = {"title": item.title, "visibility": "internal", "version": str(item.version)}
                update_evidence(session, item, ctx, who, change)

        @rule(
            answer=RESPONSES,
            rating=st.sampled_from(["met", "partially_met", "not_met"]),
        )
        def assess(self, answer, rating):
            ctx, who = self.ctx(*answer, user=inspector)
            record_assessment(session, ctx, who, {"rating": rating, "rationale": "Seen it"})

        @rule(
            answer=st.sampled_from([a for a in ANSWERS if a[1] != "1"]),  # a parent's status follows its parts'
            status=st.sampled_from(["not_started", "in_progress", "blocked", "complete"]),
        )
        def set_status(self, answer, status):
            ctx, who = self.ctx(*answer)
            change = {"status": status, "version": str(ctx.response.version)}
            if status == "blocked":
                change["blocked_reason"] = "Waiting"
            services.update_response(session, ctx, who, change)

        @rule(number=st.sampled_from(["1", "2", "3"]), days=st.one_of(st.none(), st.integers(-30, 30)))
        def move_deadline(self, number, days):
            rec = session.exec(select(Recommendation).where(Recommendation.number == number)).one()
            rec.deadline = None if days is None else TODAY + dt.timedelta(days)
            rec.version += 1
            session.commit()

        @rule(answer=RESPONSES, due=st.integers(-10, 10))
        def bulk_insert(self, answer, due):
            """As a spreadsheet import adds actions: without the unit of work."""
            rid = response_of(session, *answer).id
            row = {"response_id": rid, "description": "Imported", "target_date": TODAY + dt.timedelta(due)}
            insert_rows(session, Action, [row | {"position": 900 + due}])
            session.commit()

        def number_of(self, response_id: int) -> str:
            return session.exec(
                select(Recommendation.number)
                .join(Response, Response.recommendation_id == Recommendation.id)
                .where(Response.id == response_id)
            ).one()

        @invariant()
        def summaries_equal_a_computation_from_scratch(self):
            assert stored(session) == from_scratch(session)

        @invariant()
        def the_newest_public_updates_read_through_the_summaries_are_the_newest_of_all(self):
            for number in ("1", "3"):
                rec = session.exec(select(Recommendation).where(Recommendation.number == number)).one()
                parts = {rec.id} | set(
                    session.exec(select(Recommendation.id).where(Recommendation.parent_id == rec.id))
                )
                every = session.exec(
                    select(ProgressUpdate)
                    .join(Response, Response.id == ProgressUpdate.response_id)
                    .where(Response.recommendation_id.in_(parts), ProgressUpdate.visibility == "public")
                ).all()
                newest = sorted(every, key=lambda u: (u.update_on, u.id), reverse=True)
                for limit in (1, 2, 3, 10):
                    read = [update.id for update, _ in latest_updates(session, rec.id, limit=limit)]
                    assert read == [u.id for u in newest[:limit]], (number, limit)

        @invariant()
        def any_later_day_reads_that_days_figures(self):
            for later in (TODAY + dt.timedelta(days) for days in (0, 5, 31, 45)):
                assert figures(current(session, later)) == figures(
                    [r for r in compute(session, None, later) if r["required"]]
                ), later

    run_state_machine_as_test(
        Writes,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )


@pytest.fixture
def settings_(settings):
    return settings
