"""Security headers on every response, with a fresh Content-Security-Policy nonce per request."""

from __future__ import annotations

import secrets
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def set_security_headers(headers: Any, nonce: str, *, hsts: bool) -> None:
    """The headers every response carries (also error responses raised before any middleware ran)."""
    if "Content-Security-Policy" not in headers:  # a handler may set a stricter or narrower one (e.g. an SVG)
        headers["Content-Security-Policy"] = content_security_policy(nonce)
    elif "frame-ancestors" not in headers["Content-Security-Policy"]:  # default-src does not cover framing
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"] + "; frame-ancestors 'none'"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if hsts:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


def single_charset(headers: Any) -> None:
    """Say the charset once: Litestar adds ``; charset=utf-8`` to every text/* media type, also to one that (like
    a CSV download's or a stored evidence file's) already names it, and some clients refuse the doubled header."""
    content_type = headers.get("content-type")
    if content_type and content_type.lower().count("charset=") > 1:
        media_type, *parameters = [part.strip() for part in content_type.split(";")]
        kept: list[str] = []
        for parameter in parameters:
            if parameter.lower().startswith("charset=") and any(p.lower().startswith("charset=") for p in kept):
                continue
            kept.append(parameter)
        headers["content-type"] = "; ".join([media_type, *kept])


def ensure_nonce(scope: Scope) -> str:
    """This request's CSP nonce, creating it if no middleware has yet (e.g. a 404 from routing)."""
    state = scope.setdefault("state", {})
    if "csp_nonce" not in state:
        state["csp_nonce"] = secrets.token_urlsafe(18)
    return state["csp_nonce"]


class SecurityHeadersMiddleware(ASGIMiddleware):
    """Adds CSP, nosniff, referrer, framing and (in production) HSTS headers to every HTTP response."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, hsts: bool = False) -> None:
        self.hsts = hsts

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        nonce = ensure_nonce(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                set_security_headers(headers, nonce, hsts=self.hsts)
                single_charset(headers)
            await send(message)

        await next_app(scope, receive, send_with_headers)
