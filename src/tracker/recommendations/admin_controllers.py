"""Admin screens for recommendation sets: confirmation counts, editing with versions, loading and exporting.

Also the list of changes to obligations that coordinators read (who must answer what, after addressees changed).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.response import Response as HttpResponse
from sqlmodel import Session, col, select

from tracker.audit.models import AuditEvent
from tracker.datafiles import LoadError
from tracker.db import StaleRecord
from tracker.filelimits import MAX_FILE_BYTES
from tracker.inputs import problems_for
from tracker.loading import load_upload
from tracker.organisations.models import AddresseeGroup, Organisation
from tracker.organisations.services import addressee_names
from tracker.permissions import Permission
from tracker.plans.services import actor_for
from tracker.plans.spreadsheet import SpreadsheetError
from tracker.plans.spreadsheet.controllers import pack, unpack
from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import (
    CONFIRMABLE,
    FIELD_LABELS,
    NEW_SUB_ROWS,
    EditError,
    conflict_values,
    form_values,
    history_events,
    readable,
    save_recommendation,
    set_by_slug,
    set_summaries,
    show_value,
    subs_of,
    versions,
)
from tracker.recommendations.export import dump_set
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.recommendations.services import set_named
from tracker.vocabulary import OrganisationKind, Provenance, WelshWordingSource
from tracker.web.forms import Form
from tracker.web.guards import SignedInPages, needs
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _
from tracker.web.templating import page

MultipartData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
UrlEncoded = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _recommendation(db: Session, rec_id: int) -> tuple[Recommendation, RecommendationSet]:
    rec = db.get(Recommendation, rec_id)
    if rec is None or rec.parent_id is not None:
        raise NotFoundException()
    rec_set = db.get(RecommendationSet, rec.set_id)
    assert rec_set is not None
    return rec, rec_set


def _addressee_choices(db: Session) -> dict[str, Any]:
    groups = list(db.exec(select(AddresseeGroup).order_by(col(AddresseeGroup.position), col(AddresseeGroup.name))))
    organisations = list(db.exec(select(Organisation).order_by(Organisation.kind, Organisation.name)))
    by_kind = [(kind, [o for o in organisations if o.kind is kind]) for kind in OrganisationKind]
    return {"groups": groups, "organisations_by_kind": [(k, o) for k, o in by_kind if o]}


class RecommendationsAdminPages(SignedInPages):
    """The pages of /admin/recommendations: the recommendation sets' managers' alone."""

    path = "/admin/recommendations"
    opt = needs(Permission.MANAGE_RECOMMENDATIONS)


class RecommendationsAdminController(RecommendationsAdminPages):
    @get("/", sync_to_thread=True, name="recommendations-admin:index")
    def index(self, request: AnyRequest, db: Db) -> Template:
        """Every set with how many of its recommendations are confirmed."""
        return page(request, "recommendations/admin_index.html", summaries=set_summaries(db))

    @get("/sets/{slug:str}", sync_to_thread=True, name="recommendations-admin:set-page")
    def set_page(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> Template:
        rec_set = set_by_slug(db, slug)
        if rec_set is None:
            raise NotFoundException()
        summary = next(s for s in set_summaries(db) if s.recommendation_set.id == rec_set.id)
        recs = list(
            db.exec(
                select(Recommendation)
                .where(Recommendation.set_id == rec_set.id, col(Recommendation.removed_at).is_(None))
                .order_by(col(Recommendation.position))
            )
        )
        subs: dict[int, list[Recommendation]] = {}
        for rec in recs:
            if rec.parent_id is not None:
                subs.setdefault(rec.parent_id, []).append(rec)
        return page(
            request,
            "recommendations/admin_set.html",
            rs=rec_set,
            summary=summary,
            recs=[r for r in recs if r.parent_id is None],
            subs=subs,
            names=addressee_names(db),
        )

    @get("/sets/{slug:str}/export.yaml", sync_to_thread=True, name="recommendations-admin:export")
    def export(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> HttpResponse[bytes]:
        """The set as a data file that loads back to the same data."""
        rec_set = set_by_slug(db, slug)
        if rec_set is None:
            raise NotFoundException()
        filename = f"{rec_set.slug}-{dt.date.today().isoformat()}.yaml"
        return HttpResponse(
            dump_set(db, rec_set).encode("utf-8"),
            media_type="application/yaml; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        )

    # --- one recommendation ---------------------------------------------------------------------------

    @get("/{rec_id:int}", sync_to_thread=True, name="recommendations-admin:edit")
    def edit(self, request: AnyRequest, db: Db, rec_id: FromPath[int]) -> Template:
        rec, rec_set = _recommendation(db, rec_id)
        return self._edit_page(request, db, rec, rec_set, Form(values=form_values(db, rec)))

    @post("/{rec_id:int}", sync_to_thread=True, name="recommendations-admin:save")
    def save(self, request: AnyRequest, db: Db, rec_id: FromPath[int], data: UrlEncoded) -> Template | Redirect:
        # Repeated fields (addressees, confirmed fields) arrive as a list when more than one is ticked.
        values = {k: v for k, v in data.items() if k != "_csrf_token"}
        return self._save(request, db, rec_id, values)

    def _save(self, request: AnyRequest, db: Session, rec_id: int, values: dict[str, Any]) -> Template | Redirect:
        rec, rec_set = _recommendation(db, rec_id)
        form = Form.of(values)  # a control character or override is refused beside its field (tracker.inputs)
        edit = recommendation_edit(form.values)
        try:
            form.refuse_if_invalid(EditError)
            result = save_recommendation(db, rec, edit, request.user)
        except EditError as exc:
            db.rollback()
            form.errors.update(exc.errors)
            return self._edit_page(request, db, rec, rec_set, form, status_code=422)
        except StaleRecord as exc:
            db.rollback()
            db.refresh(rec)
            conflict = conflict_values(db, exc.current, edit)
            return self._edit_page(
                request, db, rec, rec_set, Form(values=form_values(db, rec)), status_code=409, conflict=conflict
            )
        if not result.changed:
            return Redirect(
                request.app.route_reverse("recommendations-admin:edit", rec_id=rec.id) + "?unchanged=1", status_code=303
            )
        changes = result.obligations
        query = f"?saved={rec.version}"
        if changes.any:
            query += f"&added={len(changes.added)}&removed={len(changes.no_longer_required)}"
            query += f"&again={len(changes.required_again)}"
        return Redirect(request.app.route_reverse("recommendations-admin:edit", rec_id=rec.id) + query, status_code=303)

    def _edit_page(
        self,
        request: AnyRequest,
        db: Session,
        rec: Recommendation,
        rec_set: RecommendationSet,
        form: Form,
        status_code: int = 200,
        **extra: Any,
    ) -> Template:
        params = request.query_params
        return recommendation_page(
            request,
            "recommendations/admin_edit.html",
            (rec, rec_set, form),
            status_code,
            subs=subs_of(db, rec),
            provenances=list(Provenance),
            welsh_sources=list(WelshWordingSource),
            confirmable=CONFIRMABLE,
            new_rows=range(1, NEW_SUB_ROWS + 1),
            saved=params.get("saved"),
            unchanged=bool(params.get("unchanged")),
            obligation_changes={k: params.get(k) for k in ("added", "removed", "again") if params.get(k)},
            **_addressee_choices(db),
            **extra,
        )

    @get("/{rec_id:int}/history", sync_to_thread=True, name="recommendations-admin:history")
    def history(self, request: AnyRequest, db: Db, rec_id: FromPath[int]) -> Template:
        """Every version of the recommendation, and the audit history of what changed."""
        rec, rec_set = _recommendation(db, rec_id)
        names = addressee_names(db)
        return page(
            request,
            "recommendations/admin_history.html",
            rec=rec,
            rs=rec_set,
            versions=[(v, readable(v.content, names)) for v in versions(db, rec)],
            events=history_events(db, rec),
            labels=FIELD_LABELS,
            show=lambda key, value: show_value(key, value, names),
        )

    # --- loading a set ----------------------------------------------------------------------------------

    @get("/load", sync_to_thread=True, name="recommendations-admin:load-form")
    def load_form(self, request: AnyRequest, db: Db) -> Template:
        return _load_page(request, db, Form())

    @post("/load", sync_to_thread=True, name="recommendations-admin:load-check")
    def load_check(self, request: AnyRequest, db: Db, data: MultipartData) -> Template | Redirect:
        """The dry run: what loading the file would create or change, and every problem in it."""
        return _run_load(request, db, data, dry_run=True)

    @post("/load/apply", sync_to_thread=True, name="recommendations-admin:load-apply")
    def load_apply(self, request: AnyRequest, db: Db, data: MultipartData) -> Template | Redirect:
        """Check the carried file again and load it, all or nothing."""
        return _run_load(request, db, data, dry_run=False)


RecommendationForm = tuple[Recommendation, RecommendationSet, Form]


def recommendation_page(
    request: AnyRequest,
    template: str,
    shown: RecommendationForm,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    """A page about one recommendation of a set with a form on it (editing it, its candidates)."""
    rec, rec_set, form = shown
    return page(
        request,
        template,
        status_code=status_code,
        rec=rec,
        rs=rec_set,
        form=form,
        error_title=bool(form.errors),
        **extra,
    )


def _load_page(request: AnyRequest, db: Session, form: Form, status_code: int = 200, **extra: Any) -> Template:
    return set_file_page(request, db, "recommendations/admin_load.html", form, status_code, **extra)


def set_file_page(
    request: AnyRequest,
    db: Session,
    template: str,
    form: Form,
    status_code: int = 200,
    max_mb: int = MAX_FILE_BYTES // (1024 * 1024),
    **extra: Any,
) -> Template:
    """A page that reads a file into a recommendation set (a spreadsheet, the report document): the sets to
    choose from, the size limit (``max_mb``), and an error title when the form or the file has problems."""
    sets = list(db.exec(select(RecommendationSet).order_by(RecommendationSet.short_title)))
    return page(
        request,
        template,
        status_code=status_code,
        form=form,
        sets=sets,
        error_title=bool(form.errors) or bool(extra.get("problems")) or bool(extra.get("conflict")),
        max_mb=max_mb,
        **extra,
    )


# The new set's fields on the load form, and the columns that store them.
_NEW_SET_FIELDS = {
    "new_slug": "slug",
    "new_title": "title",
    "new_short_title": "short_title",
    "new_source_url": "source_url",
}


def _new_set(form: Form) -> dict[str, Any] | None:
    """The new set a spreadsheet goes into, as the form describes it; what its fields refuse (a direction control,
    a length) is noted beside them, as any form's fields are, and the set is None until there is a slug or title."""
    slug = form.require("new_slug", "Enter a short name for the new set (lowercase words joined by hyphens)")
    title = form.require("new_title", "Enter the report's title")
    for name, column in _NEW_SET_FIELDS.items():
        if problem := problems_for(RecommendationSet, **{column: form.get(name)}).get(column):
            form.error(name, problem)
    if not (slug or title):
        return None
    return {
        "slug": slug,
        "title": title,
        "short_title": form.get("new_short_title") or title[:200],
        "published": form.get("new_published") or None,
        "source_url": form.get("new_source_url") or None,
    }


