"""The app under test, built once per worker and settings, and its clients; every HTML page is checked strictly."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.html_checks import assert_strict_html
from tracker.app import create_app
from tracker.db import for_writing
from tracker.settings import Settings
from tracker.web.templating import build_environment

TEST_SECRET = "test-secret-" + "x" * 40

# Apps already built in this worker, by their settings (less the upload folder, which each test has its own of
# and which the app reads from its state). Building one takes about 0.35 s. A test that uses two clients at once
# gets two apps (two "server processes"): a Litestar app runs one lifespan at a time.
_APPS: dict[Settings, list[Litestar]] = {}
_BUILT_STATE: dict[int, dict[str, object]] = {}


def app_for(settings: Settings, engine: sa.Engine, taken: list[Litestar]) -> Litestar:
    """An app for ``settings``, not in ``taken`` (the apps this test already has), whose requests use ``engine``
    (the test's rolled-back connection, or a real engine).

    Everything create_app fixes at build time (CSRF secret, upload size limit, translations, headers) is part of
    the settings the app is kept under; what requests read at run time (the engines, the settings with this test's
    upload folder) is set in the app's state for each test.
    """
    built = _APPS.setdefault(dataclasses.replace(settings, upload_dir=Path("/")), [])
    app = next((app for app in built if not any(app is other for other in taken)), None)
    if app is None:
        app = create_app(settings)
        built.append(app)
        _BUILT_STATE[id(app)] = dict(app.state)
    taken.append(app)
    app.state.update(_BUILT_STATE[id(app)])  # undo what the last test changed (e.g. the migration head)
    app.state.settings = settings
    app.state.engine = engine
    app.state.write_engine = for_writing(engine) if isinstance(engine, sa.Engine) else engine
    return app


@pytest.fixture(autouse=True, scope="session")
def _templates_read_once() -> Iterator[None]:
    """No test edits a template while the suite runs, so the (one, shared) Jinja environment need not look at each
    template file's time again every time a page uses it: that check (a stat per template, macro file and import,
    per request) took 0.2 to 1 ms of a 6 ms sign-in page."""
    environment = build_environment()
    environment.auto_reload = False
    yield
    environment.auto_reload = True


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, upload_dir=tmp_path / "uploads")


def check_html(response: httpx.Response) -> None:
    """Every HTML page or fragment a test fetches is read strictly (tests/support/html_checks.py): markup a browser
    would silently repair (a run-together attribute, an unclosed element, an id used twice) fails the test."""
    if response.headers.get("content-type", "").startswith("text/html") and response.request.method != "HEAD":
        response.read()
        if response.text.strip():
            assert_strict_html(response.text, f"{response.request.method} {response.request.url.path}")


def checked_client(app: Litestar, **kwargs: object) -> TestClient:
    """A test client of ``app`` that checks every HTML page it receives (not yet entered)."""
    client = TestClient(app=app, **kwargs)  # type: ignore[arg-type]
    client.event_hooks["response"].append(check_html)
    return client


@pytest.fixture
def make_app(engine: sa.Engine) -> Callable[[Settings], Litestar]:
    """make_app(settings) -> the app for those settings, using this test's database connection."""
    taken: list[Litestar] = []
    return lambda settings: app_for(settings, engine, taken)


@pytest.fixture
def app_client_factory(settings: Settings, make_app) -> Iterator[Callable[[], TestClient]]:
    """Make clients, each with its own cookies (e.g. a second browser, or a second server process)."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = checked_client(make_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(app_client_factory) -> TestClient:
    return app_client_factory()


def csrf_headers(client: TestClient) -> dict[str, str]:
    """The CSRF header for a state-changing request (after any GET has set the cookie)."""
    if "csrftoken" not in client.cookies:
        client.get("/sign-in")
    return {"x-csrftoken": client.cookies["csrftoken"]}
