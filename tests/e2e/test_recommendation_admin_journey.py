"""An admin completes an unconfirmed recommendation and confirms it; the public sees the new wording and its status.

The wording typed here is synthetic test text on a throwaway database, never a claim about the report.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import sign_in

REPORT = "https://hmicfrs.justiceinspectorates.gov.uk/publication-html/police-response-to-stalking/"
WORDING = "Synthetic wording typed by a browser test (not the report's)."


def test_an_admin_confirms_a_recommendation_and_the_public_page_shows_it(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "admin@demo.example.org")
    page.get_by_role("link", name="Manage recommendations", exact=True).click()
    expect(page.get_by_test_id("set-stalking-2024")).to_contain_text("29")
    page.get_by_role("link", name="Police response to stalking (2024)").click()
    counts = page.get_by_test_id("confirmation-counts")
    expect(counts).to_contain_text("0 of 29 confirmed against the report")
    page.get_by_role("link", name=re.compile(r"^Recommendation 29\b")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 29")
    expect(page.get_by_test_id("provenance-detail")).to_contain_text("Wording to be confirmed")

    # Confirming without the wording or a source is refused, with the errors beside the fields.
    page.get_by_role("radio", name="Confirmed against the report", exact=True).check()
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the wording")
    expect(page.locator("#provenance_sources-error")).to_contain_text("Name the source")

    page.get_by_label("Wording, in our own words").fill(WORDING)
    page.get_by_label("Sources").fill(REPORT)
    page.get_by_role("radio", name="Confirmed against the report", exact=True).check()
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_test_id("saved")).to_contain_text("Saved as version 2")
    detail = page.get_by_test_id("provenance-detail")
    expect(detail).to_contain_text("Confirmed against the report on")
    expect(detail).to_contain_text("by Demo administrator")

    page.get_by_role("link", name="Every version and what changed").click()
    expect(page.get_by_test_id("version-1")).to_contain_text("Wording to be confirmed against the report")
    expect(page.get_by_test_id("version-2")).to_contain_text(WORDING)
    context.close()

    public = browser.new_context().new_page()
    public.goto(live_server + "/recommendations/stalking-2024/29")
    main = public.locator("main")
    expect(main).to_contain_text(WORDING)
    expect(public.get_by_test_id("provenance")).to_contain_text("Confirmed against the report")
    detail = public.get_by_test_id("provenance-detail")
    expect(detail).to_contain_text("Confirmed against the report on")
    expect(detail).not_to_contain_text("Demo administrator")  # public pages never name people
    expect(detail.get_by_role("link", name="source 1")).to_have_attribute("href", REPORT)

    public.goto(live_server + "/")
    item = public.locator("#stalking-2024-rec-29")
    expect(item).to_contain_text(WORDING)
    expect(item).to_contain_text("Confirmed against the report")
    expect(public.get_by_test_id("confirmation-stalking-2024")).to_contain_text("1 of 29 confirmed against the report")
    public.context.close()
