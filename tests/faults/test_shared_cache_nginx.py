"""Through a real shared cache: nginx from Debian with the repository's proxy settings (deploy/tracker-proxy.conf)
in front of `tracker serve`.

Anonymous public pages are stored and served from the cache, open-data files in each encoding clients ask for
(gzip or not: ``Vary: Accept-Encoding``), never gzip to a client that did not ask for it. No signed-in page, no
draft, no form and no response that sets a cookie is ever stored, and someone signed in never gets the anonymous
copy. Every file in nginx's cache is read at the end: each must be a public response without a cookie, and none
may hold what only someone signed in sees. Skipped, saying why, when nginx is not installed (.ci/run installs it).
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support.accounts import USER_PASSWORD
from tests.support.plans import response_of
from tests.support.servers import Server
from tests.support.web import TEST_SECRET
from tracker.settings import PROJECT_ROOT

pytestmark = pytest.mark.commits  # a real server reads what the test commits

_spec = importlib.util.spec_from_file_location("nginx_cache", PROJECT_ROOT / "bench" / "nginx_cache.py")
assert _spec is not None and _spec.loader is not None
nginx_cache = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nginx_cache)

DRAFT = "zqxdraftnotpublishedqxz"


@pytest.fixture
def proxy(database_url, tmp_path, published) -> Iterator[object]:
    if nginx_cache.nginx_binary() is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light; .ci/run installs it)")
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    server = Server(env, tmp_path / "server.log")
    server.start()
    try:
        with nginx_cache.Nginx(tmp_path / "nginx", [server.port]) as nginx:
            yield nginx
    finally:
        server.stop()


def signed_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    client.get("/sign-in")
    answer = client.post(
        "/sign-in", data={"email": email, "password": USER_PASSWORD, "_csrf_token": client.cookies["csrftoken"]}
    )
    assert answer.status_code == 303, answer.text
    return client


def test_public_pages_are_served_from_the_cache_and_nothing_private_is_ever_stored(proxy, session, published):
    pages = ["/", "/recommendations", "/recommendations/test-report/1", "/organisations", "/organisations/kent"]
    public = [*pages, "/open-data/responses.csv", "/open-data/updates.json", "/open-data/publications.atom"]
    anonymous = httpx.Client(base_url=proxy.base, timeout=30, follow_redirects=False)
    for url in public:
        first, second = anonymous.get(url), anonymous.get(url)
        assert first.status_code == second.status_code == 200, url
        assert second.headers["x-cache-status"] == "HIT", f"{url} is served by the cache"
        assert "set-cookie" not in first.headers, url
    for url in [
        "/open-data/evidence.csv",
        "/open-data/evidence.json",
        f"/organisations/kent/evidence/{published.file.id}",
    ]:
        for _ in range(2):
            answer = anonymous.get(url)
            assert answer.status_code == 200, url
            assert answer.headers["x-cache-status"] != "HIT", f"{url}: a withdrawn file must leave every cache at once"

    editor = signed_in(proxy.base, published.kent.email)
    response_id = response_of(session, "kent", "1.1").id
    session.commit()
    draft = editor.post(
        f"/plan/responses/{response_id}/updates",
        data={"text": DRAFT, "visibility": "public", "_csrf_token": editor.cookies["csrftoken"]},
    )
    assert draft.status_code in (200, 303), draft.text
    for url in [*pages, "/plan/kent", f"/plan/responses/{response_id}", "/account/password"]:
        for _ in range(2):
            page = editor.get(url)
            assert page.status_code == 200, url
            assert page.headers["x-cache-status"] != "HIT", f"{url}: someone signed in never gets a stored copy"
            assert "Sign out" in page.text, url
    assert DRAFT in editor.get(f"/plan/responses/{response_id}").text

    for url in ["/sign-in", "/no-such-page", "/organisations/nowhere", "/plan/kent"]:
        for _ in range(2):
            fresh = httpx.Client(base_url=proxy.base, timeout=30, follow_redirects=False)  # no cookie at all
            answer = fresh.get(url)
            assert answer.headers["x-cache-status"] != "HIT", f"{url} ({answer.status_code}) is never stored"
    for url in public:
        page = anonymous.get(url)
        assert page.headers["x-cache-status"] == "HIT" and "Sign out" not in page.text and DRAFT not in page.text

    stored = proxy.stored()
    keys = sorted(re.search(r"\nKEY: http[^/]*(/\S*)", entry).group(1) for entry in stored)  # $scheme$host$uri
    assert keys == sorted(public), "exactly the anonymous public pages and the open data without files are stored"
    for entry in stored:
        head = entry.split("\r\n\r\n", 1)[0].lower()
        assert "cache-control: public" in head and "set-cookie" not in head
        assert "sign out" not in entry.lower() and DRAFT not in entry and "csrftoken" not in entry


# Clients as they come: a browser, a script that asks for gzip, and three that must get the file unencoded.
ENCODINGS = {
    "gzip, deflate, br": True,
    "gzip": True,
    "identity": False,
    "gzip;q=0": False,
    None: False,  # no Accept-Encoding at all
}


def raw_get(base: str, url: str, accept_encoding: str | None, **headers: str) -> tuple[httpx.Response, bytes]:
    """A request with exactly this Accept-Encoding (or none), and the body as sent, before any decoding."""
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        del client.headers["accept-encoding"]
        if accept_encoding is not None:
            client.headers["accept-encoding"] = accept_encoding
        with client.stream("GET", url, headers=headers) as response:
            return response, b"".join(response.iter_raw())


def test_the_cache_keeps_each_encoding_apart_and_never_sends_gzip_unasked(proxy, published):
    urls = ["/open-data/updates.csv", "/open-data/responses.json?lang=cy", "/open-data/publications.atom"]
    for url in urls:
        plain = raw_get(proxy.base, url + ("&" if "?" in url else "?") + "fresh=1", "identity")[1]  # not stored
        etags: dict[bool, str] = {}
        for turn in range(3):  # in turns, so that each encoding follows the other in the cache
            for accept_encoding, zipped in ENCODINGS.items():
                response, body = raw_get(proxy.base, url, accept_encoding)
                assert response.status_code == 200, (url, accept_encoding)
                assert response.headers.get("content-encoding") == ("gzip" if zipped else None), (url, accept_encoding)
                assert (gzip.decompress(body) if zipped else body) == plain, (url, accept_encoding)
                assert "accept-encoding" in response.headers["vary"].lower(), url
                assert etags.setdefault(zipped, response.headers["etag"]) == response.headers["etag"]
                if turn:
                    assert response.headers["x-cache-status"] == "HIT", (url, accept_encoding, turn)
        assert etags[True] != etags[False], url
        for accept_encoding, zipped in ENCODINGS.items():
            again, body = raw_get(proxy.base, url, accept_encoding, **{"if-none-match": etags[zipped]})
            assert again.status_code == 304 and body == b"", (url, accept_encoding)
    stored = proxy.stored()
    for url in urls:
        kept = [entry for entry in stored if re.search(rf"\nKEY: http[^/]*{re.escape(url)}\n", entry)]
        assert len(kept) == len({value or "" for value in ENCODINGS}), f"{url}: one copy per Accept-Encoding"
        encoded = [entry for entry in kept if "\r\ncontent-encoding: gzip" in entry.split("\r\n\r\n", 1)[0].lower()]
        assert len(encoded) == 2, f"{url}: gzip only for the two clients that asked"
