"""A Welsh reader stays in Welsh: every link of every page of tests/support/pages.py read in Welsh, and of every
public page reachable from them, carries ``lang=cy`` (anonymous pages set no cookie, so a link that drops it lands
on the English page). Only the static files and the API's description are language-neutral, and the
language switch (``hreflang="en"``) leaves Welsh on purpose."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qs, urldefrag, urljoin, urlsplit

import pytest

from tests.support.pages import PAGES, Page

NEUTRAL = ("/static/", "/schema/")  # the front end's files; the API's machine-readable description


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        href = a.get("href")
        # A link that says it leads to another language (the language switch) is meant to leave Welsh.
        if tag == "a" and href and a.get("hreflang") in (None, "cy"):
            self.hrefs.append(href)


def internal_links(base: str, html: str) -> list[str]:
    """The site's own addresses the page's ``<a href>`` point to (resolved against ``base``, fragment dropped)."""
    reader = _Anchors()
    reader.feed(html)
    found = []
    for href in reader.hrefs:
        link, _fragment = urldefrag(urljoin(base, href))
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(NEUTRAL):
            continue
        if href.startswith("#"):
            continue  # a link within the page keeps its address
        found.append(link)
    return found


def without_welsh(base: str, html: str) -> list[str]:
    return dropping_welsh(internal_links(base, html))


def dropping_welsh(links: list[str]) -> list[str]:
    return [link for link in links if parse_qs(urlsplit(link).query).get("lang") != ["cy"]]


def test_the_check_finds_a_link_that_drops_the_language():
    html = (
        '<a href="/recommendations/s/7">7</a><a href="/x?lang=cy">x</a><a href="#top">top</a><a href="/static/a.css">'
    )
    html += '<a href="/organisations/kent" hreflang="en">English</a>'
    assert without_welsh("/organisations/kent?lang=cy", html) == ["/recommendations/s/7"]


def _welsh(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "lang=cy"


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_every_link_of_a_page_in_welsh_keeps_the_language(demo_site, spec: Page):
    response = demo_site.open(spec, lang="cy")
    assert response.status_code == spec.status
    assert without_welsh(_welsh(spec.url(demo_site.ids)), response.text) == []


def test_every_link_of_every_public_page_reachable_in_welsh_keeps_the_language(demo_site):
    client = demo_site.client(None)
    queue = deque(_welsh(p.url(demo_site.ids)) for p in PAGES if p.account is None and p.submit is None)
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    while queue:
        url = queue.popleft()
        # A few pages of each kind (the path without its last part) reach every page there is, in a test's time.
        if url in seen or kinds.get(_kind(url), 0) >= 3:
            continue
        seen.add(url)
        kinds[_kind(url)] = kinds.get(_kind(url), 0) + 1
        response = client.get(url, follow_redirects=False)
        if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        links = internal_links(url, response.text)
        dropped = dropping_welsh(links)  # the page read once, not again for the links that drop Welsh
        if dropped:
            problems[url] = sorted(set(dropped))
        queue.extend(link for link in links if link not in dropped)
    assert len(seen) > 20
    assert problems == {}, "\n".join(f"{page}: {links}" for page, links in problems.items())


def _kind(url: str) -> str:
    path = urlsplit(url).path
    return path.rsplit("/", 1)[0] + "/*" if path.count("/") > 1 else path
