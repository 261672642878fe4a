"""The promising-practice library: submitting, reviewing, the public pages and the bundled entries."""

from __future__ import annotations

import re

import pytest
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.factories import write
from tests.support.plans import complete, rec_id
from tests.support.web import csrf_headers
from tracker.audit.services import Actor, history
from tracker.datafiles import LoadError
from tracker.db import StaleRecord
from tracker.inputs import BIDI_MESSAGE
from tracker.loading import load_file
from tracker.practice import services
from tracker.practice.models import Practice
from tracker.practice.services import Filters, PracticeError
from tracker.settings import RECOMMENDATIONS_DIR
from tracker.vocabulary import PracticeStatus, Role

PRACTICE_FILE = RECOMMENDATIONS_DIR / "practice.yaml"


@pytest.fixture
def people(session, small_reference, make_user):
    return {
        "editor": make_user(Role.EDITOR, "kent"),
        "gwent": make_user(Role.EDITOR, "gwent"),
        "coordinator": make_user(Role.COORDINATOR),
        "admin": make_user(Role.ADMIN),
        "viewer": make_user(Role.VIEWER, "kent"),
    }


def public_titles(session, **filters) -> list[str]:
    return [v.practice.title for v in services.browse(session, Filters.of(**filters))]


# --- submitting ----------------------------------------------------------------------------------------------


def test_a_draft_needs_only_a_title_and_belongs_to_the_editors_organisation(session, people):
    practice = services.create_practice(session, people["editor"], {"title": "Half-written idea"}, submit=False)
    assert practice.status is PracticeStatus.DRAFT
    assert practice.organisation_id == people["editor"].organisation_id
    assert practice.slug == "half-written-idea"
    assert public_titles(session) == []


def test_submitting_needs_every_field_a_reader_needs_and_says_which(session, people):
    with pytest.raises(PracticeError) as raised:
        services.create_practice(session, people["editor"], {"title": "Thin"}, submit=True)
    assert set(raised.value.errors) == {
        "summary",
        "what_was_done",
        "outcomes",
        "stage",
        "themes",
        "recommendations",
        "contact_role",
    }
    assert session.exec(select(Practice)).all() == []


@pytest.mark.parametrize(
    "links",
    [
        "javascript:alert(1)",
        "ftp://example.org/x",
        "www.example.org",
        "https://",
        "https://exa mple.org",
        "http://[::1",
    ],
)
def test_links_must_be_full_http_or_https_addresses(session, people, links):
    with pytest.raises(PracticeError) as raised:
        services.create_practice(session, people["editor"], complete(session, links=links), submit=True)
    assert raised.value.errors == {"links": "Link 1 must be a full web address starting with https:// or http://"}


@pytest.mark.parametrize("contact", ["jo.bloggs@kent.example.org", "Call 01234 567890"])
def test_the_contact_is_a_role_not_contact_details(session, people, contact):
    with pytest.raises(PracticeError) as raised:
        services.create_practice(session, people["editor"], complete(session, contact_role=contact), submit=True)
    assert "contact_role" in raised.value.errors


def test_unknown_themes_stages_and_recommendations_are_refused(session, people):
    bad = complete(session, themes=["astrology"], stage="legendary", recommendations=["999999", "x"])
    with pytest.raises(PracticeError) as raised:
        services.create_practice(session, people["editor"], bad, submit=True)
    assert {"themes", "stage", "recommendations"} <= set(raised.value.errors)


def test_slugs_are_unique_and_never_a_reserved_path(session, people):
    first = services.create_practice(session, people["editor"], {"title": "Review"}, submit=False)
    second = services.create_practice(session, people["editor"], {"title": "Review"}, submit=False)
    assert first.slug == "review-practice" and second.slug == "review-practice-2"


# --- reviewing -----------------------------------------------------------------------------------------------


