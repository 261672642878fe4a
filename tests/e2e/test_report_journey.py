"""Issue 18's journey, in Chromium: a coordinator writes a frozen period's report with a figure and an example and
submits it; an admin returns it; the coordinator amends and resubmits; the admin approves and publishes; the public
reads it, its figure the frozen table's. (axe runs over the editor and the published report in
tests/e2e/test_accessibility.py, tests/support/pages.py.)"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.browser import sign_in

PERIOD = "Accessibility check period"  # frozen just now by tests/support/pages.py's prepare(), with no report yet


def open_editor(page, live_server: str) -> None:
    page.goto(live_server + "/oversight/periods")
    page.get_by_role("link", name=PERIOD).first.click()
    page.get_by_role("link", name="Write the published report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress report")


def test_write_review_publish_and_read_a_report(live_server, browser):
    writer = browser.new_context().new_page()
    sign_in(writer, live_server, "coordinator@demo.example.org")
    open_editor(writer, live_server)
    editor_url = writer.url
    writer.get_by_text("Figures you can write into this section").first.click()
    token = writer.locator("code", has_text="{complete}").first.inner_text()
    writer.get_by_label("Summary", exact=True).fill(f"Journey summary: {token} responses were complete.")
    writer.get_by_role("button", name="Save the written sections").click()
    expect(writer.get_by_test_id("report-status")).to_contain_text("Draft")

    choices = writer.get_by_label("Feature an example").locator("option")
    assert choices.count() > 1, "the period offers examples"
    writer.get_by_label("Feature an example").select_option(index=1)
    writer.get_by_label("Lead-in (optional)").fill("Journey lead-in")
    writer.get_by_role("button", name="Add the example").click()
    expect(writer.get_by_test_id("chosen-examples")).to_have_count(1)
    writer.get_by_role("button", name="Submit for review").click()
    expect(writer.get_by_test_id("report-status")).to_contain_text("Submitted")

    reviewer = browser.new_context().new_page()
    sign_in(reviewer, live_server, "admin@demo.example.org")
    reviewer.goto(editor_url)
    reviewer.get_by_label("Or return it: what needs to change?").fill("Journey: say when the next report is due")
    reviewer.get_by_role("button", name="Return with comments").click()
    expect(reviewer.get_by_test_id("report-status")).to_contain_text("Returned")

    writer.goto(editor_url)
    expect(writer.get_by_test_id("review-comment")).to_contain_text("say when the next report is due")
    writer.get_by_label("What happens next", exact=True).fill("- The next report is due in the spring.")
    writer.locator("textarea[name^='commentary-']").first.fill("Journey commentary.")  # none: it cannot be published
    writer.get_by_role("button", name="Save the written sections").click()
    writer.get_by_role("button", name="Submit for review").click()
    expect(writer.get_by_role("button", name="Approve")).to_have_count(0)  # never offered to its author
    expect(writer.get_by_test_id("author-cannot-approve")).to_contain_text("someone else must approve it")

    reviewer.goto(editor_url)
    reviewer.get_by_role("button", name="Approve").click()
    expect(reviewer.get_by_test_id("report-status")).to_contain_text("Approved")
    reviewer.get_by_role("button", name="Publish").click()
    expect(reviewer.get_by_test_id("report-status")).to_contain_text("Published")

    public = browser.new_context().new_page()
    public.goto(live_server + "/")
    public.get_by_role("link", name="The national progress reports, as published").click()
    public.get_by_role("link", name=PERIOD, exact=True).click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("Progress against")
    summary = public.get_by_test_id("written-summary").inner_text()
    complete = public.get_by_test_id("totals").locator('[data-status="complete"]').inner_text()
    assert re.search(rf"Journey summary: {complete} responses were complete", summary.replace(",", "")), summary
    expect(public.get_by_test_id("example")).to_contain_text("Journey lead-in")
    expect(public.locator("body")).not_to_contain_text("say when the next report is due")
    for page in (writer, reviewer, public):
        page.context.close()
