"""The public site: pages, files, open data and the feed show what organisations published, and only that."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest
from sqlmodel import col, select

from tests.support.accounts import sign_in
from tests.support.factories import ALL_KNOWN_SET, SMALL_SET, write
from tests.support.plans import add_file, set_status, something_new_to_publish
from tracker.audit.services import Actor
from tracker.evidence.services import update_evidence, withdraw_evidence
from tracker.loading import load_file
from tracker.organisations.services import get_by_slug
from tracker.plans import services
from tracker.plans.publication import latest_publications, publish_plan
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.public.opendata import TABLES
from tracker.recommendations.models import Recommendation
from tracker.vocabulary import OrganisationKind, PracticeStatus, Provenance, Role

ATOM = "{http://www.w3.org/2005/Atom}"


def cell(html: str, row: str, status: str) -> int:
    """The number in a table row (data-testid overview-row-N) for one status."""
    match = re.search(rf'data-testid="overview-row-{re.escape(row)}".*?</tr>', html, re.S)
    assert match, row
    number = re.search(rf'data-status="{status}">(\d+)<', match.group(0))
    assert number, (row, status)
    return int(number.group(1))


# --- pages ---------------------------------------------------------------------------------------------


def test_the_overview_counts_published_statuses_only(client, session, published):
    html = client.get("/recommendations").text
    assert cell(html, "1", "in_progress") == 1 and cell(html, "1", "complete") == 0
    assert cell(html, "1", "unpublished") == 1, "Gwent must answer 1 but has not published"
    assert cell(html, "3", "unpublished") == 3, "two commissioners and the Home Office, none published"
    assert "Kent Police" in html and "Gwent Police</a>" not in html.split("Organisations with a published plan")[1]
    # A draft change after publishing changes nothing in public until the organisation publishes again.
    for number in ("1.1", "1.2"):
        set_status(session, published.kent, "kent", number, "complete")
    html = client.get("/recommendations").text
    assert cell(html, "1", "complete") == 0 and cell(html, "1", "in_progress") == 1
    publish_plan(session, get_by_slug(session, "kent"), published.kent)
    html = client.get("/recommendations").text
    assert cell(html, "1", "complete") == 1 and cell(html, "1", "in_progress") == 0


def test_the_overview_gives_the_date_of_the_data(client, published):
    html = client.get("/recommendations").text
    assert "most recently on" in html and str(published.publication.published_at.year) in html


def test_a_set_filter_appears_when_there_are_several_sets(client, session, published, tmp_path):
    assert 'name="set"' not in client.get("/recommendations").text
    load_file(
        session, write(tmp_path, "second.yaml", SMALL_SET.replace("slug: test-report", "slug: second")), Actor("t")
    )
    html = client.get("/recommendations").text
    assert (
        'name="set"' in html
        and 'data-testid="overview-test-report"' in html
        and 'data-testid="overview-second"' in html
    )
    only = client.get("/recommendations?set=second").text
    assert 'data-testid="overview-second"' in only and 'data-testid="overview-test-report"' not in only
    assert client.get("/recommendations?set=no-such-set").status_code == 404


def test_a_recommendation_page_says_what_it_asks_who_and_by_when(client, published):
    html = client.get("/recommendations/test-report/1").text
    assert "<h1" in html and html.count("<h1") == 1
    assert "Partly confirmed" in html and "not all been checked against the report" in html
    assert "Chief constables should record things properly." in html
    assert "Chief constables" in html.split('data-testid="addressees"')[1][:200]
    assert "27 March 2025" in html
    assert "Kent sums up" in html and "In progress" in html
    assert "Gwent Police" in html.split('data-testid="not-published"')[1]
    assert 'href="/recommendations/test-report/1.1"' in html


def test_a_recommendation_with_unknown_wording_says_so(client, published):
    html = client.get("/recommendations/test-report/2").text
    assert "Wording to be confirmed against the report" in html
    assert "To be confirmed against the report" in html.split('data-testid="addressees"')[1][:200]
    assert client.get("/recommendations/test-report/99").status_code == 404


def test_the_overview_and_home_page_summarise_recommendations_not_yet_loaded_in_one_section(client, published):
    for path in ("/recommendations", "/"):
        html = client.get(path).text
        section = html.split('data-testid="awaiting-wording-test-report"')[1].split("</section>")[0]
        assert "1 recommendation whose wording is not yet loaded: 2" in section, path
        assert "no organisation is counted against the others" in section, path
    overview = client.get("/recommendations").text
    assert 'data-testid="overview-row-1"' in overview and 'data-testid="overview-row-3"' in overview
    assert 'data-testid="overview-row-2"' not in overview, "no row of zeros for a recommendation not yet loaded"
    assert 'id="test-report-rec-2"' not in client.get("/").text


def test_when_every_recommendation_is_known_there_is_no_summary_section(client, session, published, tmp_path):
    load_file(session, write(tmp_path, "set.yaml", ALL_KNOWN_SET), Actor("t"))
    overview, home = client.get("/recommendations").text, client.get("/").text
    assert "awaiting-wording" not in overview and "awaiting-wording" not in home
    assert 'data-testid="overview-row-2"' in overview and "Fictional recommendation 2" in home


def test_a_recommendation_addressed_to_no_known_organisation_says_so_not_that_none_has_published(client, published):
    html = client.get("/recommendations/test-report/2").text
    assert "No organisation has published" not in html
    assert "No organisation is known to be addressed by this recommendation yet" in html
    assert 'data-testid="spread"' not in html
    assert 'data-testid="spread"' in client.get("/recommendations/test-report/3").text


def test_the_bundled_set_shows_its_5_known_recommendations_and_summarises_the_24_others(client, reference_data):
    overview = client.get("/recommendations").text
    rows = re.findall(r'data-testid="overview-row-([^"]+)"', overview)
    assert rows == ["7", "10", "15", "16", "25"]
    section = overview.split('data-testid="awaiting-wording-stalking-2024"')[1].split("</section>")[0]
    assert (
        "24 recommendations whose wording is not yet loaded: 1\u20136, 8, 9, 11\u201314, 17\u201324, 26\u201329"
        in section
    )
    page = client.get("/recommendations/stalking-2024/3").text
    assert "No organisation has published" not in page and "No organisation is known to be addressed" in page


def test_a_recommendation_page_links_approved_practice_only(client, session, published):
    rec_id = published.ctx.recommendation.id
    for slug, status in (("approved-one", PracticeStatus.APPROVED), ("still-in-review", PracticeStatus.SUBMITTED)):
        practice = Practice(slug=slug, title=slug.replace("-", " ").title(), status=status)
        session.add(practice)
        session.flush()
        session.add(PracticeRecommendation(practice_id=practice.id, recommendation_id=rec_id))
    session.commit()
    html = client.get("/recommendations/test-report/1").text
    assert 'href="/practice/approved-one"' in html and "still-in-review" not in html and "Still In Review" not in html


def test_an_organisation_page_shows_its_published_plan(client, published):
    html = client.get("/organisations/kent").text
    assert "First published" in html and "Last updated" in html
    for shown in ("Kent sums up", "=Train every call handler", "Head of PP", "Kent public update", "Kent&#39;s page"):
        assert shown in html
    assert f'href="/organisations/kent/evidence/{published.file.id}"' in html
    assert 'href="https://www.example.org/kent"' in html


def test_organisations_that_never_published_say_so(client, published):
    html = client.get("/organisations/gwent").text
    assert "has not published its action plan" in html
    listing = client.get("/organisations").text
    assert "Police forces" in listing and "South East" in listing and "Wales" in listing
    assert "Not published yet" in listing and "Published; last updated" in listing
    assert client.get("/organisations/no-such-force").status_code == 404


def test_public_pages_offer_the_feed_and_the_public_navigation(client, published):
    for path in ("/recommendations", "/recommendations/test-report/1", "/organisations", "/organisations/kent"):
        response = client.get(path)
        assert response.headers["content-type"].startswith("text/html"), path
        html = response.text
        assert '<link rel="alternate" type="application/atom+xml" href="/open-data/publications.atom"' in html, path
        for item in ('href="/recommendations"', 'href="/organisations"', 'href="/open-data"'):
            assert item in html, (path, item)


def test_the_home_page_links_to_the_public_site(client, published):
    html = client.get("/").text
    assert 'href="/recommendations/test-report/1"' in html and 'href="/open-data"' in html


def wording_sources(client, slug: str) -> str:
    page = client.get("/").text
    found = re.search(rf'data-testid="wording-sources-{slug}">(.*?)</dd>', page, re.S)
    assert found, "the home page says what the texts are"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_the_home_page_says_what_its_texts_are_by_counting_their_provenance(client, session, reference_data):
    """Not "our own summaries" once the report is loaded: each kind of text counted, as provenance says it
    (``Recommendation.wording_source``; outsider pass 8, finding 5)."""
    said = wording_sources(client, "stalking-2024")
    assert "5 of 29 are our own summaries, not quotations from the report" in said
    assert "24 of 29 have no wording yet" in said and "report's own wording" not in said

    numbered = session.exec(
        select(Recommendation).where(col(Recommendation.parent_id).is_(None)).order_by(col(Recommendation.position))
    ).all()
    for rec in numbered:  # as applying the report document leaves them (fictional wording)
        rec.text = rec.text or f"Fictional recommendation {rec.number}: a made-up step to test the page."
        rec.provenance, rec.confirmed_fields = Provenance.CONFIRMED, ["number", "text", "addressees"]
        rec.provenance_note = "Confirmed against the report document “Fictional report” (file report.html)."
        rec.version += 1  # a new version, as every save makes
        session.add(rec)
    numbered[0].provenance, numbered[0].provenance_note = Provenance.QUOTED, "Wording as quoted in 2 plans."
    numbered[0].confirmed_fields = ["number"]
    numbered[1].provenance = Provenance.PARTIAL  # its wording checked against the document, not every field
    session.commit()
    said = wording_sources(client, "stalking-2024")
    assert "28 of 29 are the report's own wording, copied from the report document and confirmed against it" in said
    assert (
        "1 of 29 is the report's wording as organisations' plans quote it, not yet checked against the report" in said
    )
    home = client.get("/").text
    assert "our own summaries" not in home and "not quotations from the report" not in home
    assert "No licence for the report&#39;s text is claimed here." in home  # the licence note still stands
    partly = client.get(f"/recommendations/stalking-2024/{numbered[1].number}").text
    assert "Partly confirmed" in partly and "These are our own words" not in partly


# --- published files -------------------------------------------------------------------------------------


def test_a_published_file_downloads(client, published):
    response = client.get(f"/organisations/kent/evidence/{published.file.id}")
    assert response.status_code == 200 and response.content == b"Kent policy text\n"
    assert response.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in response.headers["content-security-policy"]
    assert "set-cookie" not in response.headers


def test_a_file_only_downloads_from_its_own_organisations_latest_publication(
    client, session, published, settings, make_user
):
    internal = add_file(
        session, published.ctx, published.kent, settings, title="Int", content=b"x\n", visibility="internal"
    )
    publish_plan(session, get_by_slug(session, "kent"), published.kent)
    assert client.get(f"/organisations/kent/evidence/{internal.id}").status_code == 404
    assert client.get(f"/organisations/gwent/evidence/{published.file.id}").status_code == 404
    # Added as public after the latest publication: not yet public.
    later = add_file(session, published.ctx, published.kent, settings, title="Later", content=b"later\n")
    response = client.get(f"/organisations/kent/evidence/{later.id}")
    assert response.status_code == 404 and "not in the organisation" in response.text


def test_a_withdrawn_file_answers_gone_with_a_clear_page(client, session, published, settings):
    evidence = published.file
    withdraw_evidence(session, evidence, published.ctx, published.kent, upload_dir=settings.upload_dir)
    response = client.get(f"/organisations/kent/evidence/{evidence.id}")
    assert response.status_code == 410 and "has been withdrawn" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/organisations/kent"' in response.text


def test_a_file_made_private_after_publishing_is_not_served(client, session, published, settings):
    evidence = published.file
    update_evidence(
        session,
        evidence,
        published.ctx,
        published.kent,
        {"title": "x", "visibility": "internal", "version": str(evidence.version)},
    )
    assert client.get(f"/organisations/kent/evidence/{evidence.id}").status_code == 410


def test_a_missing_file_is_a_clear_404_not_a_500(client, published, settings):
    (settings.upload_dir / published.file.stored_name).unlink()
    response = client.get(f"/organisations/kent/evidence/{published.file.id}")
    assert response.status_code == 404 and "cannot be found" in response.text


# --- open data and the feed ------------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(TABLES))
def test_open_data_tables_have_exactly_the_documented_columns(client, published, table):
    documented = [c.name for c in TABLES[table].columns]
    response = client.get(f"/open-data/{table}.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and list(rows[0]) == documented
    document = client.get(f"/open-data/{table}.json").json()
    assert document["table"] == table and len(document["rows"]) == len(rows)
    assert all(list(row) == documented for row in document["rows"])
    if "organisation_slug" in documented:  # the recommendations table is the sets', not organisations'
        assert all(row["organisation_slug"] == "kent" for row in rows), "only Kent has published"
    dictionary = client.get("/open-data").text
    for column in documented:
        assert f"<code>{column}</code>" in dictionary


def test_open_data_neutralises_formulas_and_links_published_files(client, published):
    actions = client.get("/open-data/actions.csv").content.decode("utf-8-sig")
    assert "'=Train every call handler" in actions
    assert client.get("/open-data/actions.json").json()["rows"][0]["description"] == "=Train every call handler"
    evidence = client.get("/open-data/evidence.json").json()["rows"]
    file_row = next(r for r in evidence if r["kind"] == "file")
    assert file_row["url"].endswith(f"/organisations/kent/evidence/{published.file.id}")
    assert file_row["sha256"] == published.file.sha256


def test_unknown_open_data_files_are_404(client, published):
    for name in ("assessments.csv", "responses.xlsx", "comments.json", "x"):
        assert client.get(f"/open-data/{name}").status_code == 404


def test_the_atom_feed_has_an_entry_per_publication(client, session, published):
    # Something new to publish: publishing what is already published makes no new publication.
    services.add_update(
        session, published.ctx, published.kent, {"text": "Second public update", "visibility": "public"}
    )
    publish_plan(session, get_by_slug(session, "kent"), published.kent)
    response = client.get("/open-data/publications.atom")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/open-data/publications.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    ids = {e.find(f"{ATOM}id").text for e in entries}
    assert len(ids) == 2
    for entry in entries:
        assert entry.find(f"{ATOM}title").text == "Kent Police published its action plan"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.find(f"{ATOM}updated").text)
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").endswith("/organisations/kent")
    assert published.kent.email not in response.text and published.kent.display_name not in response.text


def test_the_latest_publications_helper_batches(session, published, count_queries):
    something_new_to_publish(session, published)
    publish_plan(session, get_by_slug(session, "kent"), published.kent)
    latest, queries = count_queries(lambda: latest_publications(session))
    assert queries == 1 and list(latest) == [get_by_slug(session, "kent").id]
    assert latest[get_by_slug(session, "kent").id].id != published.publication.id


def test_open_data_json_says_when_the_data_is_from(client, published):
    document = json.loads(client.get("/open-data/responses.json").content)
    assert document["data_as_of"].startswith(str(published.publication.published_at.year))


def test_groups_of_organisations_are_headed_with_real_plurals(client, published, make_user):
    """'National bodies', not 'National bodys': the plural comes with the kind, not from label + 's'."""
    public = client.get("/organisations").text
    sign_in(client, make_user(Role.COORDINATOR).email)
    chooser = client.get("/plan").text
    for text in (public, chooser):
        assert "National bodies" in text and "bodys" not in text
    assert ">Police forces</h2>" in chooser
    assert {kind.plural_label for kind in OrganisationKind} == {
        "Police forces",
        "Police and crime commissioners or equivalent",
        "National bodies",
        "Inspectorates",
    }


def test_feed_and_open_data_links_never_follow_the_request_host(client, session, published, monkeypatch):
    """Finding N8 (was #17): the links use PUBLIC_URL, else the address the server listens on; a forged Host header
    (the feed is publicly cacheable) never reaches a link."""

    def links(host: str | None = None) -> set[str]:
        headers = {"Host": host} if host else {}
        feed = ET.fromstring(client.get("/open-data/publications.atom", headers=headers).content)
        hrefs = {link.get("href") for link in feed.iter(f"{ATOM}link")}
        rows = client.get("/open-data/evidence.json", headers=headers).json()["rows"]
        urls = {row["url"] for row in rows if row.get("url")}
        return hrefs | {u for u in urls if "/open-data/" in u or "/organisations/" in u}

    listening = dataclasses.replace(client.app.state.settings, public_url="", host="127.0.0.1", port=8133)
    assert listening.public_url == "http://127.0.0.1:8133"
    monkeypatch.setattr(client.app.state, "settings", listening)
    for host in (None, "evil.example", "evil.example:8133"):
        found = links(host)
        assert found and all(href.startswith("http://127.0.0.1:8133/") for href in found), host
        assert not any("evil" in href for href in found)
    configured = dataclasses.replace(listening, public_url="https://tracker.example.org")
    monkeypatch.setattr(client.app.state, "settings", configured)
    assert all(href.startswith("https://tracker.example.org/") for href in links("evil.example"))


def test_pages_that_show_regions_say_which_scheme_they_follow(client, published, make_user):
    for path in ("/organisations", "/organisations/kent"):
        scheme = client.get(path).text.split('data-testid="region-scheme"')[1].split("</p>")[0]
        assert "Office for National Statistics" in scheme and "not a published National Police Chiefs" in scheme
    sign_in(client, make_user(Role.COORDINATOR).email)
    assert 'data-testid="region-scheme"' in client.get("/oversight").text
