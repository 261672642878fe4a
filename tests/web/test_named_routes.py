"""Every page route has a name, every name resolves to its own path, and templates build internal addresses with
``url_for`` instead of spelling them out (so moving a route cannot leave a dead link behind).

The JSON API (``/api``) is reached by programs, not by links in our templates; its handlers are not named here.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from tracker.settings import TEMPLATES_DIR

# Addresses a template may spell out: the vendored front end, the OpenAPI document (Litestar's, named by a hash)
# and, in base.html, the navigation used when a page is rendered without a request (the report file, which has
# no url_for to call).
ALLOWED = {"/static/", "/schema/"}
ALLOWED_IN = {("base.html", "/"), ("base.html", "/sign-in")}
LITERAL_URL = re.compile(r"""(?:\b(?:href|src|action|formaction|hx-[a-z]+)=|"href":\s*)["'](/[^"']*)["']""")
URL_FOR = re.compile(r"""(?:url_for|url_pattern)\(\s*["']([^"']+)["']""")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
SAMPLE = {int: 1, str: "x"}


def page_handlers(app: Litestar) -> list[tuple[str, HTTPRouteHandler, Any]]:
    """(path, handler, route) for every handler the app routes, apart from the API, static files and OpenAPI."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(("/api/", "/static", "/schema")):
            continue
        for handler in route.route_handlers:
            if handler.http_methods != {"OPTIONS"}:
                found.append((route.path, handler, route))
    return found


def test_every_page_route_has_a_name_that_reverses_to_its_path(client) -> None:
    app = client.app
    handlers = page_handlers(app)
    assert len(handlers) > 60
    unnamed = [f"{sorted(h.http_methods)} {path}" for path, h, _ in handlers if not h.name]
    assert unnamed == []
    names = [h.name for _, h, _ in handlers]
    assert len(names) == len(set(names)), "route names are unique"
    for path, handler, route in handlers:
        params = {name: SAMPLE[p.type] for name, p in route.path_parameters.items()}
        expected = re.sub(r"\{(\w+):(\w+)\}", lambda m, given=params: str(given[m.group(1)]), path)
        assert app.route_reverse(handler.name, **params) == expected


def test_templates_name_only_existing_routes_and_spell_out_no_internal_address(client) -> None:
    app = client.app
    names = {h.name for _, h, _ in page_handlers(app)}
    patterns = [
        re.compile(re.sub(r"\\\{\w+:\w+\\\}", "[^/]+", re.escape(path)) + "$") for path, _, _ in page_handlers(app)
    ]
    unknown, spelled_out = [], []
    for template in sorted(TEMPLATES_DIR.rglob("*.html")):
        name = str(template.relative_to(TEMPLATES_DIR))
        text = template.read_text()
        unknown += [f"{name}: {n}" for n in URL_FOR.findall(text) if n not in names]
        for url in LITERAL_URL.findall(text):
            if url.startswith(tuple(ALLOWED)) or (name, url) in ALLOWED_IN:
                continue
            path = re.split(r"[?#]", JINJA.sub("x", url))[0]
            if any(p.match(path) for p in patterns):
                spelled_out.append(f"{name}: {url}")
    assert unknown == []
    assert spelled_out == []
