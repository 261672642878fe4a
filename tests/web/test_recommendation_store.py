"""A recommendation's national page kept until its data changes (``tracker.reports.oversight_store``), as the
dashboard is: its content is the same for every national reader and carries nothing of the reader; after any
sequence of writes the page served through the store equals a fresh render byte for byte; each kind of thing it
shows (the spread of statuses, addressee names, declarations, the latest public updates, approved practice, the
recommendation's own words, the day) shows at once when it changes; a write in one process is seen by the next
page in another; each language has its own content; an unknown id or a sub-recommendation stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test
from sqlmodel import Session, select

from tests.support.accounts import sign_in
from tests.support.oversight import STATE_MACHINE, TODAY, forget_stored, oversight_writes, stored
from tests.support.plans import complete, rec_id, response_of
from tracker.organisations.models import AddresseeGroup
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.declarations import DeclarationInput, declare_recommendation
from tracker.plans.services import load_response
from tracker.practice import services as practice
from tracker.recommendations.models import Recommendation
from tracker.reports import oversight_store
from tracker.vocabulary import Role

ANSWERS = [("kent", "1.1"), ("gwent", "1.1"), ("gwent", "1.2"), ("kent-pcc", "3")]
LANGUAGES = ("", "?lang=cy")


def url_of(session: Session, number: str, language: str = "") -> str:
    return f"/oversight/recommendations/{rec_id(session, number)}{language}"


def national(client, session: Session, number: str = "1", language: str = "") -> str:
    response = client.get(url_of(session, number, language))
    assert response.status_code == 200
    return response.text


def chiefs(session: Session) -> AddresseeGroup:
    """The addressee group recommendation 1 is addressed to."""
    return session.exec(select(AddresseeGroup).where(AddresseeGroup.code == "chief-constables")).one()


def main_of(page: str) -> str:
    return page.split("<main")[1].split("</main>")[0]


@pytest.fixture
def coordinator(client, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    return client


def test_the_page_is_served_from_the_store_while_nothing_changes(coordinator, session, scenario):
    first = national(coordinator, session)
    [row] = stored(session)
    row.body = row.body.replace("Where organisations are", "From the store")
    session.commit()  # a write to the store alone: the revision stays
    assert "From the store" in national(coordinator, session), "the stored content is what is served"
    assert national(coordinator, session).replace("From the store", "Where organisations are") == first


def test_every_national_reader_gets_the_same_content_and_none_of_it_is_personal(client, session, scenario, make_user):
    """Coordinators, inspectors and admins may all see the page: what one is shown, the others are shown too, so
    one stored content serves them all; it holds no reader's name, no CSRF token and no navigation."""
    readers = [make_user(role, email=f"{role.value}@example.org") for role in (Role.COORDINATOR, Role.INSPECTOR)]
    readers.append(make_user(Role.ADMIN, email="admin@example.org"))
    contents = set()
    for reader in readers:
        sign_in(client, reader.email)
        forget_stored(session)
        page = national(client, session)
        [row] = stored(session)
        assert main_of(page).count(row.body) == 1
        assert not any(r.display_name in row.body or r.email in row.body for r in readers)
        assert "csrf" not in row.body.lower() and "<nav" not in row.body
        contents.add(row.body)
    assert len(contents) == 1


def test_after_any_sequence_of_writes_the_stored_page_equals_a_fresh_render(coordinator, session, scenario, make_user):
    reviewer = make_user(Role.COORDINATOR, email="reviewer@example.org")

    class Writes(oversight_writes(session, make_user, ANSWERS)):  # type: ignore[misc]
        @rule(name=st.sampled_from(["Chief officers", "Prif swyddogion"]))
        def rename_addressee(self, name):
            chiefs(session).name = name
            session.commit()

        @rule(number=st.sampled_from(["1", "3"]), days=st.one_of(st.none(), st.integers(-30, 30)))
        def edit_recommendation(self, number, days):
            rec = session.exec(select(Recommendation).where(Recommendation.number == number)).one()
            rec.deadline = None if days is None else TODAY + dt.timedelta(days)
            rec.text = f"Fictional wording, deadline moved by {days}"
            rec.version += 1
            session.commit()

        @rule(title=st.sampled_from(["Clinic", "Helpline"]))
        def approve_practice(self, title):
            draft = practice.create_practice(session, self.editors["kent"], complete(session, title=title), submit=True)
            practice.approve(session, draft, reviewer, version=draft.version)

        @invariant()
        def served_equals_fresh(self):
            pages = [(number, language) for number in ("1", "3") for language in LANGUAGES]
            for number, language in pages:
                national(coordinator, session, number, language)  # stored before the next step's write
            for number, language in pages:
                served = national(coordinator, session, number, language)
                forget_stored(session)
                assert served == national(coordinator, session, number, language), (number, language)

    run_state_machine_as_test(
        Writes,
        settings=STATE_MACHINE,
    )


