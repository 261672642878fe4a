"""Every page of tests/support/pages.py has the structure the GOV.UK patterns need; the error, cookies, accessibility
and privacy pages say what they should.

These are quick HTML checks without a browser (axe-core in Chromium is tests/e2e/test_accessibility.py): one h1,
a title, the skip link and its target, the page's language, table captions and header scopes, unique ids, no
inline styles, every inline script allowed by its sha256 hash in the page's Content-Security-Policy (no nonce,
so a page kept by a cache stays valid under the headers of a later 304), and the footer links.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from litestar.testing import TestClient

from tests.support import pages
from tests.support.demo import DEMO_PASSWORD, csrf, failing_route, sign_in
from tests.support.html_checks import SharedVerdicts, csp_hash, html_problems, page_digest
from tests.support.pages import PAGES, Page
from tracker.app import create_app
from tracker.settings import Settings
from tracker.web.templating import FOOTER_LINKS

SERVICE_NAME = "Stalking recommendations tracker"
DASH = "\u2013"  # the en dash between a page's name and the service's in titles


# ---------------------------------------------------------------------------------------------------------------
# A small HTML reader: what the checks need to know about a page
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Table:
    caption: str = ""
    headers_without_scope: list[str] = field(default_factory=list)


@dataclass
class PageFacts(HTMLParser):
    html_lang: str | None = None
    title: str = ""
    h1s: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    skip_link: str | None = None
    first_link: str | None = None
    footer_links: list[tuple[str, str]] = field(default_factory=list)
    inline_styles: list[str] = field(default_factory=list)
    inline_scripts: list[str] = field(default_factory=list)
    error_summary: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._open: list[tuple[str, str]] = []  # (what is being read, its text so far)
        self._table_stack: list[Table] = []
        self._footer_href: str | None = None
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if a.get("style") is not None:
            self.inline_styles.append(tag)
        if "govuk-error-summary" in (a.get("class") or "").split():
            self.error_summary = True
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag in ("title", "h1", "caption"):
            self._open.append((tag, ""))
        elif tag == "a":
            if self.first_link is None:
                self.first_link = a.get("href")
            if "govuk-skip-link" in (a.get("class") or ""):
                self.skip_link = a.get("href")
            if "govuk-footer__link" in (a.get("class") or ""):
                self._footer_href = a.get("href")
                self._open.append(("footer-link", ""))
        elif tag == "table":
            self._table_stack.append(Table())
            self.tables.append(self._table_stack[-1])
        elif tag == "th" and self._table_stack and a.get("scope") not in ("col", "row", "colgroup", "rowgroup"):
            self._open.append(("th", ""))
        elif tag == "script" and not a.get("src"):
            self._in_inline_script = True
            self.inline_scripts.append("")

    def handle_data(self, data: str) -> None:
        self._open = [(tag, text + data) for tag, text in self._open]
        if self._in_inline_script:
            self.inline_scripts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._table_stack:
            self._table_stack.pop()
        if tag == "script":
            self._in_inline_script = False
        wanted = "footer-link" if tag == "a" else tag
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == wanted:
                text = " ".join(self._open.pop(i)[1].split())
                if tag == "title":
                    self.title = text
                elif tag == "h1":
                    self.h1s.append(text)
                elif tag == "caption" and self._table_stack:
                    self._table_stack[-1].caption = text
                elif tag == "th" and self._table_stack:
                    self._table_stack[-1].headers_without_scope.append(text)
                elif wanted == "footer-link":
                    self.footer_links.append((text, self._footer_href or ""))
                break


def read_page(html: str) -> PageFacts:
    facts = PageFacts()
    facts.feed(html)
    facts.close()
    return facts


def script_sources(csp: str) -> list[str]:
    """The sources of the policy's script-src directive."""
    for directive in csp.split(";"):
        name, *sources = directive.split()
        if name == "script-src":
            return sources
    return []


