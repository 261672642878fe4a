"""Public pages, downloads and the feed carry validators derived from the data, and answer 304 when unchanged."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from tests.support.accounts import sign_in
from tests.support.html_checks import csp_hash
from tests.support.plans import response_of, something_new_to_publish
from tracker.organisations.services import get_by_slug
from tracker.plans import services
from tracker.plans.publication import publish_plan
from tracker.public import caching
from tracker.public.models import OVERSIGHT_REVISION_KEY, REVISION_KEY, CachedPage
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


def every_url(published) -> list[str]:
    return PAGES + DATA + [f"/organisations/kent/evidence/{published.file.id}"]


def test_every_public_response_carries_validators_and_a_cache_policy(client, published):
    for url in every_url(published):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["etag"].startswith('"'), url
        assert response.headers["last-modified"].endswith("GMT"), url
        assert response.headers["cache-control"], url
        assert len(response.headers.get_list("etag")) == 1, url


def test_head_answers_as_get_without_the_body(client, published):
    """Link checkers, caches and monitors ask HEAD: the same status and headers as GET, no body (not 405)."""
    for url in every_url(published):
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code == 200, url
        assert head.content == b"", url
        for header in ("content-type", "etag", "last-modified", "cache-control"):
            assert head.headers[header] == got.headers[header], (url, header)
        for header in ("content-encoding", "vary"):
            assert head.headers.get(header) == got.headers.get(header), (url, header)
        # As sent: an open-data file is gzipped for this client, and its content is what it decodes to.
        sent = got.num_bytes_downloaded if "content-encoding" in got.headers else len(got.content)
        assert head.headers["content-length"] == str(sent), url
    assert client.head("/no-such-page").status_code == 404


def test_pages_may_be_shared_for_anonymous_visitors_and_data_too(client, published):
    shared = "public, max-age=60, stale-while-revalidate=300"
    page = client.get("/organisations/kent")
    assert page.headers["cache-control"] == shared
    assert page.headers["vary"] == "Cookie" and "set-cookie" not in page.headers
    for url in ["/open-data/responses.csv", "/open-data/publications.atom", "/open-data/updates.json"]:
        response = client.get(url)
        assert response.headers["cache-control"] == shared, f"{url}: held as long as the pages with its figures"
        # The same for everyone, signed in or not; only its encoding follows what the client accepts.
        assert response.headers["vary"] == "Accept-Encoding", f"{url} is the same for everyone, signed in or not"
    evidence = [
        "/open-data/evidence.csv",
        "/open-data/evidence.json",
        f"/organisations/kent/evidence/{published.file.id}",
    ]
    for url in evidence:
        response = client.get(url)
        assert response.headers["cache-control"] == "public, no-cache", f"{url}: a withdrawal must take effect at once"
    for url in [*DATA, *evidence]:
        assert "set-cookie" not in client.get(url).headers, f"{url} must not set a cookie if shared caches keep it"


@pytest.mark.parametrize("header", ["if-none-match", "if-modified-since"])
def test_a_conditional_request_for_unchanged_data_gets_304_without_a_body(client, published, header):
    for url in every_url(published):
        first = client.get(url)
        value = first.headers["etag"] if header == "if-none-match" else first.headers["last-modified"]
        again = client.get(url, headers={header: value})
        assert again.status_code == 304, url
        assert again.content == b"", url
        assert again.headers["etag"] == first.headers["etag"], url


def test_validators_are_the_same_in_every_process(app_client_factory, published):
    one, two = app_client_factory(), app_client_factory()
    for url in every_url(published):
        etag = one.get(url).headers["etag"]
        assert two.get(url).headers["etag"] == etag, url
        assert two.get(url, headers={"if-none-match": etag}).status_code == 304, url


def test_a_new_publication_changes_the_validators(client, session, published):
    before = {url: client.get(url).headers["etag"] for url in PAGES + DATA}
    something_new_to_publish(session, published)
    publish_plan(session, get_by_slug(session, "kent"), published.kent)
    for url, etag in before.items():
        response = client.get(url, headers={"if-none-match": etag})
        assert response.status_code == 200 and response.headers["etag"] != etag, url


def test_an_old_if_modified_since_gets_the_page(client, published):
    response = client.get("/organisations/kent", headers={"if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert response.status_code == 200 and "Kent sums up" in response.text
    assert client.get("/organisations/kent", headers={"if-modified-since": "nonsense"}).status_code == 200


def test_people_signed_in_get_their_own_validators(client, published, make_user):
    anonymous = client.get("/organisations/kent").headers["etag"]
    sign_in(client, published.kent.email)
    response = client.get("/organisations/kent", headers={"if-none-match": anonymous})
    assert response.status_code == 200, "the signed-in page has other navigation than the cached anonymous one"
    assert response.headers["etag"] != anonymous and response.headers["vary"] == "Cookie"


def test_a_change_to_a_recommendation_changes_the_validators(client, session, published):
    etag = client.get("/recommendations/test-report/2").headers["etag"]
    rec = session.exec(select(Recommendation).where(Recommendation.number == "2")).one()
    rec.text, rec.version = "Now known wording, in our own words.", rec.version + 1  # as an edit does
    session.commit()
    response = client.get("/recommendations/test-report/2", headers={"if-none-match": etag})
    assert response.status_code == 200 and "Now known wording" in response.text


# --- stored renderings --------------------------------------------------------------------------------------------

REVISIONS = (REVISION_KEY, OVERSIGHT_REVISION_KEY)


def stored(session) -> list[CachedPage]:
    """The stored renderings (not the revision rows kept in the same table)."""
    session.expire_all()
    return list(session.exec(select(CachedPage).where(col(CachedPage.key).not_in(REVISIONS))))


def tamper(session, text: str) -> None:
    """Mark every stored rendering, so a test can tell a stored page from a fresh one."""
    for row in stored(session):
        row.body = row.body.replace("</main>", f"<p>{text}</p></main>")
    session.commit()


def test_an_anonymous_visitor_gets_the_stored_rendering_until_the_data_changes(client, session, published):
    assert "Kent sums up" in client.get("/organisations/kent").text
    tamper(session, "from the store")
    assert "from the store" in client.get("/organisations/kent").text
    version = str(response_of(session, "kent", "1").version)
    services.update_response(
        session, published.ctx, published.kent, {"status": "complete", "version": version, "summary": "Kent is done"}
    )
    assert "from the store" in client.get("/organisations/kent").text, "a draft changes nothing in public"
    publish_plan(session, get_by_slug(session, "kent"), published.kent)
    page = client.get("/organisations/kent").text
    assert "from the store" not in page and "Kent is done" in page


def test_every_public_page_is_stored_once_whoever_asks(app_client_factory, session, published):
    one, two = app_client_factory(), app_client_factory()
    for client in (one, two, one):
        for url in PAGES:
            assert client.get(url).status_code == 200, url
    assert len(stored(session)) == len(PAGES)
    tamper(session, "from the store")
    for url in PAGES:
        assert "from the store" in two.get(url).text, f"{url}: another process uses the same rendering"


def test_the_stored_page_and_every_later_answer_agree_on_the_script_policy(app_client_factory, session, published):
    """A browser that revalidates keeps its body and takes the 304's headers (RFC 9111 4.3.4): the policy is the same
    on every answer (the inline script is allowed by its hash, not a per-request nonce), so the kept body's script
    still runs."""
    first = app_client_factory().get("/recommendations")
    policy = first.headers["content-security-policy"]
    assert "nonce" not in policy and "nonce=" not in first.text
    [script] = re.findall(r"<script>(.*?)</script>", first.text, re.DOTALL)
    assert csp_hash(script) in policy.split("script-src ")[1].split(";")[0].split()
    for client in (app_client_factory(), app_client_factory()):
        client.get("/recommendations")
        again = client.get("/recommendations")
        revalidated = client.get("/recommendations", headers={"if-none-match": first.headers["etag"]})
        assert revalidated.status_code == 304
        assert again.headers["content-security-policy"] == revalidated.headers["content-security-policy"] == policy
        assert again.text == first.text, "the stored rendering, with nothing per request in it"
        assert "x-csrftoken" not in again.text and "csrftoken" not in client.cookies, "a public page posts nothing"
        [row] = stored(session)
        assert row.csrf_mark not in again.text


def test_people_signed_in_get_their_own_csrf_token_on_public_pages(client, published):
    sign_in(client, published.kent.email)
    response = client.get("/recommendations")
    token = re.search(r"x-csrftoken&#34;: &#34;([^&]+)&#34;", response.text).group(1)
    assert token == client.cookies["csrftoken"] and response.headers["cache-control"] == "private, no-cache"


def test_people_signed_in_never_get_the_stored_rendering(client, session, published):
    client.get("/organisations/kent")
    tamper(session, "from the store")
    sign_in(client, published.kent.email)
    page = client.get("/organisations/kent").text
    assert "from the store" not in page and "Sign out" in page
    assert len(stored(session)) == 1, "nothing is stored for someone signed in"


@pytest.mark.parametrize(
    "url",
    ["/recommendations?utm_source=x", "/recommendations?set=test-report&page=2", "/practice?q=stalking", "/?a=1"],
)
def test_query_parameters_a_page_does_not_use_are_not_stored(client, session, published, url):
    assert client.get(url).status_code == 200
    assert stored(session) == [], "made-up URLs must not fill the table"


def test_the_parameters_a_page_uses_are_stored_apart(client, session, published):
    whole, one_set = client.get("/recommendations").text, client.get("/recommendations?set=test-report").text
    assert len(stored(session)) == 2 and whole != one_set
    assert client.get("/recommendations?set=nonsense").status_code == 404
    assert len(stored(session)) == 2, "a 404 is not stored"


def test_a_page_that_cannot_be_stored_is_still_served(client, session, published, monkeypatch):
    class ReadOnly(caching.Session):
        def exec(self, *args, **kwargs):
            raise OperationalError("INSERT", {}, Exception("attempt to write a readonly database"))

    monkeypatch.setattr(caching, "Session", ReadOnly)
    response = client.get("/organisations/kent")
    assert response.status_code == 200 and "Kent sums up" in response.text
    assert stored(session) == []
