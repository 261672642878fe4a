"""Every workspace route against every role: allowed, forbidden, or not even told the record exists.

Anonymous people are sent to sign in; national readers (coordinators, inspectors) read but never edit;
viewers read their own organisation; editors of another organisation get 404 for Kent's ids and never
see Kent's data.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_headers, sign_in
from tests.test_plans import response_of
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.vocabulary import Role

SECRET = "KENT-ONLY-MARKER"
ROLES = {
    "anonymous": None,
    "admin": (Role.ADMIN, None),
    "coordinator": (Role.COORDINATOR, None),
    "inspector": (Role.INSPECTOR, None),
    "kent editor": (Role.EDITOR, "kent"),
    "kent viewer": (Role.VIEWER, "kent"),
    "gwent editor": (Role.EDITOR, "gwent"),
}
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
SIGNED_IN = {role: "ok" for role in ROLES} | {"anonymous": "sign in"}
PUBLIC = {role: "public" for role in ROLES}  # everyone, signed in or not; only published data (none here)

ROUTES = [
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
    ("POST", "/plan/kent/publish", EDIT),
    ("GET", "/plan/kent/import", EDIT),
    ("POST", "/plan/kent/import", EDIT),
    ("POST", "/plan/kent/import/apply", EDIT),
    ("GET", "/plan/kent/export.csv", READ),
    ("GET", "/plan/kent/export.xlsx", READ),
    ("GET", "/admin/users", ADMIN_ONLY),
    ("GET", "/admin/users/new", ADMIN_ONLY),
    ("GET", "/account/password", SIGNED_IN),
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


@pytest.fixture
def kent_records(session, small_reference, make_user):
    owner = make_user(Role.EDITOR, "kent", email="owner@kent.example.org")
    ctx = load_response(session, owner, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    action = services.add_action(session, ctx, owner, {"description": f"{SECRET} action"})
    update = services.add_update(session, ctx, owner, {"text": f"{SECRET} update"})
    return {"rid": ctx.response.id, "aid": action.id, "uid": update.id}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("method", "path", "rule"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_role(client, make_user, kent_records, role, method, path, rule):
    spec = ROLES[role]
    if spec is not None:
        sign_in(client, make_user(*spec).email)
    url = path.format(**kent_records)
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    elif "/import" in path:  # a multipart upload form
        upload = {"file": ("plan.csv", b"Recommendation,Action\n1.1,x\n", "text/csv")}
        response = client.post(url, data={"x": "y"}, files=upload, headers=csrf_headers(client), follow_redirects=False)
    else:
        response = client.post(
            url,
            data={"description": "x", "text": "y", "status": "in_progress", "version": "1", "direction": "up"},
            headers=csrf_headers(client),
            follow_redirects=False,
        )
    expected = rule[role]
    if expected == "sign in":
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
    elif expected == "forbidden":
        assert response.status_code == 403
    elif expected == "public":
        assert response.status_code == 200
    elif expected == "not found":
        assert response.status_code == 404
        assert SECRET not in response.text
    else:
        assert response.status_code in (200, 303, 409, 422), (response.status_code, response.text[-3000:])
    if expected != "ok":
        assert SECRET not in response.text, "Kent has not published, so nothing of its plan is public"


def test_guessing_ids_of_other_organisations_reveals_nothing(client, make_user, kent_records):
    sign_in(client, make_user(Role.EDITOR, "gwent").email)
    for rid in range(kent_records["rid"] - 2, kent_records["rid"] + 30):
        response = client.get(f"/plan/responses/{rid}")
        assert response.status_code in (200, 404)
        assert SECRET not in response.text
