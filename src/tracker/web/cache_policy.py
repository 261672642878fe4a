"""What a shared cache (a reverse proxy, a CDN) may keep: anonymous public pages, and nothing else of ours.

Public pages are ``Cache-Control: public`` for anonymous visitors (tracker.public.caching), so a cache in front
can absorb a surge. For that to be safe and to work, every response passes three rules on its way out:

1. The CSRF cookie is set only when the page uses its token (a form that posts, or htmx for someone signed in).
   Litestar's CSRF middleware sets it on every GET that arrives without one; a page that does not carry the token
   does not need it, and a cookie would stop any cache from keeping the page.
2. A response that sets any cookie is never shared: ``private, no-cache``, whatever it said before.
3. A response that says nothing is ``private, no-cache`` (signed-in pages, forms, drafts, errors), so a cache told
   to keep what it is not told about keeps nothing of ours either. (Static files keep their own rules.)

``Vary`` is written once per name (the language middleware and the page may both name ``Cookie``).
"""

from __future__ import annotations

from typing import Any, cast

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

PRIVATE = b"private, no-cache"


def _headers(message: Message) -> list[tuple[bytes, bytes]]:
    return list(cast("list[tuple[bytes, bytes]]", message.get("headers") or []))


def fresh_csrf_token(headers: list[tuple[bytes, bytes]], cookie_name: str) -> str | None:
    """The token of the CSRF cookie this response sets, if it sets one."""
    prefix = cookie_name.encode() + b"="
    for name, value in headers:
        if name.lower() == b"set-cookie" and value.startswith(prefix):
            return value[len(prefix) :].split(b";", 1)[0].decode("latin-1")
    return None


def without_cookie(headers: list[tuple[bytes, bytes]], cookie_name: str) -> list[tuple[bytes, bytes]]:
    prefix = cookie_name.encode() + b"="
    return [(n, v) for n, v in headers if not (n.lower() == b"set-cookie" and v.startswith(prefix))]


def shared_cache_rules(headers: list[tuple[bytes, bytes]], path: str) -> list[tuple[bytes, bytes]]:
    """Rules 2 and 3 above, and one ``Vary``."""
    names = {name.lower() for name, _ in headers}
    kept = [(n, v) for n, v in headers if n.lower() not in (b"cache-control", b"vary")]
    cache_control = next((v for n, v in headers if n.lower() == b"cache-control"), None)
    if b"set-cookie" in names or (cache_control is None and not path.startswith("/static/")):
        cache_control = PRIVATE
    if cache_control is not None:
        kept.append((b"cache-control", cache_control))
    varies: list[str] = []
    for name, value in headers:
        if name.lower() == b"vary":
            for item in value.decode("latin-1").split(","):
                if item.strip() and item.strip().lower() not in (v.lower() for v in varies):
                    varies.append(item.strip())
    if varies:
        kept.append((b"vary", ", ".join(varies).encode("latin-1")))
    return kept


class CachePolicyMiddleware(ASGIMiddleware):
    """Applies the rules above to every HTTP response (see the module)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        csrf = scope["litestar_app"].csrf_config
        cookie_name = csrf.cookie_name if csrf is not None else ""
        path = scope.get("path", "")
        held: dict[str, Any] = {}

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _headers(message)
                token = fresh_csrf_token(headers, cookie_name) if cookie_name else None
                if token is not None and _is_html(headers):
                    held.update(start=message, token=token, body=[])  # decided once the body is known
                    return
                if token is not None:  # not a page: it cannot carry the token
                    headers = without_cookie(headers, cookie_name)
                message["headers"] = shared_cache_rules(headers, path)
                await send(message)
            elif held and message["type"] == "http.response.body":
                held["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(held["body"])
                start, headers = held["start"], _headers(held["start"])
                if held["token"].encode() not in body:
                    headers = without_cookie(headers, cookie_name)
                start["headers"] = shared_cache_rules(headers, path)
                held.clear()
                await send(start)
                await send({"type": "http.response.body", "body": body, "more_body": False})
            else:
                await send(message)

        await next_app(scope, receive, send_with_policy)


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)
