"""Logs and metrics (tracker.web.observability): one line per request that an operator can use, and nothing in any
log line that a person typed or was sent.

Markers are planted, as in tests/web/test_public_markers.py, in everything that must never reach a log: an email
address and a password (signing in, rightly and wrongly), a query string, a cookie, form bodies (a progress
update, an evidence file's name and content, a spreadsheet import), an API token and the JSON it sends, a path
someone typed and a request id that is not an id. Every log line written meanwhile, by the app, its libraries and
the server's loggers, is captured as the app formats it (JSON and readable), and none may hold any marker.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sqlite3

import pytest
from litestar import Request
from sqlalchemy.exc import OperationalError

from tests.support.accounts import sign_in
from tests.support.api import bearer, token_for
from tests.support.plans import form_fields, post_file, response_of
from tests.support.web import checked_client, csrf_headers
from tracker.accounts.services import create_user
from tracker.audit.services import Actor
from tracker.organisations.services import get_by_slug
from tracker.vocabulary import Role
from tracker.web import observability

MARKERS: list[str] = []


def marker(name: str) -> str:
    value = f"zqx{name}qxz"
    MARKERS.append(value)
    return value


class Capture(logging.Handler):
    """Every log record, formatted as the app formats it in production (JSON) and in development (readable)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.formatters = [observability.formatter(as_json=True), observability.formatter(as_json=False)]

    def emit(self, record: logging.LogRecord) -> None:
        for formatter in self.formatters:
            self.lines.append(formatter.format(record))


@pytest.fixture
def log_lines(client):
    """The log lines written while the test runs (the app is built first: it configures logging)."""
    capture = Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    yield capture.lines
    root.removeHandler(capture)


def request_lines(lines: list[str]) -> list[dict]:
    return [entry for entry in map(json.loads, lines[::2]) if entry.get("event") == "request"]


def test_no_log_line_holds_personal_data_or_a_secret(client, session, small_reference, log_lines):
    password = marker("password") + "-long-enough"
    editor = create_user(
        session,
        email=f"{marker('email')}@example.org",
        display_name=marker("name"),
        role=Role.EDITOR,
        password=password,
        organisation=get_by_slug(session, "kent"),
        actor=Actor("test setup"),
    )
    session.commit()
    client.cookies.set("something", marker("cookie"))
    assert sign_in(client, editor.email, marker("wrongpassword")).status_code == 422  # refused, form shown again
    assert sign_in(client, editor.email, password).status_code == 303
    response_id = response_of(session, "kent", "1.1").id
    client.get(f"/recommendations?q={marker('query')}&email={marker('queryemail')}%40example.org")
    client.get(f"/organisations/{marker('path')}", headers={"x-request-id": f"{marker('requestid')} <b>"})
    updated = client.post(
        f"/plan/responses/{response_id}/updates",
        data={"text": marker("updatetext"), "visibility": "internal"},
        headers=csrf_headers(client),
    )
    assert updated.status_code < 400
    assert post_file(client, response_id, marker("filename") + ".txt", marker("filecontent").encode()).status_code < 400
    checked = client.post(
        "/plan/kent/import",
        files={"file": ("plan.csv", f"Rec No.,Action\n1.1,{marker('importaction')}\n".encode(), "text/csv")},
        headers=csrf_headers(client),
    )
    assert marker("importaction") in checked.text
    client.post("/plan/kent/import/apply", data=form_fields(checked.text), headers=csrf_headers(client))
    token = token_for(session, editor)
    api = client.post(
        f"/api/responses/{response_id}/actions", json={"description": marker("apibody")}, headers=bearer(token)
    )
    assert api.status_code == 201, api.text
    secrets = [token, client.cookies["csrftoken"], *(v for k, v in client.cookies.items() if "session" in k)]

    lines = "\n".join(log_lines)
    assert request_lines(log_lines), "the requests were logged"
    assert any(entry["user_id"] == editor.id for entry in request_lines(log_lines)), "with who was signed in"
    found = [m for m in MARKERS if m in lines] + [f"secret {i}" for i, s in enumerate(secrets) if s and s in lines]
    assert not found, f"found in the log: {found}"


