"""A recommendation's Welsh wording (issue 20, part 4): an admin writes it beside the English with where it comes
from, and a page in Welsh shows it with that provenance, or the English marked as English with one note that no
Welsh wording is available; English pages are as before; the open data carries it after the text."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.web import csrf_headers
from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import EditError, form_values, history_events, save_recommendation, versions
from tracker.recommendations.models import Recommendation
from tracker.vocabulary import Role, WelshWordingSource

WELSH_1 = "Prawf: dylai prif gwnstabliaid gofnodi pethau'n iawn."
WELSH_11 = "Prawf: defnyddiwch y maes newydd."
CITATION = "Fictional Welsh edition of the test report, page 4"
NO_WELSH_ONE = "No Welsh wording of this recommendation is available"
NO_WELSH_SOME = "No Welsh wording is available for some recommendations on this page"


def rec(session, number: str) -> Recommendation:
    return session.exec(select(Recommendation).where(Recommendation.number == number)).one()


def edit(session, number, user, **changes):
    r = rec(session, number)
    return save_recommendation(session, r, recommendation_edit(form_values(session, r) | changes), user)


@pytest.fixture
def admin(small_reference, make_user):
    return make_user(Role.ADMIN)


def welsh_1(session, admin, source="project_translation", citation=""):
    edit(session, "1", admin, text_cy=WELSH_1, text_cy_source=source, text_cy_citation=citation)


# --- the admin's edit -------------------------------------------------------------------------------------


def test_an_admin_saves_a_welsh_wording_as_a_new_version_in_the_history(session, admin):
    welsh_1(session, admin, "source", CITATION)
    r = rec(session, "1")
    assert (r.text_cy, r.text_cy_source, r.text_cy_citation) == (WELSH_1, WelshWordingSource.SOURCE, CITATION)
    assert r.version == 2 and r.text == "Chief constables should record things properly."
    event = history_events(session, r)[0]
    assert event.before == {"text_cy": None, "text_cy_source": None, "text_cy_citation": None}
    assert event.after == {"text_cy": WELSH_1, "text_cy_source": "source", "text_cy_citation": CITATION}
    kept = {v.version: v.content for v in versions(session, r)}
    assert kept[1]["text_cy"] is None and kept[2]["text_cy"] == WELSH_1
    # Changed to the project's own translation: the citation (only for a source) goes with it.
    edit(session, "1", admin, text_cy_source="project_translation")
    assert rec(session, "1").text_cy_citation is None
    # Cleared: where it came from goes too, though the form still held it.
    edit(session, "1", admin, text_cy="")
    assert (rec(session, "1").text_cy, rec(session, "1").text_cy_source) == (None, None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text_cy": WELSH_1}, "text_cy_source"),
        ({"text_cy": WELSH_1, "text_cy_source": "source"}, "text_cy_citation"),
        ({"text_cy": WELSH_1, "text_cy_source": "machine"}, "text_cy_source"),
    ],
)
def test_a_welsh_wording_is_refused_without_where_it_comes_from(session, admin, changes, field):
    with pytest.raises(EditError) as exc:
        edit(session, "1", admin, **changes)
    assert field in exc.value.errors
    assert rec(session, "1").version == 1 and rec(session, "1").text_cy is None


def test_a_welsh_wording_needs_the_english_one(session, admin):
    with pytest.raises(EditError) as exc:
        edit(session, "2", admin, text_cy="Prawf.", text_cy_source="project_translation")
    assert "text_cy" in exc.value.errors


def test_the_edit_page_shows_the_welsh_beside_the_english_its_errors_and_the_conflict(client, session, admin):
    sign_in(client, admin.email)
    r = rec(session, "1")
    page = client.get(f"/admin/recommendations/{r.id}").text
    welsh_field = page.split('id="text_cy"')[1].split(">")[0]
    assert 'name="text_cy"' in welsh_field and 'lang="cy"' in welsh_field
    assert 'name="text_cy_source"' in page and 'name="text_cy_citation"' in page
    values = form_values(session, r) | {"text_cy": WELSH_1, "text_cy_source": "source", "text_cy_citation": ""}
    bad = client.post(f"/admin/recommendations/{r.id}", data=values, headers=csrf_headers(client))
    assert bad.status_code == 422
    assert 'id="text_cy_citation-error"' in bad.text and 'href="#text_cy_citation"' in bad.text
    welsh_1(session, admin)
    stale = client.post(
        f"/admin/recommendations/{r.id}",
        data=values | {"text_cy": "Prawf arall.", "text_cy_citation": CITATION},
        headers=csrf_headers(client),
    )
    assert stale.status_code == 409
    panel = stale.text.replace("&#39;", "'").split('data-testid="conflict"')[1].split("</table>")[0]
    assert WELSH_1 in panel and "Prawf arall." in panel and "Welsh wording" in panel


# --- public pages -----------------------------------------------------------------------------------------


def test_a_welsh_page_shows_the_welsh_wording_with_its_provenance(client, session, admin, published):
    welsh_1(session, admin)
    page = client.get("/recommendations/test-report/1?lang=cy").text
    assert f'lang="cy" data-testid="welsh-wording">{WELSH_1}</p>' in page.replace("&#39;", "'")
    source = page.split('data-testid="welsh-wording-source">')[1].split("<")[0]
    assert source == "Cyfieithiad y prosiect, yn aros i siaradwr Cymraeg ei adolygu."
    # Its sub-recommendations have no Welsh wording: shown in English, marked so, said once for the page.
    assert '<span lang="en">Use the new field.</span>' in page
    assert page.count('data-testid="no-welsh-wording"') == 1
    edit(session, "1", admin, text_cy_source="source", text_cy_citation=CITATION)
    page = client.get("/recommendations/test-report/1?lang=cy").text
    assert f"Geiriad Cymraeg o {CITATION}." in page


def test_a_welsh_page_without_welsh_wording_shows_the_english_marked_and_says_so_once(client, published):
    page = client.get("/recommendations/test-report/3?lang=cy").text
    assert '<p class="govuk-body govuk-!-margin-bottom-1" lang="en">Commissioners and the Home Office' in page
    assert page.count('data-testid="no-welsh-wording"') == 1
    assert "Nid oes geiriad Cymraeg o\u2019r argymhelliad hwn ar gael" in page
    assert 'data-testid="welsh-wording"' not in page


def test_a_list_page_in_welsh_says_once_that_wordings_are_in_english(client, session, admin, published):
    welsh_1(session, admin)
    page = client.get("/organisations/kent?lang=cy").text
    assert WELSH_1 in page.replace("&#39;", "'")
    home = client.get("/?lang=cy").text
    assert home.count('data-testid="no-welsh-wording"') == 1, "3 has no Welsh wording: said once, not per item"
    assert home.count('data-testid="welsh-wording"') == 1


def test_english_pages_are_unchanged_by_a_welsh_wording(client, session, admin, published):
    before = client.get("/recommendations/test-report/1").text
    welsh_1(session, admin)
    after = client.get("/recommendations/test-report/1").text
    assert WELSH_1 not in after.replace("&#39;", "'") and "no-welsh-wording" not in after
    assert "Chief constables should record things properly." in after
    strip = before.split("<main")[1].split("</main>")[0]
    assert strip == after.split("<main")[1].split("</main>")[0]


# --- open data --------------------------------------------------------------------------------------------


def test_the_open_data_of_recommendations_carries_the_welsh_after_the_text(client, session, admin, published):
    welsh_1(session, admin, "source", CITATION)
    rows = list(csv.reader(io.StringIO(client.get("/open-data/recommendations.csv").text)))
    header = rows[0]
    assert header[header.index("text") + 1 : header.index("text") + 4] == [
        "text_cy",
        "text_cy_source",
        "text_cy_citation",
    ]
    by_number = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_number["1"]["text_cy"] == WELSH_1 and by_number["1"]["text_cy_source"] == "source"
    assert by_number["1"]["text_cy_citation"] == CITATION
    assert by_number["3"]["text_cy"] == "" and by_number["3"]["text_cy_source"] == ""
    dictionary = client.get("/open-data/").text
    assert 'data-testid="columns-recommendations"' in dictionary and "<code>text_cy_source</code>" in dictionary
    welsh_header = next(csv.reader(io.StringIO(client.get("/open-data/recommendations.csv?lang=cy").text)))
    assert "testun_cy" in welsh_header and "ffynhonnell_testun_cy" in welsh_header
