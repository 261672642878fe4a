"""HEAD answers as GET without the body (RFC 9110, 9.3.2), for every page and download that answers GET.

Litestar routes HEAD only to handlers declared for it, and refuses HEAD on handlers that return a body, so link
checkers, caches and monitors got 405 from the public pages and open data. The request is routed as a GET, and
the body is dropped on the way out; the status and headers (Content-Length, ETag, caching) stay those of the GET.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.enums import ScopeType

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send


def head_as_get(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so a HEAD request runs as GET and its response body is not sent."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return

        body_sent = False

        async def send_without_body(message: Message) -> None:
            nonlocal body_sent
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False) and not body_sent:
                body_sent = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        as_get: HTTPScope = {**scope, "method": "GET"}
        await app(as_get, receive, send_without_body)

    return handle


def answer_head_as_get(app: Litestar) -> Litestar:
    """Install ``head_as_get`` inside the app, around its router (so middleware and error pages see a GET)."""
    app.asgi_handler = head_as_get(app.asgi_handler)
    return app