def test_submit_return_resubmit_approve_and_the_history_of_it_all(session, people):
    editor, coordinator = people["editor"], people["coordinator"]
    practice = services.create_practice(session, editor, complete(session), submit=True)
    assert practice.status is PracticeStatus.SUBMITTED
    assert [v.practice.id for v in services.review_queue(session)] == [practice.id]
    assert public_titles(session) == []

    with pytest.raises(PracticeError):
        services.return_for_changes(session, practice, coordinator, "   ", version=practice.version)
    services.return_for_changes(
        session, practice, coordinator, "Say how many cases it covered.", version=practice.version
    )
    assert practice.status is PracticeStatus.RETURNED and practice.review_comment.startswith("Say how many")
    assert public_titles(session) == [] and services.review_queue(session) == []

    services.update_practice(
        session,
        practice,
        editor,
        complete(session, outcomes="Forty cases were reviewed.", version=practice.version),
        submit=True,
    )
    assert practice.status is PracticeStatus.SUBMITTED
    services.approve(session, practice, coordinator, version=practice.version)
    assert practice.status is PracticeStatus.APPROVED and practice.reviewed_by_id == coordinator.id
    assert practice.review_comment is None
    assert public_titles(session) == ["Stalking clinic for case officers"]

    events = history(session, "practice", practice.id)
    assert [e.action for e in events] == ["submit", "return", "submit", "approve"]
    assert events[1].after["review_comment"] == "Say how many cases it covered."
    assert events[2].after["outcomes"] == "Forty cases were reviewed."
    assert all(e.organisation_id == editor.organisation_id for e in events)


def test_only_submitted_practice_can_be_approved(session, people):
    draft = services.create_practice(session, people["editor"], {"title": "Draft"}, submit=False)
    with pytest.raises(PracticeError):
        services.approve(session, draft, people["coordinator"], version=draft.version)


def test_editing_approved_practice_takes_it_out_of_the_library_until_approved_again(session, people):
    practice = services.create_practice(session, people["editor"], complete(session), submit=True)
    services.approve(session, practice, people["coordinator"], version=practice.version)
    renamed = complete(session, title="Renamed")
    services.update_practice(session, practice, people["editor"], renamed | {"version": practice.version}, submit=False)
    assert practice.status is PracticeStatus.DRAFT and public_titles(session) == []
    assert practice.slug == "stalking-clinic-for-case-officers"  # the address does not move
    services.update_practice(session, practice, people["editor"], renamed | {"version": practice.version}, submit=True)
    services.approve(session, practice, people["coordinator"], version=practice.version)
    assert public_titles(session) == ["Renamed"]
    assert "taken out of the public library" in history(session, "practice", practice.id)[2].summary


def test_who_may_edit_and_review(session, people):
    practice = services.create_practice(session, people["editor"], complete(session), submit=True)
    assert services.can_edit(people["editor"], practice) and services.can_edit(people["admin"], practice)
    assert not services.can_edit(people["gwent"], practice) and not services.can_edit(people["coordinator"], practice)
    assert services.can_review(people["coordinator"]) and not services.can_review(people["editor"])
    with pytest.raises(NotFoundException):
        services.load_for_edit(session, people["gwent"], practice.id)
    with pytest.raises(PermissionDeniedException):
        services.load_for_edit(session, people["coordinator"], practice.id)
    with pytest.raises(PermissionDeniedException):
        services.approve(session, practice, people["editor"], version=practice.version)


def test_an_admin_may_attribute_practice_to_any_organisation_or_to_none(session, people):
    values = complete(session, organisation="gwent")
    practice = services.create_practice(session, people["admin"], values, submit=True)
    assert services.view_by_id(session, practice.id).organisation.slug == "gwent"
    assert history(session, "practice", practice.id)[0].after["organisation"] == "Gwent Police"
    with pytest.raises(PracticeError) as raised:
        services.create_practice(session, people["admin"], complete(session, organisation=""), submit=True)
    assert "organisation" in raised.value.errors
    unattributed = services.create_practice(
        session, people["admin"], complete(session, organisation="", attribution_note="Not confirmed."), submit=True
    )
    assert unattributed.organisation_id is None and unattributed.attribution_note == "Not confirmed."


# --- pages ---------------------------------------------------------------------------------------------------


def approved(session, people, **overrides) -> Practice:
    practice = services.create_practice(session, people["editor"], complete(session, **overrides), submit=True)
    return services.approve(session, practice, people["coordinator"], version=practice.version)


def test_the_public_page_shows_the_practice_and_links_to_its_recommendations(client, session, people):
    practice = approved(session, people)
    page = client.get(f"/practice/{practice.slug}")
    assert page.status_code == 200
    assert "<h1" in page.text and "Stalking clinic for case officers" in page.text
    assert 'href="/organisations/kent"' in page.text and "Kent Police" in page.text
    assert 'href="/recommendations/test-report/1"' in page.text
    assert "Stalking coordinator" in page.text and "https://www.example.org/clinic" in page.text
    assert "History of this practice" not in page.text  # for insiders only
    listing = client.get("/practice")
    assert f'href="/practice/{practice.slug}"' in listing.text


