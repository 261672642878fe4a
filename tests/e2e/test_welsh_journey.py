"""Issue 20's journey, in Chromium and in Welsh: a Welsh force's editor signs in through the language switch, writes a
response's summary and an action in English and Welsh side by side and an update in English only, is told before
publishing that the update lacks its Welsh and publishes anyway; a reader who is not signed in reads the force's
public page in English, switches to Welsh and reads the same page in Welsh, the update in English marked so and
noted, then switches back. With the keyboard only, but for typing the address; axe on the Welsh form and the Welsh
public page; at 320 px the two languages' fields stack and nothing scrolls sideways."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.axe import axe_violations, describe
from tests.support.browser import DEMO_PASSWORD
from tests.support.welsh import welsh

FORCE = "dyfed-powys"  # one of the four Welsh forces: bilingual, publishing without every Welsh text allowed


@dataclass(frozen=True)
class Journey:
    email: str  # a new editor at the force
    number: str  # the recommendation whose response the editor writes
    section: str  # that response's section on the public page
    marker: str  # in every text the journey writes, so no other test's or the demo's text can be taken for it

    def texts(self) -> dict[str, str]:
        m = self.marker
        return {
            "summary": f"{m}: we train every call handler to spot stalking.",
            "summary_cy": f"{m}: rydym yn hyfforddi pob triniwr galwadau i adnabod stelcio.",
            "action": f"{m}: review every open stalking case.",
            "action_cy": f"{m}: adolygu pob achos stelcio agored.",
            "update": f"{m}: the first training sessions were held.",
        }


@pytest.fixture(scope="module")
def journey(live_server, live_database_url) -> Iterator[Journey]:
    """An editor at the Welsh force (no demo account is one: made here, as the other journeys make what they need)
    and one of its responses that answers a recommendation without sub-recommendations, in progress."""
    import sqlalchemy as sa
    from sqlmodel import select

    from tracker.accounts.services import create_user
    from tracker.audit.services import Actor
    from tracker.db import TrackerSession, make_engine
    from tracker.organisations.models import Organisation
    from tracker.vocabulary import Role

    marker = f"Journey {secrets.token_hex(3)}"
    email = f"welsh-journey-{marker[-6:]}@example.org"
    engine = make_engine(live_database_url)
    try:
        with TrackerSession(engine) as session:
            force = session.exec(select(Organisation).where(Organisation.slug == FORCE)).one()
            assert force.bilingual and not force.welsh_required_to_publish
            create_user(
                session,
                email=email,
                display_name="Welsh journey editor",
                role=Role.EDITOR,
                password=DEMO_PASSWORD,
                organisation=force,
                actor=Actor("test setup"),
            )
            session.commit()
        with engine.connect() as conn:
            number, set_slug = conn.execute(
                sa.text(
                    "SELECT c.number, s.slug FROM response r JOIN organisation o ON o.id = r.organisation_id "
                    "JOIN recommendation c ON c.id = r.recommendation_id "
                    "JOIN recommendation_set s ON s.id = c.set_id "
                    "WHERE o.slug = :force AND r.status = 'in_progress' AND c.parent_id IS NULL "
                    "AND NOT EXISTS (SELECT 1 FROM recommendation k WHERE k.parent_id = c.id) ORDER BY r.id"
                ),
                {"force": FORCE},
            ).first()
    finally:
        engine.dispose()
    yield Journey(email, number, f"#rec-{set_slug}-{number}", marker)


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 400) -> None:
    """Press Tab (Shift+Tab ``backwards``) until ``target`` has the focus."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def type_into(page: Page, target: Locator, text: str) -> None:
    """Reach a field with Tab and type ``text`` in place of what it holds."""
    tab_to(page, target)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(text)


