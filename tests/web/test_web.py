"""The public landing page, health check, error pages and security headers."""

from __future__ import annotations

import re

import pytest

from tests.support.accounts import sign_in
from tests.support.html_checks import csp_hash
from tracker.vocabulary import Role


@pytest.fixture
def home(client, reference_data):
    response = client.get("/")
    assert response.status_code == 200
    return response.text


# The five recommendations whose details are known from public sources (recommendations/README.md).
KNOWN = {7, 10, 15, 16, 25}
AWAITING = "24 recommendations whose wording is not yet loaded: 1\u20136, 8, 9, 11\u201314, 17\u201324, 26\u201329"


def numbers_in(ranges: str) -> set[int]:
    found: set[int] = set()
    for part in ranges.split(", "):
        first, _, last = part.partition("\u2013")
        found |= set(range(int(first), int(last or first) + 1))
    return found


def test_the_home_page_lists_every_recommendation_of_the_set(home):
    """Each of the 29 is either listed (those whose details are known, with their sub-recommendations) or named in
    the one section for those whose wording is not yet loaded (issue 17, part 4), never both."""
    assert "Police response to stalking (2024)" in home
    assert AWAITING in home
    awaiting = numbers_in(AWAITING.split(": ")[1])
    for number in range(1, 30):
        listed = f'id="stalking-2024-rec-{number}"' in home
        assert listed == (number in KNOWN) and listed != (number in awaiting), number
    assert 'id="stalking-2024-rec-7.1"' in home and 'id="stalking-2024-rec-7.2"' in home


def test_unknown_wording_is_labelled_not_invented(home):
    assert "0 of 29 confirmed against the report;" in home
    assert "5 partly confirmed; 24 with wording to be confirmed." in home
    assert AWAITING in home and "who must act on them and by when have not yet been loaded from the report" in home


def test_the_home_page_names_the_addressees_and_deadlines(home):
    assert "Chief constables" in home
    assert "27 March 2025" in home


def test_every_page_carries_the_security_headers(client, reference_data):
    for path in ("/", "/health", "/no-such-page", "/static/govuk/govuk-frontend.min.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp and "nonce" not in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_the_inline_script_is_allowed_by_its_hash_the_same_on_every_response(client, reference_data):
    response = client.get("/")
    [script] = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert csp_hash(script) in response.headers["content-security-policy"]
    assert client.get("/").headers["content-security-policy"] == response.headers["content-security-policy"]
    assert client.get("/no-such-page").headers["content-security-policy"] == response.headers["content-security-policy"]


def test_health_reports_the_database(client, make_user):
    sign_in(client, make_user(Role.ADMIN).email)  # the details are for admins (below: the public's answer)
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["migration"] == client.app.state.migration_head


@pytest.mark.parametrize("role", [None, Role.EDITOR, Role.COORDINATOR])
def test_health_tells_anyone_but_an_admin_only_up_or_down(client, make_user, small_reference, role):
    if role is not None:
        sign_in(client, make_user(role, "kent" if role is Role.EDITOR else None).email)
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}, "no migration id, version or other detail"


def test_health_down_tells_the_public_nothing_more_and_an_admin_why(client, make_user):
    client.app.state.migration_head = "some-later-revision"  # as if the database were behind the code
    response = client.get("/health")
    assert response.status_code == 503
    assert "migration" not in response.text and "revision" not in response.text
    sign_in(client, make_user(Role.ADMIN).email)
    assert "expected some-later-revision" in client.get("/health").text


def test_an_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_an_unknown_api_path_is_a_problem_document(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_there_is_no_demo_banner_without_demo_data(client, reference_data):
    assert "synthetic demo data" not in client.get("/").text


def test_the_demo_banner_appears_with_demo_data(client, demo_data):
    """On the worker's demo database (tests/support/demo.py), built once rather than loaded for this test."""
    assert "synthetic demo data" in client.get("/").text
