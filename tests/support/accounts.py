"""Accounts for tests: make_user, signing in, the roles the route tests walk through, and the Kent editor."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import anyio
import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from tests.support.web import csrf_headers
from tracker.accounts import controllers as account_controllers
from tracker.accounts.services import create_user
from tracker.audit.services import Actor
from tracker.organisations.services import get_by_slug
from tracker.vocabulary import Role

USER_PASSWORD = "correct-horse-battery"

# Who the route tests sign in as: name -> (role, organisation slug), or None for no one signed in.
ROLES: dict[str, tuple[Role, str | None] | None] = {
    "anonymous": None,
    "admin": (Role.ADMIN, None),
    "coordinator": (Role.COORDINATOR, None),
    "inspector": (Role.INSPECTOR, None),
    "kent editor": (Role.EDITOR, "kent"),
    "kent viewer": (Role.VIEWER, "kent"),
    "gwent editor": (Role.EDITOR, "gwent"),
}


def roles(*names: str) -> dict[str, tuple[Role, str | None] | None]:
    """The entries of ROLES with these names, in this order."""
    return {name: ROLES[name] for name in names}


def new_user(session: Session, role: Role, organisation: str | None = None, email: str | None = None):
    """An account (password USER_PASSWORD), committed."""
    org = get_by_slug(session, organisation) if organisation else None
    user = create_user(
        session,
        email=email or f"{role.value}-{organisation or 'national'}@example.org",
        display_name=f"Test {role.value}",
        role=role,
        password=USER_PASSWORD,
        organisation=org,
        actor=Actor("test setup"),
    )
    session.commit()
    return user


@pytest.fixture
def make_user(session: Session):
    """Create an account: make_user(Role.EDITOR, "kent") -> User (password USER_PASSWORD)."""
    return lambda role, organisation=None, email=None: new_user(session, role, organisation, email)


@pytest.fixture
def editor(small_reference, make_user):
    """An editor at Kent Police, on the small reference data."""
    return make_user(Role.EDITOR, "kent")


@pytest.fixture
def kent_editor(editor):
    """The Kent editor, by the name the plan tests give them."""
    return editor


def sign_in(client: TestClient, email: str, password: str = USER_PASSWORD):
    return client.post(
        "/sign-in", data={"email": email, "password": password}, headers=csrf_headers(client), follow_redirects=False
    )


# The waits failed sign-ins asked for in this worker (in seconds), most recent last.
_SIGN_IN_WAITS: list[float] = []


async def _record_wait(seconds: float) -> None:
    _SIGN_IN_WAITS.append(seconds)


@pytest.fixture(autouse=True, scope="session")
def _sign_in_waits_recorded() -> Iterator[None]:
    """A failed sign-in is answered after a growing wait (0.25 s doubling up to 2 s): in the test process the wait
    is recorded instead of slept (``sign_in_waits``), as it cost the tests 32 s a leg. Live servers still wait."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(account_controllers, "anyio", SimpleNamespace(sleep=_record_wait, to_thread=anyio.to_thread))
        yield


@pytest.fixture
def sign_in_waits() -> list[float]:
    """The waits the failed sign-ins of this test asked for, in order."""
    _SIGN_IN_WAITS.clear()
    return _SIGN_IN_WAITS
