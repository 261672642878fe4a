"""An NPCC coordinator goes from the national dashboard to one force's response, then downloads the report."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.browser import sign_in


def test_a_coordinator_follows_a_figure_to_its_response_and_downloads_the_report(live_server, browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "coordinator@demo.example.org")
    page.goto(live_server + "/oversight")
    expect(page.get_by_role("heading", level=1)).to_have_text("National oversight")
    page.get_by_label("Type of organisation").select_option("force")
    page.get_by_role("button", name="Apply filters").click()
    matrix = page.get_by_test_id("matrix")
    expect(matrix).to_contain_text("Kent Police")
    expect(matrix).not_to_contain_text("Police and Crime Commissioner")
    kent_row = matrix.locator("tr", has_text="Kent Police")
    kent_row.locator("a.app-cell").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendation 7")
    expect(page.locator(".govuk-caption-l")).to_contain_text("Kent Police")
    expect(page.get_by_role("button", name="Save response")).to_have_count(0)  # coordinators edit no plan

    page.goto(live_server + "/oversight/report")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF version").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    context.close()
