"""The demo data, built once per day for every worker and both legs, and the demo site the page checks read.

Loading the demo takes many seconds, so each variant (reference data and scale) is built once, in SQLite, into a
cache every worker shares (``tests.support.demo_cache``); each worker makes a template of the backend under test
from it (``DemoDatabases.template``: nobody connects to it), and every user gets a copy: a module that commits
(the demo site, the frozen report) its own copy, a rolled-back test asking for ``demo_data`` a shared copy
(its changes are rolled back, as for ``reference_data``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from litestar import get
from litestar.testing import TestClient
from sqlmodel import Session

from tests.support import pages
from tests.support.database import BACKEND, ORGANISATIONS_FILE, STALKING_FILE, new_database
from tests.support.demo_cache import cached_demo, copy_rows, source_key
from tests.support.factories import SMALL_ORGANISATIONS, SMALL_SET, write
from tests.support.pages import Page
from tests.support.web import TEST_SECRET
from tracker import migrate
from tracker.app import create_app
from tracker.audit.services import Actor
from tracker.db import make_engine
from tracker.demo import DemoResult, load_demo
from tracker.loading import load_file
from tracker.settings import Settings

DEMO_PASSWORD = "a-long-demo-password-for-page-checks"

# The small reference data plus the organisations the demo's accounts belong to (two of which answer nothing).
SMALL_WITH_DEMO_ACCOUNTS = SMALL_ORGANISATIONS + (
    "  - {slug: dyfed-powys, name: Dyfed-Powys Police, kind: force, country: Wales, region: wales}\n"
    "  - {slug: npcc, name: National Police Chiefs' Council, kind: national-body}\n"
    "  - {slug: hmicfrs, name: An inspectorate, kind: inspectorate}\n"
)
# A variant of the demo: which reference data ("full": the bundled files, "small": the set above) and the scale.
Variant = tuple[str, int]
FULL: Variant = ("full", 1)


@dataclass(frozen=True)
class DemoTemplate:
    """A database holding a variant of the demo (never connected to after it is built) and its uploaded files."""

    url: str
    uploads: Path
    result: DemoResult


class DemoDatabases:
    """This worker's demo databases: each variant built on first use, then copied."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._opened = ExitStack()  # the databases to drop at the end
        self._templates: dict[Variant, DemoTemplate] = {}
        self._engines: dict[Variant, sa.Engine] = {}

    def template(self, variant: Variant = FULL) -> DemoTemplate:
        if variant not in self._templates:
            kind, scale = variant
            database, uploads, result = cached_demo(f"demo-{kind}-{scale}", source_key(variant), _build(variant))
            url = f"sqlite:///{database}"
            if BACKEND != "sqlite":  # a template of the backend under test, holding the same rows
                url = self._opened.enter_context(new_database(f"demo_{kind}{scale}", self._tmp.mktemp("demo")))
                migrate.upgrade(url)
                copy_rows(f"sqlite:///{database}", url)
            self._templates[variant] = DemoTemplate(url, uploads, result)
        return self._templates[variant]

    @contextmanager
    def copy(self, prefix: str, tmp: Path, variant: Variant = FULL) -> Iterator[tuple[str, Path]]:
        """A database of one's own holding the demo (dropped afterwards), and a copy of its uploaded files."""
        template = self.template(variant)
        uploads = tmp / "uploads"
        shutil.copytree(template.uploads, uploads, dirs_exist_ok=True)
        with new_database(prefix, tmp, copy_of=template.url) as url:
            yield url, uploads

    def engine(self, variant: Variant = FULL) -> sa.Engine:
        """An engine on this worker's shared copy of the variant, for rolled-back tests (``demo_data``)."""
        if variant not in self._engines:
            kind, scale = variant
            tmp = self._tmp.mktemp(f"shared-{kind}-{scale}")
            url, _ = self._opened.enter_context(self.copy(f"shared_{kind}{scale}", tmp, variant))
            self._engines[variant] = make_engine(url)
        return self._engines[variant]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._opened.close()


