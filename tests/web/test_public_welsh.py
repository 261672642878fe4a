"""The public site in the reader's language: what a bilingual organisation wrote in Welsh is read in Welsh, marked
lang="cy" where the page is English; a text shown in the other language than the reader's is never shown silently
(a note beside it for a bilingual organisation, or for Welsh read in English; one note per page or section for an
organisation that writes only in English, read in Welsh); open data has a ``_cy`` column beside each bilingual
text; the feed has a Welsh entry for a bilingual organisation's publication that holds Welsh; and the stored pages
keep each language apart, both refreshed by a publication (issue 20, part 2)."""

from __future__ import annotations

import csv
import io
import re
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from sqlmodel import select

from tests.support.plans import edit, response_of, set_status
from tracker.evidence.services import add_evidence
from tracker.organisations.services import get_by_slug
from tracker.plans import services
from tracker.plans.models import PlanPublication, PublishedResponse
from tracker.plans.publication import has_unpublished_changes, latest_publication, public_plan, publish_plan
from tracker.practice.models import Practice
from tracker.public.models import CachedPage
from tracker.vocabulary import PracticeStatus, Role

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NOT_YET_IN_WELSH = "Ddim ar gael yn Gymraeg eto"  # the catalogue's Welsh of "Not yet available in Welsh"
WELSH_ONLY = "Available in Welsh only"
ENGLISH_ONLY_IN_WELSH = "yn cyhoeddi yn Saesneg yn unig"  # "... publishes in English only ..." in Welsh


def lang_of(html: str, text: str) -> str | None:
    """The ``lang`` of the element immediately around ``text`` (None when it has none of its own)."""
    found = re.search(r"<(\w+)([^>]*)>\s*" + re.escape(text), html)
    assert found, text
    attribute = re.search(r'\blang="([^"]+)"', found.group(2))
    return attribute.group(1) if attribute else None


def notes_after(html: str, text: str) -> str:
    """The markup from ``text`` to the end of its line: a text's language note stands beside it."""
    return html.split(text, 1)[1].split("\n", 1)[0]


@pytest.fixture
def welsh_and_english(session, small_reference, make_user, settings):
    """Gwent (bilingual) published recommendation 1 with Welsh beside most texts: its summary, one action of two,
    its update and its link's title (not the link's description); and, for 1.1, a summary written only in Welsh.
    Kent (English only) published recommendation 1 in English."""
    gwent = get_by_slug(session, "gwent")
    gwent.bilingual = True
    session.commit()
    editor = make_user(Role.EDITOR, "gwent", email="gwent-editor@example.org")
    ctx = edit(session, editor, "gwent", "1")
    services.update_response(
        session, ctx, editor, {"status": "in_progress", "version": "1", "summary": "Gwent sums up"}
    )
    set_status(session, editor, "gwent", "1.1", "in_progress")
    ctx = edit(session, editor, "gwent", "1")
    first = services.add_action(session, ctx, editor, {"description": "Train the call handlers"})
    services.add_action(session, ctx, editor, {"description": "Review every open case"})
    update = services.add_update(session, ctx, editor, {"text": "Gwent public update", "visibility": "public"})
    link = add_evidence(
        session,
        ctx,
        editor,
        {
            "kind": "link",
            "title": "Gwent's page",
            "description": "What the force says",
            "url": "https://www.example.org/gwent",
            "visibility": "public",
        },
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )
    ctx.response.summary_cy = "Crynodeb Gwent"
    first.description_cy = "Hyfforddi trinwyr galwadau"
    update.text_cy = "Diweddariad cyhoeddus Gwent"
    link.title_cy = "Tudalen Gwent"
    response_of(session, "gwent", "1.1").summary_cy = "Crynodeb yn Gymraeg yn unig"
    session.commit()
    publish_plan(session, gwent, editor)

    kent_editor = make_user(Role.EDITOR, "kent", email="kent-editor@example.org")
    kctx = edit(session, kent_editor, "kent", "1")
    services.update_response(
        session, kctx, kent_editor, {"status": "in_progress", "version": "1", "summary": "Kent sums up"}
    )
    kctx = edit(session, kent_editor, "kent", "1")
    services.add_action(session, kctx, kent_editor, {"description": "Kent trains its call handlers"})
    publish_plan(session, get_by_slug(session, "kent"), kent_editor)
    return SimpleNamespace(gwent=editor, kent=kent_editor, ctx=ctx)


