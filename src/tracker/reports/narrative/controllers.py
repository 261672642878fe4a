"""The report editor (/oversight/periods/ID/report): reporting coordinators and admins write, choose examples,
review and publish a frozen period's report. Every form is a plain POST followed by a redirect; a form with
errors comes back with them (422), a change to an older version with the newer text beside theirs (409)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlmodel import Session

from tracker.db import Duplicate, StaleRecord
from tracker.inputs import InputError, parse_id
from tracker.permissions import Permission
from tracker.recommendations.models import RecommendationSet
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative import services
from tracker.reports.narrative.document import TITLE
from tracker.reports.narrative.editor import Editor, changes_of, conflict_of, editor_for
from tracker.reports.narrative.figures import NATIONAL, PER_RECOMMENDATION, ReportFigures
from tracker.reports.narrative.publication import Links, Publisher
from tracker.vocabulary import ResponseStatus
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages, needs
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_
from tracker.web.templating import is_demo_site, page

SetQuery = Annotated[str | None, QueryParameter(name="set")]
EDITOR = "reports/report_editor.html"
DONE = {
    "save": "Your changes to the report were saved.",
    "add-example": "The example was added.",
    "remove-example": "The example was removed.",
    "submit": "The report was submitted for review.",
    "return": "The report was returned with your comments.",
    "approve": "The report was approved. It can now be published.",
    "publish": "The report was published.",
}


def _load(db: Session, period_id: int, set_slug: str | None) -> tuple[ReportingPeriod, RecommendationSet]:
    period = db.get(ReportingPeriod, period_id)
    rec_set = services.report_set(db, period, set_slug) if period is not None else None
    if period is None or rec_set is None:
        raise NotFoundException(N_("There is no reporting period with that number, or no such recommendation set"))
    return period, rec_set


def _editor(request: AnyRequest, db: Session, period_id: int, set_slug: str | None) -> Editor:
    period, rec_set = _load(db, period_id, set_slug)
    return editor_for(db, period, rec_set, stale_days=request.app.state.settings.stale_update_days)


def _page(request: AnyRequest, editor: Editor, form: Form, *, status_code: int = 200, **extra: Any) -> Template:
    form.field_ids.setdefault("decision", "decision-error")  # no field of its own: the summary links to the message
    values = {**editor.text_values(), **form.values} if extra.get("kind", "text") == "text" else editor.text_values()
    return page(
        request,
        EDITOR,
        status_code=status_code,
        e=editor,
        form=form,
        values=values,
        statuses=list(ResponseStatus),
        national_labels=NATIONAL,
        rec_labels=PER_RECOMMENDATION,
        set_query=editor.set_query,
        changes_of=partial(changes_of, editor),
        error_title=bool(form.errors) or status_code == 409,
        **extra,
    )


def _done(request: AnyRequest, editor: Editor, what: str) -> Redirect:
    url = request.app.route_reverse("report-draft:edit", period_id=editor.period.id)
    query = f"{editor.set_query}&" if editor.set_query else "?"
    return Redirect(f"{url}{query}done={what}", status_code=303)


Action = Callable[[AnyRequest, Session, Editor, Form], object]


def _carry_out(
    request: AnyRequest, db: Session, period_id: int, set_slug: str | None, data: FormData, what: str, action: Action
) -> Template | Redirect:
    """Run ``action`` on the editor's draft; the page again with the errors (422) or the newer version (409)."""
    editor = _editor(request, db, period_id, set_slug)
    form = Form.of(data)
    kind = "text" if what == "save" else what
    try:
        if form.errors and kind == "text":
            _every_fault(editor, form)
        form.refuse_if_invalid(InputError)
        action(request, db, editor, form)
    except InputError as exc:
        db.rollback()
        form.errors.update(exc.errors)
        return _page(request, _editor(request, db, period_id, set_slug), form, status_code=422, kind=kind)
    except (StaleRecord, Duplicate):
        db.rollback()
        newer = _editor(request, db, period_id, set_slug)
        conflict = conflict_of(newer, form.values) if kind == "text" else {}
        return _page(request, newer, Form(), status_code=409, kind="conflict", conflict=conflict, changed=True)
    return _done(request, editor, what)


def _every_fault(editor: Editor, form: Form) -> None:
    """With a field refused as read (a control or direction character), the written text's other faults too (a
    bad link, a placeholder, a length), so the page lists every error at once; the first fault of a field stays."""
    if editor.report is None:
        return
    given = services.DraftText.of(form.values)
    try:
        services.check_draft_text(given, editor.report.figures, editor.report.data.recommendations)
    except InputError as exc:
        for name, message in exc.errors.items():
            form.errors.setdefault(name, message)


def _draft(editor: Editor) -> Any:
    if editor.draft is None:
        raise InputError({"decision": N_("Write and save the report before this step")})
    return editor.draft


def _figures(editor: Editor) -> ReportFigures | None:
    return editor.report.figures if editor.report is not None else None