def test_each_request_gets_one_line_with_its_id_route_status_duration_and_user(client, log_lines, editor):
    sign_in(client, editor.email)
    log_lines.clear()
    response = client.get("/plan/kent", headers={"x-request-id": "edge-4f2a.9_b"})
    [line] = request_lines(log_lines)
    assert line["request_id"] == response.headers["x-request-id"] == "edge-4f2a.9_b"
    assert line["route"] == "/plan/{slug}" and line["method"] == "GET"
    assert line["status"] == 200 and line["duration_ms"] > 0 and line["user_id"] == editor.id


def test_a_request_id_is_generated_when_none_or_a_bad_one_is_sent(client, log_lines):
    bad = ["", "has space", "x" * 65, 'quote"d', "semi;colon", "ünïcode"]
    seen = set()
    for sent in [None, *bad]:
        headers = {} if sent is None else {"x-request-id": sent.encode()}
        response = client.get("/health/live", headers=headers)
        request_id = response.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), (sent, request_id)
        seen.add(request_id)
    assert len(seen) == 1 + len(bad), "a new id for every request"
    assert {line["request_id"] for line in request_lines(log_lines)} == seen


def test_requests_no_route_answers_are_logged_and_named_too(client, log_lines):
    response = client.get("/no/such/page", headers={"x-request-id": "lost-1"})
    assert response.status_code == 404 and response.headers["x-request-id"] == "lost-1"
    [line] = request_lines(log_lines)
    assert line == line | {"request_id": "lost-1", "route": "(no route)", "status": 404}


def test_the_500_page_shows_the_request_id_to_quote(client, monkeypatch, log_lines):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("tracker.web.info_pages._info_page", broken)
    response = client.get("/accessibility", headers={"x-request-id": "quote-me-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "quote-me-42"
    assert "quote this reference: quote-me-42" in response.text
    assert any(line["status"] == 500 and line["request_id"] == "quote-me-42" for line in request_lines(log_lines))
    assert any("quote-me-42" in line and "boom" in line for line in log_lines), "the traceback names the request"


def failing_with(monkeypatch, error: Exception) -> None:
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, error)

    monkeypatch.setattr("tracker.web.info_pages._info_page", broken)


def test_a_missing_table_is_a_500_naming_the_request_not_an_outage(client, monkeypatch, log_lines):
    failing_with(monkeypatch, sqlite3.OperationalError("no such table: practice_fts"))
    response = client.get("/accessibility", headers={"x-request-id": "schema-1"})
    assert response.status_code == 500 and "cannot be reached" not in response.text
    assert "quote this reference: schema-1" in response.text
    assert any("schema-1" in line and "no such table: practice_fts" in line for line in log_lines)
    assert not any("database unavailable" in line for line in log_lines)


def test_an_outage_is_a_503_and_its_log_line_names_the_request(client, monkeypatch, log_lines):
    failing_with(monkeypatch, sqlite3.OperationalError("unable to open database file"))
    response = client.get("/accessibility", headers={"x-request-id": "outage-1"})
    assert response.status_code == 503 and "cannot be reached" in response.text
    assert any(
        "database unavailable (request outage-1)" in line and "unable to open database file" in line
        for line in log_lines
    )


# --- /metrics -------------------------------------------------------------------------------------------------

TOKEN = "metrics-token-" + "m" * 32


@pytest.fixture
def metrics_client(settings, make_app):
    allowed = dataclasses.replace(settings, metrics_token=TOKEN, metrics_allow=("10.9.0.0/16",))
    with checked_client(make_app(allowed)) as client:
        yield client


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=bearer(TOKEN)).status_code == 404


