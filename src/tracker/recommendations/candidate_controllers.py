"""The admin's candidate wordings and addressees (``tracker.recommendations.candidates``): the recommendations
that have some, each one's candidates grouped by identical text, and accepting one as a new version."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlmodel import Session

from tracker.db import StaleRecord
from tracker.inputs import InputError, parse_id
from tracker.organisations.services import addressee_names
from tracker.recommendations.admin_controllers import (
    RecommendationForm,
    RecommendationsAdminPages,
    UrlEncoded,
    _recommendation,
    recommendation_page,
)
from tracker.recommendations.candidates import accept_candidate, candidate_groups, recommendations_with_candidates
from tracker.web.forms import Form
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_
from tracker.web.templating import page

STALE = N_("Someone changed this recommendation since you opened the page: check the candidates again")


class CandidatesController(RecommendationsAdminPages):
    @get("/candidates", sync_to_thread=True, name="candidates:index")
    def index(self, request: AnyRequest, db: Db) -> Template:
        """Every recommendation whose wording or addressees organisations' plans quote."""
        return page(request, "recommendations/candidates_index.html", found=recommendations_with_candidates(db))

    @get("/{rec_id:int}/candidates", sync_to_thread=True, name="candidates:recommendation")
    def show(self, request: AnyRequest, db: Db, rec_id: FromPath[int]) -> Template:
        """A recommendation's candidates, grouped by identical normalised text, with who quotes each."""
        rec, rec_set = _recommendation(db, rec_id)
        return _page(request, db, (rec, rec_set, Form(values={"version": str(rec.version)})))

    @post("/{rec_id:int}/candidates", sync_to_thread=True, name="candidates:accept")
    def accept(self, request: AnyRequest, db: Db, rec_id: FromPath[int], data: UrlEncoded) -> Template | Redirect:
        """Accept the chosen candidate: a new version of the recommendation, provenance "as quoted"."""
        rec, rec_set = _recommendation(db, rec_id)
        form = Form.of(data)
        target_id, kind, key = _chosen(form.get("candidate"))
        try:
            form.refuse_if_invalid(InputError)
            if target_id is None:
                raise InputError({"candidate": N_("Choose the candidate to accept")})
            result = accept_candidate(db, rec, target_id, kind, key, parse_id(form.get("version")), request.user)
        except InputError as exc:
            db.rollback()
            form.errors.update(exc.errors)
            return _page(request, db, (rec, rec_set, form), 422)
        except StaleRecord:
            db.rollback()
            db.refresh(rec)
            form = Form(values={"version": str(rec.version)}, errors={"candidate": STALE})
            return _page(request, db, (rec, rec_set, form), 409)
        done = f"?accepted={rec.version}" if result.changed else "?unchanged=1"
        return Redirect(request.app.route_reverse("candidates:recommendation", rec_id=rec.id) + done, status_code=303)


def _chosen(value: str | None) -> tuple[int | None, str, str]:
    """The radio's value, "target id:kind:key", read back."""
    parts = (value or "").split(":")
    if len(parts) != 3:
        return None, "", ""
    return parse_id(parts[0]), parts[1], parts[2]


def _page(request: AnyRequest, db: Session, shown: RecommendationForm, status_code: int = 200) -> Template:
    params = request.query_params
    return recommendation_page(
        request,
        "recommendations/candidates.html",
        shown,
        status_code,
        groups=candidate_groups(db, shown[0]),
        names=addressee_names(db),
        accepted=params.get("accepted"),
        unchanged=bool(params.get("unchanged")),
    )
