"""The route-by-role matrices: every route of the app, and who may use it.

Three matrices, checked by three test modules: the workspace pages (``WORKSPACE_ROUTES``,
tests/security/test_route_role_matrix.py), the JSON API (``API_ROUTES``, tests/web/test_api.py) and the rest
(``OTHER_ROUTES``, tests/security/test_security_routes.py, which also proves the union covers the app's route
table). The fuzz, form-error and injection tests walk the same routes, so they live here, not in a test module.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid

import pytest
from litestar import Litestar

from tests.support.accounts import ROLES
from tests.support.plans import response_of
from tracker.accounts.api_tokens import add_token
from tracker.audit.services import Actor
from tracker.evidence.services import add_file
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.reports.services import open_period

SECRET = "KENT-ONLY-MARKER"

# --- the workspace pages: "ok", "forbidden", "not found", "sign in" or "public" (only published data) --------

_PERIOD_DAYS = itertools.count()  # each fresh world's period opens on a day of its own


def _workspace_routes() -> list[tuple[str, str, dict[str, str]]]:
    READ = {
        "anonymous": "sign in",
        "admin": "ok",
        "coordinator": "ok",
        "inspector": "ok",
        "kent editor": "ok",
        "kent viewer": "ok",
        "gwent editor": "not found",
    }
    EDIT = {
        "anonymous": "sign in",
        "admin": "ok",
        "coordinator": "forbidden",
        "inspector": "forbidden",
        "kent editor": "ok",
        "kent viewer": "forbidden",
        "gwent editor": "not found",
    }
    ADMIN_ONLY = {role: ("ok" if role == "admin" else "forbidden") for role in ROLES} | {"anonymous": "sign in"}
    OVERSIGHT = {role: ("ok" if role in ("admin", "coordinator", "inspector") else "forbidden") for role in ROLES} | {
        "anonymous": "sign in"
    }
    SIGNED_IN = {role: "ok" for role in ROLES} | {"anonymous": "sign in"}
    PUBLIC = {role: "public" for role in ROLES}  # everyone, signed in or not; only published data (none here)
    # Practice: editors submit their own organisation's; coordinators and admins review; only approved is public.
    PRACTICE_INSIDERS = {
        "anonymous": "not found",
        "admin": "ok",
        "coordinator": "ok",
        "inspector": "not found",
        "kent editor": "ok",
        "kent viewer": "not found",
        "gwent editor": "not found",
    }
    PRACTICE_HISTORY = PRACTICE_INSIDERS | {"anonymous": "sign in"}
    SUBMIT_PRACTICE = EDIT | {"gwent editor": "ok"}  # their own organisation's list and form
    EDIT_PRACTICE = PRACTICE_HISTORY | {"coordinator": "forbidden"}
    REVIEW_PRACTICE = {
        "anonymous": "sign in",
        "admin": "ok",
        "coordinator": "ok",
        "inspector": "forbidden",
        "kent editor": "forbidden",
        "kent viewer": "forbidden",
        "gwent editor": "forbidden",
    }
    NATIONAL = {role: ("ok" if role in ("admin", "coordinator", "inspector") else "forbidden") for role in ROLES} | {
        "anonymous": "sign in"
    }

    return [
        ("GET", "/plan/kent", READ),
        ("GET", "/plan/responses/{rid}", READ),
        ("GET", "/plan/responses/{rid}/history", READ),
        ("GET", "/plan/actions/{aid}/edit", EDIT),
        ("GET", "/plan/updates/{uid}/edit", EDIT),
        ("POST", "/plan/responses/{rid}", EDIT),
        ("POST", "/plan/responses/{rid}/actions", EDIT),
        ("POST", "/plan/actions/{aid}", EDIT),
        ("POST", "/plan/actions/{aid}/complete", EDIT),
        ("POST", "/plan/actions/{aid}/move", EDIT),
        ("POST", "/plan/actions/{aid}/delete", EDIT),
        ("POST", "/plan/responses/{rid}/updates", EDIT),
        ("POST", "/plan/updates/{uid}", EDIT),
        ("GET", "/plan/kent/publish", EDIT),
        ("GET", "/plan/kent/publish/preview", EDIT),
        ("POST", "/plan/kent/publish", EDIT),
        ("GET", "/plan/kent/languages", EDIT),
        ("POST", "/plan/kent/languages", EDIT),
        ("GET", "/plan/kent/import", EDIT),
        ("POST", "/plan/kent/import", EDIT),
        ("POST", "/plan/kent/import/apply", EDIT),
        ("GET", "/plan/kent/declare", EDIT),
        ("POST", "/plan/kent/declare", EDIT),
        ("POST", "/plan/responses/{rid}/withdraw-declaration", EDIT),  # rid is not declared: 409 for those allowed
        ("GET", "/plan/kent/export.csv", READ),
        ("GET", "/plan/kent/export.xlsx", READ),
        ("GET", "/oversight", OVERSIGHT),
        ("GET", "/oversight/organisations/kent", OVERSIGHT),
        ("GET", "/oversight/organisations/gwent", OVERSIGHT),
        ("GET", "/admin/users", ADMIN_ONLY),
        ("GET", "/admin/users/new", ADMIN_ONLY),
        ("GET", "/account/password", SIGNED_IN),
        ("GET", "/practice", PUBLIC),
        ("GET", "/practice/{public_slug}", PUBLIC),
        ("GET", "/practice/{pslug}", PRACTICE_INSIDERS),
        ("GET", "/practice/{pslug}/history", PRACTICE_HISTORY),
        ("GET", "/practice/submissions", SUBMIT_PRACTICE),
        ("GET", "/practice/submissions/new", SUBMIT_PRACTICE),
        ("POST", "/practice/submissions", SUBMIT_PRACTICE),
        ("GET", "/practice/submissions/{pid}/edit", EDIT_PRACTICE),
        ("POST", "/practice/submissions/{pid}", EDIT_PRACTICE),
        ("GET", "/practice/review", REVIEW_PRACTICE),
        ("GET", "/practice/review/{pid}", REVIEW_PRACTICE),
        ("POST", "/practice/review/{pid}/approve", REVIEW_PRACTICE),
        ("POST", "/practice/review/{pid}/return", REVIEW_PRACTICE),
        ("GET", "/admin/recommendations", ADMIN_ONLY),
        ("GET", "/admin/recommendations/sets/test-report", ADMIN_ONLY),
        ("GET", "/admin/recommendations/sets/test-report/export.yaml", ADMIN_ONLY),
        ("GET", "/admin/recommendations/{recid}", ADMIN_ONLY),
        ("POST", "/admin/recommendations/{recid}", ADMIN_ONLY),
        ("GET", "/admin/recommendations/{recid}/history", ADMIN_ONLY),
        ("GET", "/admin/recommendations/load", ADMIN_ONLY),
        ("POST", "/admin/recommendations/load", ADMIN_ONLY),
        ("POST", "/admin/recommendations/load/apply", ADMIN_ONLY),
        ("GET", "/admin/recommendations/report", ADMIN_ONLY),
        ("POST", "/admin/recommendations/report", ADMIN_ONLY),
        ("POST", "/admin/recommendations/report/apply", ADMIN_ONLY),
        ("GET", "/oversight/obligation-changes", NATIONAL),
        ("GET", "/oversight/declared", NATIONAL),
        ("POST", "/admin/recommendations/{recid}/adopt-declared", ADMIN_ONLY),
        ("GET", "/admin/recommendations/candidates", ADMIN_ONLY),
        ("GET", "/admin/recommendations/{recid}/candidates", ADMIN_ONLY),
        ("POST", "/admin/recommendations/{recid}/candidates", ADMIN_ONLY),
        ("GET", "/", PUBLIC),
        ("GET", "/recommendations", PUBLIC),
        ("GET", "/recommendations/test-report/1", PUBLIC),
        ("GET", "/organisations", PUBLIC),
        ("GET", "/organisations/kent", PUBLIC),
        ("GET", "/open-data", PUBLIC),
        ("GET", "/open-data/responses.csv", PUBLIC),
        ("GET", "/open-data/actions.json", PUBLIC),
        ("GET", "/open-data/updates.csv", PUBLIC),
        ("GET", "/open-data/evidence.json", PUBLIC),
        ("GET", "/open-data/publications.atom", PUBLIC),
    ]


WORKSPACE_ROUTES = _workspace_routes()

# --- the JSON API: method, path template, body, success status, what it needs -------------------------------

API_READ, API_EDIT = "read", "edit"
# method, path template, body, success status, what it needs
API_ROUTES = [
    ("GET", "/api/organisations/{slug}/responses", None, 200, API_READ),
    ("GET", "/api/responses/{response_id}", None, 200, API_READ),
    ("PATCH", "/api/responses/{response_id}", {"version": 2, "summary": "Changed through the API"}, 200, API_EDIT),
    ("GET", "/api/responses/{response_id}/actions", None, 200, API_READ),
    ("POST", "/api/responses/{response_id}/actions", {"description": "A new action"}, 201, API_EDIT),
    ("PATCH", "/api/actions/{action_id}", {"version": 1, "owner_role": "Detective inspector"}, 200, API_EDIT),
    ("POST", "/api/actions/{action_id}/complete", {"version": 1}, 200, API_EDIT),
    ("POST", "/api/actions/{action_id}/move", {"direction": "down"}, 200, API_EDIT),
    ("DELETE", "/api/actions/{action_id}", None, 204, API_EDIT),
    ("GET", "/api/responses/{response_id}/updates", None, 200, API_READ),
    ("POST", "/api/responses/{response_id}/updates", {"text": "Training has started"}, 201, API_EDIT),
    ("PATCH", "/api/updates/{update_id}", {"version": 1, "text": "Training started in May"}, 200, API_EDIT),
    ("GET", "/api/responses/{response_id}/evidence", None, 200, API_READ),
    ("PATCH", "/api/evidence/{evidence_id}", {"version": 1, "title": "The new policy"}, 200, API_EDIT),
]
API_EXPECTED = {
    API_READ: {"admin": "ok", "coordinator": "ok", "inspector": "ok", "kent editor": "ok", "kent viewer": "ok"},
    API_EDIT: {"admin": "ok", "coordinator": 403, "inspector": 403, "kent editor": "ok", "kent viewer": 403},
}


def api_expected_answer(role: str, need: str) -> int | str:
    if role == "anonymous":
        return 401
    if role == "gwent editor":
        return 404
    return API_EXPECTED[need][role]


# --- the other routes (oversight, periods, reports, assessments, evidence, admin, accounts, public pages) ----

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


def _other_routes() -> list[tuple[str, str, dict[str, str]]]:
    """Routes of the app in neither matrix above, paths as the app declares them (parameter names without
    types). Add every new route here, or to one of the matrices above, with who may use it."""
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

    return [
        ("GET", "/", PUBLIC),
        ("GET", "/sign-in", PUBLIC),
        ("POST", "/sign-in", PUBLIC),
        ("POST", "/sign-out", PUBLIC),
        ("GET", "/health", PUBLIC),
        ("GET", "/health/live", PUBLIC),
        ("GET", "/metrics", {role: NOT_FOUND for role in ROLES}),  # off unless the operator allows callers
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
        # The written report of a period (issue 18): reporting coordinators and admins only; drafts never public.
        ("GET", "/oversight/periods/{period_id}/report", REPORTING),
        ("GET", "/oversight/periods/{period_id}/report/preview", REPORTING),
        ("POST", "/oversight/periods/{period_id}/report", REPORTING),
        ("POST", "/oversight/periods/{period_id}/report/examples", REPORTING),
        ("POST", "/oversight/periods/{period_id}/report/examples/remove", REPORTING),
        ("POST", "/oversight/periods/{period_id}/report/submit", REPORTING),
        ("POST", "/oversight/periods/{period_id}/report/return", REPORTING),
        ("POST", "/oversight/periods/{period_id}/report/approve", REPORTING),
        ("POST", "/oversight/periods/{period_id}/report/publish", REPORTING),
        ("GET", "/reports", PUBLIC),
        # Only a published report is served; this period has none (its draft would never be).
        ("GET", "/reports/test-report/{period_id}", {role: NOT_FOUND for role in ROLES}),
        ("GET", "/reports/test-report/{period_id}/pdf", {role: NOT_FOUND for role in ROLES}),
        ("GET", "/reports/test-report/{period_id}/figures.csv", {role: NOT_FOUND for role in ROLES}),
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


OTHER_ROUTES = _other_routes()


REFUSED = frozenset({FORBIDDEN, SIGN_IN})
_API_ANSWERS: dict[int | str, str] = {401: SIGN_IN, 403: FORBIDDEN, 404: NOT_FOUND, OK: OK}


def answers_of(method: str, path: str) -> dict[str, str]:
    """What each role gets from a matrix entry (as ``matrix_entries`` writes it): OK ("public" counts as ok),
    SIGN_IN, FORBIDDEN or NOT_FOUND. An entry in two matrices counts as refused only where both refuse it."""
    found: list[dict[str, str]] = [
        {role: OK if answer == "public" else answer for role, answer in answers.items()}
        for m, p, answers in WORKSPACE_ROUTES + OTHER_ROUTES
        if (m, p.split("?")[0]) == (method, path)
    ]
    found += [
        {role: _API_ANSWERS[api_expected_answer(role, need)] for role in ROLES}
        for m, p, _, _, need in API_ROUTES
        if (m, p) == (method, path)
    ]
    assert found, f"{method} {path} is in no route matrix"
    return {role: next((a[role] for a in found if a[role] not in REFUSED), found[0][role]) for role in ROLES}


# --- the app's route table against the matrices --------------------------------------------------------------


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
        | {(m, p.split("?")[0]) for m, p, _ in OTHER_ROUTES}
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


@pytest.fixture
def world(session, small_reference, make_user, settings):
    """One user per role, and a function that makes fresh Kent records (a destructive route gets its own)."""
    users = {role: make_user(*spec) for role, spec in ROLES.items() if spec is not None}
    owner = users["kent editor"]
    rid = response_of(session, "kent", "1").id
    made: list[object] = []

    def fresh() -> dict[str, object]:
        ctx = load_response(session, owner, rid, Permission.EDIT_PLAN)
        if not made:  # the secret update no route of the matrices removes: one is as telling as several
            made.append(services.add_update(session, ctx, owner, {"text": f"{SECRET} update"}))
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
            cut_off=dt.date(2025, 10, 1) + dt.timedelta(days=next(_PERIOD_DAYS)),  # open periods' cut-offs differ
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
