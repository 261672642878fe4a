"""Public pages about recommendation sets."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlmodel import Session

from tracker.recommendations.services import set_views
from tracker.web.templating import page


class HomeController(Controller):
    """The public landing page."""

    include_in_schema = False

    @get("/", sync_to_thread=True, name="home")
    def home(self, request: Request[Any, Any, Any], db: NamedDependency[Session]) -> Template:
        """The recommendation sets and their recommendations, with how far each is confirmed."""
        return page(request, "home.html", sets=set_views(db))
