"""Public pages about recommendation sets."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get
from litestar.di import NamedDependency
from sqlmodel import Session

from tracker.public.caching import public_page
from tracker.recommendations.services import set_views


class HomeController(Controller):
    """The public landing page."""

    include_in_schema = False

    @get("/", sync_to_thread=True, media_type=MediaType.HTML, name="home")
    def home(self, request: Request[Any, Any, Any], db: NamedDependency[Session]) -> Any:
        """The recommendation sets and their recommendations, with how far each is confirmed (304 if unchanged)."""
        return public_page(request, db, "home.html", lambda: {"sets": set_views(db)})
