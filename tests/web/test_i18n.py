"""Interface text comes from gettext catalogues: installing one makes a language appear without touching a template.

The Welsh here is a tiny test catalogue written into a temporary folder (a few well-known GOV.UK phrases), not
the service's translation.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from litestar.testing import TestClient

from tests.support.web import csrf_headers
from tracker.settings import PROJECT_ROOT
from tracker.translation_review import (
    REVIEW_FLAG,
    catalogue_status,
    import_reviewed,
    mark_unreviewed,
    statuses,
)
from tracker.web.i18n import Catalogues, gettext, lazy_gettext, ngettext, translations_in_use

WELSH = {
    "Skip to main content": "Neidio i’r prif gynnwys",  # noqa: RUF001
    "Sign in": "Mewngofnodi",
    "Cookies": "Cwcis",
    "Accessibility statement": "Datganiad hygyrchedd",
    "Page not found": "Heb ddod o hyd i’r dudalen",  # noqa: RUF001
    "Enter your email address": "Rhowch eich cyfeiriad e-bost",
}


def write_po(directory: Path, locale: str, messages: dict[str, str]) -> Path:
    """A minimal .po file, as a translator would hand it over."""
    folder = directory / locale / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    entries = "".join(f'\nmsgid "{k}"\nmsgstr "{v}"\n' for k, v in messages.items())
    path = folder / "messages.po"
    path.write_text(
        f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: {locale}\\n"\n{entries}'
    )
    return path


@pytest.fixture
def welsh_client(settings, make_app, tmp_path) -> TestClient:
    write_po(tmp_path / "translations", "cy", WELSH)
    with TestClient(app=make_app(replace(settings, translations_dir=tmp_path / "translations"))) as client:
        yield client


def h1(html: str) -> str:
    return re.search(r"<h1[^>]*>\s*(.*?)\s*</h1>", html, re.S).group(1)


def test_pages_are_in_english_unless_another_language_is_chosen(welsh_client):
    response = welsh_client.get("/sign-in")
    assert h1(response.text) == "Sign in"
    assert '<html lang="en-GB"' in response.text
    assert "Skip to main content" in response.text


def test_choosing_welsh_shows_the_catalogue_and_the_address_carries_it(welsh_client):
    response = welsh_client.get("/sign-in?lang=cy")
    assert h1(response.text) == "Mewngofnodi"
    assert '<html lang="cy"' in response.text
    assert "Neidio i’r prif gynnwys" in response.text  # noqa: RUF001
    assert ">Datganiad hygyrchedd</a>" in response.text and ">Cwcis</a>" in response.text
    assert 'href="/accessibility?lang=cy"' in response.text, "links keep the language"
    assert 'action="/sign-in?lang=cy"' in response.text, "so do forms"
    assert "set-cookie" not in response.headers or "lang" not in response.headers["set-cookie"], "no language cookie"
    assert h1(welsh_client.get("/sign-in").text) == "Sign in", "nothing but the address chooses the language"


def test_the_browser_language_does_not_choose_so_an_address_is_one_language(welsh_client):
    """A shared cache keys pages by their address: /sign-in is always English, /sign-in?lang=cy always Welsh."""
    assert h1(welsh_client.get("/sign-in", headers={"Accept-Language": "cy-GB,cy;q=0.9"}).text) == "Sign in"
    assert "Accept-Language" not in welsh_client.get("/").headers.get("vary", "")


def test_a_redirect_keeps_the_language(welsh_client):
    response = welsh_client.get("/plan?lang=cy", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"].endswith("lang=cy")


def test_a_filter_form_sent_by_get_carries_the_language_as_a_field(welsh_client):
    html = welsh_client.get("/practice?lang=cy").text
    assert '<input type="hidden" name="lang" value="cy">' in html
    assert '<input type="hidden" name="lang"' not in welsh_client.get("/practice").text


def test_the_language_switch_keeps_the_reader_on_the_same_page_and_names_both_languages(welsh_client):
    html = welsh_client.get("/practice?q=training&lang=cy").text
    assert '<a class="govuk-link" href="/practice?q=training" lang="en-GB" hreflang="en">English</a>' in html
    assert '<span lang="cy" aria-current="true">Cymraeg</span>' in html
    assert '<link rel="alternate" hreflang="cy" href="/practice?q=training&amp;lang=cy">' in html
    assert '<link rel="alternate" hreflang="en" href="/practice?q=training">' in html


def test_a_language_without_a_catalogue_is_ignored(welsh_client):
    response = welsh_client.get("/sign-in?lang=xx")
    assert h1(response.text) == "Sign in"


def test_form_errors_set_in_python_are_translated_too(welsh_client):
    welsh_client.get("/sign-in?lang=cy")
    response = welsh_client.post(
        "/sign-in?lang=cy", data={"email": "", "password": "x"}, headers=csrf_headers(welsh_client)
    )
    assert response.status_code == 422
    assert "Rhowch eich cyfeiriad e-bost" in response.text


def test_error_pages_raised_before_any_middleware_are_translated(welsh_client):
    response = welsh_client.get("/no-such-page?lang=cy")
    assert response.status_code == 404
    assert h1(response.text) == "Heb ddod o hyd i’r dudalen"  # noqa: RUF001
    assert '<html lang="cy"' in response.text


def test_every_page_offers_each_installed_language_in_its_own_name(welsh_client, settings, make_app, tmp_path):
    html = welsh_client.get("/cookies").text
    assert 'hreflang="cy"' in html and ">Cymraeg</a>" in html
    assert '<span lang="en-GB" aria-current="true">English</span>' in html
    with TestClient(app=make_app(replace(settings, translations_dir=tmp_path / "none"))) as english_only:
        assert "Cymraeg" not in english_only.get("/cookies").text, "no switcher when English is the only language"


def test_an_up_to_date_mo_file_is_used_and_a_newer_po_wins_over_a_stale_one(tmp_path):
    po = write_po(tmp_path, "cy", {"Cookies": "from the po"})
    catalog = Catalog(locale="cy")
    catalog.add("Cookies", "from the mo")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    mo = po.with_suffix(".mo")
    mo.write_bytes(buffer.getvalue())
    with translations_in_use(Catalogues.load(tmp_path).translations("cy")):
        assert gettext("Cookies") == "from the mo"
    po.touch()
    mo_time = mo.stat().st_mtime - 10
    os.utime(mo, (mo_time, mo_time))
    with translations_in_use(Catalogues.load(tmp_path).translations("cy")):
        assert gettext("Cookies") == "from the po"


def test_a_broken_catalogue_leaves_that_language_out_rather_than_stopping_the_service(tmp_path, caplog):
    folder = tmp_path / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid "unterminated\n')
    catalogues = Catalogues.load(tmp_path)
    assert catalogues.locales == ["en"]
    assert "could not load the catalogue" in caplog.text


def test_python_helpers_fill_placeholders_and_plurals():
    assert gettext("Locked until %(time)s", time="6pm") == "Locked until 6pm"
    assert ngettext("%(num)s attempt", "%(num)s attempts", 1) == "1 attempt"
    assert ngettext("%(num)s attempt", "%(num)s attempts", 2) == "2 attempts"
    label = lazy_gettext("Cookies")
    catalogue = Catalogues.load(None)
    assert str(label) == "Cookies" and catalogue.locales == ["en"]


def test_the_message_template_holds_text_from_templates_and_python():
    """`make translations` was run after the interface text changed (at least for these)."""
    pot = (PROJECT_ROOT / "translations" / "messages.pot").read_text()
    for message in (
        "Skip to main content",  # base.html
        "Accessibility statement",  # tracker.web.templating.FOOTER_LINKS (lazy_gettext)
        "Page not found",  # tracker.web.errors.TITLES (N_) and errors/error.html
        "Enter your email address",  # tracker.accounts.controllers (_)
    ):
        assert f'msgid "{message}"' in pot, message


def untranslated_template_text(source: str) -> list[str]:
    """Words in a template that are neither inside _() (or another Jinja expression) nor code or a URL."""
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "", source, flags=re.S)
    source = re.sub(r"<(script|code|style)\b.*?</\1>", "", source, flags=re.S)
    source = re.sub(r"&#?\w+;", "", source)
    texts = [t.strip() for t in re.findall(r">([^<>]+)<", source)]
    attributes = re.findall(r'\b(?:aria-label|alt|title|placeholder)="([^"]*)"', source)
    return [t for t in texts + attributes if re.search(r"[A-Za-z]{3,}", t) and not re.fullmatch(r"/\S*", t)]


def test_template_text_goes_through_gettext():
    """Interface text in templates is inside _() so that a catalogue can translate it."""
    assert untranslated_template_text('<p>Hello</p><p title="Go">{{ _("Hi") }}</p><code>x=1</code>') == ["Hello"]
    found = {
        str(path.relative_to(PROJECT_ROOT)): text
        for path in sorted((PROJECT_ROOT / "templates").rglob("*.html"))
        if (text := untranslated_template_text(path.read_text()))
    }
    assert found == {}


def test_the_welsh_catalogue_has_six_plural_forms_chosen_by_welsh_rules():
    """0, 1, 2, 3 and 6 each have their own form in Welsh, 11 (like 4, 5, 7...) the last one; every plural
    message of the catalogue fills all six."""
    translations = Catalogues.load(PROJECT_ROOT / "translations").translations("cy")
    assert [translations.plural(n) for n in (0, 1, 2, 3, 6, 11)] == [0, 1, 2, 3, 4, 5]
    with translations_in_use(translations):
        tomorrow = (
            "The cut-off is tomorrow: updates organisations make before then will not be in this period's figures."
        )
        days = (
            "The cut-off is in %(num)s days: updates organisations make before then will not be in this period's "
            "figures."
        )
        said = {n: ngettext(tomorrow, days, n) for n in (0, 1, 2, 3, 6, 11)}
        assert said[1].startswith("Mae’r dyddiad terfyn yfory")  # noqa: RUF001
        for n in (0, 2, 3, 6, 11):
            assert said[n].startswith(f"Mae’r dyddiad terfyn ymhen {n} diwrnod"), said[n]  # noqa: RUF001
        assert ngettext("%(num)s response", "%(num)s responses", 11) == "11 ymateb"
    with (PROJECT_ROOT / "translations" / "cy" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    plurals = [m for m in catalogue if m.id and m.pluralizable]
    assert plurals and all(len(m.string) == 6 and all(m.string) for m in plurals)


def test_every_welsh_string_is_translated_and_carries_its_review_state():
    status = {s.locale: s for s in statuses(PROJECT_ROOT / "translations")}["cy"]
    assert status.untranslated == 0
    assert status.unreviewed + status.reviewed == status.total


def test_importing_a_reviewed_catalogue_marks_its_strings_reviewed_and_keeps_the_reviewer_s_words(tmp_path):
    target = Catalog(locale="cy")
    target.add("Cookies", "Cwcis", flags={REVIEW_FLAG})
    target.add("Sign in", "Mewngofnodi", flags={REVIEW_FLAG})
    target.add("Home", "Hafan", flags={REVIEW_FLAG})
    reviewed = Catalog(locale="cy")
    reviewed.add("Cookies", "Cwcis")
    reviewed.add("Sign in", "Mewngofnodwch")  # reworded by the reviewer
    reviewed.add("Home", "Hafan", flags={REVIEW_FLAG})  # not checked yet: left as it was
    reviewed.add("Not ours", "Dim")
    result = import_reviewed(target, reviewed)
    assert (result.reviewed, result.changed, result.skipped, result.unknown) == (2, 1, 1, ["Not ours"])
    assert target["Sign in"].string == "Mewngofnodwch" and REVIEW_FLAG not in target["Sign in"].flags
    assert REVIEW_FLAG in target["Home"].flags
    assert mark_unreviewed(target) == 0, "a reviewed string is not flagged again by make translations"
    status = catalogue_status(target, "cy")
    assert (status.unreviewed, status.reviewed) == (1, 2)


def welsh_translations(tmp_path: Path, messages: dict[str, str]):
    write_po(tmp_path, "cy", messages)
    return Catalogues.load(tmp_path).translations("cy")


def test_what_people_wrote_is_marked_english_on_a_welsh_page_and_left_plain_on_an_english_one(tmp_path):
    from tracker.web.templating import build_environment

    template = build_environment().from_string(
        "<p{{ content_lang() }}>{{ summary }}</p><td>{{ name | content }}</td>{{ empty | content }}"
    )
    values = {"summary": "We audited <records>.", "name": "Gwent Police", "empty": ""}
    assert template.render(values) == "<p>We audited &lt;records&gt;.</p><td>Gwent Police</td>"
    with translations_in_use(welsh_translations(tmp_path, {})):
        assert template.render(values) == (
            '<p lang="en">We audited &lt;records&gt;.</p><td><span lang="en">Gwent Police</span></td>'
        )


def test_choices_that_are_names_carry_their_language_and_source_labels_are_translated(tmp_path):
    from tracker.web.fields import choice_items, content_choices, translated_choices

    with translations_in_use(welsh_translations(tmp_path, {"Due date": "Dyddiad cwblhau"})):
        items = choice_items(content_choices([("gwent", "Gwent Police")]), "", select=True)
        assert items[0]["attributes"] == {"lang": "en"}
        assert translated_choices([("due", "Due date")]) == [("due", "Dyddiad cwblhau")]
    assert "attributes" not in choice_items(content_choices([("gwent", "Gwent Police")]), "", select=True)[0]


def test_an_error_a_service_writes_in_english_is_shown_beside_its_field_and_in_the_summary_in_welsh(tmp_path):
    from tracker.web.fields import field_params, summary_list
    from tracker.web.forms import Form

    form = Form.of({})
    form.error("visibility", "Select who can see this evidence")
    form.error("title", "A message the catalogue does not hold")
    welsh = {"Select who can see this evidence": "Dewiswch pwy all weld y dystiolaeth hon"}
    with translations_in_use(welsh_translations(tmp_path, welsh)):
        assert field_params("visibility", "Pwy", form)["errorMessage"]["text"] == welsh[form.errors["visibility"]]
        assert [e["text"] for e in summary_list(form)] == [
            "Dewiswch pwy all weld y dystiolaeth hon",
            "A message the catalogue does not hold",
        ]
        assert form.message("visibility")["text"] == "Dewiswch pwy all weld y dystiolaeth hon"