def _save(request: AnyRequest, db: Session, editor: Editor, form: Form) -> None:
    if editor.report is None:
        raise InputError({"summary": services.freeze_first(editor.period)})
    services.save_draft(
        db,
        editor.period,
        editor.rec_set,
        request.user,
        services.DraftText.of(form.values),
        figures=editor.report.figures,
        recommendations=editor.report.data.recommendations,
    )


def _add_example(request: AnyRequest, db: Session, editor: Editor, form: Form) -> None:
    if editor.draft is None or editor.report is None:
        raise InputError({"example": N_("Save the report's text before choosing examples")})
    services.add_example(
        db,
        editor.draft,
        request.user,
        version=form.get("version"),
        choice=form.get("example"),
        lead_in=form.get("lead_in"),
        offered=editor.offered,
        figures=editor.report.figures,
    )


def _publish(request: AnyRequest, db: Session, editor: Editor, form: Form) -> None:
    app = request.app
    period_id = editor.period.id
    links = Links(
        home=app.route_reverse("home"),
        reports=app.route_reverse("public-reports:index"),
        pdf=app.route_reverse("public-reports:pdf", set_slug=editor.rec_set.slug, period_id=period_id),
        open_data=app.route_reverse("public:open-data"),
        figures=app.route_reverse("public-reports:figures", set_slug=editor.rec_set.slug, period_id=period_id),
        page=app.route_reverse("public-reports:html", set_slug=editor.rec_set.slug, period_id=period_id),
    )
    stale_days = app.state.settings.stale_update_days
    publisher = Publisher(db, editor.period, editor.rec_set, links, stale_days, demo_mode=is_demo_site(request))
    services.publish(
        db,
        _draft(editor),
        request.user,
        version=form.get("version"),
        render=publisher.render,
        set_slug=editor.rec_set.slug,
        title=TITLE,
    )


def _remove_example(request: AnyRequest, db: Session, editor: Editor, form: Form) -> None:
    example_id = parse_id(form.get("example_id")) or 0
    services.remove_example(db, _draft(editor), request.user, version=form.get("version"), example_id=example_id)


def _submit(request: AnyRequest, db: Session, editor: Editor, form: Form) -> None:
    services.submit(db, _draft(editor), request.user, version=form.get("version"), figures=_figures(editor))


def _return(request: AnyRequest, db: Session, editor: Editor, form: Form) -> None:
    if editor.draft is None:
        raise InputError({"review_comment": N_("There is no report to return yet")})
    comment = form.get("review_comment")
    services.return_for_changes(db, editor.draft, request.user, version=form.get("version"), comment=comment)


def _approve(request: AnyRequest, db: Session, editor: Editor, form: Form) -> None:
    services.approve(db, _draft(editor), request.user, version=form.get("version"), figures=_figures(editor))


def _form_post(path: str, what: str, action: Action) -> HTTPRouteHandler:
    """The editor's POST route ``report-draft:{what}``: runs ``action`` through ``_carry_out``."""

    @post(path, sync_to_thread=True, status_code=200, name=f"report-draft:{what}")
    def carry_out(
        self: Controller,
        request: AnyRequest,
        db: Db,
        period_id: FromPath[int],
        data: FormData,
        set_slug: SetQuery = None,
    ) -> Any:
        return _carry_out(request, db, period_id, set_slug, data, what, action)

    return carry_out


class ReportDraftController(SignedInPages):
    path = "/oversight/periods/{period_id:int}/report"
    opt = needs(Permission.RUN_REPORTING)

    @get("/", sync_to_thread=True, name="report-draft:edit")
    def edit(
        self,
        request: AnyRequest,
        db: Db,
        period_id: FromPath[int],
        set_slug: SetQuery = None,
        done: FromQuery[str] = "",
    ) -> Template:
        editor = _editor(request, db, period_id, set_slug)
        return _page(request, editor, Form(), done=DONE.get(done))

    @get("/preview", sync_to_thread=True, name="report-draft:preview")
    def preview(
        self, request: AnyRequest, db: Db, period_id: FromPath[int], set_slug: SetQuery = None
    ) -> Template | Redirect:
        """The report as it would be published, for its reviewers (never public)."""
        editor = _editor(request, db, period_id, set_slug)
        if editor.report is None:  # not frozen: the editor says so
            return Redirect(request.app.route_reverse("report-draft:edit", period_id=period_id), status_code=303)
        return page(request, "reports/report_preview.html", e=editor, r=editor.report, statuses=list(ResponseStatus))

    save = _form_post("/", "save", _save)
    add_example = _form_post("/examples", "add-example", _add_example)
    remove_example = _form_post("/examples/remove", "remove-example", _remove_example)
    submit = _form_post("/submit", "submit", _submit)
    return_ = _form_post("/return", "return", _return)
    approve = _form_post("/approve", "approve", _approve)
    publish = _form_post("/publish", "publish", _publish)
