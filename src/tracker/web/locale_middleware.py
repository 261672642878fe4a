"""``LocaleMiddleware``: each request's language (``tracker.web.i18n``), kept by the redirects it answers with.

Apart from ``tracker.web.i18n`` so that the models and the ``tracker`` command, which use its ``gettext``, do not
import the web framework (tests/unit/test_start_up.py).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from tracker.web.i18n import DEFAULT_LOCALE, catalogues_of, locale_of, localise_url, translations_in_use

# Response headers that send the browser to another address of ours: the language goes along.
_REDIRECT_HEADERS = ("location", "hx-redirect", "hx-location")


class LocaleMiddleware(ASGIMiddleware):
    """Chooses each request's locale and makes its translations current while the request is handled.

    A redirect to an address of ours keeps the language (``Location``, and htmx's ``HX-Redirect`` and
    ``HX-Location``), so a form posted in Welsh lands on a Welsh page. No cookie is set: the address carries it.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        catalogues = catalogues_of(connection)
        locale = locale_of(connection)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name in _REDIRECT_HEADERS:
                    if (value := headers.get(name)) is not None:
                        headers[name] = localise_url(value, locale)
            await send(message)

        with translations_in_use(catalogues.translations(locale)):
            await next_app(scope, receive, send if locale == DEFAULT_LOCALE else send_with_language)
