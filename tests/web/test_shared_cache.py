"""Public pages a shared cache can hold (tracker.web.cache_policy, tracker.public.caching): anonymous public pages
set no cookie and say ``public``; every response that sets a cookie, every signed-in page, form and error says
``private``. tests/faults/test_shared_cache_nginx.py proves it through a real nginx cache in front of a server.
"""

from __future__ import annotations

from tests.support.accounts import sign_in
from tests.support.public_crawler import crawl
from tests.support.web import csrf_headers
from tracker.web.cache_policy import shared_cache_rules

SHARED = "public, max-age=60, stale-while-revalidate=300"
PRIVATE = "private, no-cache"


def test_no_page_anyone_can_reach_without_signing_in_sets_a_cookie_but_the_sign_in_form(client, settings, published):
    pages = crawl(client, settings.public_url)
    assert len(pages) > 10
    cookies = {}
    for path in pages:
        client.cookies.clear()
        response = client.get(path, follow_redirects=False)
        if "set-cookie" in response.headers:
            cookies[path] = response.headers["set-cookie"].split("=")[0]
            assert response.headers["cache-control"] == PRIVATE, path
    assert cookies == {"/sign-in": "csrftoken", "/sign-in?lang=cy": "csrftoken"}  # the form, in each language


def test_anonymous_public_pages_may_be_kept_by_a_shared_cache(client, published):
    for url in ["/", "/recommendations", "/recommendations/test-report/1", "/organisations", "/organisations/kent"]:
        response = client.get(url)
        assert response.headers["cache-control"] == SHARED, url
        assert response.headers["vary"] == "Cookie", url
        assert response.headers["etag"] and "set-cookie" not in response.headers, url
        again = client.get(url, headers={"if-none-match": response.headers["etag"]})
        assert again.status_code == 304 and again.headers["cache-control"] == SHARED, url


def test_signed_in_pages_forms_and_errors_are_private(client, published):
    assert client.get("/sign-in").headers["cache-control"] == PRIVATE
    assert client.get("/no-such-page").headers["cache-control"] == PRIVATE
    assert client.get("/organisations/nowhere").headers["cache-control"] == PRIVATE
    signed_in = sign_in(client, published.kent.email)
    assert "set-cookie" in signed_in.headers and signed_in.headers["cache-control"] == PRIVATE
    for url in ["/", "/organisations/kent", "/plan/kent", "/plan", "/account/password"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == PRIVATE, url


def test_a_form_posted_after_a_public_page_still_gets_its_token(client, published):
    """The sign-in page sets the cookie its form needs, also when the visitor came from a public page."""
    client.get("/organisations/kent")
    assert "csrftoken" not in client.cookies
    assert sign_in(client, published.kent.email).status_code == 303
    assert client.post("/sign-out", headers=csrf_headers(client)).status_code < 400


def test_a_response_that_sets_a_cookie_is_never_public():
    headers = [(b"cache-control", SHARED.encode()), (b"set-cookie", b"tracker_session=x; Path=/")]
    assert dict(shared_cache_rules(headers, "/recommendations"))[b"cache-control"] == PRIVATE.encode()
    assert dict(shared_cache_rules([], "/plan"))[b"cache-control"] == PRIVATE.encode(), "unsaid is private"
    assert b"cache-control" not in dict(shared_cache_rules([], "/static/app.css")), "static files keep their own"
    vary = [(b"vary", b"Cookie"), (b"vary", b"Accept-Language, Cookie")]
    assert dict(shared_cache_rules(vary, "/"))[b"vary"] == b"Cookie, Accept-Language"
