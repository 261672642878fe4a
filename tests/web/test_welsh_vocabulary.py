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