def switch_language(page: Page, language: str) -> None:
    """Follow the language switch to this page in ``language`` (named in its own language)."""
    tab_to(page, page.get_by_test_id("language-switch").get_by_role("link", name=language, exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")


def lang_of(locator: Locator) -> str:
    """The language a screen reader reads the element in: the nearest ``lang`` around it."""
    return locator.evaluate("element => element.closest('[lang]').getAttribute('lang')")


def assert_no_axe_violation(page: Page, what: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{what} ({page.url}):\n{describe(violations)}"


def assert_fields_stack_at_320_pixels(page: Page, english: Locator, welsh_twin: Locator) -> None:
    """Side by side on a wide screen; on a phone (or at 400% zoom) the Welsh field comes under the English one, and
    the page is no wider."""
    first, second = english.bounding_box(), welsh_twin.bounding_box()
    assert first and second
    assert second["x"] >= first["x"] + first["width"] and abs(second["y"] - first["y"]) < 1, "not side by side"
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        first, second = english.bounding_box(), welsh_twin.bounding_box()
        assert first and second
        assert second["y"] >= first["y"] + first["height"], "the Welsh field is not under the English one"
        assert abs(second["x"] - first["x"]) < 1 and second["x"] + second["width"] <= 320
        assert (wide := page.evaluate("document.documentElement.scrollWidth")) <= 320, f"{wide}px wide at 320"
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})


def sign_in_in_welsh(page: Page, live_server: str, email: str) -> None:
    page.goto(live_server + "/sign-in")
    switch_language(page, "Cymraeg")
    expect(page).to_have_url(re.compile(r"/sign-in\?lang=cy$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(welsh("Sign in"))
    type_into(page, page.get_by_label(welsh("Email address")), email)
    type_into(page, page.get_by_label(welsh("Password"), exact=True), DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=welsh("Sign out"))).to_be_visible()


def write_in_both_languages(page: Page, journey: Journey) -> None:
    """On the response page in Welsh: the summary and an action in both languages, an update in English only."""
    text = journey.texts()
    response = page.locator("#response")
    type_into(page, response.locator("#summary"), text["summary"])
    page.keyboard.press("Tab")  # the Welsh twin comes straight after the English field
    expect(response.locator("#summary_cy")).to_be_focused()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(text["summary_cy"])
    tab_to(page, response.get_by_role("button", name=welsh("Save response")))
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        page.keyboard.press("Enter")
    welsh_label = welsh("%(label)s in Welsh", label=welsh("Summary of your response"))
    expect(page.locator("#response").get_by_label(welsh_label)).to_have_value(text["summary_cy"])

    actions = page.locator("#actions")
    type_into(page, actions.locator("#description"), text["action"])
    page.keyboard.press("Tab")
    expect(actions.locator("#description_cy")).to_be_focused()
    page.keyboard.type(text["action_cy"])
    type_into(page, actions.locator("#target_date"), "31/03/2027")
    tab_to(page, actions.get_by_role("button", name=welsh("Add action")))
    page.keyboard.press("Enter")
    expect(page.locator("#actions")).to_contain_text(text["action"])
    expect(page.locator("#actions")).to_contain_text(text["action_cy"])

    updates = page.locator("#updates")
    type_into(page, updates.locator("#text"), text["update"])
    tab_to(page, updates.get_by_role("button", name=welsh("Post update")))
    page.keyboard.press("Enter")
    expect(page.locator("#updates")).to_contain_text(text["update"])


def publish_anyway(page: Page, journey: Journey) -> None:
    """The publish page, in Welsh, lists the update as lacking its Welsh (and not the texts that have it)."""
    text = journey.texts()
    tab_to(page, page.get_by_role("navigation", name=welsh("Breadcrumb")).get_by_role("link"), backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name=welsh("Publish the plan as it is now")))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(welsh("Publish the plan"))
    missing = page.get_by_test_id("welsh-missing")
    listed = missing.locator("tbody tr")
    expect(missing.get_by_role("heading", level=2)).to_have_text(
        welsh("Public texts without their Welsh (%(n)s)", n=listed.count())
    )
    expect(listed.filter(has_text=journey.marker)).to_have_count(1)
    expect(listed.filter(has_text=journey.marker)).to_contain_text(text["update"])
    for written_in_both in ("summary", "action"):
        expect(missing).not_to_contain_text(text[written_in_both])
    tab_to(page, page.get_by_role("button", name=welsh("Publish these changes")))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(welsh("Your plan has been published."))


def test_a_welsh_force_writes_both_languages_publishes_and_a_reader_switches_language(live_server, browser, journey):
    text = journey.texts()
    editor = browser.new_context().new_page()
    sign_in_in_welsh(editor, live_server, journey.email)
    tab_to(
        editor, editor.get_by_role("link", name=welsh("Recommendation %(number)s", number=journey.number), exact=True)
    )
    with editor.expect_navigation():
        editor.keyboard.press("Enter")
    expect(editor).to_have_url(re.compile(r"\?lang=cy$"))
    write_in_both_languages(editor, journey)
    assert_no_axe_violation(editor, "the response form in Welsh")
    summary = editor.locator("#response")
    assert_fields_stack_at_320_pixels(editor, summary.locator("#summary"), summary.locator("#summary_cy"))
    publish_anyway(editor, journey)
    editor.context.close()

    reader = browser.new_context().new_page()
    reader.goto(f"{live_server}/organisations/{FORCE}")
    section = reader.locator(journey.section)
    for english in ("summary", "action", "update"):
        expect(section).to_contain_text(text[english])
    expect(section).not_to_contain_text(text["summary_cy"])
    expect(section.get_by_text(text["update"]).locator("xpath=..").get_by_test_id("language-note")).to_have_count(0)

    switch_language(reader, "Cymraeg")
    expect(reader).to_have_url(f"{live_server}/organisations/{FORCE}?lang=cy")
    assert reader.evaluate("document.documentElement.lang") == "cy"
    section = reader.locator(journey.section)
    expect(section).not_to_contain_text(text["summary"])
    for in_welsh in ("summary_cy", "action_cy"):
        assert lang_of(section.get_by_text(text[in_welsh], exact=True)) == "cy", in_welsh
    update = section.get_by_text(text["update"], exact=True)
    assert lang_of(update) == "en"
    expect(update.locator("xpath=..")).to_contain_text(f"({welsh('Not yet available in Welsh')})")
    assert_no_axe_violation(reader, "the public page in Welsh")
    reader.set_viewport_size({"width": 320, "height": 640})
    assert (wide := reader.evaluate("document.documentElement.scrollWidth")) <= 320, f"{wide}px wide at 320"
    reader.set_viewport_size({"width": 1280, "height": 720})

    switch_language(reader, "English")
    expect(reader).to_have_url(f"{live_server}/organisations/{FORCE}")
    expect(reader.locator(journey.section)).to_contain_text(text["summary"])
    reader.context.close()