def test_unapproved_practice_and_review_comments_are_never_public(client, session, people):
    practice = services.create_practice(session, people["editor"], complete(session), submit=True)
    services.return_for_changes(
        session, practice, people["coordinator"], "REVIEW-COMMENT-MARKER", version=practice.version
    )
    assert client.get(f"/practice/{practice.slug}").status_code == 404
    assert "Stalking clinic" not in client.get("/practice").text
    again = complete(session, version=practice.version)
    services.update_practice(session, practice, people["editor"], again, submit=True)
    services.approve(session, practice, people["coordinator"], version=practice.version)
    page = client.get(f"/practice/{practice.slug}")
    assert page.status_code == 200 and "REVIEW-COMMENT-MARKER" not in page.text
    sign_in(client, people["coordinator"].email)
    assert "REVIEW-COMMENT-MARKER" in client.get(f"/practice/{practice.slug}/history").text


def test_its_own_editors_see_an_unapproved_practice_with_its_status(client, session, people):
    practice = services.create_practice(session, people["editor"], {"title": "Work in progress"}, submit=False)
    sign_in(client, people["editor"].email)
    page = client.get(f"/practice/{practice.slug}")
    assert page.status_code == 200 and "not public" in page.text
    sign_in(client, people["gwent"].email)
    assert client.get(f"/practice/{practice.slug}").status_code == 404


def test_the_form_keeps_everything_and_shows_errors_beside_fields(client, session, people):
    sign_in(client, people["editor"].email)
    form = client.get("/practice/submissions/new")
    assert form.status_code == 200 and 'name="recommendations"' in form.text and "Kent Police" in form.text
    data = complete(session, links="not a link", outcomes="")
    data["action"] = "submit"
    response = client.post("/practice/submissions", data=data, headers=csrf_headers(client))
    assert response.status_code == 422
    assert 'href="#links"' in response.text and 'href="#outcomes"' in response.text  # the error summary
    assert 'id="links-error"' in response.text and 'id="outcomes-error"' in response.text
    assert "Weekly advice for officers with stalking cases." in response.text  # nothing lost
    assert 'value="investigation" checked' in response.text
    assert session.exec(select(Practice)).all() == []


