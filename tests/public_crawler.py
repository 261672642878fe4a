"""A crawler of the public site for tests: everything a person who is not signed in can reach by following links.

It starts at the home page (and any extra start paths), follows every same-site link found in HTML (``href``),
the Atom feed and the open-data files (absolute addresses under the site's public URL), and keeps every
response. Pages added later are covered as soon as something public links to them. Responses that send people
to sign in, or refuse them, are recorded but not followed.
"""

from __future__ import annotations

import html
import re
from collections import deque
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

HREF = re.compile(r"""href=["']([^"']+)["']""")
ABSOLUTE = re.compile(r"""https?://[^\s"'<>,\\]+""")
SKIP_PREFIXES = ("/static/",)


@dataclass
class Fetched:
    path: str
    status: int
    content_type: str
    text: str  # the body (decoded leniently) and the response headers, so names in headers are checked too


def _links(base_path: str, body: str, public_url: str) -> set[str]:
    found = set()
    for raw in HREF.findall(body):
        found.add(urljoin(base_path, html.unescape(raw)))
    for absolute in ABSOLUTE.findall(body):
        if absolute.startswith(public_url + "/"):
            found.add(absolute[len(public_url) :])
    paths = set()
    for link in found:
        link, _ = urldefrag(link)
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, mailto: and the like
        if parts.path.startswith(SKIP_PREFIXES):
            continue
        paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def crawl(client, public_url: str, start: tuple[str, ...] = ("/",), limit: int = 5000) -> dict[str, Fetched]:
    """Every public page, download and feed reachable from ``start``, as someone who is not signed in."""
    seen: dict[str, Fetched] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path, follow_redirects=False)
        content_type = response.headers.get("content-type", "")
        body = response.content.decode("utf-8", errors="replace")
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        seen[path] = Fetched(path, response.status_code, content_type, body + "\n" + headers)
        if response.status_code == 200 and not content_type.startswith(("image/", "font/")):
            queue.extend(p for p in _links(path, body, public_url) if p not in seen)
    return seen
