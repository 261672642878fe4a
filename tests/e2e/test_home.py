"""A person opening the home page sees the recommendations, honestly labelled."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_the_home_page_lists_the_recommendations(live_server, page):
    page.goto(live_server + "/")
    expect(page).to_have_title(re.compile("Recommendations"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Stalking recommendations tracker")
    expect(page.get_by_role("heading", name="Police response to stalking (2024)")).to_be_visible()
    # Recommendation 7 is known from public sources; its sub-recommendations are shown under it.
    expect(page.get_by_role("heading", name=re.compile(r"^Recommendation 7\b"))).to_be_visible()
    expect(page.locator("#stalking-2024-rec-7\\.1")).to_be_visible()
    # Recommendations whose wording is unknown say so in one section rather than inventing it.
    expect(page.locator("#stalking-2024-rec-1")).to_have_count(0)
    expect(page.get_by_test_id("awaiting-wording-stalking-2024")).to_contain_text(
        "24 recommendations whose wording is not yet loaded: 1\u20136, 8, 9, 11\u201314, 17\u201324, 26\u201329"
    )
    expect(page.get_by_test_id("confirmation-stalking-2024")).to_contain_text("0 of 29 confirmed against the report")
    # The site says it holds synthetic data.
    expect(page.get_by_text("synthetic demo data", exact=False).first).to_be_visible()


def test_the_skip_link_moves_focus_to_the_main_content(live_server, page):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_no_script_is_blocked_by_the_content_security_policy(live_server, page):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(live_server + "/")
    page.wait_for_load_state("networkidle")
    assert violations == []
    assert page.evaluate("document.body.classList.contains('js-enabled')")
    assert page.evaluate("typeof window.htmx") == "object"
    # A reload revalidates: the browser sends the page's ETag, the server answers 304, and the browser keeps the
    # body it has under the 304's headers (RFC 9111 4.3.4). The kept body's inline script must still be allowed.
    etag = page.request.get(live_server + "/").headers["etag"]
    assert page.request.get(live_server + "/", headers={"if-none-match": etag}).status == 304
    sent: list[str | None] = []
    page.on(
        "response",
        lambda r: sent.append(r.request.all_headers().get("if-none-match")) if r.url == live_server + "/" else None,
    )
    page.reload()
    page.wait_for_load_state("networkidle")
    assert sent == [etag], "the reload revalidated the stored page (and so got a 304)"
    assert violations == []
    assert page.evaluate("document.body.classList.contains('js-enabled')")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
