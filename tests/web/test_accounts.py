"""Signing in and out, sessions, throttling and passwords."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from sqlmodel import col, select

from tests.support.accounts import USER_PASSWORD, sign_in
from tests.support.web import csrf_headers
from tracker.accounts.models import SignInThrottle, User, UserSession
from tracker.accounts.sessions import COOKIE_NAME, token_hash
from tracker.accounts.signin import LOCK_AFTER
from tracker.audit.models import AuditEvent
from tracker.vocabulary import Role


def test_signing_in_sets_a_safe_session_cookie_and_redirects(client, editor):
    response = sign_in(client, editor.email)
    assert response.status_code == 303
    assert response.headers["location"] == "/plan"
    cookie = response.headers["set-cookie"]
    assert f"{COOKIE_NAME}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie, "local mode serves plain HTTP"


def test_the_session_id_changes_at_every_sign_in(client, editor, session):
    client.cookies.set(COOKIE_NAME, "planted-by-an-attacker")
    first = sign_in(client, editor.email).cookies[COOKIE_NAME]
    second = sign_in(client, editor.email).cookies[COOKIE_NAME]
    assert first != "planted-by-an-attacker" and first != second
    ids = set(session.exec(select(UserSession.id)))
    assert token_hash(first) not in ids, "the earlier session ended"
    assert token_hash(second) in ids


def test_only_the_hash_of_the_token_is_stored(client, editor, session):
    token = sign_in(client, editor.email).cookies[COOKIE_NAME]
    assert session.exec(select(UserSession)).one().id == token_hash(token) != token


def test_a_wrong_password_re_renders_the_form_with_the_error(client, editor):
    response = sign_in(client, editor.email, "wrong-password-here")
    assert response.status_code == 422
    assert "Enter a correct email address and password" in response.text
    assert 'href="#email"' in response.text, "the error summary links to the field"
    assert "wrong-password-here" not in response.text
    assert COOKIE_NAME not in response.cookies


def test_empty_fields_are_named(client, editor):
    response = client.post("/sign-in", data={"email": "", "password": ""}, headers=csrf_headers(client))
    assert "Enter your email address" in response.text and "Enter your password" in response.text


def test_repeated_failures_lock_sign_in_for_a_while(client, editor, session):
    for _ in range(LOCK_AFTER):
        response = sign_in(client, editor.email, "wrong-password-here")
    assert response.status_code == 429 and "Sign-in is locked until" in response.text
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    locked = sign_in(client, editor.email, USER_PASSWORD)
    assert locked.status_code == 429 and "locked" in locked.text, "even the right password waits"
    throttle = session.get(SignInThrottle, editor.email)
    throttle.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.commit()
    assert sign_in(client, editor.email).status_code == 303


def test_each_failed_sign_in_is_answered_more_slowly_until_the_lock(client, editor, sign_in_waits):
    for _ in range(LOCK_AFTER):
        sign_in(client, editor.email, "wrong-password-here")
    assert sign_in_waits == [min(0.25 * 2**n, 2.0) for n in range(LOCK_AFTER - 1)], "the lock itself does not wait"


def test_unknown_emails_are_throttled_the_same_way(client, session):
    for _ in range(LOCK_AFTER):
        response = sign_in(client, "nobody@example.org", "whatever-password")
    assert "locked" in response.text


def test_signing_out_ends_the_session_on_the_server(client, editor, session):
    token = sign_in(client, editor.email).cookies[COOKIE_NAME]
    assert client.get("/account/password").status_code == 200
    response = client.post("/sign-out", headers=csrf_headers(client), follow_redirects=False)
    assert response.status_code == 303
    assert session.exec(select(UserSession)).first() is None
    client.cookies.set(COOKIE_NAME, token)  # a copy of the old cookie no longer works
    assert client.get("/account/password", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_signed_out_at_the_next_request(client, editor, session):
    sign_in(client, editor.email)
    assert client.get("/account/password").status_code == 200
    user = session.get(User, editor.id)
    user.is_active = False
    session.commit()
    response = client.get("/account/password", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_pages_that_need_an_account_send_people_to_sign_in_and_back(client):
    response = client.get("/account/password", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Faccount%2Fpassword"


def test_sign_in_only_redirects_within_the_site(client, editor):
    response = client.post(
        "/sign-in",
        data={"email": editor.email, "password": USER_PASSWORD, "next": "//evil.example/"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert response.headers["location"] == "/plan"


def test_state_changing_requests_need_the_csrf_token(client, editor):
    response = client.post("/sign-in", data={"email": editor.email, "password": USER_PASSWORD})
    assert response.status_code == 403


def test_changing_the_password_signs_out_other_sessions(client, editor, session, app_client_factory):
    other = app_client_factory()
    sign_in(other, editor.email)
    sign_in(client, editor.email)
    response = client.post(
        "/account/password",
        data={
            "current_password": USER_PASSWORD,
            "new_password": "a-brand-new-password",
            "confirm_password": "a-brand-new-password",
        },
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get("/account/password").status_code == 200, "this device stays signed in"
    assert other.get("/account/password", follow_redirects=False).status_code == 303, "the other is signed out"
    assert sign_in(client, editor.email, "a-brand-new-password").status_code == 303


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "current_password": "wrong-one-entirely",
                "new_password": "a-brand-new-password",
                "confirm_password": "a-brand-new-password",
            },
            "Your current password is not correct",
        ),
        (
            {"current_password": USER_PASSWORD, "new_password": "short", "confirm_password": "short"},
            "Password must be 12 characters or more",
        ),
        (
            {
                "current_password": USER_PASSWORD,
                "new_password": "a-brand-new-password",
                "confirm_password": "a-different-password",
            },
            "The passwords do not match",
        ),
    ],
)
def test_bad_password_changes_are_explained_and_change_nothing(client, editor, session, fields, message):
    sign_in(client, editor.email)
    response = client.post("/account/password", data=fields, headers=csrf_headers(client))
    assert response.status_code == 422 and message in response.text
    session.expire_all()
    assert sign_in(client, editor.email).status_code == 303


def test_sign_in_and_out_are_in_the_history(client, editor, session):
    sign_in(client, editor.email)
    client.post("/sign-out", headers=csrf_headers(client))
    # In the order they happened: without an ORDER BY, PostgreSQL returns rows in whatever order it finds them.
    events = select(AuditEvent).where(AuditEvent.entity_type == "user").order_by(col(AuditEvent.id))
    actions = [e.action for e in session.exec(events)]
    assert actions == ["create", "sign_in", "sign_out"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INSPECTOR, Role.ADMIN])
def test_national_readers_land_on_the_dashboard_after_signing_in(client, small_reference, make_user, role):
    response = sign_in(client, make_user(role).email)
    assert response.status_code == 303
    assert response.headers["location"] == "/oversight"


def test_signing_in_from_a_page_goes_back_to_it_whoever_signs_in(client, small_reference, make_user):
    response = client.post(
        "/sign-in",
        data={"email": make_user(Role.COORDINATOR).email, "password": USER_PASSWORD, "next": "/oversight/periods"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert response.headers["location"] == "/oversight/periods"


@pytest.mark.parametrize(
    ("posted", "referer", "back"),
    [
        (
            "/plan/responses/1/updates",
            "http://testserver.local/plan/responses/1?from=list",
            "/plan/responses/1?from=list",
        ),
        ("/plan/responses/1/updates", None, "/plan/responses/1"),  # the page its URL belongs to
        ("/plan/responses/1/updates", "https://evil.example/phish", "/plan/responses/1"),  # never another site's
        ("/plan/responses/1/updates", "http://testserver.local/sign-in?next=%2Fplan", "/plan/responses/1"),
        ("/practice/review/1/approve", None, "/practice/review/1"),
        ("/responses/1/evidence", None, ""),  # no page of its own: their landing page
    ],
)
def test_a_form_posted_after_the_session_ended_comes_back_to_a_page_not_the_post_only_url(
    client, small_reference, posted, referer, back
):
    """Finding #11: after signing in again the person is on a page they can GET, never a 405."""
    headers = csrf_headers(client) | ({"Referer": referer} if referer else {})
    sign_in_page = "/sign-in" + (f"?{urlencode({'next': back})}" if back else "")
    plain = client.post(posted, data={"text": "TYPED WHILE SIGNED OUT"}, headers=headers, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == sign_in_page
    htmx = client.post(posted, data={"text": "TYPED"}, headers=headers | {"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == sign_in_page


def test_htmx_comes_back_to_the_page_it_was_on(client, small_reference):
    headers = csrf_headers(client) | {"HX-Request": "true", "HX-Current-URL": "http://testserver.local/plan/kent"}
    htmx = client.post("/plan/responses/1/updates", data={"text": "TYPED"}, headers=headers)
    assert htmx.headers["HX-Redirect"] == "/sign-in?next=%2Fplan%2Fkent"
