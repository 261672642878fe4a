"""Every route of the app is in a route-by-role matrix, and the routes not already checked elsewhere are checked here.

``tests/security/test_route_role_matrix.py`` covers the workspace pages and ``tests/web/test_api.py`` the JSON
API. This file holds the rest (oversight, periods, reports, assessments, evidence, admin, accounts, public pages)
and a test that the union covers the app's route table: a new route cannot be added without saying who may use it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.security.test_route_role_matrix import ROUTES as WORKSPACE_ROUTES
from tests.support.accounts import ROLES, sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tests.web.test_api import ROUTES as API_ROUTES
from tracker.accounts.api_tokens import add_token
from tracker.audit.services import Actor
from tracker.evidence.services import add_file
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.reports.services import open_period

SECRET = "KENT-ONLY-MARKER"
OK, SIGN_IN, FORBIDDEN, NOT_FOUND = "ok", "sign in", "forbidden", "not found"
NATIONAL_READERS = {"admin", "coordinator", "inspector"}


def rule(ok: set[str], *, not_found: set[str] = frozenset(), public: bool = False) -> dict[str, str]:
    """Who gets what: ``ok`` roles succeed, ``not_found`` get 404, other signed-in roles 403, the public sign in."""
    answers = {}
    for role in ROLES:
        if role in ok:
            answers[role] = OK
        elif role == "anonymous":
            answers[role] = OK if public else SIGN_IN
        else:
            answers[role] = NOT_FOUND if role in not_found else FORBIDDEN
    return answers


PUBLIC = rule(set(ROLES), public=True)
SIGNED_IN = rule(set(ROLES) - {"anonymous"})
READ = rule(NATIONAL_READERS | {"kent editor", "kent viewer"}, not_found={"gwent editor"})
EDIT = rule({"admin", "kent editor"}, not_found={"gwent editor"})
NATIONAL = rule(NATIONAL_READERS)
REPORTING = rule({"admin", "coordinator"})
ASSESS = rule({"admin", "inspector"}, not_found={"gwent editor"})
COMMENT = rule({"admin", "coordinator", "inspector", "kent editor"}, not_found={"gwent editor"})
ADMIN_ONLY = rule({"admin"})
OWN_TOKEN = rule({"kent editor"}, not_found=set(ROLES) - {"kent editor", "anonymous"})

# Routes of the app not in tests/security/test_route_role_matrix.py or tests/web/test_api.py; paths as the app
# declares them
# (parameter names without types). Add every new route here, or to one of those files, with who may use it.
ROUTES: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/", PUBLIC),
    ("GET", "/sign-in", PUBLIC),
    ("POST", "/sign-in", PUBLIC),
    ("POST", "/sign-out", PUBLIC),
    ("GET", "/health", PUBLIC),
    ("GET", "/health/live", PUBLIC),
    ("GET", "/accessibility", PUBLIC),
    ("GET", "/cookies", PUBLIC),
    ("GET", "/privacy", PUBLIC),
    ("GET", "/static/{file_path}", PUBLIC),
    ("GET", "/schema", PUBLIC),
    ("GET", "/schema/openapi.json", PUBLIC),
    ("GET", "/schema/{path}", PUBLIC),
    ("GET", "/plan", SIGNED_IN),
    ("POST", "/account/password", SIGNED_IN),
    ("GET", "/account/api-tokens", SIGNED_IN),
    ("POST", "/account/api-tokens", SIGNED_IN),
    ("POST", "/account/api-tokens/{token_id}/revoke", OWN_TOKEN),
    ("POST", "/admin/users", ADMIN_ONLY),
    ("GET", "/admin/users/{user_id}", ADMIN_ONLY),
    ("POST", "/admin/users/{user_id}", ADMIN_ONLY),
    ("GET", "/oversight", NATIONAL),
    ("GET", "/oversight/charts/status.svg", NATIONAL),
    ("GET", "/oversight/charts/periods.svg", NATIONAL),
    ("GET", "/oversight/recommendations/{recommendation_id}", NATIONAL),
    ("GET", "/oversight/periods", NATIONAL),
    ("POST", "/oversight/periods", REPORTING),
    ("GET", "/oversight/periods/compare?earlier={period_id}&later={period_id}", NATIONAL),
    ("GET", "/oversight/periods/{period_id}", NATIONAL),
    ("GET", "/oversight/periods/{period_id}/freeze", REPORTING),
    ("POST", "/oversight/periods/{period_id}/freeze", REPORTING),
    ("POST", "/oversight/periods/{period_id}/unfreeze", ADMIN_ONLY),
    ("GET", "/oversight/periods/{period_id}/missing-updates.csv", NATIONAL),
    ("GET", "/oversight/report", NATIONAL),
    ("GET", "/oversight/report/pdf", NATIONAL),
    ("GET", "/oversight/report/export/{fmt}", NATIONAL),
    ("POST", "/plan/responses/{response_id}/assessments", ASSESS),
    ("POST", "/plan/responses/{response_id}/comments", COMMENT),
    ("POST", "/responses/{response_id}/evidence", EDIT),
    ("GET", "/evidence/{evidence_id}/download", READ),
    ("GET", "/evidence/{evidence_id}/edit", EDIT),
    ("POST", "/evidence/{evidence_id}", EDIT),
    ("POST", "/evidence/{evidence_id}/withdraw", EDIT),
    # Only evidence in an organisation's latest publication is served; this one (inspectorate) never is.
    ("GET", "/organisations/{slug}/evidence/{evidence_id}", {role: NOT_FOUND for role in ROLES}),
]
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


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers, with path parameters written ``{name}``."""
    found = set()
    for route in app.routes:
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)))
    return found


