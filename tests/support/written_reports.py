"""The written progress report in tests: ``period``, a frozen period with a public and an inspectorate update of
Kent's in its window; ``people``, a writer, a reviewer and an admin; and signing in, the editor's address and posting
to it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.audit.services import Actor
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services as plans
from tracker.plans.publication import publish_plan
from tracker.plans.services import load_response
from tracker.reports.services import freeze_period, open_period
from tracker.vocabulary import Role

PUBLIC_UPDATE = "Kent trained every stalking lead in March"
SECRET_UPDATE = "zqxINSPECTORATE-ONLY-UPDATEqxz"


@pytest.fixture
def period(session, small_reference, make_user):
    """A frozen period whose window holds one public update of Kent's (published plan) and an inspectorate one."""
    editor = make_user(Role.EDITOR, "kent")
    ctx = load_response(session, editor, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    plans.update_response(session, ctx, editor, {"status": "complete", "version": str(ctx.response.version)})
    plans.add_update(session, ctx, editor, {"text": PUBLIC_UPDATE, "update_on": "01/03/2025"})
    ctx = load_response(session, editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    plans.add_update(
        session, ctx, editor, {"text": SECRET_UPDATE, "update_on": "02/03/2025", "visibility": "inspectorate"}
    )
    publish_plan(session, get_by_slug(session, "kent"), editor)
    session.commit()
    chosen = open_period(session, name="Spring 2025", cut_off=dt.date(2025, 3, 31), actor=Actor("t"))
    freeze_period(session, chosen, Actor("t"))
    session.commit()
    return chosen


@pytest.fixture
def people(make_user):
    return {
        "writer": make_user(Role.COORDINATOR, email="writer@example.org"),
        "reviewer": make_user(Role.COORDINATOR, email="reviewer@example.org"),
        "admin": make_user(Role.ADMIN),
    }


def as_(client, user):
    client.cookies.clear()
    assert sign_in(client, user.email).status_code == 303


def url(period, tail: str = "") -> str:
    return f"/oversight/periods/{period.id}/report{tail}"


def post(client, path, **data):
    return client.post(path, data=data, headers=csrf_headers(client), follow_redirects=False)
