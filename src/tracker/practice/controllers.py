"""Pages of the promising-practice library.

Public: the library (/practice, filters and search) and a page per approved practice (/practice/{slug}).
Signed in: an organisation's submissions (/practice/submissions), the form to submit or edit, the review queue
(/practice/review) and each practice's history. Every form is a plain POST followed by a redirect; with htmx
the form swaps itself in place (errors, or a conflict: someone saved first) or the browser is sent on (success).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, MediaType, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import ClientRedirect, HTMXRequest
from litestar.response import Redirect, Template
from litestar.response import Response as HttpResponse
from sqlmodel import Session

from tracker.accounts.models import User
from tracker.audit.services import history as audit_history
from tracker.db import StaleRecord
from tracker.inputs import InputError
from tracker.organisations.bilingual import WELSH_SUFFIX
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, can
from tracker.practice import services
from tracker.practice.forms import form_values, in_words, theme_choices, values_list
from tracker.practice.models import Practice
from tracker.practice.services import Filters
from tracker.public.caching import public_page
from tracker.vocabulary import PracticeStage, PracticeStatus, Role
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages, needs, signed_in_user
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.params import LENIENT_QUERY
from tracker.web.templating import page
from tracker.web.urls import practice_url

SUBMISSIONS = "/practice/submissions"
REVIEW = "/practice/review"


def _done(request: HTMXRequest, url: str) -> HttpResponse[Any]:
    """After a successful POST: a redirect, or for htmx a client-side redirect (a full page load)."""
    return ClientRedirect(redirect_to=url) if request.htmx else Redirect(url, status_code=303)


class PracticeLibraryController(Controller):
    """What anyone can read: approved practice."""

    path = "/practice"
    include_in_schema = False

    @get("/", sync_to_thread=True, media_type=MediaType.HTML, name="practice:index", opt={LENIENT_QUERY: True})
    def index(
        self,
        request: HTMXRequest,
        db: Db,
        q: FromQuery[str | None] = None,
        theme: FromQuery[str | None] = None,
        recommendation: FromQuery[str | None] = None,
        organisation: FromQuery[str | None] = None,
        stage: FromQuery[str | None] = None,
    ) -> Any:
        """Browse and search the library. Unknown filter values are ignored; any search text is safe.

        The whole page is public (ETag, 304, and the stored rendering when unfiltered); an htmx search gets the
        results alone."""
        filters = Filters.of(q, theme, recommendation, organisation, stage)
        if request.htmx and request.htmx.target == "practice-results":
            return page(request, "practice/_results.html", filters=filters, results=services.browse(db, filters))
        user = request.scope.get("user")
        return public_page(
            request,
            db,
            "practice/index.html",
            lambda: {
                "filters": filters,
                "results": services.browse(db, filters),
                "options": services.filter_options(db),
                "can_submit": can(user, Permission.SUBMIT_PRACTICE),
                "can_review": services.can_review(user),
            },
        )

    @get("/{slug:str}", sync_to_thread=True, name="practice:show")
    def show(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> Template:
        """An approved practice, or (for its editors and reviewers) any practice with its status."""
        view = services.view_by_slug(db, slug)
        user = request.scope.get("user")
        if view is None:
            raise NotFoundException()
        insider = services.can_see(user, view.practice)
        if view.practice.status is not PracticeStatus.APPROVED and not insider:
            raise NotFoundException()
        return page(
            request,
            "practice/show.html",
            view=view,
            insider=insider,
            can_edit=services.can_edit(user, view.practice),
            can_review=services.can_review(user),
        )

    @get("/{slug:str}/history", sync_to_thread=True, guards=[signed_in_user], name="practice:history")
    def history(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> Template:
        """Every submission, review and edit of the practice, for the people who may see it."""
        view = services.view_by_slug(db, slug)
        if view is None or not services.can_see(request.user, view.practice):
            raise NotFoundException()
        events = audit_history(db, services.ENTITY, view.practice.id or 0)
        return page(request, "practice/history.html", view=view, events=events)


class PracticeSubmissionController(SignedInPages):
    """An organisation's editors write practice up and send it for review."""

    path = SUBMISSIONS

    @get("/", sync_to_thread=True, name="practice-submissions:index", opt=needs(Permission.SUBMIT_PRACTICE))
    def index(self, request: AnyRequest, db: Db, saved: FromQuery[str] = "") -> Template:
        organisation = db.get(Organisation, request.user.organisation_id) if request.user.organisation_id else None
        return page(
            request,
            "practice/submissions.html",
            views=services.submissions_of(db, request.user),
            organisation=organisation,
            saved=saved,
        )

    @get("/new", sync_to_thread=True, name="practice-submissions:new", opt=needs(Permission.SUBMIT_PRACTICE))
    def new(self, request: HTMXRequest, db: Db) -> Template:
        return form_page(request, db, None, Form())

    @post(
        "/",
        sync_to_thread=True,
        status_code=200,
        name="practice-submissions:create",
        opt=needs(Permission.SUBMIT_PRACTICE),
    )
    def create(self, request: HTMXRequest, db: Db, data: FormData) -> HttpResponse[Any]:
        return _save_form(request, db, None, data)

    @get("/{practice_id:int}/edit", sync_to_thread=True, name="practice-submissions:edit")
    def edit(self, request: HTMXRequest, db: Db, practice_id: FromPath[int]) -> Template:
        practice = services.load_for_edit(db, request.user, practice_id)
        return form_page(request, db, practice, Form())

    @post("/{practice_id:int}", sync_to_thread=True, status_code=200, name="practice-submissions:save")
    def save(self, request: HTMXRequest, db: Db, practice_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        return _save_form(request, db, services.load_for_edit(db, request.user, practice_id), data)


def _save_form(request: HTMXRequest, db: Session, practice: Practice | None, data: FormData) -> HttpResponse[Any]:
    """Add a write-up (``practice`` None) or save changes to ``practice``, as a draft or submitted for review as the
    button pressed says; the form again with its errors if anything needs correcting (422), or with the newer values
    if someone saved it since this person loaded it (409)."""
    # Control characters are dropped here, not refused (Form.of cleans every value): a write-up is prose pasted
    # from documents, and tests/web/test_practice.py specifies that NUL is dropped, not an error.
    form = Form.of(data)
    submit = form.get("action") == "submit"
    given = services.PracticeInput.of(form.values)
    practice_id = practice.id if practice is not None else None
    try:
        if practice is None:
            practice = services.create_practice(db, request.user, given, submit=submit)
        else:
            services.update_practice(db, practice, request.user, given, submit=submit)
    except InputError as exc:
        db.rollback()
        form.errors.update(exc.errors)
        again = db.get(Practice, practice_id) if practice_id is not None else None
        return form_page(request, db, again, form, status_code=422)
    except StaleRecord:
        db.rollback()  # ``practice`` reloads as it is now
        if practice is None:  # a new write-up has no older version to meet
            raise
        return _conflict_page(request, db, practice, form, submit=submit)
    saved = "submitted" if submit else "draft"
    return _done(
        request, request.app.route_reverse("practice-submissions:index") + f"?saved={saved}#practice-{practice.id}"
    )


def _conflict_page(request: HTMXRequest, db: Session, practice: Practice, typed: Form, *, submit: bool) -> Template:
    """Someone saved the write-up since this person loaded it (409): the form shows the newer values, and the
    conflict panel those values beside what this person typed, nothing of which was saved."""
    newer = form_values(db, practice)
    is_admin = request.user.role is Role.ADMIN
    would_be = PracticeStatus.SUBMITTED if submit else PracticeStatus.DRAFT
    welsh = any(name.endswith(WELSH_SUFFIX) for name in typed.values)  # the form of a bilingual organisation
    conflict = {
        "current": in_words(db, newer, practice.status, is_admin=is_admin, welsh=welsh),
        "mine": in_words(db, typed.values, would_be, is_admin=is_admin, welsh=welsh),
    }
    return form_page(request, db, practice, Form(values=newer), status_code=409, conflict=conflict)


class PracticeReviewController(SignedInPages):
    """Coordinators and admins approve practice or return it with comments."""

    path = REVIEW

    @get("/", sync_to_thread=True, name="practice-review:queue", opt=needs(Permission.REVIEW_PRACTICE))
    def queue(self, request: HTMXRequest, db: Db, done: FromQuery[str] = "") -> Template:
        return page(request, "practice/review_queue.html", views=services.review_queue(db), done=done)

    @get("/{practice_id:int}", sync_to_thread=True, name="practice-review:review")
    def review(self, request: HTMXRequest, db: Db, practice_id: FromPath[int]) -> Template:
        services.load_for_review(db, request.user, practice_id)
        return review_page(request, db, practice_id, Form())

    @post("/{practice_id:int}/approve", sync_to_thread=True, status_code=200, name="practice-review:approve")
    def approve(self, request: HTMXRequest, db: Db, practice_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        return _decide(request, db, practice_id, data, _approve, "approved")

    @post("/{practice_id:int}/return", sync_to_thread=True, status_code=200, name="practice-review:return")
    def return_(self, request: HTMXRequest, db: Db, practice_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        return _decide(request, db, practice_id, data, _return_for_changes, "returned")


def _approve(db: Session, practice: Practice, reviewer: User, form: Form) -> None:
    services.approve(db, practice, reviewer, version=form.get("version"))


def _return_for_changes(db: Session, practice: Practice, reviewer: User, form: Form) -> None:
    comment, version = form.get("review_comment"), form.get("version")
    services.return_for_changes(db, practice, reviewer, comment, version=version)


def _decide(
    request: HTMXRequest,
    db: Session,
    practice_id: int,
    data: FormData,
    decision: Callable[[Session, Practice, User, Form], object],
    done: str,
) -> HttpResponse[Any]:
    """A reviewer's decision on the version of the practice they read; the review page again, with what they typed,
    if the decision needs correcting (422) or the practice changed since they opened it (409: the newer text)."""
    practice = services.load_for_review(db, request.user, practice_id)
    form = Form.of(data)
    try:
        decision(db, practice, request.user, form)
    except InputError as exc:
        db.rollback()
        form.errors.update(exc.errors)
        return review_page(request, db, practice_id, form, status_code=422)
    except StaleRecord:
        db.rollback()
        return review_page(request, db, practice_id, form, status_code=409)
    return _done(request, request.app.route_reverse("practice-review:queue") + f"?done={done}")


def form_page(
    request: HTMXRequest,
    db: Session,
    practice: Practice | None,
    form: Form,
    *,
    status_code: int = 200,
    conflict: dict[str, dict[str, str]] | None = None,
) -> Template:
    """The submission form (new or edit), with the conflict panel of a stale save if any; for htmx, only the form
    itself."""
    user = request.user
    if practice is not None and not form.values:
        form.values = form_values(db, practice)
    is_admin = user.role is Role.ADMIN
    own_id = practice.organisation_id if practice else user.organisation_id
    own = db.get(Organisation, own_id) if own_id else None
    context = {
        "practice": practice,
        "form": form,
        "chosen_themes": set(values_list(form.values, "themes")),
        "chosen_recommendations": set(values_list(form.values, "recommendations")),
        "themes": theme_choices(),
        "stages": list(PracticeStage),
        "recommendation_sets": services.recommendation_choices(db),
        "organisations": services.organisation_choices(db) if is_admin else [],
        "is_admin": is_admin,
        "own_organisation": own,
        "bilingual": bool(own and own.bilingual),
        "action_url": (
            request.app.route_reverse("practice-submissions:save", practice_id=practice.id)
            if practice
            else request.app.route_reverse("practice-submissions:create")
        ),
        "error_title": status_code in (409, 422),
        "conflict": conflict,
    }
    if request.htmx:
        return page(request, "practice/_form.html", status_code=status_code, **context)
    return page(request, "practice/form.html", status_code=status_code, **context)


def review_page(request: AnyRequest, db: Session, practice_id: int, form: Form, *, status_code: int = 200) -> Template:
    view = services.view_by_id(db, practice_id)
    if view is None:
        raise NotFoundException()
    return page(
        request,
        "practice/review.html",
        status_code=status_code,
        view=view,
        form=form,
        error_title=status_code in (409, 422),
        changed_since_opened=status_code == 409,
        public_url=practice_url(view.practice.slug),
    )
