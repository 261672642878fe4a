"""A crawler of the site for tests: everything a person can reach by following links, as whoever the client is
signed in as (nobody, for the public site).

It starts at the home page (and any extra start paths), follows every same-site link found in HTML (``href``),
the Atom feed and the open-data files (absolute addresses under the site's public URL), and keeps every
response. Pages added later are covered as soon as something links to them. Responses that send people to sign
in, or refuse them, are recorded but not followed. Spreadsheets (zip files) are read as the text of their parts,
so what an export holds is searched too.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
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


def _links(base_path: str, body: str, sites: tuple[str, ...]) -> set[str]:
    found = set()
    for raw in HREF.findall(body):
        found.add(urljoin(base_path, html.unescape(raw)))
    for absolute in ABSOLUTE.findall(body):
        for site in sites:
            if absolute.startswith(site + "/"):
                found.add(absolute[len(site) :])
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


def _text_of(content: bytes) -> str:
    """The body as text; for a zip file (an .xlsx export), the text of every part, where its cells are."""
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return "\n".join(archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist())
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", errors="replace")


def crawl(client, public_url: str, start: tuple[str, ...] = ("/",), limit: int = 5000) -> dict[str, Fetched]:
    """Every page, download, feed and export reachable from ``start``, as whoever ``client`` is signed in as.
    Absolute links count at ``public_url`` and at the client's own address (where they point when no public
    address is configured)."""
    sites = (public_url, str(client.base_url).rstrip("/"))
    seen: dict[str, Fetched] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path, follow_redirects=False)
        content_type = response.headers.get("content-type", "")
        body = _text_of(response.content)
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        seen[path] = Fetched(path, response.status_code, content_type, body + "\n" + headers)
        if response.status_code == 200 and not content_type.startswith(("image/", "font/")):
            queue.extend(p for p in _links(path, body, sites) if p not in seen)
    return seen