def matrix_entries() -> set[tuple[str, str]]:
    """(method, path) of every entry of the three matrices, as they write it (placeholders or literal values)."""
    return (
        {(m, p) for m, p, _ in WORKSPACE_ROUTES}
        | {(r[0], r[1]) for r in API_ROUTES}
        | {(m, p.split("?")[0]) for m, p, _ in ROUTES}
    )


def route_of(app_paths: set[tuple[str, str]], method: str, path: str) -> tuple[str, str] | None:
    """The app route a matrix entry exercises: the matching route with the fewest parameters (as routing does)."""
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    matches = []
    for route_method, route_path in app_paths:
        if route_method != method:
            continue
        pattern = "".join(
            "[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{\w+\})", route_path)
        )
        if route_path == "/static/{file_path}":
            pattern = "/static/.+"
        if re.fullmatch(pattern, concrete):
            matches.append((route_path.count("{"), route_path))
    return (method, min(matches)[1]) if matches else None


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


@pytest.fixture
def world(session, small_reference, make_user, settings):
    """One user per role, and a function that makes fresh Kent records (a destructive route gets its own)."""
    users = {role: make_user(*spec) for role, spec in ROLES.items() if spec is not None}
    owner = users["kent editor"]
    rid = response_of(session, "kent", "1").id

    def fresh() -> dict[str, object]:
        ctx = load_response(session, owner, rid, Permission.EDIT_PLAN)
        services.add_update(session, ctx, owner, {"text": f"{SECRET} update"})
        evidence = add_file(
            session,
            ctx,
            owner,
            filename="secret.txt",
            content=f"{SECRET} file\n".encode(),
            title=f"{SECRET} evidence",
            visibility="inspectorate",
            upload_dir=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
        )
        period = open_period(
            session,
            name=f"Period {uuid.uuid4().hex[:8]}",
            cut_off=dt.date(2025, 10, 1),
            actor=Actor("t"),
        )
        session.commit()
        token, _ = add_token(session, owner, f"token {uuid.uuid4().hex[:6]}")
        session.commit()
        return {
            "response_id": rid,
            "slug": "kent",
            "evidence_id": evidence.id,
            "period_id": period.id,
            "recommendation_id": ctx.recommendation.id,
            "user_id": owner.id,
            "token_id": token.id,
            "fmt": "csv",
            "file_path": "htmx/htmx.min.js",
            "path": "openapi.json",
        }

    return users, fresh


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
    for role in ROLES:
        client.cookies.clear()
        if role != "anonymous":
            sign_in(client, users[role].email)
        url = path.format(**fresh())
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
