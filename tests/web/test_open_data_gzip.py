"""Open-data files and the feed go gzipped to the clients that accept it, and unencoded to the others: the same
file either way, each encoding with its own ETag, ``Vary: Accept-Encoding``, 304s for both
(``tracker.public.caching.public_download``, ``tracker.public.encoding``)."""

from __future__ import annotations

import gzip

import pytest

from tests.support.open_data import FILES
from tracker.public.encoding import accepts_gzip

GZIP = {"accept-encoding": "gzip, deflate"}
PLAIN = {"accept-encoding": "identity"}
URLS = [*FILES, *(f"{url}?lang=cy" for url in FILES)]


def sent(client, url: str, headers: dict[str, str], method: str = "GET"):
    """The response and its body as sent, before any decoding."""
    with client.stream(method, url, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def fresh(client, url: str) -> bytes:
    """The file rendered afresh by the app: a query parameter it does not use means nothing is stored or read."""
    response = client.get(url + ("&" if "?" in url else "?") + "fresh=1", headers=PLAIN)
    assert response.status_code == 200 and "content-encoding" not in response.headers, url
    return response.content


@pytest.mark.parametrize("url", URLS)
def test_both_encodings_are_the_fresh_rendering_byte_for_byte(client, published, url):
    for _ in range(2):  # as rendered and stored, then as read back from the store
        zipped, zipped_body = sent(client, url, GZIP)
        plain, plain_body = sent(client, url, PLAIN)
        assert zipped.status_code == plain.status_code == 200, url
        assert zipped.headers["content-encoding"] == "gzip", url
        assert "content-encoding" not in plain.headers, url
        assert gzip.decompress(zipped_body) == plain_body == fresh(client, url), url
        assert zipped.headers["content-length"] == str(len(zipped_body)) and len(zipped_body) < len(plain_body)
        assert zipped.headers["content-type"] == plain.headers["content-type"], url
        for response in (zipped, plain):
            assert response.headers["vary"] == "Accept-Encoding", url
        assert zipped.headers["etag"] != plain.headers["etag"], f"{url}: each encoding has its own strong ETag"
        assert not zipped.headers["etag"].startswith("W/") and not plain.headers["etag"].startswith("W/")


def test_one_rendering_serves_both_encodings(client, published, renders):
    for url in FILES:
        for headers in (GZIP, PLAIN, GZIP, PLAIN):
            assert client.get(url, headers=headers).status_code == 200, url
    assert sum(renders.values()) == len(FILES), "each file is rendered once, and stored in both encodings"


@pytest.mark.parametrize("url", ["/open-data/actions.csv", "/open-data/publications.atom?lang=cy"])
def test_a_conditional_request_gets_304_in_either_encoding_naming_the_copy_it_confirms(client, published, url):
    etags = {name: client.get(url, headers=headers).headers["etag"] for name, headers in (("gz", GZIP), ("id", PLAIN))}
    for headers in (GZIP, PLAIN):
        for etag in etags.values():
            again = client.get(url, headers={**headers, "if-none-match": etag})
            assert again.status_code == 304 and again.content == b"", (url, headers, etag)
            assert again.headers["etag"] == etag and again.headers["vary"] == "Accept-Encoding"
        both = client.get(url, headers={**headers, "if-none-match": f"{etags['gz']}, {etags['id']}"})
        assert both.headers["etag"] == (etags["gz"] if headers is GZIP else etags["id"]), "its own, when both match"
        stale = client.get(url, headers={**headers, "if-none-match": '"0123456789abcdef0123456789abcdef"'})
        assert stale.status_code == 200 and stale.content
    since = client.get(url, headers={**PLAIN, "if-modified-since": client.get(url).headers["last-modified"]})
    assert since.status_code == 304 and since.headers["etag"] == etags["id"]


@pytest.mark.parametrize("headers", [GZIP, PLAIN])
def test_head_answers_as_get_in_each_encoding(client, published, headers):
    for url in ["/open-data/actions.csv", "/open-data/updates.csv?lang=cy", "/open-data/publications.atom"]:
        got, body = sent(client, url, headers)
        head, nothing = sent(client, url, headers, method="HEAD")
        assert head.status_code == got.status_code == 200 and nothing == b"", url
        for header in ("content-type", "content-encoding", "content-length", "etag", "vary", "cache-control"):
            assert head.headers.get(header) == got.headers.get(header), (url, header)
        assert head.headers["content-length"] == str(len(body)), url


@pytest.mark.parametrize(
    "accept_encoding",
    ["gzip;q=0", "gzip; q=0.000", "GZIP;Q=0", "deflate, br", "identity", "*;q=0", "gzip;q=0, *", "gzip;q=nonsense"],
)
def test_a_client_that_does_not_accept_gzip_gets_the_file_unencoded(client, published, accept_encoding):
    for url in ["/open-data/actions.csv", "/open-data/actions.csv?lang=cy"]:
        client.get(url)  # stored, and served gzipped to this client's default "gzip, deflate"
        response, body = sent(client, url, {"accept-encoding": accept_encoding})
        assert response.status_code == 200 and "content-encoding" not in response.headers, accept_encoding
        assert body == fresh(client, url)


def test_a_client_that_sends_no_accept_encoding_gets_the_file_unencoded(client, published):
    del client.headers["accept-encoding"]
    response, body = sent(client, "/open-data/responses.json", {})
    assert "content-encoding" not in response.headers and body == fresh(client, "/open-data/responses.json")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("x-gzip", True),
        ("*", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("gzip;q=0.5, identity;q=0.5", True),
        ("gzip;q=1, *;q=0", True),
        (None, False),
        ("", False),
        (",,;", False),
        ("identity", False),
        ("deflate, br", False),
        ("gzip;q=0", False),
        ("gzip;q=0.", False),
        ("gzip ; Q = 0.0", False),
        ("gzip;q=1.5", False),
        ("gzip;q=-1", False),
        ("gzip;q=0.0001", False),
        ("gzip, gzip;q=0", False),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=0.5, identity", False),
        ("gzip;q=0.5, *;q=0.1, identity;q=0.9", False),
        ("gzipped", False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_writes_it(header, expected):
    assert accepts_gzip(header) is expected
