"""Security headers on every response. The Content-Security-Policy allows this site's scripts and, by its
sha256 hash, the one inline script GOV.UK Frontend's page template renders: a hash is the same on every response,
so a body kept by a browser or a shared cache and the headers of a later ``304`` always agree (a per-request nonce
did not: a revalidated page kept its old nonce under a new policy, and its script was blocked)."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from importlib import resources
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# An inline <script> element of a template (one without src=): its attributes and its text.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def script_hash(text: str) -> str:
    """The CSP source that allows an inline script with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@functools.cache
def inline_script_hashes() -> tuple[str, ...]:
    """The hashes of the inline scripts of GOV.UK Frontend's page template, read from the template itself (so an
    upgrade that changes the script changes the policy with it). Their text must be constant: a script with a
    template expression in it could not be allowed by a hash."""
    template = resources.files("govuk_frontend_jinja").joinpath("templates/template.html").read_text()
    texts = _INLINE_SCRIPT.findall(template)
    if not texts or any("{{" in text or "{%" in text for text in texts):
        raise RuntimeError("GOV.UK Frontend's page template has no constant inline script to allow by its hash")
    return tuple(script_hash(text) for text in texts)


@functools.cache
def content_security_policy() -> str:
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *inline_script_hashes()]),
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


def set_security_headers(headers: Any, *, hsts: bool) -> None:
    """The headers every response carries (also error responses raised before any middleware ran)."""
    if "Content-Security-Policy" not in headers:  # a handler may set a stricter or narrower one (e.g. an SVG)
        headers["Content-Security-Policy"] = content_security_policy()
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


class SecurityHeadersMiddleware(ASGIMiddleware):
    """Adds CSP, nosniff, referrer, framing and (in production) HSTS headers to every HTTP response."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, hsts: bool = False) -> None:
        self.hsts = hsts

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                set_security_headers(headers, hsts=self.hsts)
                single_charset(headers)
            await send(message)

        await next_app(scope, receive, send_with_headers)
