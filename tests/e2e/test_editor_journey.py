"""A force editor's day, in Chromium, with JavaScript on (htmx) and off (plain forms)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_an_editor_records_progress_and_another_force_cannot_see_it(live_server, browser, tmp_path, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    marker = f"Journey {'js' if javascript else 'nojs'}"
    sign_in(page, live_server, "editor@demo.example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kent Police")
    page.get_by_role("link", name="Recommendation 10", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 10")
    url = page.url

    actions = page.locator("#actions")
    for n in (1, 2):
        actions.get_by_label("What will be done").last.fill(f"{marker} action {n}")
        actions.get_by_label("Target date").last.fill("31/03/2027")
        actions.get_by_role("button", name="Add action").click()
        expect(page.locator("#actions")).to_contain_text(f"{marker} action {n}")

    updates = page.locator("#updates")
    updates.get_by_label("What has happened").last.fill(f"{marker}: training refreshed")
    updates.get_by_role("button", name="Post update").click()
    expect(page.locator("#updates")).to_contain_text(f"{marker}: training refreshed")

    pdf = tmp_path / "training-plan.pdf"
    pdf.write_bytes(PDF)
    evidence = page.locator("#evidence")
    evidence.get_by_role("radio", name="A file").check()
    evidence.get_by_label("Upload a file").set_input_files(str(pdf))
    evidence.get_by_label("Title").fill(f"{marker} training plan")
    evidence.get_by_role("radio", name="Inspectorate").check()
    evidence.get_by_role("button", name=re.compile("Add evidence")).click()
    expect(page.locator("#evidence")).to_contain_text(f"{marker} training plan")

    response = page.locator("#response")
    # The demo's timeline may already have this response Complete: change its status, whatever it is now.
    target = "In progress" if response.get_by_label("Complete", exact=True).is_checked() else "Complete"
    response.get_by_label(target, exact=True).check()
    if target == "Complete":  # a RAG rating must fit the status: a complete response is Green (or not rated)
        response.get_by_label("Green", exact=True).check()
    # "Last changed" is on the page before the save too, so wait for the save itself to be answered.
    with page.expect_response(lambda r: r.request.method == "POST" and r.status < 400):
        response.get_by_role("button", name="Save response").click()
    expect(page.locator("#response")).to_contain_text("Last changed")
    page.goto(url)
    expect(page.locator("#response").get_by_label(target, exact=True)).to_be_checked()

    page.get_by_role("link", name="History of this response").click()
    history = page.locator("main")
    expect(history).to_contain_text("Progress update added to recommendation 10")
    expect(history).to_contain_text(re.compile(r"Response to recommendation 10 changed: .*status"))
    expect(history).to_contain_text(f"{marker} training plan")
    context.close()

    other = browser.new_context(java_script_enabled=javascript)
    page = other.new_page()
    sign_in(page, live_server, "other-force-editor@demo.example.org")
    response = page.goto(url)
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(marker)
    other.close()


# (who, the section, what to fill in wrongly there (label, text; the last field of that label), its button).
WRONG_IN_A_SWAPPED_FORM = [
    ("editor", "#actions", None, "Add action"),
    ("editor", "#actions", ("Target date", "31/02/2025"), "Add action"),
    ("editor", "#updates", None, "Post update"),
    ("editor", "#response", ("Lead role", "x" * 201), "Save response"),
    ("editor", "#assessment", None, "Add comment"),
    ("inspector", "#assessment", None, "Record assessment"),
]


@pytest.mark.parametrize(
    ("who", "section", "wrong", "button"),
    WRONG_IN_A_SWAPPED_FORM,
    ids=[f"{w}-{s[1:]}-{b}" + ("-" + f[0] if f else "") for w, s, f, b in WRONG_IN_A_SWAPPED_FORM],
)
def test_a_form_swapped_in_with_errors_shows_the_error_summary_and_focuses_it(
    live_server, browser, who, section, wrong, button
):
    """The outsider's finding 6 (issue 15): with JavaScript on, only inline messages came back, focus on BODY."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, f"{who}@demo.example.org")
    page.goto(live_server + "/plan/kent")
    page.get_by_role("link", name="Recommendation 10", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 10")
    form = page.locator(section)
    if wrong:
        form.get_by_label(wrong[0]).last.fill(wrong[1])
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 422):
        form.get_by_role("button", name=button).click()
    summary = page.locator(f"{section} .govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page.locator(".govuk-error-summary")).to_have_count(1)
    context.close()
