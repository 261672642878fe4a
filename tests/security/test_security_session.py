"""Sessions and sign-in throttling across processes, and cookie flags in production.

tests/web/test_accounts.py already proves, in one process: the session id changes at every sign-in (fixation),
signing out ends the session on the server (a copy of the old cookie no longer works), a disabled user is
signed out at the next request, and the local cookie flags. This file adds what needs two app instances (two
"processes" sharing one database) or production settings.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from litestar.testing import TestClient

from tests.support.accounts import USER_PASSWORD, sign_in
from tests.support.web import TEST_SECRET, csrf_headers
from tracker.accounts.models import SignInThrottle
from tracker.accounts.sessions import COOKIE_NAME
from tracker.accounts.signin import LOCK_AFTER
from tracker.settings import Settings
from tracker.vocabulary import Role


def test_a_lock_made_through_one_process_holds_on_the_other(app_client_factory, editor):
    first, second = app_client_factory(), app_client_factory()
    for attempt in range(LOCK_AFTER):
        # failures alternate between the processes: the count is kept in the database, not in either process
        answer = sign_in(first if attempt % 2 else second, editor.email, "wrong-password-here")
    assert "locked" in answer.text
    for client in (first, second):
        refused = sign_in(client, editor.email, USER_PASSWORD)
        assert refused.status_code == 429 and "locked" in refused.text
        assert COOKIE_NAME not in refused.cookies


@pytest.mark.commits  # requests race from several threads
def test_simultaneous_failures_in_several_processes_are_all_counted(app_client_factory, editor, session):
    """Guesses sent in parallel must not slip through the counter (lost updates) nor crash on the first row."""
    clients = [app_client_factory() for _ in range(LOCK_AFTER)]
    for client in clients:
        csrf_headers(client)  # fetch the CSRF cookie before the race

    def guess(client: TestClient) -> int:
        return sign_in(client, editor.email, "wrong-password-here").status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(guess, clients))
    assert sorted(statuses) == [422] * (LOCK_AFTER - 1) + [429], "each failure counted once, the last one locks"
    session.expire_all()
    throttle = session.get(SignInThrottle, editor.email)
    assert throttle is not None and throttle.locked_until is not None, "five failures lock sign-in"
    assert "locked" in sign_in(clients[0], editor.email, USER_PASSWORD).text


def test_signing_out_in_one_process_ends_the_session_in_the_other(app_client_factory, editor):
    first, second = app_client_factory(), app_client_factory()
    token = sign_in(first, editor.email).cookies[COOKIE_NAME]
    second.cookies.set(COOKIE_NAME, token)
    assert second.get("/account/password").status_code == 200
    first.post("/sign-out", headers=csrf_headers(first))
    assert second.get("/account/password", follow_redirects=False).status_code == 303


def test_disabling_a_user_in_one_process_stops_their_session_in_the_other(app_client_factory, make_user, editor):
    admin, editors_browser = app_client_factory(), app_client_factory()
    sign_in(admin, make_user(Role.ADMIN).email)
    sign_in(editors_browser, editor.email)
    assert editors_browser.get("/account/password").status_code == 200
    form = admin.get(f"/admin/users/{editor.id}").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    saved = admin.post(
        f"/admin/users/{editor.id}",
        data={
            "display_name": editor.display_name,
            "role": "editor",
            "organisation": str(editor.organisation_id),
            "is_active": "no",
            "version": version,
        },
        headers=csrf_headers(admin),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    response = editors_browser.get("/account/password", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_production_cookies_are_secure_and_https_is_enforced(database_url, tmp_path, editor, make_app):
    settings = Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        environment="production",
        upload_dir=tmp_path / "uploads",
    )
    with TestClient(app=make_app(settings), base_url="https://testserver.local") as client:
        form = client.get("/sign-in")
        assert "Secure" in form.headers["set-cookie"], "the CSRF cookie"
        assert form.headers["strict-transport-security"].startswith("max-age=")
        answer = client.post(
            "/sign-in",
            data={"email": editor.email, "password": USER_PASSWORD},
            headers={"x-csrftoken": client.cookies["csrftoken"]},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert f"{COOKIE_NAME}=" in cookie
        assert "Secure" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
