"""Shared fixtures: one database per test run (SQLite or PostgreSQL), emptied after every test.

Choose the database with TRACKER_TEST_DB=sqlite (default) or TRACKER_TEST_DB=postgresql; the PostgreSQL
server comes from TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and each run
creates and drops its own database there, so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from litestar.testing import TestClient
from sqlmodel import Session, SQLModel

import tracker.models  # noqa: F401
from tests.html_checks import assert_strict_html
from tracker import migrate
from tracker.app import create_app
from tracker.audit.services import Actor
from tracker.db import TrackerSession, make_engine
from tracker.loading import load_file
from tracker.settings import RECOMMENDATIONS_DIR, Settings

BACKEND = os.environ.get("TRACKER_TEST_DB", "sqlite")
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ORGANISATIONS_FILE = RECOMMENDATIONS_DIR / "organisations.yaml"
STALKING_FILE = RECOMMENDATIONS_DIR / "stalking-2024.yaml"
TEST_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost inside the test process only (the live server keeps the real cost)."""
    from argon2 import PasswordHasher

    from tracker.accounts import passwords

    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = real


def pytest_report_header() -> str:
    return f"tracker test database: {BACKEND}"


def _postgres_admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


@contextmanager
def new_database(prefix: str, tmp_dir: Path) -> Iterator[str]:
    """An empty database of the backend under test: an SQLite file, or a PostgreSQL database dropped after."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_dir / (prefix + '.db')}"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"TRACKER_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
    name = f"tracker_{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _postgres_admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for this test run."""
    with new_database("test", tmp_path_factory.mktemp("db")) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def empty_database(engine: sa.Engine) -> None:
    """Delete every row of every tracker table (the schema stays)."""
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "engine" in request.fixturenames:
        empty_database(request.getfixturevalue("engine"))


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with TrackerSession(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def reference_data(session: Session) -> None:
    """The bundled organisations and the stalking recommendations, loaded as `tracker setup` does."""
    for path in (ORGANISATIONS_FILE, STALKING_FILE):
        load_file(session, path, Actor("test setup"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, upload_dir=tmp_path / "uploads")


def _check_html(response: httpx.Response) -> None:
    if response.headers.get("content-type", "").startswith("text/html") and response.request.method != "HEAD":
        response.read()
        if response.text.strip():
            assert_strict_html(response.text, f"{response.request.method} {response.request.url.path}")


@pytest.fixture
def app_client_factory(settings: Settings, engine: sa.Engine) -> Iterator[object]:
    """Make clients, each with its own app process-alike (e.g. a second browser, or a second server process)."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app=create_app(settings))
        # Every HTML page or fragment any test fetches is read strictly (tests/html_checks.py): markup a browser
        # would silently repair (a run-together attribute, an unclosed element, an id used twice) fails the test.
        client.event_hooks["response"].append(_check_html)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(app_client_factory) -> TestClient:
    return app_client_factory()


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database of the backend under test, dropped afterwards."""
    with new_database("scratch", tmp_path) as url:
        yield url


@pytest.fixture
def small_reference(session: Session, tmp_path: Path) -> None:
    """A few organisations and a three-recommendation set (tests/factories.py)."""
    from tests.factories import SMALL_ORGANISATIONS, SMALL_SET, write

    load_file(session, write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), Actor("test setup"))
    load_file(session, write(tmp_path, "set.yaml", SMALL_SET), Actor("test setup"))


USER_PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_user(session: Session):
    """Create an account: make_user(Role.EDITOR, "kent") -> User (password USER_PASSWORD)."""
    from tracker.accounts.services import create_user
    from tracker.organisations.services import get_by_slug
    from tracker.vocabulary import Role

    def make(role: Role, organisation: str | None = None, email: str | None = None):
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

    return make


def csrf_headers(client: TestClient) -> dict[str, str]:
    """The CSRF header for a state-changing request (after any GET has set the cookie)."""
    if "csrftoken" not in client.cookies:
        client.get("/sign-in")
    return {"x-csrftoken": client.cookies["csrftoken"]}


def sign_in(client: TestClient, email: str, password: str = USER_PASSWORD):
    return client.post(
        "/sign-in", data={"email": email, "password": password}, headers=csrf_headers(client), follow_redirects=False
    )


@pytest.fixture
def count_queries(engine: sa.Engine):
    """count_queries(fn) -> (result, number of SQL statements fn ran on the test engine)."""

    def run(fn):
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            result = fn()
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
        return result, len(statements)

    return run