def test_submitting_through_the_form_and_approving_through_the_review_page(client, session, people):
    sign_in(client, people["editor"].email)
    data = complete(session) | {"action": "submit"}
    response = client.post("/practice/submissions", data=data, headers=csrf_headers(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/practice/submissions?saved=")
    session.rollback()  # end the test's read transaction, to see what the app committed
    practice = session.exec(select(Practice)).one()
    assert practice.status is PracticeStatus.SUBMITTED
    assert set(practice.themes) == {"investigation", "training"}
    assert "Practice submitted for review" in client.get(response.headers["location"]).text

    sign_in(client, people["coordinator"].email)
    queue = client.get("/practice/review")
    assert f'href="/practice/review/{practice.id}"' in queue.text
    review = f"/practice/review/{practice.id}"
    read = {"version": str(practice.version)}
    empty = client.post(f"{review}/return", data=read | {"review_comment": ""}, headers=csrf_headers(client))
    assert empty.status_code == 422 and 'id="review_comment-error"' in empty.text
    approve = client.post(f"{review}/approve", data=read, headers=csrf_headers(client), follow_redirects=False)
    assert approve.status_code == 303
    assert client.get(f"/practice/{practice.slug}").status_code == 200


def test_with_htmx_errors_swap_the_form_and_success_sends_the_browser_on(client, session, people):
    sign_in(client, people["editor"].email)
    htmx = csrf_headers(client) | {"HX-Request": "true", "HX-Target": "practice-form"}
    bad = client.post("/practice/submissions", data={"title": "", "action": "draft"}, headers=htmx)
    assert bad.status_code == 422 and "<html" not in bad.text and 'id="practice-form"' in bad.text
    good = client.post("/practice/submissions", data={"title": "Quick draft", "action": "draft"}, headers=htmx)
    assert good.status_code == 200 and good.headers["HX-Redirect"].startswith("/practice/submissions")


def test_forms_need_the_csrf_token(client, session, people):
    sign_in(client, people["editor"].email)
    response = client.post("/practice/submissions", data={"title": "No token", "action": "draft"})
    assert response.status_code == 403
    session.rollback()
    assert session.exec(select(Practice)).all() == []


def test_an_editor_edits_a_returned_practice_and_resubmits_through_the_form(client, session, people):
    practice = services.create_practice(session, people["editor"], complete(session), submit=True)
    services.return_for_changes(
        session, practice, people["coordinator"], "Add the number of cases.", version=practice.version
    )
    sign_in(client, people["editor"].email)
    edit = client.get(f"/practice/submissions/{practice.id}/edit")
    assert "Add the number of cases." in edit.text and "Weekly advice for officers" in edit.text
    data = complete(session, outcomes="Forty cases.") | {"action": "submit", "version": _version_on(edit)}
    response = client.post(f"/practice/submissions/{practice.id}", data=data, headers=csrf_headers(client))
    assert response.status_code == 200
    session.rollback()
    session.refresh(practice)
    assert practice.status is PracticeStatus.SUBMITTED and practice.outcomes == "Forty cases."


def test_filters_narrow_the_library(session, people):
    approved(session, people, title="Clinic", stage="promising", themes=["investigation"])
    approved(
        session,
        people,
        title="Helpline",
        stage="evaluated",
        themes=["victim-support"],
        recommendations=[str(rec_id(session, "3"))],
    )
    assert public_titles(session) == ["Clinic", "Helpline"]
    assert public_titles(session, stage="evaluated") == ["Helpline"]
    assert public_titles(session, theme="investigation") == ["Clinic"]
    assert public_titles(session, recommendation=str(rec_id(session, "3"))) == ["Helpline"]
    assert public_titles(session, organisation="kent") == ["Clinic", "Helpline"]
    assert public_titles(session, organisation="gwent") == []
    assert public_titles(session, stage="nonsense", theme="nonsense") == ["Clinic", "Helpline"]  # ignored
    options = services.filter_options(session)
    assert [o.slug for o in options.organisations] == ["kent"]
    assert [r.recommendation.number for r in options.recommendations] == ["1", "3"]


def test_the_library_page_filters_without_javascript_and_with_htmx(client, session, people):
    approved(session, people, title="Clinic", stage="promising")
    approved(session, people, title="Helpline", stage="evaluated")
    page = client.get("/practice?stage=evaluated&recommendation=abc&organisation=%00")
    assert page.status_code == 200 and "Helpline" in page.text and "Clinic" not in page.text
    partial = client.get("/practice?stage=promising", headers={"HX-Request": "true", "HX-Target": "practice-results"})
    assert "<html" not in partial.text and "Clinic" in partial.text and "Helpline" not in partial.text


# --- the bundled entries -------------------------------------------------------------------------------------


def test_the_five_named_examples_load_unattributed_and_public(session, reference_data):
    result = load_file(session, PRACTICE_FILE, Actor("test"))
    assert len(result.created) == 5
    practices = session.exec(select(Practice)).all()
    assert len(practices) == 5
    for practice in practices:
        assert practice.status is PracticeStatus.APPROVED
        assert practice.organisation_id is None
        assert "not confirmed" in practice.attribution_note
    titles = {p.title for p in practices}
    assert "A safeguarding app for victims of domestic abuse and stalking" in titles
    again = load_file(session, PRACTICE_FILE, Actor("test"))
    assert not again.changed_anything and again.unchanged == 5


def test_a_bad_practice_file_loads_nothing_and_says_where(session, small_reference, tmp_path):
    path = write(
        tmp_path,
        "practice.yaml",
        """\
        practice:
          - slug: one
            title: One
            organisation: atlantis
            summary: s
            what_was_done: w
            stage: promising
            themes: [astrology]
        """,
    )
    with pytest.raises(LoadError) as raised:
        load_file(session, path, Actor("test"))
    assert any(p.line == 8 and "astrology" in p.message for p in raised.value.problems)
    assert session.exec(select(Practice)).all() == []


def test_nul_characters_in_a_form_are_dropped_not_an_error(client, session, people):
    sign_in(client, people["editor"].email)
    data = {"title": "Nul\x00 title", "summary": "a\x00b", "action": "draft"}
    response = client.post("/practice/submissions", data=data, headers=csrf_headers(client), follow_redirects=False)
    assert response.status_code == 303
    session.rollback()
    assert session.exec(select(Practice.title)).one() == "Nul title"


def test_an_admin_can_open_the_edit_form_of_practice_attributed_to_no_organisation(client, session, people):
    practice = services.create_practice(
        session, people["admin"], complete(session, organisation="", attribution_note="Not confirmed."), submit=True
    )
    sign_in(client, people["admin"].email)
    page = client.get(f"/practice/submissions/{practice.id}/edit")
    assert page.status_code == 200 and "Not confirmed." in page.text


def _version_on(page) -> str:
    return re.search(r'name="version" value="(\d+)"', page.text).group(1)


def test_a_decision_on_practice_changed_since_the_reviewer_opened_it_is_refused_and_shows_the_newer_text(
    client, session, people
):
    """Finding #10: the reviewer approves or returns the words they read, never words changed since."""
    practice = services.create_practice(session, people["editor"], complete(session), submit=True)
    sign_in(client, people["coordinator"].email)
    review = f"/practice/review/{practice.id}"
    read = _version_on(client.get(review))
    sneaked = complete(session, outcomes="UNREVIEWED OUTCOMES ZZSNEAK", version=practice.version)
    services.update_practice(session, practice, people["editor"], sneaked, submit=True)

    approve = client.post(f"{review}/approve", data={"version": read}, headers=csrf_headers(client))
    assert approve.status_code == 409
    assert "changed since you opened it" in approve.text and "UNREVIEWED OUTCOMES ZZSNEAK" in approve.text
    returned = client.post(
        f"{review}/return", data={"version": read, "review_comment": "TYPED COMMENT"}, headers=csrf_headers(client)
    )
    assert returned.status_code == 409 and "changed since you opened it" in returned.text
    assert "TYPED COMMENT" in returned.text  # what the reviewer typed is kept
    session.rollback()
    session.refresh(practice)
    assert practice.status is PracticeStatus.SUBMITTED and public_titles(session) == []
    assert [e.action for e in history(session, "practice", practice.id)] == ["submit", "submit"]

    newer = _version_on(approve)  # the refusal shows the newer text with its version: approving that is fine
    again = client.post(
        f"{review}/approve", data={"version": newer}, headers=csrf_headers(client), follow_redirects=False
    )
    assert again.status_code == 303
    session.rollback()
    assert public_titles(session) == ["Stalking clinic for case officers"]


def test_a_decision_without_the_version_read_is_refused(session, people):
    practice = services.create_practice(session, people["editor"], complete(session), submit=True)
    with pytest.raises(StaleRecord):
        services.approve(session, practice, people["coordinator"], version=None)
    with pytest.raises(StaleRecord):
        services.return_for_changes(session, practice, people["coordinator"], "Comment", version="")


def test_editing_practice_waiting_for_review_is_allowed_and_the_form_says_what_it_does(client, session, people):
    """Editors may still correct a submission: the reviewer's version check (above) keeps decisions honest."""
    practice = services.create_practice(session, people["editor"], complete(session), submit=True)
    sign_in(client, people["editor"].email)
    edit = client.get(f"/practice/submissions/{practice.id}/edit")
    assert edit.status_code == 200 and "the reviewer decides on the new text" in edit.text


def test_two_editors_saving_the_same_version_of_a_write_up_never_overwrite_each_other(
    client, session, people, make_user, app_client_factory
):
    """The edit form carries the version loaded: the second save of it is refused (409) with the conflict panel,
    the newer values in the form and what the second editor typed under "Yours (not saved)"; nothing of it saved."""
    practice = services.create_practice(session, people["editor"], complete(session), submit=False)
    edit = f"/practice/submissions/{practice.id}/edit"
    sign_in(client, people["editor"].email)
    other = app_client_factory()
    sign_in(other, make_user(Role.EDITOR, "kent", "second-editor@example.org").email)
    first_read, second_read = _version_on(client.get(edit)), _version_on(other.get(edit))
    assert first_read == second_read == str(practice.version)

    first = complete(session, outcomes="FIRST OUTCOMES SAVED") | {"action": "draft", "version": first_read}
    saved = client.post(
        f"/practice/submissions/{practice.id}", data=first, headers=csrf_headers(client), follow_redirects=False
    )
    assert saved.status_code == 303
    typed = {"title": "SECOND TITLE KEEP", "outcomes": "SECOND OUTCOMES KEEP", "stage": "evaluated"}
    second = complete(session, **typed) | {"action": "submit", "version": second_read}
    for headers in (csrf_headers(other), csrf_headers(other) | {"HX-Request": "true", "HX-Target": "practice-form"}):
        stale = other.post(f"/practice/submissions/{practice.id}", data=second, headers=headers)
        assert stale.status_code == 409 and 'data-testid="conflict"' in stale.text
        panel = stale.text.split('data-testid="conflict"')[1].split("</table>")[0]
        assert "Yours (not saved)" in panel and "SECOND OUTCOMES KEEP" in panel and "SECOND TITLE KEEP" in panel
        assert "FIRST OUTCOMES SAVED" in panel and "Evaluated" in panel and "Promising" in panel  # stages in words
        form = stale.text.split("</table>")[-1]
        assert "FIRST OUTCOMES SAVED" in form and "SECOND OUTCOMES KEEP" not in form  # the newer values
        assert _version_on(stale) == str(int(first_read) + 1)  # saving again from here is saving on the newer one
    assert "<html" not in stale.text and 'id="practice-form"' in stale.text  # htmx: the form alone, swapped

    session.rollback()
    session.refresh(practice)
    assert practice.outcomes == "FIRST OUTCOMES SAVED" and practice.status is PracticeStatus.DRAFT
    assert [e.action for e in history(session, "practice", practice.id)] == ["create", "edit"]
    again = second | {"version": _version_on(stale)}
    saved_again = other.post(f"/practice/submissions/{practice.id}", data=again, headers=csrf_headers(other))
    assert saved_again.status_code == 200
    session.rollback()
    session.refresh(practice)
    assert practice.outcomes == "SECOND OUTCOMES KEEP" and practice.status is PracticeStatus.SUBMITTED


def test_a_write_up_sent_back_with_errors_keeps_the_version_loaded_so_a_later_save_still_meets_the_newer_one(
    client, session, people
):
    """Correcting errors is not reading the newer text: the form keeps the version the person loaded."""
    practice = services.create_practice(session, people["admin"], complete(session, organisation="kent"), submit=False)
    sign_in(client, people["admin"].email)
    read = _version_on(client.get(f"/practice/submissions/{practice.id}/edit"))
    meanwhile = complete(session, organisation="kent", outcomes="MEANWHILE", version=practice.version)
    services.update_practice(session, practice, people["editor"], meanwhile, submit=False)

    mine = complete(session, organisation="", attribution_note="ADMIN NOTE") | {"action": "draft", "version": read}
    wrong = client.post(f"/practice/submissions/{practice.id}", data=mine | {"title": ""}, headers=csrf_headers(client))
    assert wrong.status_code == 422 and _version_on(wrong) == read
    stale = client.post(f"/practice/submissions/{practice.id}", data=mine, headers=csrf_headers(client))
    assert stale.status_code == 409
    panel = stale.text.split('data-testid="conflict"')[1].split("</table>")[0]
    assert "Organisation that runs it" in panel and "Kent Police" in panel and "ADMIN NOTE" in panel  # admins only
    session.rollback()
    session.refresh(practice)
    assert practice.outcomes == "MEANWHILE" and practice.attribution_note is None


@pytest.mark.parametrize("character", ["\u202e", "\u202d", "\u2066", "\u2069", "\u202b"])
def test_a_practice_link_with_a_direction_control_is_refused_beside_the_field(client, session, people, character):
    """Outsider pass 5, finding 1: "https://example.org/\u202egnp.exe" reads as ".../exe.png" on the public page.
    A link is one line, so it refuses every direction control, as the short fields do, with their message."""
    sign_in(client, people["editor"].email)
    link = f"https://example.org/{character}gnp.exe"
    for action in ("draft", "submit"):
        data = complete(session, links=f"https://example.org/fine\n{link}") | {"action": action}
        answer = client.post("/practice/submissions", data=data, headers=csrf_headers(client))
        assert answer.status_code == 422, action
        assert 'href="#links"' in answer.text and 'id="links-error"' in answer.text
        assert BIDI_MESSAGE in answer.text
    with pytest.raises(PracticeError) as raised:
        services.create_practice(session, people["editor"], complete(session, links=link), submit=False)
    assert raised.value.errors == {"links": BIDI_MESSAGE}
    session.rollback()
    assert session.exec(select(Practice)).all() == []