def _run_load(request: AnyRequest, db: Session, data: dict[str, Any], *, dry_run: bool) -> Any:
    form = Form.of({k: v for k, v in data.items() if isinstance(v, str)})
    upload = data.get("file")
    try:
        if dry_run and isinstance(upload, UploadFile) and upload.filename:
            content = upload.file.read(MAX_FILE_BYTES + 1)
            filename = upload.filename
            if len(content) > MAX_FILE_BYTES:
                raise SpreadsheetError(_("The file is larger than %(mb)s MB", mb=MAX_FILE_BYTES // (1024 * 1024)))
        elif form.get("file_data"):
            content, filename = unpack(form.get("file_data")), form.get("file_name")
        else:
            form.error("file", N_("Select a YAML, CSV or Excel file"))
            return _load_page(request, db, form, status_code=422)
    except SpreadsheetError as exc:
        form.error("file", str(exc))
        return _load_page(request, db, form, status_code=422)
    is_sheet = filename.lower().endswith((".csv", ".xlsx"))
    set_slug = form.get("set") or None
    new_set = None
    if is_sheet and not set_slug:
        new_set = _new_set(form)
        if not form.ok:
            return _load_page(request, db, form, status_code=422)
    try:
        result = load_upload(
            db,
            content,
            filename,
            actor_for(request.user),
            dry_run=dry_run,
            set_slug=set_slug if is_sheet else None,
            new_set=new_set,
        )
    except LoadError as exc:
        db.rollback()
        return _load_page(
            request,
            db,
            form,
            status_code=422,
            problems=exc.problems,
            file_data=pack(content),
            file_name=filename,
        )
    if not dry_run:
        return page(request, "recommendations/admin_loaded.html", result=result)
    return _load_page(request, db, form, result=result, file_data=pack(content), file_name=filename)


class ObligationChangesController(SignedInPages):
    """For coordinators: how obligations changed when recommendations' addressees changed."""

    path = "/oversight/obligation-changes"
    opt = needs(Permission.VIEW_OVERSIGHT)

    @get("/", sync_to_thread=True, name="obligation-changes:index")
    def index(
        self,
        request: AnyRequest,
        db: Db,
        set_slug: Annotated[str | None, QueryParameter(name="set")] = None,
    ) -> Template:
        return page(request, "recommendations/obligation_changes.html", **obligation_changes(db, set_slug))


def obligation_changes(db: Session, set_slug: str | None = None, limit: int = 50) -> dict[str, Any]:
    """The latest syncs that took obligations away or gave them back, and those that added some after the first load.

    Each lists organisation and recommendation by name, and says what caused it where that was recorded (a set or
    organisations loaded, or one recommendation edited, or its addressees accepted from a candidate or taken from
    declarations); a long list is counted by recommendation instead.
    """
    rec_set = set_named(db, set_slug)
    query = select(AuditEvent).where(AuditEvent.entity_type == "obligations", AuditEvent.action == "sync")
    if rec_set is not None:
        query = query.where(AuditEvent.entity_id == rec_set.id)
    events = list(db.exec(query.order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc()).limit(limit)))
    org_names = dict(db.exec(select(Organisation.id, Organisation.name)).all())
    recs = {
        rid: (number, set_id)
        for rid, number, set_id in db.exec(select(Recommendation.id, Recommendation.number, Recommendation.set_id))
    }
    set_names = dict(db.exec(select(RecommendationSet.id, RecommendationSet.short_title)).all())
    items = []
    for event in events:
        after = event.after or {}
        lists = {}
        for key in ("added", "no_longer_required", "required_again", "declarations_settled"):
            pairs = after.get(key) or []
            lists[key] = [
                (org_names.get(org, "?"), recs.get(rid, ("?", None))[0], set_names.get(recs.get(rid, ("?", 0))[1], ""))
                for org, rid in pairs
            ]
        items.append({"event": event, "lists": lists, "cause": after.get("cause") or {}})
    sets = list(db.exec(select(RecommendationSet).order_by(RecommendationSet.short_title)))
    return {"items": items, "sets": sets, "chosen_set": rec_set}
