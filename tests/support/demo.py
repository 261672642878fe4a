"""The demo site the page checks read: its own database with the demo data, and a client per account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from litestar import get
from litestar.testing import TestClient
from sqlmodel import Session

from tests import pages
from tests.pages import Page
from tests.support.database import ORGANISATIONS_FILE, STALKING_FILE, new_database
from tests.support.web import TEST_SECRET
from tracker import migrate
from tracker.app import create_app
from tracker.audit.services import Actor
from tracker.db import make_engine
from tracker.demo import load_demo
from tracker.loading import load_file
from tracker.settings import Settings

DEMO_PASSWORD = "a-long-demo-password-for-page-checks"


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

    def open(self, spec: Page):
        """The page as a browser without JavaScript would end on (after submitting its form, if any)."""
        client = self.client(spec.account)
        response = client.get(spec.url(self.ids))
        if spec.submit:
            action = re.search(rf'<form[^>]*action="([^"]*{re.escape(spec.submit.action)})"', response.text)
            assert action, f"no form whose action ends with {spec.submit.action}"
            for _ in range(spec.submit.times):
                response = client.post(
                    action.group(1), data=spec.submit.fields, headers=csrf(client), follow_redirects=False
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
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """Its own database (the shared test database is emptied after each test), with the demo data."""
    tmp = tmp_path_factory.mktemp("pages")
    with new_database("pages", tmp) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        settings = Settings(database_url=url, secret_key=TEST_SECRET, upload_dir=tmp / "uploads")
        with Session(engine) as session:
            for path in (ORGANISATIONS_FILE, STALKING_FILE):
                load_file(session, path, Actor("test setup"))
            load_demo(session, password=DEMO_PASSWORD, upload_dir=settings.upload_dir)
        pages.prepare(url)
        site = DemoSite(settings, pages.ids(engine))
        try:
            yield site
        finally:
            for client in site.clients.values():
                client.__exit__(None, None, None)
            engine.dispose()
