"""Administrators add people, change their role or organisation, and disable them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.web import csrf_headers
from tracker.accounts.models import User
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission, can, can_see_item, national_levels, visible_levels
from tracker.vocabulary import Role, Visibility


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


@pytest.mark.parametrize(
    ("role", "organisation"),
    [("coordinator", "kent"), ("inspector", "kent"), ("inspector", "home-office"), ("coordinator", "kent-pcc")],
)
def test_a_national_reader_cannot_be_given_an_organisation_their_role_does_not_belong_to(
    client, admin, session, make_user, role, organisation
):
    """Finding #4: refused beside Organisation and in the summary, when adding and when changing an account."""
    org_id = str(get_by_slug(session, organisation).id)
    fields = {"email": "x@example.org", "display_name": "X", "role": role, "organisation": org_id}
    added = client.post("/admin/users", data=fields, headers=csrf_headers(client))
    assert added.status_code == 422
    assert 'href="#organisation"' in added.text and 'id="organisation-error"' in added.text
    assert len(list(session.exec(select(User)))) == 1
    viewer = make_user(Role.VIEWER, "kent")
    changed = client.post(
        f"/admin/users/{viewer.id}",
        data={"display_name": "V", "role": role, "organisation": org_id, "is_active": "yes", "version": "1"},
        headers=csrf_headers(client),
    )
    assert changed.status_code == 422 and 'id="organisation-error"' in changed.text
    session.refresh(viewer)
    assert viewer.role is Role.VIEWER


def test_national_readers_may_belong_to_the_bodies_their_role_is_for_or_to_none(client, admin, session):
    home_office = str(get_by_slug(session, "home-office").id)
    for n, (role, organisation) in enumerate((("coordinator", home_office), ("inspector", ""), ("coordinator", ""))):
        fields = {"email": f"n{n}@example.org", "display_name": "N", "role": role, "organisation": organisation}
        assert client.post("/admin/users", data=fields, headers=csrf_headers(client)).status_code == 200


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INSPECTOR])
def test_a_national_reader_never_sees_internal_items_whatever_organisation_the_database_gives_them(
    session, small_reference, role
):
    """Whatever account exists (made before the rule, or by hand in the database), internal items are for the
    organisation's own editors and viewers (and admins): decided by role, never by membership alone."""
    kent = get_by_slug(session, "kent")
    reader = User(email="odd@example.org", display_name="Odd", password_hash="x", role=role, organisation_id=kent.id)
    session.add(reader)
    session.commit()
    assert not can_see_item(reader, Visibility.INTERNAL, kent.id)
    assert visible_levels(reader, kent.id) == national_levels()
    assert not can(reader, Permission.EDIT_PLAN, kent.id)


def test_an_account_edit_that_conflicts_keeps_what_the_second_admin_typed(client, admin, session, make_user):
    """Finding #5: the newer values in the form, and beside them "yours (not saved)", as the response form does."""
    viewer = make_user(Role.VIEWER, "kent")
    kent = str(get_by_slug(session, "kent").id)
    first = {"display_name": "First edit", "role": "viewer", "organisation": kent, "is_active": "yes", "version": "1"}
    assert client.post(f"/admin/users/{viewer.id}", data=first, headers=csrf_headers(client)).status_code == 200
    second = first | {"display_name": "Second edit KEEP", "role": "editor"}
    stale = client.post(f"/admin/users/{viewer.id}", data=second, headers=csrf_headers(client))
    assert stale.status_code == 409 and 'data-testid="conflict"' in stale.text
    panel = stale.text.split('data-testid="conflict"')[1].split("</table>")[0]
    assert "Yours (not saved)" in panel and "Second edit KEEP" in panel and "Editor" in panel
    assert "First edit" in panel and "Viewer" in panel
    assert 'value="First edit"' in stale.text  # the form shows the newer values, to save again from
    session.refresh(viewer)
    assert viewer.display_name == "First edit" and viewer.role is Role.VIEWER


def test_what_the_audit_trail_stores_is_english_even_when_the_admin_works_in_welsh(client, admin, session):
    from tracker.audit.models import AuditEvent

    kent = get_by_slug(session, "kent")
    fields = {"email": "cy@kent.example.org", "display_name": "Kent", "role": "editor", "organisation": str(kent.id)}
    assert client.post("/admin/users?lang=cy", data=fields, headers=csrf_headers(client)).status_code == 200
    added = session.exec(select(User).where(User.email == "cy@kent.example.org")).one()
    changed = {"display_name": "Caint", "role": "viewer", "organisation": str(kent.id), "version": str(added.version)}
    client.post(f"/admin/users/{added.id}?lang=cy", data=changed, headers=csrf_headers(client))
    summaries = session.exec(select(AuditEvent.summary).where(AuditEvent.entity_type == "user")).all()
    assert "Account cy@kent.example.org created with role Editor" in summaries, summaries
    assert not [s for s in summaries if "Golygydd" in s or "Gwyliwr" in s], summaries
