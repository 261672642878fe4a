"""Declared responses (``tracker.plans.declarations``): an editor's form declaring "a recommendation we are
answering", and the button on a declared response's page withdrawing a mistaken declaration; for coordinators and
admins, the list, and an admin's action that makes a recommendation's declaring organisations its addressees."""

from __future__ import annotations

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel import Session

from tracker.db import StaleRecord, saved_id
from tracker.inputs import InputError, parse_id
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, can
from tracker.plans.controllers import response_page
from tracker.plans.declarations import (
    ADOPT_STALE,
    CannotAdopt,
    DeclarationInput,
    NotDeclared,
    adopt_declarations,
    declarable,
    declare_recommendation,
    declared_recommendations,
    withdraw_declaration,
)
from tracker.plans.obligations import obligations_for
from tracker.plans.services import load_response
from tracker.plans.workspace import organisation_for
from tracker.recommendations.models import Recommendation
from tracker.recommendations.services import list_sets
from tracker.reports.figures import declared_count
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages, needs
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _
from tracker.web.templating import page


class DeclaredController(SignedInPages):
    path = "/"

    @get("/oversight/declared", sync_to_thread=True, name="declared:index", opt=needs(Permission.VIEW_OVERSIGHT))
    def index(self, request: AnyRequest, db: Db) -> Template:
        """Every recommendation organisations declared they answer, with who declared it."""
        return _declared_page(request, db)

    @post(
        "/admin/recommendations/{rec_id:int}/adopt-declared",
        sync_to_thread=True,
        name="declared:adopt",
        opt=needs(Permission.MANAGE_RECOMMENDATIONS),
    )
    def adopt(self, request: AnyRequest, db: Db, rec_id: FromPath[int], data: FormData) -> Template | Redirect:
        """The organisations whose published declarations the admin was shown (the form carries them, and the
        recommendation's version) become its addressees; the list again, saying why, if they changed (409)."""
        rec = db.get(Recommendation, rec_id)
        if rec is None or rec.parent_id is not None:
            raise NotFoundException()
        form = Form.of(data)
        seen = [parse_id(part) for part in form.get("organisations").split(",") if part.strip()]
        try:
            result = adopt_declarations(
                db,
                rec,
                request.user,
                seen=[i if i is not None else -1 for i in seen],
                version=parse_id(form.get("version")) or -1,
            )
        except (CannotAdopt, StaleRecord) as exc:
            db.rollback()
            problem = str(exc) if isinstance(exc, CannotAdopt) else _(ADOPT_STALE, number=rec.number)
            return _declared_page(request, db, problem=(saved_id(rec), problem), status_code=409)
        done = f"?adopted={rec.number}" if result.changed else ""
        return Redirect(request.app.route_reverse("declared:index") + done, status_code=303)

    @get("/plan/{slug:str}/declare", sync_to_thread=True, name="declared:form")
    def declare_form(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> Template:
        """The form declaring a recommendation the organisation answers whose addressees are not known."""
        return _declare_page(request, db, organisation_for(db, request.user, slug, Permission.EDIT_PLAN), Form())

    @post("/plan/{slug:str}/declare", sync_to_thread=True, name="declared:declare")
    def declare(self, request: AnyRequest, db: Db, slug: FromPath[str], data: FormData) -> Template | Redirect:
        """Declare it (its response and its sub-recommendations'), then open its response; the form again, with
        the reason beside the field, if refused."""
        organisation = organisation_for(db, request.user, slug, Permission.EDIT_PLAN)
        form = Form.of(data)
        try:
            form.refuse_if_invalid(InputError)
            rec = declare_recommendation(db, organisation, DeclarationInput.of(form.values), request.user)
        except InputError as exc:
            db.rollback()
            form.errors.update(exc.errors)
            return _declare_page(request, db, organisation, form, status_code=422)
        response = next(r for r, found, _set in obligations_for(db, saved_id(organisation)) if found.id == rec.id)
        return Redirect(request.app.route_reverse("plans:response", response_id=response.id), status_code=303)

    @post("/plan/responses/{response_id:int}/withdraw-declaration", sync_to_thread=True, name="declared:withdraw")
    def withdraw(self, request: HTMXRequest, db: Db, response_id: FromPath[int], data: FormData) -> Template | Redirect:
        """Withdraw the organisation's declaration of the response's recommendation, then show its plan; the
        response page again, saying why, if the response is not declared or changed since it was shown (409)."""
        ctx = load_response(db, request.user, response_id, Permission.EDIT_PLAN)
        form = Form.of(data)
        try:
            withdraw_declaration(db, ctx, request.user, form.get("version"))
        except (NotDeclared, StaleRecord) as exc:
            db.rollback()
            problem = str(exc) if isinstance(exc, NotDeclared) else _(WITHDRAW_STALE)
            return response_page(request, db, ctx, status_code=409, withdraw_problem=problem)
        rec = ctx.recommendation
        if rec.parent_id is not None:  # the declaration withdrawn is the numbered recommendation's
            rec = db.get(Recommendation, rec.parent_id) or rec
        url = request.app.route_reverse("plans:organisation", slug=ctx.organisation.slug)
        return Redirect(f"{url}?withdrawn={rec.number}", status_code=303)


WITHDRAW_STALE = N_(
    "Someone changed this response since you opened the page. Check it, then withdraw the declaration again if "
    "you still want to"
)


def _declared_page(
    request: AnyRequest, db: Session, problem: tuple[int, str] | None = None, status_code: int = 200
) -> Template:
    """The list of declarations; ``problem`` is why adopting one recommendation's was refused (its id, the reason)."""
    return page(
        request,
        "plans/declared.html",
        status_code=status_code,
        declared=declared_recommendations(db),
        total=declared_count(db),
        can_adopt=can(request.user, Permission.MANAGE_RECOMMENDATIONS),
        adopted=request.query_params.get("adopted"),
        problem=problem,
    )


def _declare_page(
    request: AnyRequest, db: Session, organisation: Organisation, form: Form, status_code: int = 200
) -> Template:
    sets = list_sets(db)
    return page(
        request,
        "plans/declare.html",
        status_code=status_code,
        organisation=organisation,
        declarable=declarable(db, saved_id(organisation)),
        sets=sets,
        set_titles={s.id: s.short_title for s in sets},
        form=form,
        error_title=bool(form.errors),
    )
