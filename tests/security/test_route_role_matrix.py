"""Every workspace route against every role: allowed, forbidden, or not even told the record exists.

Anonymous people are sent to sign in; national readers (coordinators, inspectors) read but never edit;
viewers read their own organisation; editors of another organisation get 404 for Kent's ids and never
see Kent's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.support.accounts import ROLES, new_user, sign_in
from tests.support.database import load_small_reference, loaded_engine
from tests.support.plans import response_of
from tests.support.routes import SECRET
from tests.support.routes import WORKSPACE_ROUTES as ROUTES
from tests.support.web import csrf_headers
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.practice import services as practice
from tracker.vocabulary import PracticeStatus, Role

# Kent's records and a user of each role, made once per worker in a database of their own (``loaded_engine``):
# each test runs there in a transaction rolled back at its end, so every one starts from these same records.
_PREPARED: dict[str, dict[str, Any]] = {}


def _prepare(session: Session, tmp: Path) -> None:
    load_small_reference(session, tmp)
    session.commit()
    _PREPARED["emails"] = {role: new_user(session, *spec).email for role, spec in ROLES.items() if spec is not None}
    owner = new_user(session, Role.EDITOR, "kent", email="owner@kent.example.org")
    ctx = load_response(session, owner, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    action = services.add_action(session, ctx, owner, {"description": f"{SECRET} action"})
    update = services.add_update(session, ctx, owner, {"text": f"{SECRET} update"})
    submitted = practice.create_practice(session, owner, {"title": f"{SECRET} practice"}, submit=False)
    public = practice.create_practice(session, owner, {"title": "Public practice"}, submit=False)
    public.status = PracticeStatus.APPROVED
    session.commit()
    _PREPARED["records"] = {
        "rid": ctx.response.id,
        "aid": action.id,
        "uid": update.id,
        "recid": ctx.recommendation.id,
        "pid": submitted.id,
        "pslug": submitted.slug,
        "public_slug": public.slug,
    }


@pytest.fixture(scope="session")
def role_matrix_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    tmp = tmp_path_factory.mktemp("role-matrix")
    with loaded_engine("role_matrix", tmp, lambda session: _prepare(session, tmp)) as engine:
        yield engine


@pytest.fixture
def role_matrix_data(session: Session) -> None:
    """The test runs on ``role_matrix_engine`` (tests/support/database.py picks it by this fixture's name)."""


@pytest.fixture
def kent_records(role_matrix_data) -> dict[str, Any]:
    return _PREPARED["records"]


@pytest.fixture
def emails(role_matrix_data) -> dict[str, str]:
    """Each role's user's email."""
    return _PREPARED["emails"]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("method", "path", "rule"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_route_role(client, emails, kent_records, role, method, path, rule):
    if role in emails:
        sign_in(client, emails[role])
    url = path.format(**kent_records)
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    elif "/import" in path or "/load" in path or path.startswith("/admin/recommendations/report"):  # multipart forms
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


def test_guessing_ids_of_other_organisations_reveals_nothing(client, emails, kent_records):
    sign_in(client, emails["gwent editor"])
    for rid in range(kent_records["rid"] - 2, kent_records["rid"] + 30):
        response = client.get(f"/plan/responses/{rid}")
        assert response.status_code in (200, 404)
        assert SECRET not in response.text
