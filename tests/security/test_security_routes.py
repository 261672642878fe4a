"""Every route of the app is in a route-by-role matrix, and the routes not already checked elsewhere are checked here.

``tests/security/test_route_role_matrix.py`` covers the workspace pages and ``tests/web/test_api.py`` the JSON
API. This file holds the rest (oversight, periods, reports, assessments, evidence, admin, accounts, public pages)
and a test that the union covers the app's route table: a new route cannot be added without saying who may use it.
"""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import TestClient

from tests.support.accounts import ROLES, sign_in
from tests.support.routes import FORBIDDEN, NOT_FOUND, OK, SECRET, SIGN_IN, app_routes, matrix_entries, route_of
from tests.support.routes import OTHER_ROUTES as ROUTES
from tests.support.web import csrf_headers

# Form fields that make a permitted POST a plausible one (a 422 is still a fair answer to a permitted request).
BODY = {
    "description": "x",
    "text": "y",
    "body": "A comment",
    "rating": "partly_met",
    "title": "Evidence",
    "kind": "note",
    "note": "A note",
    "visibility": "inspectorate",
    "version": "1",
    "name": f"Period {uuid.uuid4().hex[:6]}",
    "cut_off": "01/10/2025",
    "current_password": "wrong",
    "new_password": "x",
}


def test_every_route_of_the_app_is_in_a_role_matrix(client):
    routes = app_routes(client.app)
    covered = {route_of(routes, method, path) for method, path in matrix_entries()}
    missing = sorted(routes - covered)
    assert not missing, (
        "These routes are in no route-by-role matrix; add each to ROUTES in tests/security/test_security_routes.py "
        f"(or tests/security/test_route_role_matrix.py / tests/web/test_api.py) with who may use it: {missing}"
    )
    stale = sorted(entry for entry in matrix_entries() if route_of(routes, *entry) is None)
    assert not stale, f"The matrices name routes the app no longer has: {stale}"


# --- the matrix for the routes above -------------------------------------------------------------------------


def outcome(response) -> str:
    if response.status_code == 303 and response.headers.get("location", "").startswith("/sign-in"):
        return SIGN_IN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code < 500 and response.status_code != 401:
        return OK
    return f"HTTP {response.status_code}"


@pytest.mark.parametrize(("method", "path", "expected"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_role(client: TestClient, world, method, path, expected):
    users, fresh = world
    wrong = []
    records = fresh()
    for number, role in enumerate(ROLES):
        client.cookies.clear()
        if role != "anonymous":
            sign_in(client, users[role].email)
        if method != "GET" and number:
            records = fresh()  # a POST may use up what it names (withdraw, revoke, freeze): each role gets its own
        url = path.format(**records)  # a GET changes nothing, so every role reads the same records
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = client.post(url, data=BODY, headers=csrf_headers(client), follow_redirects=False)
        got = outcome(response)
        if got != expected[role]:
            wrong.append(f"{role}: expected {expected[role]}, got {got} ({response.status_code})")
        if expected[role] != OK and SECRET in response.text:
            wrong.append(f"{role}: the answer shows Kent's records")
    assert not wrong, "\n".join(wrong)
