"""The workspace pages of an action plan: the organisation's list, and a page per response.

Every form works as a plain POST (then a redirect); with htmx the same forms swap only their section.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from litestar.response import Response as HttpResponse
from sqlmodel import Session, col, select

from tracker.assessments.services import assessments_for, can_comment, comment_threads
from tracker.audit.services import response_history
from tracker.db import StaleRecord, saved_id
from tracker.evidence.controllers import section_context
from tracker.inputs import Input, InputError
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, can, can_see_item, reads_every_organisation, visible_levels
from tracker.plans import services
from tracker.plans.conflicts import conflict_in_words
from tracker.plans.items import ItemDeleted, load_child, load_deleted_from
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.obligations import must_answer_ids
from tracker.plans.publication import has_unpublished_changes, latest_publication
from tracker.plans.services import (
    ActionInput,
    ResponseContext,
    ResponseInput,
    UpdateInput,
    load_response,
)
from tracker.plans.workspace import SORTS, organisation_for, workspace_rows
from tracker.recommendations.models import Recommendation
from tracker.recommendations.services import list_sets, set_named
from tracker.vocabulary import ActionStatus, AssessmentRating, OrganisationKind, Rag, ResponseStatus, Visibility
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_
from tracker.web.templating import page

SECTIONS = {
    "response": "plans/_response_form.html",
    "actions": "plans/_actions.html",
    "updates": "plans/_updates.html",
    "assessment": "assessments/_section.html",
}


# The action forms' status select is "action-status" (plans/_action_fields.html): "status" is the response's own.
ACTION_FIELD_IDS = {"status": "action-status"}


# The response page's forms, in the order they appear: the error summary is the first one's with errors.
FORMS = (
    "response_form",
    "action_edit_form",
    "actions_form",
    "update_edit_form",
    "updates_form",
    "assessment_form",
    "comment_form",
)


def response_url(request: AnyRequest, response_id: int, anchor: str = "") -> str:
    """A response's page (at ``anchor``), where a plain POST goes back to."""
    return request.app.route_reverse("plans:response", response_id=response_id) + (f"#{anchor}" if anchor else "")


