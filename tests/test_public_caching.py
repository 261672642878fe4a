"""Public pages, downloads and the feed carry validators derived from the data, and answer 304 when unchanged."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.conftest import sign_in
from tests.test_public import published  # noqa: F401  (fixture)
from tracker.organisations.services import get_by_slug
from tracker.plans.publication import publish_plan
from tracker.recommendations.models import Recommendation

PAGES = [
    "/",
    "/recommendations",
    "/recommendations/test-report/1",
    "/organisations",
    "/organisations/kent",
    "/organisations/gwent",
    "/open-data",
]
DATA = ["/open-data/responses.csv", "/open-data/evidence.json", "/open-data/publications.atom"]


def every_url(published) -> list[str]:  # noqa: F811
    return PAGES + DATA + [f"/organisations/kent/evidence/{published.file.id}"]


def test_every_public_response_carries_validators_and_a_cache_policy(client, published):  # noqa: F811
    for url in every_url(published):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["etag"].startswith('"'), url
        assert response.headers["last-modified"].endswith("GMT"), url
        assert response.headers["cache-control"], url
        assert len(response.headers.get_list("etag")) == 1, url


def test_pages_are_private_and_data_may_be_shared(client, published):  # noqa: F811
    assert client.get("/organisations/kent").headers["cache-control"] == "private, no-cache"
    for url in [*DATA, f"/organisations/kent/evidence/{published.file.id}"]:
        response = client.get(url)
        assert response.headers["cache-control"].startswith("public"), url
        assert "set-cookie" not in response.headers, f"{url} must not set a cookie if shared caches keep it"


@pytest.mark.parametrize("header", ["if-none-match", "if-modified-since"])
def test_a_conditional_request_for_unchanged_data_gets_304_without_a_body(client, published, header):  # noqa: F811
    for url in every_url(published):
        first = client.get(url)
        value = first.headers["etag"] if header == "if-none-match" else first.headers["last-modified"]
        again = client.get(url, headers={header: value})
        assert again.status_code == 304, url
        assert again.content == b"", url
        assert again.headers["etag"] == first.headers["etag"], url


def test_validators_are_the_same_in_every_process(app_client_factory, published):  # noqa: F811
    one, two = app_client_factory(), app_client_factory()
    for url in every_url(published):
        etag = one.get(url).headers["etag"]
        assert two.get(url).headers["etag"] == etag, url
        assert two.get(url, headers={"if-none-match": etag}).status_code == 304, url


def test_a_new_publication_changes_the_validators(client, session, published):  # noqa: F811
    before = {url: client.get(url).headers["etag"] for url in PAGES + DATA}
    publish_plan(session, get_by_slug(session, "kent"), published.kent)
    for url, etag in before.items():
        response = client.get(url, headers={"if-none-match": etag})
        assert response.status_code == 200 and response.headers["etag"] != etag, url


def test_an_old_if_modified_since_gets_the_page(client, published):  # noqa: F811
    response = client.get("/organisations/kent", headers={"if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert response.status_code == 200 and "Kent sums up" in response.text
    assert client.get("/organisations/kent", headers={"if-modified-since": "nonsense"}).status_code == 200


def test_people_signed_in_get_their_own_validators(client, published, make_user):  # noqa: F811
    anonymous = client.get("/organisations/kent").headers["etag"]
    sign_in(client, published.kent.email)
    response = client.get("/organisations/kent", headers={"if-none-match": anonymous})
    assert response.status_code == 200, "the signed-in page has other navigation than the cached anonymous one"
    assert response.headers["etag"] != anonymous and response.headers["vary"] == "Cookie"


def test_a_change_to_a_recommendation_changes_the_validators(client, session, published):  # noqa: F811
    etag = client.get("/recommendations/test-report/2").headers["etag"]
    rec = session.exec(select(Recommendation).where(Recommendation.number == "2")).one()
    rec.text, rec.version = "Now known wording, in our own words.", rec.version + 1  # as an edit does
    session.commit()
    response = client.get("/recommendations/test-report/2", headers={"if-none-match": etag})
    assert response.status_code == 200 and "Now known wording" in response.text
