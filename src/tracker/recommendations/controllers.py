"""Public pages about recommendation sets."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, get

from tracker.public.caching import public_page
from tracker.recommendations.services import set_views
from tracker.web.handler_types import AnyRequest, Db


class HomeController(Controller):
    """The public landing page."""

    include_in_schema = False

    @get("/", sync_to_thread=True, media_type=MediaType.HTML, name="home")
    def home(self, request: AnyRequest, db: Db) -> Any:
        """The recommendation sets and their recommendations, with how far each is confirmed (304 if unchanged)."""
        return public_page(request, db, "home.html", lambda: {"sets": set_views(db)})