def structure_problems(html: str, csp: str = "") -> list[str]:
    """What is wrong with a full page's structure (an empty list when nothing is); ``csp``: the page's
    Content-Security-Policy, which must allow each inline script by its hash."""
    facts = read_page(html)
    problems = []
    if len(facts.h1s) != 1:
        problems.append(f"{len(facts.h1s)} h1 elements ({facts.h1s}), not one")
    if not facts.title.endswith(f" {DASH} {SERVICE_NAME}") or facts.title == f" {DASH} {SERVICE_NAME}":
        problems.append(f"the title {facts.title!r} does not name the page and then the service")
    if facts.error_summary and not facts.title.startswith("Error: "):
        problems.append("a page with an error summary has a title not starting 'Error: '")
    if not facts.html_lang:
        problems.append("<html> has no lang")
    if facts.skip_link != "#main-content" or facts.first_link != "#main-content":
        problems.append("the first link is not the skip link to #main-content")
    if "main-content" not in facts.ids:
        problems.append("there is no #main-content for the skip link")
    duplicates = sorted({i for i in facts.ids if facts.ids.count(i) > 1})
    if duplicates:
        problems.append(f"ids used more than once: {duplicates}")
    for n, table in enumerate(facts.tables, 1):
        if not table.caption:
            problems.append(f"table {n} has no caption")
        if table.headers_without_scope:
            problems.append(f"table {n} ({table.caption!r}) has headers without scope: {table.headers_without_scope}")
    if facts.inline_styles:
        problems.append(f"inline style attributes (the CSP blocks them) on: {facts.inline_styles}")
    allowed = script_sources(csp)
    if any("nonce-" in source or source == "'unsafe-inline'" for source in allowed):
        problems.append(f"the script-src {allowed} holds a nonce or 'unsafe-inline', not hashes")
    blocked = [script[:40] for script in facts.inline_scripts if csp_hash(script) not in allowed]
    if blocked:
        problems.append(f"{len(blocked)} inline scripts without their hash in the CSP: {blocked}")
    expected_footer = [(str(text), href) for text, href in FOOTER_LINKS]
    if facts.footer_links[: len(expected_footer)] != expected_footer:
        problems.append(f"the footer links are {facts.footer_links}, not {expected_footer}")
    return problems


def test_the_structure_checks_can_fail():
    bad = (
        "<html><head><title>Oops</title></head><body><h1>One</h1><h1>Two</h1>"
        "<table><tr><th>Name</th></tr></table><p style='color:red' id='x'></p><p id='x'></p>"
        "<script>alert(1)</script></body></html>"
    )
    problems = " | ".join(structure_problems(bad, f"script-src 'self' 'nonce-abc' {csp_hash('alert(2)')}"))
    for expected in (
        "2 h1",
        "title",
        "no lang",
        "skip link",
        "no #main-content",
        "['x']",
        "no caption",
        "without scope: ['Name']",
        "inline style",
        "without their hash in the CSP: ['alert(1)']",
        "holds a nonce",
        "footer links",
    ):
        assert expected in problems


# ---------------------------------------------------------------------------------------------------------------
# A site with the demo data, shared by the checks of this module
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_every_page_has_the_structure_assistive_technology_relies_on(demo_site, spec: Page):
    response = demo_site.open(spec)
    assert response.status_code == spec.status
    assert response.headers["content-type"].startswith("text/html")
    assert structure_problems(response.text, response.headers["content-security-policy"]) == []


def test_the_strict_html_check_can_fail():
    """What a browser silently repairs: attributes run together or repeated, unclosed and misnested elements."""
    bad = (
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>'
        '<input type="radio" checkeddata-aria-controls="c"><p class="a" class="b">'
        '<div id="d"><span id="d"><b><i>x</b></i></div><section></body></html>'
    )
    problems = " | ".join(html_problems(bad))
    for expected in (
        "'checkeddata-aria-controls'",
        "duplicate-attribute",
        "adoption-agency",
        "end-tag-too-early",
        "Missing end tag (section)",
        "id 'd' is used 2 times",
    ):
        assert expected in problems, expected


def test_a_verdict_shared_between_workers_is_html5lib_s_own(tmp_path):
    """The verdicts kept for the other worker and the other leg (html_checks.SharedVerdicts): a page is found
    only under its own text, with the problems html5lib found in it, and a page nobody parsed is not found."""
    bad = '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><p class="a" class="b"></body></html>'
    good = bad.replace(' class="b"', "")
    writer, reader = SharedVerdicts(tmp_path), SharedVerdicts(tmp_path)  # two workers
    writer.put(page_digest(bad), tuple(html_problems(bad)))
    assert reader.get(page_digest(bad)) == tuple(html_problems(bad)) != ()
    assert reader.get(page_digest(good)) is None


