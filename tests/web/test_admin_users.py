"""Administrators add people, change their role or organisation, and disable them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.web import csrf_headers
from tracker.accounts.models import User
from tracker.organisations.services import get_by_slug
from tracker.vocabulary import Role


@pytest.fixture
def admin(small_reference, make_user, client):
    user = make_user(Role.ADMIN)
    sign_in(client, user.email)
    return user


def test_an_admin_adds_a_user_and_sees_the_password_once(client, admin, session):
    kent = get_by_slug(session, "kent")
    r = client.post(
        "/admin/users",
        data={
            "email": "lead@kent.example.org",
            "display_name": "Kent lead",
            "role": "editor",
            "organisation": str(kent.id),
        },
        headers=csrf_headers(client),
    )
    assert r.status_code == 200 and 'data-testid="new-password"' in r.text
    password = r.text.split('data-testid="new-password">')[1].split("<")[0]
    other = client.__class__(app=client.app)
    with other:
        assert sign_in(other, "lead@kent.example.org", password).status_code == 303


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"email": "not-an-email", "display_name": "X", "role": "admin"},
            "Enter an email address in the correct format",
        ),
        ({"email": "v@example.org", "display_name": "V", "role": "viewer"}, "must belong to an organisation"),
        ({"email": "v@example.org", "display_name": "V", "role": "overlord"}, "Select a role"),
        ({"email": "v@example.org", "display_name": "", "role": "admin"}, "Enter a display name"),
    ],
)
def test_bad_new_users_are_explained_and_not_created(client, admin, session, fields, message):
    r = client.post("/admin/users", data=fields, headers=csrf_headers(client))
    assert r.status_code == 422 and message in r.text
    assert len(list(session.exec(select(User)))) == 1


def test_disabling_a_user_signs_them_out_at_once(client, admin, make_user, app_client_factory, session):
    viewer = make_user(Role.VIEWER, "kent")
    their_browser = app_client_factory()
    sign_in(their_browser, viewer.email)
    assert their_browser.get("/plan/kent").status_code == 200
    kent = get_by_slug(session, "kent")
    r = client.post(
        f"/admin/users/{viewer.id}",
        data={
            "display_name": viewer.display_name,
            "role": "viewer",
            "organisation": str(kent.id),
            "is_active": "no",
            "version": str(viewer.version),
        },
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert their_browser.get("/plan/kent", follow_redirects=False).status_code == 303


def test_re_roling_changes_what_they_can_do(client, admin, make_user, app_client_factory, session):
    viewer = make_user(Role.VIEWER, "kent")
    their_browser = app_client_factory()
    sign_in(their_browser, viewer.email)
    assert their_browser.get("/plan", follow_redirects=False).headers["location"] == "/plan/kent"
    client.post(
        f"/admin/users/{viewer.id}",
        data={
            "display_name": "Now an inspector",
            "role": "inspector",
            "organisation": "",
            "is_active": "yes",
            "version": str(viewer.version),
        },
        headers=csrf_headers(client),
    )
    assert their_browser.get("/plan").status_code == 200, "inspectors choose among every organisation"
    assert their_browser.get("/plan/gwent").status_code == 200


def test_an_admin_cannot_lock_themselves_out(client, admin):
    r = client.post(
        f"/admin/users/{admin.id}",
        data={
            "display_name": "Me",
            "role": "viewer",
            "organisation": "",
            "is_active": "yes",
            "version": str(admin.version),
        },
        headers=csrf_headers(client),
    )
    assert r.status_code == 422


def test_only_admins_reach_the_user_pages(client, small_reference, make_user):
    for role, organisation in ((Role.EDITOR, "kent"), (Role.COORDINATOR, None), (Role.INSPECTOR, None)):
        user = make_user(role, organisation)
        sign_in(client, user.email)
        assert client.get("/admin/users").status_code == 403
        assert (
            client.post("/admin/users", data={"email": "x@example.org"}, headers=csrf_headers(client)).status_code
            == 403
        )
