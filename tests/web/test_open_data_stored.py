"""Open-data files and the feed are served as public pages are: rendered once per change of the public data, kept
in the database (``cached_page``) for every process, and after each kind of change the stored file is exactly
what a fresh rendering gives (``tracker.public.caching.public_download``)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.support.open_data import ATOM_FEED, FEED, FILES, RENDER_TABLE
from tests.support.plans import edit, something_new_to_publish
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.plans import services
from tracker.plans.models import ProgressUpdate
from tracker.plans.publication import publish_plan
from tracker.public.models import CachedPage
from tracker.recommendations.models import Recommendation
from tracker.timeutil import utc_now


def fresh(session, settings, url: str) -> bytes:
    """The file as rendered now, straight from the data (no HTTP, nothing stored)."""
    public_url = str(settings.public_url)
    if url == FEED:
        return ATOM_FEED(session, public_url)
    table, _, extension = url.rsplit("/", 1)[1].rpartition(".")
    return RENDER_TABLE(session, table, extension, public_url)


def publication(session, published) -> str:
    something_new_to_publish(session, published)
    publish_plan(session, get_by_slug(session, "kent"), published.kent)
    return "Second public update"


def retraction(session, published) -> str:
    update = session.exec(select(ProgressUpdate).where(ProgressUpdate.text == "Kent public update")).one()
    ctx = edit(session, published.kent, "kent", "1")
    services.edit_update(
        session,
        update,
        ctx,
        published.kent,
        {"text": update.text, "visibility": "internal", "version": str(update.version)},
    )
    return ""


def organisation_renamed(session, published) -> str:
    kent = session.exec(select(Organisation).where(Organisation.slug == "kent")).one()
    kent.name, kent.updated_at = "Kent Police (renamed)", utc_now()  # as the reference-data loader does
    session.commit()
    return "Kent Police (renamed)"


def recommendation_edited(session, published) -> str:
    rec = session.exec(select(Recommendation).where(Recommendation.number == "1")).one()
    rec.text, rec.version, rec.updated_at = "Reworded, in our own words.", rec.version + 1, utc_now()
    session.commit()
    return ""


@pytest.mark.parametrize("change", [publication, retraction, organisation_renamed, recommendation_edited])
def test_each_file_is_rendered_once_per_change_and_stored_as_a_fresh_rendering_would_be(
    app_client_factory, session, settings, published, renders, change
):
    one, two = app_client_factory(), app_client_factory()
    first = {url: one.get(url).content for url in FILES}
    assert sum(renders.values()) == len(FILES)
    for client in (one, two, one):  # every process, any number of visits: the stored file, not a new rendering
        for url in FILES:
            response = client.get(url)
            assert response.status_code == 200 and response.content == first[url], url
            assert response.headers["cache-control"].startswith("public") and "set-cookie" not in response.headers
    assert sum(renders.values()) == len(FILES), "no file is rendered again while the data is unchanged"

    shows = change(session, published)
    session.expire_all()
    after = {url: two.get(url).content for url in FILES}
    assert sum(renders.values()) == 2 * len(FILES), "each file is rendered once after the change"
    for url in FILES:
        assert after[url] == fresh(session, settings, url), f"{url}: the stored file is what the data gives now"
        assert one.get(url).content == after[url], url
    assert sum(renders.values()) == 2 * len(FILES)
    if shows:
        assert shows.encode() in after["/open-data/updates.csv"] + after["/open-data/responses.json"]
    if change is retraction:
        assert b"Kent public update" not in after["/open-data/updates.csv"] + after["/open-data/updates.json"]


def test_a_file_is_stored_once_and_a_conditional_request_gets_304(client, session, published):
    for url in FILES:
        etag = client.get(url).headers["etag"]
        assert client.get(url, headers={"if-none-match": etag}).status_code == 304, url
    session.expire_all()
    kept = [row for row in session.exec(select(CachedPage)) if row.body_gzip]  # a page is stored as text
    assert len(kept) == len(FILES)


def test_a_made_up_query_is_served_but_not_stored(client, session, published, renders):
    for _ in range(2):
        response = client.get("/open-data/responses.csv?utm_source=x")
        assert response.status_code == 200 and b"Kent" in response.content
    assert renders["table"] == 2
    session.expire_all()
    assert [row for row in session.exec(select(CachedPage)) if row.body or row.body_gzip] == []


def test_a_welsh_reader_gets_csv_headings_in_welsh_stored_apart_from_the_english_file(
    client, session, published, renders
):
    english = client.get("/open-data/responses.csv").content.decode("utf-8-sig")
    welsh = client.get("/open-data/responses.csv?lang=cy").content.decode("utf-8-sig")
    assert english.startswith("organisation,organisation_slug,organisation_type,")
    assert welsh.startswith("sefydliad,dynodydd_sefydliad,math_sefydliad,")
    assert welsh.splitlines()[1:] == english.splitlines()[1:], "the same rows, only the headings differ"
    assert client.get("/open-data/responses.csv?lang=cy").content.decode("utf-8-sig") == welsh
    assert renders["table"] == 2, "each language rendered once and stored"
    assert client.get("/open-data/responses.json?lang=cy").json()["title"] == "Ymatebion"