def _build(variant: Variant) -> Callable[[Path, Path], DemoResult]:
    """How the variant is built into an SQLite file (``cached_demo``): as ``tracker setup --demo`` would."""

    def build(database: Path, uploads: Path) -> DemoResult:
        kind, scale = variant
        url = f"sqlite:///{database}"
        migrate.upgrade(url)
        files = [ORGANISATIONS_FILE, STALKING_FILE]
        if kind == "small":
            files = [write(database.parent, "orgs.yaml", SMALL_WITH_DEMO_ACCOUNTS)]
            files.append(write(database.parent, "set.yaml", SMALL_SET))
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                for path in files:
                    load_file(session, path, Actor("test setup"))
                return load_demo(session, password=DEMO_PASSWORD, upload_dir=uploads, scale=scale)
        finally:
            engine.dispose()

    return build


@pytest.fixture(scope="session")
def demo_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDatabases]:
    databases = DemoDatabases(tmp_path_factory)
    yield databases
    databases.close()


def variant_of(request: pytest.FixtureRequest) -> Variant:
    """The demo variant a test asks for: ``@pytest.mark.parametrize("demo_data", [...], indirect=True)``, or FULL."""
    callspec = getattr(request.node, "callspec", None)
    return callspec.params.get("demo_data", FULL) if callspec else FULL


@pytest.fixture
def demo_engine(request: pytest.FixtureRequest, demo_databases: DemoDatabases) -> sa.Engine:
    """The shared demo database the ``engine`` fixture rolls a ``demo_data`` test back on."""
    return demo_databases.engine(variant_of(request))


@pytest.fixture
def demo_data(request: pytest.FixtureRequest, engine: sa.Engine, settings: Settings, demo_databases) -> DemoResult:
    """The demo (the bundled reference data at scale 1 unless parametrised), already loaded with DEMO_PASSWORD:
    the test runs rolled back on a shared copy (see ``engine``), with a copy of its files in its upload folder."""
    template = demo_databases.template(variant_of(request))
    shutil.copytree(template.uploads, settings.upload_dir, dirs_exist_ok=True)
    return template.result


@get("/boom", sync_to_thread=False, include_in_schema=False)
def failing_route() -> str:
    """A handler with a bug: what people see must not show its message."""
    raise RuntimeError("secret internals: /srv/tracker/db password=hunter2")


@dataclass
class DemoSite:
    settings: Settings
    ids: dict[str, object]
    clients: dict[str | None, TestClient] = field(default_factory=dict)

    def client(self, account: str | None) -> TestClient:
        if account not in self.clients:
            client = TestClient(app=create_app(self.settings))
            client.__enter__()
            if account:
                response = sign_in(client, f"{account}@{pages.DEMO_DOMAIN}", DEMO_PASSWORD)
                assert response.status_code == 303, f"could not sign in as {account}"
            self.clients[account] = client
        return self.clients[account]

    def open(self, spec: Page, lang: str | None = None):
        """The page as a browser without JavaScript would end on (after submitting its form, if any); in the
        language ``lang`` (``?lang=cy``) when given."""
        client = self.client(spec.account)
        url = spec.url(self.ids)
        if lang:
            url += ("&" if "?" in url else "?") + f"lang={lang}"
        response = client.get(url)
        if spec.submit:
            ending = rf"{re.escape(spec.submit.action)}(?:[?&](?:amp;)?lang=\w+)?"
            action = re.search(rf'<form[^>]*action="([^"]*{ending})"', response.text)
            assert action, f"no form whose action ends with {spec.submit.action}"
            for _ in range(spec.submit.times):
                response = client.post(
                    action.group(1).replace("&amp;", "&"),
                    data=spec.submit.fields,
                    files=spec.submit.files or None,
                    headers=csrf(client),
                    follow_redirects=False,
                )
        return response


def csrf(client: TestClient) -> dict[str, str]:
    if "csrftoken" not in client.cookies:
        client.get("/sign-in")
    return {"x-csrftoken": client.cookies["csrftoken"]}


def sign_in(client: TestClient, email: str, password: str):
    return client.post(
        "/sign-in", data={"email": email, "password": password}, headers=csrf(client), follow_redirects=False
    )


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory, demo_databases: DemoDatabases) -> Iterator[DemoSite]:
    """Its own copy of the demo database (its tests commit: sign-ins, failed sign-ins, submitted forms)."""
    tmp = tmp_path_factory.mktemp("pages")
    with demo_databases.copy("pages", tmp) as (url, uploads):
        engine = make_engine(url)
        settings = Settings(database_url=url, secret_key=TEST_SECRET, upload_dir=uploads)
        pages.prepare(url)
        site = DemoSite(settings, pages.ids(engine))
        try:
            yield site
        finally:
            for client in site.clients.values():
                client.__exit__(None, None, None)
            engine.dispose()
