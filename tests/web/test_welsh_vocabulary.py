"""The interface's fixed vocabularies in Welsh (pass 11): the practice library's themes, the regions, the due-date
heading; and on Welsh pages what is not in Welsh (a set's title, an action's owner, English textareas) is marked
``lang="en"``."""

from __future__ import annotations

import re

from tests.support.pages import Page

WELSH_THEMES = {
    "Adnabod a chofnodi stelcio",
    "Asesu risg a diogelu",
    "Ymchwilio",
    "Cymorth i ddioddefwyr",
    "Ymyrraeth gynnar",
    "Gweithio gydag asiantaethau partner",
    "Technoleg ac offer digidol",
    "Hyfforddiant a dysgu",
}
ENGLISH_THEMES = ("Risk assessment and safeguarding", "Support for victims", "Identifying and recording stalking")


def test_practice_themes_are_in_welsh_in_the_filter_and_on_each_entry(demo_site):
    listing = demo_site.open(Page("practice library", "/practice"), lang="cy").text
    assert '<option value="risk-and-safeguarding">Asesu risg a diogelu</option>' in listing
    lines = re.findall(r"Themâu: ([^<]+)</p>", listing)
    assert lines
    assert {name for line in lines for name in line.split(", ")} <= WELSH_THEMES
    assert not any(theme in listing for theme in ENGLISH_THEMES)
    entry = demo_site.open(Page("a practice", "/practice/{practice}"), lang="cy").text
    assert not any(theme in entry for theme in ENGLISH_THEMES)
    english = demo_site.open(Page("practice library", "/practice")).text
    assert '<option value="risk-and-safeguarding">Risk assessment and safeguarding</option>' in english


def test_the_due_date_heading_of_the_actions_table_is_erbyn_and_the_set_s_authors_stay_gan(demo_site):
    page = demo_site.open(Page("a response (editor)", "/plan/responses/{response}", "editor"), lang="cy").text
    assert re.search(r'<th scope="col" class="govuk-table__header">Erbyn</th>', page)
    assert ">Gan</th>" not in page
    home = demo_site.open(Page("home", "/"), lang="cy").text
    assert '<dt class="govuk-summary-list__key">Gan</dt>' in home


def test_regions_are_named_in_welsh_and_an_action_s_owner_is_marked_english(demo_site):
    plan = demo_site.open(Page("a bilingual force's published plan", "/organisations/dyfed-powys"), lang="cy").text
    assert re.search(r'<span class="govuk-caption-l">[^<]*, Cymru</span>', plan)
    owners = re.findall(r'data-label="Pwy">(.*?)</td>', plan)
    assert owners and all(o == "" or o.startswith('<span lang="en">') for o in owners), owners
    listing = demo_site.open(Page("organisations (public)", "/organisations"), lang="cy").text
    assert "De-ddwyrain Lloegr</caption>" in listing and "South East" not in listing
    english = demo_site.open(Page("a bilingual force's published plan", "/organisations/dyfed-powys")).text
    assert re.search(r'<span class="govuk-caption-l">[^<]*, Wales</span>', english)


SET_TITLE = "Police response to stalking (2024)"


def test_the_set_s_title_is_marked_english_on_welsh_pages(demo_site):
    for spec in (
        Page("home", "/"),
        Page("recommendations (public)", "/recommendations"),
        Page("a recommendation (public)", "/recommendations/stalking-2024/10"),
        Page("a practice", "/practice/{practice}"),
    ):
        page = demo_site.open(spec, lang="cy").text
        shown = [m.start() for m in re.finditer(re.escape(SET_TITLE), page)]
        assert shown, spec.name
        for at in shown:
            before = page[max(0, at - 200) : at]
            # Inside an element marked English: the nearest opening tag with a lang before it says "en".
            assert re.findall(r'lang="([^"]+)"', before.rsplit("</", 1)[-1])[-1:] == ["en"], (spec.name, before[-80:])


def test_every_textarea_of_an_editing_page_in_welsh_says_its_language(demo_site):
    spec = Page("a bilingual force's response", "/plan/responses/{welsh_response}", "admin")
    page = demo_site.open(spec, lang="cy").text
    textareas = re.findall(r"<textarea\b[^>]*>", page)
    names = {name: tag for tag in textareas for name in re.findall(r'name="([^"]+)"', tag)}
    assert {"description", "description_cy", "text", "text_cy", "summary"} <= set(names)
    for name, tag in names.items():
        assert f'lang="{"cy" if name.endswith("_cy") else "en"}"' in tag, tag


def test_a_welsh_force_is_named_in_welsh_on_welsh_pages_and_in_english_on_english_ones(demo_site):
    welsh = demo_site.open(Page("a bilingual force's published plan", "/organisations/dyfed-powys"), lang="cy").text
    assert re.search(r'<h1 class="govuk-heading-xl">Heddlu Dyfed-Powys[^<]*</h1>', welsh)
    listing = demo_site.open(Page("organisations (public)", "/organisations"), lang="cy").text
    assert ">Heddlu Gwent</a>" in listing and ">Kent Police" not in listing.replace('<span lang="en">Kent Police', "")
    english = demo_site.open(Page("a bilingual force's published plan", "/organisations/dyfed-powys")).text
    assert "Heddlu Dyfed-Powys" not in english and "Dyfed-Powys Police" in english


def test_a_welsh_force_is_named_in_welsh_in_its_own_workspace_on_welsh_pages(demo_site):
    """Outsider pass 12, F2: the workspace called Dyfed-Powys by its English name on Welsh pages."""
    welsh = demo_site.open(Page("a bilingual force's workspace", "/plan/dyfed-powys", "admin"), lang="cy").text
    assert re.search(r'<h1 class="govuk-heading-l">Heddlu Dyfed-Powys</h1>', welsh)
    assert "Dyfed-Powys Police" not in welsh
    response = demo_site.open(Page("a bilingual force's response", "/plan/responses/{welsh_response}", "admin"), "cy")
    assert "Heddlu Dyfed-Powys" in response.text and "Dyfed-Powys Police" not in response.text