def test_metrics_are_only_for_the_callers_the_operator_allows(metrics_client):
    assert metrics_client.get("/metrics").status_code == 404, "the test client's address is not in METRICS_ALLOW"
    assert metrics_client.get("/metrics", headers=bearer("metrics-token-" + "x" * 32)).status_code == 404
    metrics_client.get("/recommendations")
    metrics = metrics_client.get("/metrics", headers=bearer(TOKEN))
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert re.search(r'tracker_request_duration_seconds_count\{[^}]*path="/recommendations"[^}]*\} [1-9]', text)
    for name in ("db_pool_in_use", "imports_total", "uploads_total", "reminders_sent_total", "report_builds_total"):
        assert f"tracker_{name}" in text, name


def asking(app, address: str, headers: dict[str, str] | None = None) -> Request:
    encoded = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "client": (address, 1), "headers": encoded, "litestar_app": app, "state": {}})


def test_metrics_are_served_to_the_addresses_and_the_token_the_operator_allows(client, settings):
    allowed = dataclasses.replace(settings, metrics_allow=("10.9.0.0/16", "192.0.2.7"), metrics_token=TOKEN)
    assert observability.metrics_allowed(asking(client.app, "10.9.3.4"), allowed)
    assert observability.metrics_allowed(asking(client.app, "192.0.2.7"), allowed)
    assert not observability.metrics_allowed(asking(client.app, "192.0.2.8"), allowed)
    assert observability.metrics_allowed(asking(client.app, "192.0.2.8", bearer(TOKEN)), allowed)
    assert not observability.metrics_allowed(asking(client.app, "192.0.2.8", {"authorization": TOKEN}), allowed)
    assert not observability.metrics_allowed(asking(client.app, "10.9.3.4"), settings), "off by default"


def test_a_request_no_route_answers_is_logged_with_its_duration(client, log_lines):
    """A collector computing latency gets a number for every line, also for the 404s of a scan."""
    client.get("/no/such/page")
    [line] = request_lines(log_lines)
    assert line["route"] == "(no route)" and isinstance(line["duration_ms"], float) and line["duration_ms"] > 0


def test_the_metrics_token_scheme_is_case_insensitive(client, settings):
    """RFC 9110, 11.1: the auth-scheme is case-insensitive; the token itself is not."""
    allowed = dataclasses.replace(settings, metrics_token=TOKEN)
    for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
        sent = {"authorization": f"{scheme} {TOKEN}"}
        assert observability.metrics_allowed(asking(client.app, "192.0.2.8", sent), allowed), scheme
    assert not observability.metrics_allowed(asking(client.app, "192.0.2.8", bearer(TOKEN.upper())), allowed)
    assert not observability.metrics_allowed(
        asking(client.app, "192.0.2.8", {"authorization": f"Basic {TOKEN}"}), allowed
    )


# Paths the router takes for /metrics that a proxy guarding `location = /metrics` passes on unguarded.
OTHER_SPELLINGS = ["/metrics/", "/metrics%2F", "/metrics%2f", "/%6detrics", "/metrics/.", "//metrics", "/metrics/./"]


def test_metrics_are_answered_at_exactly_metrics_and_no_other_spelling(metrics_client):
    assert metrics_client.get("/metrics", headers=bearer(TOKEN)).status_code == 200
    assert metrics_client.get("/metrics?x=1", headers=bearer(TOKEN)).status_code == 200, "a query string is no spelling"
    for path in ["/metrics/", "/metrics%2F", "/%6detrics"]:  # those the test client sends as they are
        assert metrics_client.get(path, headers=bearer(TOKEN)).status_code == 404, path
    for path in OTHER_SPELLINGS:
        scope = {"type": "http", "path": "/metrics", "raw_path": path.encode(), "headers": []}
        assert not observability.asked_for_exactly_metrics(scope), path  # as uvicorn passes it, the path routed
    assert observability.asked_for_exactly_metrics({"type": "http", "path": "/metrics", "raw_path": b"/metrics"})