def test_pages_differing_only_in_a_field_link_share_a_verdict():
    """An error summary's link to the field it names (``href="#name"``) is the only part of a page its digest
    leaves out besides the CSRF token: html5lib finds the same in each such page, and any other difference counts."""
    page = '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><a href="#{}">Fix</a>{}</body></html>'
    pages = [page.format(name, "") for name in ("text", "owner_role_cy", "q2")]
    assert len({page_digest(p) for p in pages}) == 1
    assert {tuple(html_problems(p)) for p in pages} == {()}
    for other in (page.format("text-x", ""), page.format("text", "<p>"), page.format("text", '<p id="text">')):
        assert page_digest(other) != page_digest(pages[0])


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_every_page_is_well_formed_html(demo_site, spec: Page):
    """A strict parser finds nothing a browser would have to repair (tests/support/html_checks.py)."""
    assert html_problems(demo_site.open(spec).text) == []


# ---------------------------------------------------------------------------------------------------------------
# Error pages
# ---------------------------------------------------------------------------------------------------------------


def error_page(response, status: int, heading: str) -> PageFacts:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert structure_problems(response.text, response.headers["content-security-policy"]) == []
    facts = read_page(response.text)
    assert facts.h1s == [heading]
    assert facts.title == f"{heading} {DASH} {SERVICE_NAME}"
    assert f"Error code: {status}" in response.text
    assert "content-security-policy" in response.headers
    return facts


def test_a_missing_page_is_a_404_page(demo_site):
    error_page(demo_site.client(None).get("/no-such-page"), 404, "Page not found")


def test_a_page_someone_may_not_see_is_a_403_page(demo_site):
    response = demo_site.client("editor").get("/admin/users")
    error_page(response, 403, "You do not have permission to see this page")
    assert "contact the administrator" in response.text


def test_repeated_failed_sign_ins_get_a_429_page_that_says_when_to_come_back(demo_site):
    client = demo_site.client(None)
    for _ in range(5):
        response = sign_in(client, "locked-out@example.org", "not-the-password")
    error_page(response, 429, "Too many requests")
    assert "Sign-in is locked until" in response.text
    assert int(response.headers["retry-after"]) > 0


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_an_unexpected_error_is_a_500_page_that_reveals_nothing(demo_site):
    client = demo_site.client(None)
    client.app.register(failing_route)
    # Listen on the error logger itself: Litestar reconfigures the root logger's handlers when an app starts.
    logged = _Records()
    logger = logging.getLogger("tracker.errors")
    logger.addHandler(logged)
    try:
        response = client.get("/boom")
    finally:
        logger.removeHandler(logged)
    error_page(response, 500, "Sorry, there is a problem with the service")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text and "Traceback" not in response.text
    request_id = response.headers["x-request-id"]
    assert f"quote this reference: {request_id}" in response.text, "someone can quote the request to the team"
    message = f"unhandled error (request {request_id}, GET /boom)"
    assert any(message == r.getMessage() and r.exc_info for r in logged.records), "the details go to the log"


# ---------------------------------------------------------------------------------------------------------------
# The accessibility statement, cookies and privacy pages
# ---------------------------------------------------------------------------------------------------------------


def test_every_page_links_to_the_accessibility_statement_cookies_and_privacy(demo_site):
    for path in ("/", "/sign-in", "/no-such-page"):
        links = read_page(demo_site.client(None).get(path).text).footer_links
        assert ("Accessibility statement", "/accessibility") in links
        assert ("Cookies", "/cookies") in links
        assert ("Privacy notice", "/privacy") in links


def cookie_names_on_the_cookies_page(client: TestClient) -> set[str]:
    return set(re.findall(r'<code data-testid="cookie-name">([^<]+)</code>', client.get("/cookies").text))


def cookies_set(response) -> set[str]:
    return {header.split("=", 1)[0].strip() for header in response.headers.get_list("set-cookie")}


