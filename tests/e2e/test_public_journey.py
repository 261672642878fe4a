"""A member of the public, using only the keyboard (Tab and Enter), follows the main public journey:
home -> progress on the recommendations -> one recommendation -> an organisation's published plan -> a published
evidence file -> the open data -> a CSV download. Every element they land on shows where the focus is."""

from __future__ import annotations

import re

from playwright.sync_api import expect

MAX_TABS = 600

FOCUS_VISIBLE = """el => {
  if (!el.matches(':focus-visible')) return false;
  const s = getComputedStyle(el);
  const outlined = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)';
  return outlined || s.boxShadow !== 'none' || s.backgroundColor === 'rgb(255, 221, 0)';
}"""


def tab_to(page, matches: str) -> None:
    """Press Tab until the focused element is a link whose address matches the regular expression ``matches``."""
    pattern = re.compile(matches)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement && document.activeElement.getAttribute('href')")
        if href and pattern.search(href):
            assert page.evaluate(f"({FOCUS_VISIBLE})(document.activeElement)"), f"no visible focus on {href}"
            return
    raise AssertionError(f"no link matching {matches!r} reached with Tab on {page.url}")


def a_published_file(page, base: str) -> dict:
    """Pick (by reading the open data, not by navigating) a published file on a numbered recommendation."""
    rows = page.request.get(base + "/open-data/evidence.json").json()["rows"]
    candidates = [r for r in rows if r["kind"] == "file" and "." not in r["recommendation"]]
    assert candidates, "the demo data publishes some files"
    return candidates[0]


def test_the_public_journey_by_keyboard_alone(live_server, page):
    target = a_published_file(page, live_server)
    slug, number = target["organisation_slug"], target["recommendation"]
    download_path = f"/organisations/{slug}/evidence/{target['evidence_id']}"

    page.goto(live_server + "/")
    tab_to(page, r"^/recommendations$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress on the recommendations")

    tab_to(page, rf"^/recommendations/{target['recommendation_set']}/{re.escape(number)}$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Recommendation {number}")
    expect(page.get_by_test_id("provenance")).to_be_visible()

    tab_to(page, rf"^/organisations/{slug}#")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("action plan")
    expect(page.get_by_test_id("publication-dates")).to_contain_text("Last updated")

    tab_to(page, rf"^{re.escape(download_path)}$")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == target["file_name"]

    tab_to(page, r"^/open-data$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    tab_to(page, r"^/open-data/responses\.csv$")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "responses.csv"
    assert download.value.path().read_text(encoding="utf-8-sig").startswith("organisation,organisation_slug")


def test_public_pages_work_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + "/recommendations")
        page.get_by_role("link", name="Recommendation 7", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 7")
        page.get_by_role("link", name="Organisations", exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Organisations and their action plans")
    finally:
        context.close()
