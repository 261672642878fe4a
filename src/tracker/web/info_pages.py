"""The pages a UK public-sector service must have: accessibility statement, cookies and privacy notice.

Their facts come from the running app where they can: the cookies page lists the cookies this app sets (names
from the code that sets them), and who runs the service and how to reach them come from the settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from litestar import Controller, get
from litestar.response import Template

from tracker.accounts.sessions import COOKIE_NAME as SESSION_COOKIE
from tracker.accounts.sessions import LIFETIME as SESSION_LIFETIME
from tracker.accounts.signin import DEVICE_COOKIE
from tracker.translation_review import CatalogueStatus, statuses
from tracker.web import i18n
from tracker.web.handler_types import AnyRequest
from tracker.web.i18n import gettext as _
from tracker.web.templating import page

# When the accessibility statement was written and when the checks it describes were last run (change both when
# it is reviewed).
STATEMENT_PREPARED = dt.date(2026, 11, 28)
STATEMENT_LAST_TESTED = dt.date(2026, 11, 28)


@dataclass(frozen=True)
class CookieInfo:
    name: str
    purpose: str
    expires: str


def service_cookies(request: AnyRequest) -> list[CookieInfo]:
    """Every cookie this app can set, with why and for how long (all are strictly necessary: no consent asked)."""
    csrf = request.app.csrf_config
    hours = int(SESSION_LIFETIME.total_seconds() // 3600)
    cookies = [
        CookieInfo(
            SESSION_COOKIE,
            _("Keeps you signed in. Only set when you sign in."),
            _("%(hours)s hours after you sign in, or when you sign out", hours=hours),
        ),
        CookieInfo(
            DEVICE_COOKIE,
            _(
                "Recognises this browser as one you have signed in with, so that sign-in stays open to you while "
                "others are locked out for guessing your password. Only set when you sign in."
            ),
            _("1 year after you last signed in"),
        ),
    ]
    if csrf is not None:
        cookies.insert(
            1,
            CookieInfo(
                csrf.cookie_name,
                _("Protects your forms: it proves that what you submit was sent from this site, not another one."),
                _("When you close your browser"),
            ),
        )
    return cookies


class InfoPagesController(Controller):
    include_in_schema = False

    @get("/accessibility", sync_to_thread=True, name="info:accessibility")
    def accessibility(self, request: AnyRequest) -> Template:
        return _info_page(
            request,
            "accessibility",
            prepared_on=STATEMENT_PREPARED,
            last_tested_on=STATEMENT_LAST_TESTED,
            translation=translation_review_of(request),
        )

    @get("/cookies", sync_to_thread=True, name="info:cookies")
    def cookies(self, request: AnyRequest) -> Template:
        return _info_page(request, "cookies", cookies=service_cookies(request))

    @get("/privacy", sync_to_thread=True, name="info:privacy")
    def privacy(self, request: AnyRequest) -> Template:
        return _info_page(request, "privacy", session_hours=int(SESSION_LIFETIME.total_seconds() // 3600))


def translation_review_of(request: AnyRequest) -> CatalogueStatus | None:
    """How much of this page's language awaits review by a speaker of it (None in English, the source)."""
    locale = i18n.locale_of(request)
    if locale == i18n.DEFAULT_LOCALE:
        return None
    return next((s for s in statuses(request.app.state.settings.translations_dir) if s.locale == locale), None)


def _info_page(request: AnyRequest, name: str, **context: Any) -> Template:
    """The page ``info/{name}.html``, which names the service as its settings say."""
    return page(request, f"info/{name}.html", settings=request.app.state.settings, **context)
