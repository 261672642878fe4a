"""Inspectors rate each claim independently and talk to the organisation in internal comment threads."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.assessments.models import Assessment, Comment
from tracker.audit.services import response_history
from tracker.vocabulary import AssessmentRating, Role


@pytest.fixture
def rid(session, small_reference):
    return response_of(session, "kent", "1.1").id


def test_an_inspector_records_a_rating_beside_the_claim(client, session, rid, make_user):
    inspector = make_user(Role.INSPECTOR)
    sign_in(client, inspector.email)
    r = client.post(
        f"/plan/responses/{rid}/assessments",
        data={"rating": "partially_met", "rationale": "Policy exists; no audit yet"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert r.status_code == 303
    assessment = session.exec(select(Assessment)).one()
    assert assessment.rating is AssessmentRating.PARTIALLY_MET and not assessment.released
    page = client.get(f"/plan/responses/{rid}").text
    claim = page.split('data-testid="claim-and-rating"')[1].split("</dl>")[0]
    assert "Not started" in claim and "Partially met" in claim and "Policy exists; no audit yet" in claim
    assert "Assessment of recommendation 1.1: Partially met" in [
        e.summary for e in response_history(session, rid, inspector)
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"rating": "excellent"}, "Select a rating"), ({"rating": "met", "rationale": ""}, "Explain the rating")],
)
def test_bad_assessments_are_refused(client, session, rid, make_user, fields, message):
    sign_in(client, make_user(Role.INSPECTOR).email)
    r = client.post(f"/plan/responses/{rid}/assessments", data=fields, headers=csrf_headers(client))
    assert r.status_code == 422 and message in r.text
    assert session.exec(select(Assessment)).first() is None


@pytest.mark.parametrize(
    ("role", "org", "expected"),
    [
        (Role.EDITOR, "kent", 403),
        (Role.COORDINATOR, None, 403),
        (Role.VIEWER, "kent", 403),
        (Role.EDITOR, "gwent", 404),
    ],
)
def test_only_inspectors_and_admins_assess(client, rid, make_user, role, org, expected):
    sign_in(client, make_user(role, org).email)
    r = client.post(
        f"/plan/responses/{rid}/assessments", data={"rating": "met", "rationale": "x"}, headers=csrf_headers(client)
    )
    assert r.status_code == expected


def test_comments_thread_between_inspector_and_organisation(client, session, rid, make_user, app_client_factory):
    sign_in(client, make_user(Role.INSPECTOR).email)
    client.post(
        f"/plan/responses/{rid}/comments", data={"body": "Please share the audit"}, headers=csrf_headers(client)
    )
    question = session.exec(select(Comment)).one()
    force = app_client_factory()
    sign_in(force, make_user(Role.EDITOR, "kent").email)
    force.post(
        f"/plan/responses/{rid}/comments",
        data={"body": "Uploaded as evidence", "parent_id": str(question.id)},
        headers=csrf_headers(force),
    )
    page = force.get(f"/plan/responses/{rid}").text
    assert page.count('data-testid="comment"') == 1 and page.count('data-testid="reply"') == 1
    assert "Please share the audit" in page and "Uploaded as evidence" in page
    viewer = app_client_factory()
    sign_in(viewer, make_user(Role.VIEWER, "kent").email)
    assert (
        viewer.post(f"/plan/responses/{rid}/comments", data={"body": "x"}, headers=csrf_headers(viewer)).status_code
        == 403
    )


def test_an_empty_comment_is_refused(client, session, rid, make_user):
    sign_in(client, make_user(Role.INSPECTOR).email)
    r = client.post(f"/plan/responses/{rid}/comments", data={"body": "  "}, headers=csrf_headers(client))
    assert r.status_code == 422 and "Enter a comment" in r.text