class PlanController(SignedInPages):
    path = "/plan"

    @get("/", sync_to_thread=True, name="plans:index")
    def index(self, request: AnyRequest, db: Db) -> Template | Redirect:
        """Editors and viewers go to their organisation; national readers choose one."""
        user = request.user
        if not reads_every_organisation(user):
            organisation = db.get(Organisation, user.organisation_id) if user.organisation_id else None
            if organisation is None:
                raise NotFoundException(N_("Your account is not linked to an organisation"))
            return Redirect(request.app.route_reverse("plans:organisation", slug=organisation.slug), status_code=303)
        # Only organisations with something to answer have an action plan to read.
        organisations = list(
            db.exec(
                select(Organisation)
                .where(col(Organisation.id).in_(must_answer_ids()))
                .order_by(Organisation.kind, Organisation.name)
            )
        )
        groups = [(kind, [o for o in organisations if o.kind is kind]) for kind in OrganisationKind]
        return page(request, "plans/index.html", groups=[g for g in groups if g[1]])

    @get("/{slug:str}", sync_to_thread=True, name="plans:organisation")
    def organisation(
        self,
        request: AnyRequest,
        db: Db,
        slug: FromPath[str],
        status: FromQuery[str | None] = None,
        overdue: FromQuery[bool] = False,
        sort: FromQuery[str] = "number",
        published: FromQuery[bool] = False,
        imported: Annotated[int | None, QueryParameter(ge=0)] = None,  # a count: 0 when nothing changed
        withdrawn: Annotated[str | None, QueryParameter(max_length=20)] = None,  # a declaration's number
        set_slug: Annotated[str | None, QueryParameter(name="set")] = None,
    ) -> Template:
        """Every recommendation the organisation must answer (across every set, or one), filterable and sortable."""
        organisation = organisation_for(db, request.user, slug, Permission.VIEW_PLAN)
        publication = latest_publication(db, saved_id(organisation))
        status_filter = status if status in {s.value for s in ResponseStatus} else None
        sort = sort if sort in SORTS else "number"
        sets = list_sets(db)
        chosen_set = set_named(db, set_slug)
        rows = workspace_rows(
            db,
            saved_id(organisation),
            levels=visible_levels(request.user, saved_id(organisation)),
            status=ResponseStatus(status_filter) if status_filter else None,
            overdue_only=overdue,
            set_id=chosen_set.id if chosen_set else None,
            sort=sort,
        )
        return page(
            request,
            "plans/organisation.html",
            organisation=organisation,
            rows=rows,
            status_filter=status_filter,
            overdue=overdue,
            sort=sort,
            sorts=SORTS,
            statuses=list(ResponseStatus),
            can_edit=can(request.user, Permission.EDIT_PLAN, organisation.id),
            can_publish=can(request.user, Permission.PUBLISH_PLAN, organisation.id),
            show_flags=reads_every_organisation(request.user),
            publication=publication,
            unpublished_changes=has_unpublished_changes(db, saved_id(organisation), publication),
            published=published,
            imported=imported,
            withdrawn=withdrawn,
            sets=sets,
            chosen_set=chosen_set,
        )

    # --- a response -------------------------------------------------------------------------------------

    @get("/responses/{response_id:int}", sync_to_thread=True, name="plans:response")
    def response(
        self,
        request: HTMXRequest,
        db: Db,
        response_id: FromPath[int],
        deleted: FromQuery[str | None] = None,
    ) -> Template:
        """The response page; ``deleted`` names the kind of item someone else deleted while this person acted on
        it (``item_deleted``), which the page then says."""
        ctx = load_response(db, request.user, response_id, Permission.VIEW_PLAN)
        return response_page(request, db, ctx, deleted=deleted if deleted in DELETED_KINDS else None)

    @post("/responses/{response_id:int}", sync_to_thread=True, name="plans:save-response")
    def save_response(
        self, request: HTMXRequest, db: Db, response_id: FromPath[int], data: FormData
    ) -> HttpResponse[Any]:
        return change_response(
            request,
            db,
            response_id,
            "response",
            data,
            services.update_response,
            given(ResponseInput),
            check=services.check_response,
        )

    @get("/responses/{response_id:int}/history", sync_to_thread=True, name="plans:history")
    def history(self, request: AnyRequest, db: Db, response_id: FromPath[int]) -> Template:
        ctx = load_response(db, request.user, response_id, Permission.VIEW_PLAN)
        return page(
            request,
            "plans/history.html",
            ctx=ctx,
            events=response_history(db, saved_id(ctx.response), request.user),
        )

    # --- actions ----------------------------------------------------------------------------------------

    @post("/responses/{response_id:int}/actions", sync_to_thread=True, name="plans:add-action")
    def add_action(self, request: HTMXRequest, db: Db, response_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        return change_response(
            request,
            db,
            response_id,
            "actions",
            data,
            services.add_action,
            given(ActionInput),
            check=check_action,
            field_ids=ACTION_FIELD_IDS,
        )

    @get("/actions/{action_id:int}/edit", sync_to_thread=True, name="plans:edit-action-form")
    def edit_action_form(self, request: HTMXRequest, db: Db, action_id: FromPath[int]) -> HttpResponse[Any]:
        return edit_item_page(request, db, Action, action_id)

    @post("/actions/{action_id:int}", sync_to_thread=True, name="plans:save-action")
    def save_action(self, request: HTMXRequest, db: Db, action_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        return change_item(
            request,
            db,
            Action,
            action_id,
            data,
            services.update_action,
            given(ActionInput),
            check=check_action,
            editing="action",
        )

    @post("/actions/{action_id:int}/complete", sync_to_thread=True, name="plans:complete-action")
    def complete_action(
        self, request: HTMXRequest, db: Db, action_id: FromPath[int], data: FormData
    ) -> HttpResponse[Any]:
        return change_item(request, db, Action, action_id, data, services.complete_action, given(ActionInput))

    @post("/actions/{action_id:int}/delete", sync_to_thread=True, name="plans:delete-action")
    def delete_action(
        self, request: HTMXRequest, db: Db, action_id: FromPath[int], data: FormData
    ) -> HttpResponse[Any]:
        return change_item(request, db, Action, action_id, data, services.delete_action)

    @post("/actions/{action_id:int}/move", sync_to_thread=True, name="plans:move-action")
    def move_action(self, request: HTMXRequest, db: Db, action_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        return change_item(
            request, db, Action, action_id, data, services.move_action, lambda form: form.get("direction")
        )

    # --- progress updates -------------------------------------------------------------------------------

    @post("/responses/{response_id:int}/updates", sync_to_thread=True, name="plans:add-update")
    def add_update(self, request: HTMXRequest, db: Db, response_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        return change_response(
            request, db, response_id, "updates", data, services.add_update, given(UpdateInput), check=check_update
        )

    @get("/updates/{update_id:int}/edit", sync_to_thread=True, name="plans:edit-update-form")
    def edit_update_form(self, request: HTMXRequest, db: Db, update_id: FromPath[int]) -> HttpResponse[Any]:
        return edit_item_page(request, db, ProgressUpdate, update_id)

    @post("/updates/{update_id:int}", sync_to_thread=True, name="plans:save-update")
    def save_update(self, request: HTMXRequest, db: Db, update_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        return change_item(
            request,
            db,
            ProgressUpdate,
            update_id,
            data,
            services.edit_update,
            given(UpdateInput),
            check=check_update,
            editing="update",
        )


def given(input_type: type[Input]) -> Callable[[Form], Input]:
    """Read a form as the use case's typed input."""
    return lambda form: input_type.of(form.values)


# A use case's check-only path: every fault it would refuse in the input read from a form, found without writing.
Check = Callable[[Session, ResponseContext, Any], dict[str, str]]


def check_action(_db: Session, _ctx: ResponseContext, change: Any) -> dict[str, str]:
    return services.check_action(change)


def check_update(_db: Session, ctx: ResponseContext, change: Any) -> dict[str, str]:
    return services.check_update(ctx, change)


def change_response(
    request: HTMXRequest,
    db: Session,
    response_id: int,
    section: str,
    data: FormData,
    use_case: Callable[..., Any],
    read: Callable[[Form], Any],
    *,
    permission: Permission = Permission.EDIT_PLAN,
    check: Check | None = None,
    field_ids: dict[str, str] | None = None,
) -> HttpResponse[Any]:
    """Load the response under ``permission`` and carry out ``use_case(db, ctx, user, read(form))`` on it
    (``run_on_response``); ``check``: the use case's check-only path, ``check(db, ctx, read(form))``."""
    form = Form.of(data)
    form.field_ids = field_ids or {}
    ctx = load_response(db, request.user, response_id, permission)
    every_fault = (lambda: check(db, ctx, read(form))) if check else None
    return run_on_response(
        request, db, ctx, section, form, lambda: use_case(db, ctx, request.user, read(form)), every_fault
    )


# The section of the response page each kind of item sits in, and the name of its edit form there.
ITEM_SECTIONS: dict[type, str] = {Action: "actions", ProgressUpdate: "updates"}
ITEM_NAMES: dict[type, str] = {Action: "action", ProgressUpdate: "update"}


# The kinds of item a person may find deleted by someone else (the response page's ``deleted``).
DELETED_KINDS = ("action", "update", "evidence")


def deleted_url(request: AnyRequest, response_id: int, kind: str, section: str) -> str:
    """The response page saying that an item of ``kind`` was deleted meanwhile, at its ``section``."""
    return request.app.route_reverse("plans:response", response_id=response_id) + f"?deleted={kind}#{section}"


def item_deleted(request: HTMXRequest, db: Session, deleted: ItemDeleted) -> HttpResponse[Any]:
    """Someone else deleted the action or update this person acted on: nothing was changed, and the response
    page says so (with htmx, the item's section refreshed with the message, as for a conflict)."""
    ctx = load_deleted_from(db, request.user, deleted, Permission.EDIT_PLAN)
    kind, section = ITEM_NAMES[deleted.model], ITEM_SECTIONS[deleted.model]
    if not request.htmx:
        return Redirect(deleted_url(request, saved_id(ctx.response), kind, section), status_code=303)
    return response_page(request, db, ctx, status_code=409, section=section, deleted=kind)


def edit_item_page(
    request: HTMXRequest, db: Session, model: type[Action] | type[ProgressUpdate], item_id: int
) -> HttpResponse[Any]:
    """The response page with an action's or update's edit form open."""
    try:
        item, ctx = load_child(db, request.user, model, item_id, Permission.EDIT_PLAN)
    except ItemDeleted as deleted:
        return item_deleted(request, db, deleted)
    editing = {f"editing_{ITEM_NAMES[model]}": item.id}
    return response_page(request, db, ctx, section=ITEM_SECTIONS[model], **editing)


def change_item(
    request: HTMXRequest,
    db: Session,
    model: type[Action] | type[ProgressUpdate],
    item_id: int,
    data: FormData,
    use_case: Callable[..., Any],
    read: Callable[[Form], Any] | None = None,
    *,
    check: Check | None = None,
    editing: str | None = None,
) -> HttpResponse[Any]:
    """Load an action or update for editing and carry out ``use_case(db, item, ctx, user[, read(form)])`` on it
    (``run_on_response``; ``check`` as for ``change_response``). ``editing`` names the item's edit form ("action",
    "update"), which then shows the errors beside the item."""
    form = Form.of(data)
    if editing:
        form.id_prefix = "edit-"  # its fields sit beside the add form's on the response page
    if editing == "action":
        form.field_ids = ACTION_FIELD_IDS
    try:
        item, ctx = load_child(db, request.user, model, item_id, Permission.EDIT_PLAN)
    except ItemDeleted as deleted:
        return item_deleted(request, db, deleted)
    on_error = {f"editing_{editing}": item.id, f"{editing}_edit_form": form} if editing else {}

    def carry_out() -> Any:
        return use_case(db, item, ctx, request.user, *([read(form)] if read else []))

    every_fault = (lambda: check(db, ctx, read(form))) if check and read else None
    return run_on_response(request, db, ctx, ITEM_SECTIONS[model], form, carry_out, every_fault, **on_error)


def run_on_response(
    request: HTMXRequest,
    db: Session,
    ctx: ResponseContext,
    section: str,
    form: Form,
    use_case: Any,
    every_fault: Callable[[], dict[str, str]] | None = None,
    **on_error: Any,
) -> HttpResponse[Any]:
    """Carry out a use case; then redirect (or swap the section), or show the errors or the conflict. A field the
    form refused as read (a control character: tracker.inputs) comes with ``every_fault`` the use case's checks find
    in the others, and nothing is saved."""
    status_code = 200
    conflict = None
    try:
        form.refuse_if_invalid(InputError, every_fault)
        use_case()
    except InputError as exc:
        db.rollback()
        form.errors.update(exc.errors)
        status_code = 422
    except StaleRecord as exc:
        db.rollback()
        conflict = conflict_in_words(exc, form.values)
        status_code = 409
    if status_code == 200:
        if not request.htmx:
            return Redirect(response_url(request, saved_id(ctx.response), section), status_code=303)
        return response_page(request, db, ctx, section=section)
    if conflict:
        # The form shows the newer values; the person's own are listed beside them in the conflict panel.
        extra = {"conflict": conflict, **{k: v for k, v in on_error.items() if not k.endswith("_form")}}
    elif any(key.endswith("_edit_form") for key in on_error):
        extra = on_error  # the errors belong to the edit form only, not also to the section's "add" form
    else:
        extra = {f"{section}_form": form, **on_error}
    return response_page(request, db, ctx, status_code=status_code, section=section, **extra)


def response_page(
    request: HTMXRequest,
    db: Session,
    ctx: ResponseContext,
    *,
    status_code: int = 200,
    section: str | None = None,
    **extra: Any,
) -> Template:
    """The response page, or only one section of it for an htmx request."""
    user = request.user
    response = db.get(type(ctx.response), ctx.response.id) or ctx.response
    context = {
        "ctx": ctx,
        "response": response,
        **_what_sits_around(db, user, ctx, response),
        "complete_without_evidence": reads_every_organisation(user)
        and bool(services.complete_without_evidence(db, [saved_id(response)])),
        "can_edit": can(user, Permission.EDIT_PLAN, ctx.organisation_id),
        "bilingual": ctx.organisation.bilingual,  # its texts are written in English and Welsh side by side
        "statuses": list(ResponseStatus),
        "rags": list(Rag),
        "action_statuses": list(ActionStatus),
        "visibilities": [Visibility.PUBLIC, Visibility.INTERNAL],
        "response_form": Form(),
        "actions_form": Form(),
        "updates_form": Form(),
        "assessment_form": Form(),
        "comment_form": Form(),
        "error_title": status_code == 422,
        "section": section,
        **extra,
    }
    context.update(evidence_context(db, user, ctx, request.app.state.settings))
    context.update(assessment_context(db, user, ctx))
    context["error_form"] = next((f for key in FORMS if (f := context.get(key)) and f.errors), None)
    if request.htmx and section in SECTIONS:
        # The swapped section carries the error summary itself (plans/_section_errors.html).
        return page(request, SECTIONS[section], status_code=status_code, swapped=True, **context)
    return page(request, "plans/response.html", status_code=status_code, **context)


def _what_sits_around(db: Session, user: Any, ctx: ResponseContext, response: Response) -> dict[str, Any]:
    """A response's actions, the updates the reader may see, its sub-recommendations' responses and its parent's."""
    actions = list(
        db.exec(
            select(Action).where(col(Action.response_id) == response.id).order_by(col(Action.position), col(Action.id))
        )
    )
    updates = [
        u
        for u in db.exec(
            select(ProgressUpdate)
            .where(ProgressUpdate.response_id == response.id)
            .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc())
        )
        if can_see_item(user, u.visibility, ctx.organisation_id)
    ]
    related = select(Response, Recommendation).join(
        Recommendation, col(Recommendation.id) == Response.recommendation_id
    )
    sub_recommendations = list(
        db.exec(
            related.where(
                Response.organisation_id == ctx.organisation_id, Recommendation.parent_id == ctx.recommendation.id
            ).order_by(col(Recommendation.position))
        )
    )
    parent = None
    if ctx.recommendation.parent_id is not None:
        parent = db.exec(
            related.where(
                Response.organisation_id == ctx.organisation_id, Recommendation.id == ctx.recommendation.parent_id
            )
        ).first()
    return {"actions": actions, "updates": updates, "sub_recommendations": sub_recommendations, "parent": parent}


def assessment_context(db: Session, user: Any, ctx: ResponseContext) -> dict[str, Any]:
    """The inspectorate's ratings beside the claim, and the comment threads."""
    return {
        "assessments": assessments_for(db, saved_id(ctx.response)),
        "threads": comment_threads(db, saved_id(ctx.response)),
        "can_assess": can(user, Permission.ASSESS, ctx.organisation_id),
        "can_comment": can_comment(user, ctx.organisation_id),
        "ratings": list(AssessmentRating),
    }


def evidence_context(db: Session, user: Any, ctx: ResponseContext, settings: Any) -> dict[str, Any]:
    """What the evidence section of the response page needs."""
    return section_context(db, user, ctx, settings)