def test_the_cookies_page_lists_exactly_the_cookies_a_visit_receives(demo_site, tmp_path):
    """Read the public pages, sign in, work, choose a language, sign out: every cookie set is listed, and
    every cookie listed was set."""
    translations = tmp_path / "translations" / "cy" / "LC_MESSAGES"
    translations.mkdir(parents=True)
    (translations / "messages.po").write_text('msgid ""\nmsgstr ""\n"Language: cy\\n"\n')
    settings = replace(demo_site.settings, translations_dir=tmp_path / "translations")
    received: set[str] = set()
    with TestClient(app=create_app(settings)) as client:
        for path in ("/", "/accessibility", "/sign-in"):
            received |= cookies_set(client.get(path))
        received |= cookies_set(sign_in(client, f"editor@{pages.DEMO_DOMAIN}", DEMO_PASSWORD))
        for path in ("/plan/kent", f"/plan/responses/{demo_site.ids['response']}", "/?lang=cy", "/account/password"):
            received |= cookies_set(client.get(path, follow_redirects=False))
        received |= cookies_set(client.post("/sign-out", headers=csrf(client), follow_redirects=False))
        listed = cookie_names_on_the_cookies_page(client)
    assert received == listed == {"tracker_session", "csrftoken", "tracker_device"}, "no cookie for the language"


def test_the_accessibility_statement_follows_the_model_and_stays_true(demo_site):
    response = demo_site.client(None).get("/accessibility")
    text = " ".join(response.text.split())
    for heading in (
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website’s accessibility",  # noqa: RUF001
        "Compliance status",
        "Non-accessible content",
        "What we’re doing to improve accessibility",  # noqa: RUF001
        "Preparation of this accessibility statement",
    ):
        assert f">{heading}</h" in text, heading
    assert "Equality and Human Rights Commission (EHRC)" in text
    assert "Equality Advisory and Support Service (EASS)" in text
    assert "Equality Commission for Northern Ireland" in text
    assert "partially compliant with the" in text and "version 2.2</a> AA standard" in text
    assert "PDF version of the national progress report is not tagged" in text
    assert "HTML version of the report" in text
    assert "axe-core" in text and "keyboard" in text
    assert "No independent accessibility audit has been carried out" in text
    assert "This statement was prepared on 28 November 2026" in text
    # Contact is a team mailbox from the settings, not a person.
    assert 'href="mailto:tracker-service-team@example.org"' in text


def test_who_runs_the_service_and_how_to_reach_them_come_from_the_settings(demo_site):
    settings = replace(
        demo_site.settings,
        service_operator="The Example Policing Unit",
        service_email="tracker@example.gov.uk",
        privacy_email="dpo@example.gov.uk",
    )
    with TestClient(app=create_app(settings)) as client:
        statement = client.get("/accessibility").text
        privacy = client.get("/privacy").text
    assert "This website is run by The Example Policing Unit." in statement
    assert "mailto:tracker@example.gov.uk" in statement
    assert "The Example Policing Unit is the controller" in privacy
    assert "mailto:dpo@example.gov.uk" in privacy


def test_the_privacy_notice_covers_officials_contact_data_and_no_victim_data(demo_site):
    text = " ".join(demo_site.client(None).get("/privacy").text.split())
    for fact in (
        "name and work email address",
        "hash of your password",
        "audit history",
        "must not be used to record information about victims",
        "Names and email addresses are never shown on the public pages",
        "Information Commissioner’s Office (ICO)",  # noqa: RUF001
        "is the controller",
    ):
        assert fact in text, fact


def test_settings_name_the_operator_and_mailboxes_from_the_environment():
    settings = Settings.from_env(
        {"SERVICE_OPERATOR": "Unit", "SERVICE_EMAIL": "a@b.example", "PRIVACY_EMAIL": "p@b.example"}
    )
    assert (settings.service_operator, settings.service_email, settings.privacy_email) == (
        "Unit",
        "a@b.example",
        "p@b.example",
    )
    assert settings.controller == "Unit"
    assert Settings.from_env({"DATA_CONTROLLER": "Other"}).controller == "Other"
    assert Path(Settings.from_env({"TRANSLATIONS_DIR": "/x"}).translations_dir) == Path("/x")
