"""The JSON API in tests: tokens, the bearer header, evidence added directly, and ``kent``, a response to read and
change through it."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.support.plans import response_of
from tracker.accounts.models import User
from tracker.accounts.sessions import create_api_token
from tracker.evidence.models import Evidence
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.vocabulary import EvidenceKind, Role, Visibility

SECRET = "KENT-ONLY-MARKER"


def add_evidence(session: Session, response_id: int, visibility: Visibility, title: str) -> int:
    item = Evidence(
        response_id=response_id,
        kind=EvidenceKind.LINK,
        title=title,
        url="https://www.example.org/evidence",
        visibility=visibility,
    )
    session.add(item)
    session.commit()
    return item.id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(session: Session, user: User, name: str = "test") -> str:
    token = create_api_token(session, user, name)
    session.commit()
    return token


@pytest.fixture
def kent(session, small_reference, make_user) -> dict[str, int]:
    """Kent's response to 1.1 with an action, a public update and public evidence, all marked with SECRET."""
    owner = make_user(Role.EDITOR, "kent", email="owner@kent.example.org")
    ctx = load_response(session, owner, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    services.update_response(
        session, ctx, owner, {"status": "in_progress", "summary": f"{SECRET} summary", "version": 1}
    )
    action = services.add_action(session, ctx, owner, {"description": f"{SECRET} action"})
    second = services.add_action(session, ctx, owner, {"description": f"{SECRET} second action"})
    update = services.add_update(session, ctx, owner, {"text": f"{SECRET} update"})
    evidence = add_evidence(session, ctx.response.id, Visibility.PUBLIC, f"{SECRET} evidence")
    return {
        "rid": ctx.response.id,
        "aid": action.id,
        "aid2": second.id,
        "uid": update.id,
        "eid": evidence,
        "response_version": ctx.response.version,
    }
