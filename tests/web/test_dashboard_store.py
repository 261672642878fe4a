"""The dashboard's stored content (``tracker.reports.oversight_store``) is never stale: after any sequence of writes
the dashboard served through the store equals a fresh render byte for byte; each kind of thing the dashboard shows
moves the revision on when it changes (a period frozen, a declaration, an organisation or region renamed, a
recommendation edited, an assessment recorded, a new day); a write in one process is seen by the next dashboard in
another; a narrowed view or a made-up value stores nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test
from sqlmodel import Session, select

from tests.support.accounts import sign_in
from tests.support.oversight import STATE_MACHINE, TODAY, forget_stored, oversight_writes, stored
from tests.support.plans import response_of
from tests.support.web import checked_client
from tracker.assessments.services import record_assessment
from tracker.audit.services import Actor
from tracker.db import insert_rows
from tracker.organisations.models import Region
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans.declarations import DeclarationInput, declare_recommendation
from tracker.plans.models import Action
from tracker.plans.services import load_response
from tracker.recommendations.models import Recommendation
from tracker.reports import oversight_store
from tracker.reports.services import freeze_period, open_period
from tracker.vocabulary import Role

ANSWERS = [("kent", "1.1"), ("kent", "1.2"), ("gwent", "1.1"), ("kent-pcc", "3")]


def dashboard(client, url: str = "/oversight") -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.text


# The views the store keeps: each order, and each language.
STORED_VIEWS = ("/oversight", "/oversight?sort=progress", "/oversight?lang=cy")


def served_and_fresh(client, session: Session, url: str = "/oversight") -> tuple[str, str]:
    """The dashboard as served (through the store, whatever it holds) and as rendered afresh just after."""
    served = dashboard(client, url)
    forget_stored(session)
    return served, dashboard(client, url)


def headline(page: str, name: str) -> str:
    return page.split(f'data-testid="{name}">')[1].split("</dd>")[0]


@pytest.fixture
def coordinator(client, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    return client


def test_the_dashboard_is_served_from_the_store_while_nothing_changes(coordinator, session, scenario):
    first = dashboard(coordinator)
    [row] = stored(session)
    row.body = row.body.replace("National oversight", "From the store")
    session.commit()  # a write to the store alone: the revision stays
    assert "From the store" in dashboard(coordinator), "the stored content is what is served"
    assert dashboard(coordinator).replace("From the store", "National oversight") == first


def test_a_stored_content_carries_nothing_of_the_person_asking(coordinator, session, scenario, make_user):
    dashboard(coordinator)
    [row] = stored(session)
    user = make_user(Role.COORDINATOR, email="another@example.org")
    assert user.display_name not in row.body and "csrf" not in row.body.lower() and "<nav" not in row.body


def test_after_any_sequence_of_writes_the_stored_dashboard_equals_a_fresh_render(
    coordinator, session, scenario, make_user
):
    class Writes(oversight_writes(session, make_user, ANSWERS)):  # type: ignore[misc]
        @rule(answer=st.sampled_from(ANSWERS), due=st.integers(-10, 10))
        def bulk_insert(self, answer, due):
            row = {"response_id": response_of(session, *answer).id, "description": "Imported"}
            insert_rows(session, Action, [row | {"target_date": TODAY + dt.timedelta(due), "position": 900 + due}])
            session.commit()

        @rule(number=st.sampled_from(["1", "3"]), days=st.one_of(st.none(), st.integers(-30, 30)))
        def move_deadline(self, number, days):
            rec = session.exec(select(Recommendation).where(Recommendation.number == number)).one()
            rec.deadline = None if days is None else TODAY + dt.timedelta(days)
            rec.version += 1
            session.commit()

        @rule()
        def freeze(self):
            # one period can be frozen with today's cut-off (a later one must be cut off later)
            if "Spring" not in dashboard(coordinator):
                freeze_period(session, open_period(session, name="Spring", cut_off=TODAY, actor=Actor("t")), Actor("t"))
                session.commit()

        @invariant()
        def served_equals_fresh(self):
            for url in STORED_VIEWS:
                dashboard(coordinator, url)  # stored before the next step's write
            for url in STORED_VIEWS:
                served, fresh = served_and_fresh(coordinator, session, url)
                assert served == fresh, url

    run_state_machine_as_test(
        Writes,
        settings=STATE_MACHINE,
    )


def test_a_frozen_period_shows_at_once(coordinator, session, scenario):
    assert "Spring" not in dashboard(coordinator)
    freeze_period(session, open_period(session, name="Spring", cut_off=TODAY, actor=Actor("t")), Actor("t"))
    session.commit()
    assert "Spring" in dashboard(coordinator).split('data-testid="period-progress"')[1]


def test_a_declaration_shows_at_once(coordinator, session, scenario, make_user):
    before = dashboard(coordinator)
    assert "declared by the organisation" not in headline(before, "responses")
    editor = make_user(Role.EDITOR, "kent", email="declarer@example.org")
    declare_recommendation(session, get_by_slug(session, "kent"), DeclarationInput(number="2"), editor)
    after = dashboard(coordinator)
    assert "declared by the organisation" in headline(after, "responses")


@pytest.mark.parametrize("what", ["organisation", "region"])
def test_a_renamed_organisation_or_region_shows_at_once(coordinator, session, scenario, what):
    assert "Fictional name" not in dashboard(coordinator)
    if what == "organisation":
        get_by_slug(session, "gwent").name = "Fictional name"
    else:
        session.exec(
            select(Region).where(Region.code == get_by_slug(session, "gwent").region_code)
        ).one().name = "Fictional name"
    session.commit()
    assert "Fictional name" in dashboard(coordinator)


def test_an_edited_recommendation_shows_at_once(coordinator, session, scenario):
    assert headline(dashboard(coordinator), "overdue").startswith("1 ")
    three = session.exec(select(Recommendation).where(Recommendation.number == "3")).one()
    three.deadline, three.version = TODAY - dt.timedelta(days=1), three.version + 1
    session.commit()
    assert headline(dashboard(coordinator), "overdue").startswith("3 "), "two PCCs have not finished 3"


def test_a_recorded_assessment_shows_at_once(coordinator, session, scenario, make_user):
    before = headline(dashboard(coordinator), "agreement")
    inspector = make_user(Role.INSPECTOR, email="i@example.org")
    ctx = load_response(session, inspector, response_of(session, "kent-pcc", "3").id, Permission.ASSESS)
    record_assessment(session, ctx, inspector, {"rating": "met", "rationale": "Seen it"})
    after = headline(dashboard(coordinator), "agreement")
    assert before != after and after.startswith("1 agree")


def test_a_new_day_shows_the_figures_of_that_day(coordinator, session, scenario, monkeypatch):
    assert headline(dashboard(coordinator), "overdue").startswith("1 ")
    [row] = stored(session)
    key, etag = row.key, row.etag
    # Nothing is written: a later day's figures differ only by the day.
    monkeypatch.setattr(oversight_store, "today", lambda: TODAY + dt.timedelta(days=400))
    page = dashboard(coordinator)
    assert (TODAY + dt.timedelta(days=400)).strftime("%Y") in page.split("Figures as at")[1].split(".")[0]
    [again] = stored(session)
    assert again.etag != etag and again.key == key, "the same row, replaced"


def test_only_the_unnarrowed_dashboard_is_stored_one_row_per_set_order_and_language(coordinator, session, scenario):
    """Every combination of the filters would be thousands of rows of ~170 KB: a narrowed view, or a made-up
    value, is rendered afresh and stores nothing; the dashboard as people land on it is kept, one row a key."""
    region = get_by_slug(session, "gwent").region_code
    for url in (
        "/oversight?region=nowhere",
        "/oversight?kind=made-up",
        "/oversight?sort=sideways",
        "/oversight?theme=x",
        f"/oversight?region={region}",
        "/oversight?status=complete",
        "/oversight?attention=true",
        f"/oversight?region={region}&status=complete&attention=true&sort=progress",
    ):
        dashboard(coordinator, url)
    assert stored(session) == []
    for _ in range(2):
        dashboard(coordinator, "/oversight?sort=progress")
    assert len(stored(session)) == 1, "one row per key, replaced rather than added"
    dashboard(coordinator)
    assert len(stored(session)) == 2, "each order has its own row"


@pytest.mark.commits
def test_a_write_in_one_process_is_seen_by_the_next_dashboard_in_another(
    app_client_factory, engine, small_reference, make_user
):
    one, two = app_client_factory(), app_client_factory()
    coordinator = make_user(Role.COORDINATOR)
    for client in (one, two):
        sign_in(client, coordinator.email)
    assert "Fictional name" not in dashboard(one)
    with Session(engine) as elsewhere:
        get_by_slug(elsewhere, "gwent").name = "Fictional name"
        elsewhere.commit()
    assert "Fictional name" in dashboard(two)
    assert "Fictional name" in dashboard(one)


def test_each_language_has_its_own_stored_content(coordinator, session, scenario):
    english, welsh = dashboard(coordinator), dashboard(coordinator, "/oversight?lang=cy")
    assert english != welsh and len(stored(session)) == 2
    assert dashboard(coordinator, "/oversight?lang=cy") == welsh and dashboard(coordinator) == english


def test_another_rule_for_no_recent_update_is_not_served_the_content_of_the_first(
    coordinator, session, scenario, settings, make_app, make_user
):
    assert "No update in the last 90 days" in dashboard(coordinator)
    other = checked_client(make_app(dataclasses.replace(settings, stale_update_days=10)))
    with other:
        sign_in(other, make_user(Role.COORDINATOR, email="other@example.org").email)
        page = dashboard(other)
    assert "No update in the last 10 days" in page and "No update in the last 90 days" not in page