# --- what a publication holds ------------------------------------------------------------------------------------


def test_a_publication_carries_each_public_text_s_welsh_beside_it_null_when_not_written(session, welsh_and_english):
    content = latest_publication(session, get_by_slug(session, "gwent").id).content
    response = next(r for r in content["responses"] if r["recommendation"] == "1")
    assert response["summary_cy"] == "Crynodeb Gwent" and response["blocked_reason_cy"] is None
    assert [a["description_cy"] for a in response["actions"]] == ["Hyfforddi trinwyr galwadau", None]
    assert response["updates"][0]["text_cy"] == "Diweddariad cyhoeddus Gwent"
    assert response["evidence"][0]["title_cy"] == "Tudalen Gwent" and response["evidence"][0]["description_cy"] is None
    kent = latest_publication(session, get_by_slug(session, "kent").id).content["responses"]
    assert all("summary_cy" in r and r["summary_cy"] is None for r in kent), "every organisation's plan has the keys"
    summaries = set(session.exec(select(PublishedResponse.summary_cy)).all())
    assert {"Crynodeb Gwent", "Crynodeb yn Gymraeg yn unig"} <= summaries


def test_a_publication_made_before_plans_carried_welsh_reads_as_no_welsh(client, session, welsh_and_english):
    kent = get_by_slug(session, "kent")
    publication = latest_publication(session, kent.id)

    def without_welsh(item):
        return {
            k: ([without_welsh(i) for i in v] if isinstance(v, list) else v)
            for k, v in item.items()
            if not k.endswith("_cy")
        }

    publication.content = {
        **publication.content,
        "responses": [without_welsh(r) for r in publication.content["responses"]],
    }
    session.add(publication)
    session.commit()
    assert "summary_cy" not in str(publication.content)
    # Nothing changed: the plan has no unpublished changes, and publishing makes no new publication.
    assert not has_unpublished_changes(session, kent.id, publication)
    assert publish_plan(session, kent, welsh_and_english.kent).id == publication.id
    for path in ("/organisations/kent", "/organisations/kent?lang=cy", "/open-data/responses.csv"):
        assert client.get(path).status_code == 200, path
    assert "Kent sums up" in client.get("/organisations/kent?lang=cy").text


# --- public pages ------------------------------------------------------------------------------------------------


def test_a_welsh_reader_sees_a_bilingual_organisation_s_welsh_and_a_note_beside_what_lacks_it(
    client, welsh_and_english
):
    html = client.get("/organisations/gwent?lang=cy").text
    assert '<html lang="cy"' in html
    for welsh in ("Crynodeb Gwent", "Hyfforddi trinwyr galwadau", "Diweddariad cyhoeddus Gwent", "Tudalen Gwent"):
        assert welsh in html and lang_of(html, welsh) is None, welsh  # in the page's own language
        assert NOT_YET_IN_WELSH not in notes_after(html, welsh), welsh
    for english in ("Gwent sums up", "Train the call handlers", "Gwent public update"):
        assert english not in html, "the English of a text written in Welsh is not shown to a Welsh reader"
    # What lacks its Welsh is shown in English, marked so, with the note beside it.
    for english in ("Review every open case", "What the force says"):
        assert lang_of(html, english) == "en", english
        assert NOT_YET_IN_WELSH in notes_after(html, english), english
    assert 'data-testid="english-only"' not in html


def test_an_english_reader_sees_english_and_welsh_only_text_marked_cy_with_a_note(client, welsh_and_english):
    html = client.get("/organisations/gwent").text
    for english in ("Gwent sums up", "Train the call handlers", "Review every open case", "Gwent public update"):
        assert english in html and lang_of(html, english) is None, english
    assert "Crynodeb Gwent" not in html and "Hyfforddi trinwyr" not in html
    only = "Crynodeb yn Gymraeg yn unig"
    assert lang_of(html, only) == "cy" and WELSH_ONLY in notes_after(html, only)
    assert html.count('data-testid="language-note"') == 1


