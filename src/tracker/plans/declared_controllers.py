"""Declared responses for coordinators and admins (``tracker.plans.declarations``): the list, and an admin's
action that makes a recommendation's declaring organisations its addressees."""

from __future__ import annotations

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from tracker.permissions import Permission, can
from tracker.plans.declarations import adopt_declarations, declared_recommendations
from tracker.recommendations.models import Recommendation
from tracker.reports.figures import declared_count
from tracker.web.guards import SignedInPages, needs
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.templating import page


class DeclaredController(SignedInPages):
    path = "/"

    @get("/oversight/declared", sync_to_thread=True, name="declared:index", opt=needs(Permission.VIEW_OVERSIGHT))
    def index(self, request: AnyRequest, db: Db) -> Template:
        """Every recommendation organisations declared they answer, with who declared it."""
        return page(
            request,
            "plans/declared.html",
            declared=declared_recommendations(db),
            total=declared_count(db),
            can_adopt=can(request.user, Permission.MANAGE_RECOMMENDATIONS),
        )

    @post(
        "/admin/recommendations/{rec_id:int}/adopt-declared",
        sync_to_thread=True,
        name="declared:adopt",
        opt=needs(Permission.MANAGE_RECOMMENDATIONS),
    )
    def adopt(self, request: AnyRequest, db: Db, rec_id: FromPath[int]) -> Redirect:
        """The organisations that declared the recommendation become its addressees."""
        rec = db.get(Recommendation, rec_id)
        if rec is None or rec.parent_id is not None:
            raise NotFoundException()
        result = adopt_declarations(db, rec, request.user)
        done = f"?adopted={rec.number}" if result.changed else ""
        return Redirect(request.app.route_reverse("declared:index") + done, status_code=303)
