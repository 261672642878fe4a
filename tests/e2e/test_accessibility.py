"""axe-core finds no WCAG 2.0, 2.1 or 2.2 A/AA failure on any page of tests/support/pages.py, in Chromium.

axe-core runs as tests/support/axe.py says. What axe cannot judge (for example whether a heading describes its
section) is covered by the keyboard tests here and the HTML checks of tests/web/test_pages.py; what is known not
to meet WCAG 2.2 AA is listed in the accessibility statement (templates/info/accessibility.html).
"""

from __future__ import annotations

import contextlib
import mimetypes
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support import pages
from tests.support.axe import axe_violations, describe
from tests.support.browser import sign_in
from tests.support.pages import PAGES, Page
from tracker.web.i18n import localise_url


@pytest.fixture(scope="module")
def ids(live_server, live_database_url) -> dict[str, object]:
    engine = sa.create_engine(live_database_url)
    try:
        return pages.ids(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def contexts(browser, live_server) -> Iterator[dict[str | None, object]]:
    """One browser context per demo account, signed in once (None: nobody signed in)."""
    opened: dict[str | None, object] = {}

    def context_for(page_spec: Page):
        if page_spec.account not in opened:
            context = browser.new_context()
            if page_spec.email:
                tab = context.new_page()
                sign_in(tab, live_server, page_spec.email)
                expect(tab.get_by_role("button", name="Sign out")).to_be_visible()
                tab.close()
            opened[page_spec.account] = context
        return opened[page_spec.account]

    yield context_for  # type: ignore[misc]
    for context in opened.values():
        context.close()


class Tabs:
    """One browser tab per account, kept from page to page: ``with tabs.showing(spec) as page`` gives it at a new
    context's size (the last test narrowed it).

    Each test navigates to a new document, so nothing of the last page's scripts or layout is left; keeping the tab
    (and so its renderer) lets Chromium reuse its compiled axe-core and warm code: a page costs a third of what it
    did in a new tab (goto 0.2-0.4 s -> 0.08 s, injecting axe 0.3 s -> 0.08 s, running it 0.3 s -> 0.17 s).
    A test that fails closes its tab, so the next starts in a new one."""

    def __init__(self, contexts: Callable[[Page], Any]) -> None:
        self.contexts = contexts
        self.open: dict[str | None, Any] = {}

    @contextlib.contextmanager
    def showing(self, spec: Page) -> Iterator[Any]:
        if spec.account not in self.open:
            self.open[spec.account] = self.contexts(spec).new_page()
        page = self.open[spec.account]
        page.set_viewport_size({"width": 1280, "height": 720})
        try:
            yield page
        except BaseException:
            self.open.pop(spec.account).close()
            raise


@pytest.fixture(scope="module")
def tabs(contexts) -> Tabs:
    return Tabs(contexts)


def open_page(page, live_server: str, spec: Page, ids: dict[str, object], locale: str = "en") -> int:
    """Go to the page in ``locale`` (and submit its form if the spec says so); the status of what is shown."""
    response = page.goto(live_server + localise_url(spec.url(ids), locale))
    status = response.status
    if spec.submit:
        for _ in range(spec.submit.times):
            # a form's action carries the page's language after its path (?lang=cy)
            form = page.locator(f'form[action$="{spec.submit.action}"], form[action*="{spec.submit.action}?"]')
            for name, value in spec.submit.fields.items():
                field = form.locator(f'[name="{name}"]')
                if field.evaluate("element => element.tagName") == "SELECT":
                    field.select_option(value)
                else:
                    field.fill(value)
            for name, (file_name, content) in spec.submit.files.items():
                mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
                form.locator(f'[name="{name}"]').set_input_files(
                    {"name": file_name, "mimeType": mime_type, "buffer": content}
                )
            # form.submit() skips htmx's submit handler: the browser posts and shows the whole page, as without JS.
            with page.expect_navigation() as navigation:
                form.evaluate("form => form.submit()")
            status = navigation.value.status
    return status


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_no_page_has_a_wcag_violation(live_server, tabs, ids, spec: Page):
    with tabs.showing(spec) as page:
        assert open_page(page, live_server, spec, ids) == spec.status
        violations = axe_violations(page)
        assert violations == [], f"{spec.name} ({spec.url(ids)}):\n{describe(violations)}"
        # The outsider's finding 9 (issue 15): the response page was 697 px wide on a 375 px phone.
        page.set_viewport_size({"width": 375, "height": 640})
        assert (wide := page.evaluate("document.documentElement.scrollWidth")) <= 375, f"{wide}px wide at 375"
        # Public pages: tables too (they restack); signed-in pages may keep two-dimensional tables wide, inside
        # their own named region.
        overflowing = overflowing_at_320_pixels(page, tables_may_scroll=spec.account is not None)
        assert overflowing == [], "content needs sideways scrolling at 400% zoom"


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_no_page_in_welsh_has_a_wcag_violation(live_server, tabs, ids, spec: Page):
    """The same pages in Welsh (?lang=cy): longer words, parts marked lang="en", and still no failure, no sideways
    scrolling."""
    if spec.status == 429:
        pytest.skip(
            "the sign-in lock this page shows is the English run's on the same live server (a lock cannot be reached "
            "twice from one address); its Welsh text is checked by tests/web/test_welsh_pages.py"
        )
    with tabs.showing(spec) as page:
        assert open_page(page, live_server, spec, ids, "cy") == spec.status
        assert page.evaluate("document.documentElement.lang") in ("cy", "en-GB")  # en-GB: the stored English report
        violations = axe_violations(page)
        assert violations == [], f"{spec.name} in Welsh:\n{describe(violations)}"
        page.set_viewport_size({"width": 375, "height": 640})
        assert (wide := page.evaluate("document.documentElement.scrollWidth")) <= 375, f"{wide}px wide at 375"
        overflowing = overflowing_at_320_pixels(page, tables_may_scroll=spec.account is not None)
        assert overflowing == [], "content needs sideways scrolling at 400% zoom"


def overflowing_at_320_pixels(page, *, tables_may_scroll: bool = False) -> list[str]:
    """WCAG 1.4.10 (reflow): at 320 CSS pixels wide (1280 at 400% zoom) nothing is wider than the screen. Public
    pages restack their tables (class app-table--stack), so every element counts there; on signed-in pages the
    data tables that need their two dimensions (the dashboard's matrix, for one) may scroll sideways inside their
    own region (class app-table-wrapper, named and focusable so a keyboard scrolls it), as the accessibility
    statement says: the page itself never does."""
    page.set_viewport_size({"width": 320, "height": 640})
    return page.evaluate(
        """(tablesMayScroll) => [
          ...[...document.querySelectorAll("body *")]
            .filter((e) => !(tablesMayScroll && e.parentElement.closest(".app-table-wrapper"))
                           // text for screen readers only is clipped to a 1px box: it cannot widen the page
                           && !e.parentElement.closest(".govuk-visually-hidden")
                           && e.getBoundingClientRect().right > 321)
            .map((e) => e.outerHTML.slice(0, 120)),
          ...[...document.querySelectorAll(".app-table-wrapper")]
            .filter((e) => !(e.getAttribute("role") === "region" && e.tabIndex === 0 && e.getAttribute("aria-label")))
            .map((e) => "a scroll region needs role, tabindex and aria-label: " + e.outerHTML.slice(0, 120)),
          ...(document.documentElement.scrollWidth > 320 ? [
            `the page is ${document.documentElement.scrollWidth}px wide`,
            // whose text runs out of its box (the box itself fits): the innermost such elements
            ...[...document.querySelectorAll("body *")]
              .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible"
                             && e.tagName !== "BUTTON" && !e.closest(".app-table-wrapper"))
              .filter((e, _, all) => !all.some((inner) => inner !== e && e.contains(inner)))
              .slice(0, 3).map((e) => "text wider than its box: " + e.outerHTML.slice(0, 160))] : []),
        ]""",
        tables_may_scroll,
    )


def public_pages(live_server: str) -> list[str]:
    """Every public HTML page a visitor reaches by following links from the home page
    (tests/support/public_crawler.py)."""
    import httpx

    from tests.support.public_crawler import crawl

    with httpx.Client(base_url=live_server) as client:
        fetched = crawl(client, live_server)
    assert [path for path, f in fetched.items() if f.status >= 500] == []
    return sorted(path for path, f in fetched.items() if f.status == 200 and f.content_type.startswith("text/html"))


def test_every_public_page_reflows_at_320_pixels_tables_included(live_server, browser):
    """Every public page, not only those of tests/support/pages.py: a visitor on a phone never scrolls sideways."""
    paths = public_pages(live_server)
    assert {"/recommendations", "/organisations/kent", "/open-data", "/cookies"} <= set(paths)
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    overflowing = {}
    try:
        for path in paths:
            page.goto(live_server + path)
            if found := overflowing_at_320_pixels(page):
                overflowing[path] = found[:3]
    finally:
        context.close()
    assert overflowing == {}


def test_the_500_page_has_no_wcag_violation(live_server, page, server_error_page):
    """An unexpected error's page (no live route fails, so the test app's page is served in its place)."""
    status, headers, body = server_error_page
    page.route(live_server + "/boom", lambda route: route.fulfill(status=status, headers=headers, body=body))
    assert page.goto(live_server + "/boom").status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, there is a problem with the service")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


@pytest.fixture
def server_error_page(client) -> tuple[int, dict[str, str], bytes]:
    from tests.support.demo import failing_route

    client.app.register(failing_route)
    response = client.get("/boom")
    return response.status_code, dict(response.headers), response.content


# ---------------------------------------------------------------------------------------------------------------
# Keyboard: visible focus, and a journey with no mouse
# ---------------------------------------------------------------------------------------------------------------

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const own = getComputedStyle(el);
  // GOV.UK Frontend shows focus with a yellow background, a thick outline or a box shadow; a link shows it on
  // itself, a radio or checkbox on its label's ::before (checked through the label).
  const shows = (s) => (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2)
    || (s.boxShadow && s.boxShadow !== "none")
    || s.backgroundColor === "rgb(255, 221, 0)";
  let visible = shows(own);
  if (!visible && el.labels && el.labels.length) {
    visible = shows(getComputedStyle(el.labels[0], "::before")) || shows(getComputedStyle(el.labels[0], "::after"));
  }
  return {visible, html: el.outerHTML.slice(0, 160)};
}"""


def focus_problems(page, limit: int = 150) -> list[str]:
    """Tab through the page: every element that takes focus must show it."""
    problems, seen = [], 0
    page.locator("body").focus()
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STYLE)
        if state is None:
            break
        seen += 1
        if not state["visible"]:
            problems.append(state["html"])
    assert seen > 3, "tabbing reached almost nothing"
    return problems


FOCUS_PAGES = [p for p in PAGES if p.name in {"home", "sign in with errors", "a response (editor)", "dashboard"}]


@pytest.mark.parametrize("spec", FOCUS_PAGES, ids=[p.name for p in FOCUS_PAGES])
def test_every_element_that_takes_focus_shows_it(live_server, tabs, ids, spec: Page):
    with tabs.showing(spec) as page:
        open_page(page, live_server, spec, ids)
        assert focus_problems(page) == []


def test_signing_in_and_reaching_the_plan_with_the_keyboard_only(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/")
    # From the top of the page, the service navigation's "Sign in" link is reached with Tab alone.
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Sign in":
            break
    else:
        pytest.fail("Tab never reached the Sign in link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    page.keyboard.type("editor@demo.example.org")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    from tests.support.browser import DEMO_PASSWORD

    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kent Police")
    context.close()


# ---------------------------------------------------------------------------------------------------------------
# Cookies: the browser holds no cookie the cookies page does not list
# ---------------------------------------------------------------------------------------------------------------


def test_the_browser_receives_no_cookie_the_cookies_page_does_not_list(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/cookies")
    listed = set(page.get_by_test_id("cookie-name").all_inner_texts())
    sign_in(page, live_server, "editor@demo.example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kent Police")
    page.goto(live_server + "/?lang=en")
    received = {cookie["name"] for cookie in context.cookies()}
    context.close()
    assert {"tracker_session", "csrftoken"} <= received <= listed


def test_the_action_edit_form_fits_a_320_pixel_screen_in_welsh(live_server, contexts, ids):
    """Pass 11, F15: the form editing an action (English and Welsh side by side on a wide screen) stacks its fields
    at the page's width on a phone, never inside the actions table's sideways-scrolling region."""
    spec = next(p for p in PAGES if p.path == "/plan/actions/{welsh_action}/edit")
    page = contexts(spec).new_page()
    try:
        page.set_viewport_size({"width": 320, "height": 700})
        assert open_page(page, live_server, spec, ids, "cy") == 200
        fields = page.evaluate(
            """() => [...document.querySelectorAll('form[action*="/actions/"] :is(textarea, input, select, label)')]
                 .filter((e) => e.type !== "hidden")
                 .map((e) => ({name: e.name || e.htmlFor, right: e.getBoundingClientRect().right,
                               scrolling: !!e.closest(".app-table-wrapper")}))"""
        )
        assert {f["name"] for f in fields} >= {"description", "description_cy"}
        assert [f for f in fields if f["right"] > 321 or f["scrolling"]] == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        page.close()