def test_an_english_only_organisation_read_in_welsh_says_so_once_not_beside_each_text(client, welsh_and_english):
    html = client.get("/organisations/kent?lang=cy").text
    assert html.count('data-testid="english-only"') == 1 and ENGLISH_ONLY_IN_WELSH in html
    for english in ("Kent sums up", "Kent trains its call handlers"):
        assert lang_of(html, english) == "en", english
    assert 'data-testid="language-note"' not in html


def test_an_english_reader_of_an_english_only_organisation_sees_the_page_as_before(client, welsh_and_english):
    html = client.get("/organisations/kent").text
    assert "Kent sums up" in html and lang_of(html, "Kent sums up") is None
    assert 'data-testid="english-only"' not in html and 'data-testid="language-note"' not in html
    assert 'lang="cy"' not in html.split("<main", 1)[1].split("</main>")[0]


def test_the_recommendation_page_lists_each_summary_in_the_reader_s_language(client, welsh_and_english):
    welsh = client.get("/recommendations/test-report/1?lang=cy").text
    answers = welsh.split('data-testid="answers"')[1].split("</table>")[0]
    assert "Crynodeb Gwent" in answers and "Gwent sums up" not in answers
    assert lang_of(answers, "Kent sums up") == "en"
    assert welsh.count('data-testid="english-only"') == 1, "one note for the section, for Kent"
    english = client.get("/recommendations/test-report/1").text
    assert "Gwent sums up" in english and "Crynodeb Gwent" not in english
    assert 'data-testid="english-only"' not in english and 'data-testid="language-note"' not in english
    sub = client.get("/recommendations/test-report/1.1").text
    assert lang_of(sub, "Crynodeb yn Gymraeg yn unig") == "cy" and WELSH_ONLY in sub


def test_the_practice_library_shows_practice_in_the_reader_s_language(client, session, welsh_and_english):
    gwent, kent = get_by_slug(session, "gwent"), get_by_slug(session, "kent")
    session.add(
        Practice(
            slug="gwent-clinic",
            title="Gwent clinic",
            title_cy="Clinig Gwent",
            summary="Weekly advice",
            outcomes="More orders",
            status=PracticeStatus.APPROVED,
            organisation_id=gwent.id,
        )
    )
    session.add(
        Practice(slug="kent-clinic", title="Kent clinic", status=PracticeStatus.APPROVED, organisation_id=kent.id)
    )
    session.commit()
    page = client.get("/practice/gwent-clinic?lang=cy").text
    assert "<title>Clinig Gwent" in page and lang_of(page, "Clinig Gwent") is None
    assert lang_of(page, "Weekly advice") == "en" and NOT_YET_IN_WELSH in notes_after(page, "Weekly advice")
    assert 'data-testid="english-only"' not in page
    assert client.get("/practice/kent-clinic?lang=cy").text.count('data-testid="english-only"') == 1
    library = client.get("/practice?lang=cy").text
    assert "Clinig Gwent" in library and library.count('data-testid="english-only"') == 1
    english = client.get("/practice/gwent-clinic").text
    assert "Gwent clinic" in english and "Clinig Gwent" not in english and "language-note" not in english


# --- open data ---------------------------------------------------------------------------------------------------


def test_open_data_has_a_welsh_column_beside_each_bilingual_text(client, welsh_and_english):
    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/responses.csv").text)))
    header = list(rows[0])
    assert header[header.index("summary") + 1] == "summary_cy"
    assert header[header.index("blocked_reason") + 1] == "blocked_reason_cy"
    gwent = next(r for r in rows if r["organisation_slug"] == "gwent" and r["recommendation"] == "1")
    kent = next(r for r in rows if r["organisation_slug"] == "kent" and r["recommendation"] == "1")
    assert gwent["summary_cy"] == "Crynodeb Gwent" and kent["summary_cy"] == "" and kent["summary"] == "Kent sums up"
    actions = client.get("/open-data/actions.json").json()["rows"]
    assert {a["description"]: a["description_cy"] for a in actions if a["organisation_slug"] == "gwent"} == {
        "Train the call handlers": "Hyfforddi trinwyr galwadau",
        "Review every open case": None,
    }
    updates = client.get("/open-data/updates.json").json()["rows"]
    assert [u["text_cy"] for u in updates if u["organisation_slug"] == "gwent"] == ["Diweddariad cyhoeddus Gwent"]
    evidence = next(csv.reader(io.StringIO(client.get("/open-data/evidence.csv").text)))
    assert evidence[evidence.index("title") + 1 : evidence.index("title") + 4] == [
        "title_cy",
        "description",
        "description_cy",
    ]
    # On the Welsh download the headings are in Welsh, a Welsh column's still its English column's and _cy.
    welsh = next(csv.reader(io.StringIO(client.get("/open-data/responses.csv?lang=cy").text)))
    summary = welsh[header.index("summary")]
    assert summary != "summary" and welsh[header.index("summary") + 1] == summary + "_cy"
    dictionary = client.get("/open-data").text
    assert "<code>summary_cy</code>" in dictionary and "<code>title_cy</code>" in dictionary


