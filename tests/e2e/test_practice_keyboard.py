"""Promising practice in Chromium: an editor submits one with the keyboard alone, a coordinator approves it,
and the public finds it by searching the library."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.browser import DEMO_PASSWORD, sign_in

WORD = "Keyboardonlymarker"


def focused_matches(page: Page, selector: str) -> bool:
    return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 200) -> None:
    """Press Tab (or Shift+Tab) until the element matching ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if focused_matches(page, selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{selector} never received the focus from the keyboard")


def type_into(page: Page, selector: str, text: str, *, backwards: bool = False) -> None:
    tab_to(page, selector, backwards=backwards)
    page.keyboard.type(text)


def test_an_editor_submits_practice_with_the_keyboard_and_after_approval_the_public_finds_it(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/sign-in")
    type_into(page, "#email", "editor@demo.example.org")
    type_into(page, "#password", DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kent Police")

    tab_to(page, "a[href='/practice']")  # the service navigation
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Promising practice")
    tab_to(page, "a[href='/practice/submissions/new']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit a practice")

    # Submitting with a field missing shows the error beside it and keeps what was typed.
    type_into(page, "#title", f"{WORD} stalking clinic")
    type_into(page, "#summary", "Officers bring their stalking cases to a weekly clinic.")
    type_into(page, "#outcomes", "More protection orders were applied for.")
    type_into(page, "#what_was_done", "A specialist reviews each case with the officer.", backwards=True)
    tab_to(page, "button[value='submit']")
    page.keyboard.press("Enter")
    expect(page.locator("#stage-error")).to_contain_text("Select how far the practice has got")
    expect(page.locator("#title")).to_have_value(f"{WORD} stalking clinic")

    tab_to(page, "#stage")  # the first stage; arrow keys move between radios and select
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#stage-promising")).to_be_checked()
    tab_to(page, "#themes-investigation")
    page.keyboard.press("Space")
    tab_to(page, "#recommendations")
    page.keyboard.press("Space")
    type_into(page, "#contact_role", "Stalking coordinator")
    tab_to(page, "button[value='submit']")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Practice submitted for review")
    expect(page.locator("main")).to_contain_text(f"{WORD} stalking clinic")
    context.close()

    reviewer = browser.new_context()
    page = reviewer.new_page()
    sign_in(page, live_server, "coordinator@demo.example.org")
    page.goto(live_server + "/practice/review")
    page.get_by_role("link", name=f"{WORD} stalking clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{WORD} stalking clinic")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Practice approved")
    reviewer.close()

    public = browser.new_context()
    page = public.new_page()
    page.goto(live_server + "/practice")
    page.get_by_role("searchbox", name="Search").fill(WORD.lower())
    page.get_by_role("button", name="Show practice").click()
    results = page.get_by_test_id("practice-results")
    expect(results).to_contain_text(f"{WORD} stalking clinic")
    expect(page.get_by_test_id("result-count")).to_contain_text("1 practice")
    results.get_by_role("link", name=f"{WORD} stalking clinic").click()
    expect(page.get_by_test_id("who-runs-it")).to_have_text("Kent Police")
    expect(page.locator("main")).to_contain_text("Stalking coordinator")
    public.close()


def test_the_five_named_examples_are_public_and_say_who_runs_them_is_not_confirmed(live_server, page):
    page.goto(live_server + "/practice?q=stalking+team")
    results = page.get_by_test_id("practice-results")
    results.get_by_role("link", name="A specialist multi-agency stalking team").click()
    expect(page.get_by_test_id("who-runs-it")).to_contain_text("not confirmed")