def test_approved_practice_shows_at_once(coordinator, session, scenario, make_user):
    """Practice has no summary of its own: approving it moves oversight's revision like any write the page reads."""
    assert "None linked yet." in national(coordinator, session)
    editor, reviewer = (
        make_user(Role.EDITOR, "kent", email="p@example.org"),
        make_user(Role.COORDINATOR, email="reviewer@example.org"),
    )
    draft = practice.create_practice(session, editor, complete(session), submit=True)
    assert "Stalking clinic" not in national(coordinator, session), "submitted, not yet approved"
    practice.approve(session, draft, reviewer, version=draft.version)
    assert "Stalking clinic for case officers" in national(coordinator, session)


def test_a_new_public_update_shows_at_once(coordinator, session, scenario, make_user):
    assert "Fictional news" not in national(coordinator, session)
    editor = make_user(Role.EDITOR, "kent", email="u@example.org")
    ctx = load_response(session, editor, response_of(session, "kent", "1.2").id, Permission.EDIT_PLAN)
    day = TODAY.strftime("%d/%m/%Y")
    services.add_update(session, ctx, editor, {"text": "Fictional news", "update_on": day, "visibility": "public"})
    assert "Fictional news" in national(coordinator, session).split("Latest public updates")[1]


def test_a_status_change_moves_the_organisation_in_the_spread(coordinator, session, scenario, make_user):
    spread = national(coordinator, session).split('data-testid="spread"')[1]
    assert "Gwent Police" in spread.split("Complete")[0]
    editor = make_user(Role.EDITOR, "gwent", email="s@example.org")
    for number in ("1.1", "1.2"):
        ctx = load_response(session, editor, response_of(session, "gwent", number).id, Permission.EDIT_PLAN)
        services.update_response(session, ctx, editor, {"status": "complete", "version": str(ctx.response.version)})
    spread = national(coordinator, session).split('data-testid="spread"')[1]
    assert "Gwent Police" not in spread.split("Complete")[0]


def test_a_renamed_addressee_shows_at_once(coordinator, session, scenario):
    assert "Fictional chiefs" not in national(coordinator, session)
    chiefs(session).name = "Fictional chiefs"
    session.commit()
    assert "Fictional chiefs" in national(coordinator, session)


def test_a_declaration_shows_at_once(coordinator, session, scenario, make_user):
    assert "Kent Police" not in national(coordinator, session, "2")
    editor = make_user(Role.EDITOR, "kent", email="declarer@example.org")
    declare_recommendation(session, get_by_slug(session, "kent"), DeclarationInput(number="2"), editor)
    assert "Kent Police" in national(coordinator, session, "2").split('data-testid="spread"')[1]


def test_an_edited_recommendation_shows_at_once(coordinator, session, scenario):
    rec = session.get(Recommendation, rec_id(session, "1"))
    assert "Fictional new wording" not in national(coordinator, session)
    rec.text, rec.version = "Fictional new wording", rec.version + 1
    session.commit()
    assert "Fictional new wording" in national(coordinator, session)


def test_a_new_day_shows_the_figures_of_that_day(coordinator, session, scenario, monkeypatch):
    rec = session.get(Recommendation, rec_id(session, "3"))
    rec.deadline, rec.version = TODAY + dt.timedelta(days=10), rec.version + 1
    session.commit()
    assert "(overdue)" not in national(coordinator, session, "3")
    [row] = stored(session)
    key, etag = row.key, row.etag
    # Nothing is written: on a day after the deadline the PCCs that have not finished are overdue.
    monkeypatch.setattr(oversight_store, "today", lambda: TODAY + dt.timedelta(days=11))
    assert "(overdue)" in national(coordinator, session, "3")
    [again] = stored(session)
    assert again.key == key and again.etag != etag, "the same row, replaced"


def test_each_language_has_its_own_stored_content(coordinator, session, scenario):
    english, welsh = (national(coordinator, session, "1", language) for language in LANGUAGES)
    assert main_of(english) != main_of(welsh) and len(stored(session)) == 2
    assert national(coordinator, session, "1", "?lang=cy") == welsh and national(coordinator, session) == english


def test_each_recommendation_has_its_own_row_and_unknown_ones_store_nothing(coordinator, session, scenario):
    for path in ("/oversight/recommendations/999999", f"/oversight/recommendations/{rec_id(session, '1.1')}"):
        assert coordinator.get(path).status_code == 404
    assert stored(session) == []
    for _ in range(2):
        national(coordinator, session, "1")
    assert len(stored(session)) == 1, "one row per key, replaced rather than added"
    national(coordinator, session, "3")
    assert len(stored(session)) == 2


@pytest.mark.commits
def test_a_write_in_one_process_is_seen_by_the_next_page_in_another(
    app_client_factory, engine, small_reference, make_user
):
    one, two = app_client_factory(), app_client_factory()
    inspector = make_user(Role.INSPECTOR)
    for client in (one, two):
        sign_in(client, inspector.email)
    with Session(engine) as elsewhere:
        url = url_of(elsewhere, "1")
    assert "Fictional chiefs" not in one.get(url).text
    with Session(engine) as elsewhere:
        chiefs(elsewhere).name = "Fictional chiefs"
        elsewhere.commit()
    assert "Fictional chiefs" in two.get(url).text
    assert "Fictional chiefs" in one.get(url).text