# --- the feed ----------------------------------------------------------------------------------------------------


def test_the_feed_has_an_entry_per_language_for_a_bilingual_organisation_s_publication(
    client, session, welsh_and_english
):
    feed = ET.fromstring(client.get("/open-data/publications.atom").content)
    entries = feed.findall(f"{ATOM}entry")
    by_title = {e.find(f"{ATOM}title").text: e for e in entries}
    assert len(entries) == 3, "Kent's in English; Gwent's in English and in Welsh"
    english = by_title["Gwent Police published its action plan"]
    welsh = by_title["Cyhoeddodd Gwent Police ei gynllun gweithredu"]
    assert english.get(XML_LANG) is None and welsh.get(XML_LANG) == "cy"
    assert welsh.find(f"{ATOM}id").text == english.find(f"{ATOM}id").text + "-cy"
    assert welsh.find(f"{ATOM}link").get("href").endswith("/organisations/gwent?lang=cy")
    assert english.find(f"{ATOM}link").get("href").endswith("/organisations/gwent")
    assert welsh.find(f"{ATOM}updated").text == english.find(f"{ATOM}updated").text
    assert "ymateb" in welsh.find(f"{ATOM}summary").text and "responses" in english.find(f"{ATOM}summary").text
    assert "Kent Police published its action plan" in by_title


def test_a_bilingual_organisation_s_publication_without_welsh_has_one_english_entry(client, session, welsh_and_english):
    gwent = get_by_slug(session, "gwent")
    publication = latest_publication(session, gwent.id)
    publication.content = public_plan(session, gwent) | {
        "responses": [
            {k: (None if k.endswith("_cy") else v) for k, v in r.items()}
            | {"actions": [], "updates": [], "evidence": []}
            for r in publication.content["responses"]
        ]
    }
    session.add(publication)
    session.commit()
    entries = ET.fromstring(client.get("/open-data/publications.atom").content).findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries].count("Cyhoeddodd Gwent Police ei gynllun gweithredu") == 0
    assert len(entries) == 2


# --- stored pages ------------------------------------------------------------------------------------------------


def test_stored_pages_keep_each_language_apart_and_a_publication_refreshes_both(client, session, welsh_and_english):
    def stored() -> int:
        return len(session.exec(select(CachedPage.key)).all())

    before = stored()
    english, welsh = client.get("/organisations/gwent"), client.get("/organisations/gwent?lang=cy")
    assert stored() == before + 2, "one stored rendering per language"
    assert "Gwent sums up" in english.text and "Crynodeb Gwent" in welsh.text
    assert english.headers["etag"] != welsh.headers["etag"]
    # Asked again, each address gets its own language from the store.
    assert "Crynodeb Gwent" in client.get("/organisations/gwent?lang=cy").text
    assert "Crynodeb Gwent" not in client.get("/organisations/gwent").text
    # A publication replaces both.
    ctx = edit(session, welsh_and_english.gwent, "gwent", "1")
    services.update_response(
        session,
        ctx,
        welsh_and_english.gwent,
        {"status": "in_progress", "version": str(ctx.response.version), "summary": "Gwent sums up again"},
    )
    ctx.response.summary_cy = "Crynodeb newydd Gwent"
    session.commit()
    publish_plan(session, get_by_slug(session, "gwent"), welsh_and_english.gwent)
    assert "Crynodeb newydd Gwent" in client.get("/organisations/gwent?lang=cy").text
    assert "Gwent sums up again" in client.get("/organisations/gwent").text
    assert len(session.exec(select(PlanPublication.id)).all()) == 3
