"""Every workspace route against every role: allowed, forbidden, or not even told the record exists.

Anonymous people are sent to sign in; national readers (coordinators, inspectors) read but never edit;
viewers read their own organisation; editors of another organisation get 404 for Kent's ids and never
see Kent's data.
"""

from __future__ import annotations

import pytest

from tests.support.accounts import ROLES, sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.practice import services as practice
from tracker.vocabulary import PracticeStatus, Role

SECRET = "KENT-ONLY-MARKER"
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
    ("GET", "/plan/kent/publish", EDIT),
    ("GET", "/plan/kent/publish/preview", EDIT),
    ("POST", "/plan/kent/publish", EDIT),
    ("GET", "/plan/kent/import", EDIT),
    ("POST", "/plan/kent/import", EDIT),
    ("POST", "/plan/kent/import/apply", EDIT),
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
    ("GET", "/oversight/obligation-changes", NATIONAL),
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
    submitted = practice.create_practice(session, owner, {"title": f"{SECRET} practice"}, submit=False)
    public = practice.create_practice(session, owner, {"title": "Public practice"}, submit=False)
    public.status = PracticeStatus.APPROVED
    session.commit()
    return {
        "rid": ctx.response.id,
        "aid": action.id,
        "uid": update.id,
        "recid": ctx.recommendation.id,
        "pid": submitted.id,
        "pslug": submitted.slug,
        "public_slug": public.slug,
    }


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("method", "path", "rule"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_role(client, make_user, kent_records, role, method, path, rule):
    spec = ROLES[role]
    if spec is not None:
        sign_in(client, make_user(*spec).email)
    url = path.format(**kent_records)
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    elif "/import" in path or "/load" in path:  # a multipart upload form
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
