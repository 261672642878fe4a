"""Publishing a plan: who and when, only what is public, and later edits stay private until republished."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.audit.models import AuditEvent
from tracker.evidence.models import Evidence
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.models import Action, PublishedResponse
from tracker.plans.publication import (
    NothingToPublish,
    has_unpublished_changes,
    latest_publication,
    preview_publication,
    public_changes,
    public_plan,
    publish_plan,
)
from tracker.plans.services import load_response
from tracker.vocabulary import EvidenceKind, OrganisationKind, Role, Visibility


@pytest.fixture
def ctx(session, editor):
    return load_response(session, editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)


def test_only_public_things_are_published(session, ctx, editor):
    services.update_response(session, ctx, editor, {"status": "in_progress", "version": "1", "summary": "Public sum"})
    services.add_action(session, ctx, editor, {"description": "Visible action"})
    services.add_update(session, ctx, editor, {"text": "PUBLIC-UPDATE", "visibility": "public"})
    services.add_update(session, ctx, editor, {"text": "INTERNAL-UPDATE", "visibility": "internal"})
    for visibility in Visibility:
        session.add(
            Evidence(
                response_id=ctx.response.id,
                kind=EvidenceKind.NOTE,
                title=f"{visibility.value}-EVIDENCE",
                note=f"{visibility.value}-NOTE",
                visibility=visibility,
            )
        )
    session.commit()
    text = repr(public_plan(session, ctx.organisation))
    for present in ("Public sum", "Visible action", "PUBLIC-UPDATE", "public-EVIDENCE", "public-NOTE"):
        assert present in text
    for absent in (
        "INTERNAL-UPDATE",
        "internal-EVIDENCE",
        "inspectorate-EVIDENCE",
        "internal-NOTE",
        editor.email,
        editor.display_name,
    ):
        assert absent not in text


def test_publishing_records_who_and_when_and_later_edits_stay_private(session, ctx, editor):
    org = ctx.organisation
    assert has_unpublished_changes(session, org.id, None)
    services.update_response(session, ctx, editor, {"status": "in_progress", "version": "1", "summary": "Before"})
    publication = publish_plan(session, org, editor)
    assert publication.published_by_id == editor.id and publication.published_at is not None
    assert not has_unpublished_changes(session, org.id, publication)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "publish")).one()
    assert event.actor_id == editor.id
    services.update_response(session, ctx, editor, {"status": "complete", "version": "2", "summary": "After"})
    latest = latest_publication(session, org.id)
    assert latest.id == publication.id and "Before" in repr(latest.content) and "After" not in repr(latest.content)
    assert has_unpublished_changes(session, org.id, latest)
    assert "After" in repr(publish_plan(session, org, editor).content)


def test_the_workspace_offers_publishing_to_editors_only(client, session, editor, make_user):
    sign_in(client, editor.email)
    page = client.get("/plan/kent").text
    assert "This plan has not been published" in page and "Publish the plan as it is now" in page
    r = client.post("/plan/kent/publish", headers=csrf_headers(client), follow_redirects=False)
    assert r.status_code == 303
    assert "Your plan has been published" in client.get(r.headers["location"]).text
    viewer = make_user(Role.VIEWER, "kent")
    sign_in(client, viewer.email)
    assert "Publish the plan" not in client.get("/plan/kent").text
    assert client.post("/plan/kent/publish", headers=csrf_headers(client)).status_code == 403
    other = make_user(Role.EDITOR, "gwent")
    sign_in(client, other.email)
    assert client.post("/plan/kent/publish", headers=csrf_headers(client)).status_code == 404
    assert latest_publication(session, get_by_slug(session, "kent").id) is not None


def test_each_published_response_status_and_summary_is_kept_beside_the_content(session, ctx, editor):
    services.update_response(session, ctx, editor, {"status": "in_progress", "version": "1", "summary": "Public sum"})
    publication = publish_plan(session, ctx.organisation, editor)
    kept = session.exec(select(PublishedResponse).where(PublishedResponse.publication_id == publication.id)).all()
    assert sorted((r.recommendation_id, r.status, r.summary) for r in kept) == sorted(
        (r["recommendation_id"], r["status"], r["summary"]) for r in publication.content["responses"]
    )
    assert ("Public sum", "in_progress") in {(r.summary, r.status) for r in kept}


# --- issue 15: see what changes, preview, then confirm ------------------------------------------------------


def test_the_changes_say_what_the_public_will_see_and_stop_seeing(session, ctx, editor):
    services.update_response(session, ctx, editor, {"status": "in_progress", "version": "1", "summary": "Old words"})
    services.add_action(session, ctx, editor, {"description": "Action to drop"})
    publish_plan(session, ctx.organisation, editor)
    ctx = load_response(session, editor, ctx.response.id, Permission.EDIT_PLAN)
    services.update_response(session, ctx, editor, {"status": "in_progress", "version": "2", "summary": "New words"})
    action = session.exec(select(Action)).one()
    services.delete_action(session, action, ctx, editor)
    services.add_update(
        session, ctx, editor, {"text": "PUBLIC-NEWS", "visibility": "public", "update_on": "01/10/2025"}
    )
    services.add_update(session, ctx, editor, {"text": "INTERNAL-NEWS", "visibility": "internal"})
    _draft, changes = preview_publication(session, ctx.organisation)
    assert {(c.recommendation, c.what, c.seen, c.unseen) for c in changes} == {
        ("1.1", "Summary", "New words", "Old words"),
        ("1.1", "Action", None, "Action to drop"),
        ("1.1", "Update", "1 October 2025: PUBLIC-NEWS", None),
    }


def test_before_anything_is_published_every_response_is_new_to_the_public(session, ctx, editor):
    changes = public_changes(None, public_plan(session, ctx.organisation))
    assert changes and all(c.seen and c.unseen is None for c in changes)
    assert public_changes(public_plan(session, ctx.organisation), public_plan(session, ctx.organisation)) == []


def test_publishing_is_changes_then_preview_then_confirm(client, session, ctx, editor):
    services.update_response(session, ctx, editor, {"status": "in_progress", "version": "1", "summary": "SOON-PUBLIC"})
    sign_in(client, editor.email)
    assert 'href="/plan/kent/publish"' in client.get("/plan/kent").text  # a link to the changes, not a POST
    confirm = client.get("/plan/kent/publish")
    assert confirm.status_code == 200 and "SOON-PUBLIC" in confirm.text and "Publish these changes" in confirm.text
    preview = client.get("/plan/kent/publish/preview")
    assert preview.status_code == 200
    assert "SOON-PUBLIC" in preview.text and "This is not published yet" in preview.text
    assert "SOON-PUBLIC" not in client.get("/organisations/kent").text  # nothing public before the confirm
    key = re.search(r'name="content_key" value="([0-9a-f]+)"', confirm.text).group(1)
    r = client.post(
        "/plan/kent/publish", data={"content_key": key}, headers=csrf_headers(client), follow_redirects=False
    )
    assert r.status_code == 303
    assert "SOON-PUBLIC" in client.get("/organisations/kent").text
    assert "Nothing to publish" in client.get("/plan/kent/publish").text


def test_a_plan_changed_since_the_preview_is_shown_again_not_published(client, session, ctx, editor):
    sign_in(client, editor.email)
    key = re.search(r'name="content_key" value="([0-9a-f]+)"', client.get("/plan/kent/publish").text).group(1)
    session.rollback()  # end the test's own read, as a request would
    services.update_response(session, ctx, editor, {"status": "in_progress", "version": "1", "summary": "UNSEEN"})
    r = client.post(
        "/plan/kent/publish", data={"content_key": key}, headers=csrf_headers(client), follow_redirects=False
    )
    assert r.status_code == 409
    assert "The plan changed while you were checking it" in r.text and "UNSEEN" in r.text
    session.rollback()
    assert latest_publication(session, get_by_slug(session, "kent").id) is None


def test_an_organisation_with_nothing_addressed_to_it_has_no_publish_button_and_one_clear_message(
    client, session, small_reference, make_user
):
    """Finding #13: no button on an empty plan, and a publish page that does not contradict itself."""
    session.add(Organisation(slug="npcc", name="National Police Chiefs' Council", kind=OrganisationKind.NATIONAL_BODY))
    session.commit()
    sign_in(client, make_user(Role.EDITOR, "npcc").email)
    workspace = client.get("/plan/npcc")
    assert workspace.status_code == 200 and "Publish the plan as it is now" not in workspace.text
    assert "nothing to publish" in workspace.text
    publish = client.get("/plan/npcc/publish")
    assert publish.status_code == 200 and "nothing to publish" in publish.text
    assert "The public cannot see any of the plan yet" not in publish.text
    assert "the public already sees the plan as it is now" not in publish.text


def test_a_direct_post_does_not_publish_an_empty_plan(client, session, small_reference, make_user):
    """Finding N7: the publish step itself refuses a plan with nothing addressed to it, not only the page."""
    npcc = Organisation(slug="npcc", name="National Police Chiefs' Council", kind=OrganisationKind.NATIONAL_BODY)
    session.add(npcc)
    session.commit()
    editor = make_user(Role.EDITOR, "npcc")
    with pytest.raises(NothingToPublish):
        publish_plan(session, npcc, editor)
    session.rollback()
    sign_in(client, editor.email)
    for form in ({}, {"content_key": "0" * 32}):
        r = client.post("/plan/npcc/publish", data=form, headers=csrf_headers(client), follow_redirects=False)
        assert r.status_code == 409
        assert "Nothing was published" in r.text and "nothing to publish" in r.text
    session.rollback()
    assert latest_publication(session, npcc.id) is None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "publish")).first() is None
