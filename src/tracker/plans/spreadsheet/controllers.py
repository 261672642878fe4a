"""Pages to import an organisation's spreadsheet (upload, check, import) and to download its plan.

The uploaded file travels from the check to the import inside the form itself, as a hidden field holding the
file compressed (zlib) and base64-encoded, rather than in server memory or the upload folder. The app keeps no
state between requests (several processes may serve one database), a hidden field needs no clean-up of
abandoned uploads, and the import re-reads and re-checks the file from scratch, so a changed field can do no
more than uploading another file would: the person's permission and every rule are checked again. Files are
limited to 2 MB (MAX_FILE_BYTES), well inside the request size limit even after base64. What the person
reviewed on the check page travels alike (``review``): an import whose dry run differs shows the check again.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import zlib
from collections.abc import Callable
from typing import Annotated, Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from litestar.response import Response as HttpResponse
from sqlmodel import Session

from tracker.db import saved_id
from tracker.evidence.services import display_name
from tracker.filelimits import MAX_FILE_BYTES, MAX_ROWS
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission, require, visible_levels
from tracker.plans import spreadsheet
from tracker.plans.spreadsheet import review
from tracker.plans.spreadsheet.common import ImportConflict, SpreadsheetError
from tracker.plans.spreadsheet.export import export_row_count
from tracker.plans.spreadsheet.known import remembered_dates
from tracker.plans.spreadsheet.mapping import FIELDS, IGNORE, ROUND, Mapping, date_in_header
from tracker.plans.spreadsheet.results import ImportPlan
from tracker.plans.spreadsheet.rows import column_examples
from tracker.recommendations.editing import set_by_slug
from tracker.recommendations.services import list_sets
from tracker.timeutil import uk_date
from tracker.vocabulary import Visibility
from tracker.web.forms import Form
from tracker.web.guards import SignedInPages
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_, gettext, ngettext
from tracker.web.templating import page

MultipartData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_LIMIT = 20  # errors listed in the error summary; the rest are in the table below it


class SpreadsheetController(SignedInPages):
    path = "/plan"

    @get("/{slug:str}/import", sync_to_thread=True, name="spreadsheet:upload-form")
    def upload_form(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> Template:
        organisation = _organisation(db, slug, request, Permission.EDIT_PLAN)
        return _upload_page(
            request,
            organisation,
            Form(),
            sets=list_sets(db),
            download_rows=export_row_count(db, saved_id(organisation)),
        )

    @post("/{slug:str}/import", sync_to_thread=True, name="spreadsheet:check")
    def check(self, request: AnyRequest, db: Db, slug: FromPath[str], data: MultipartData) -> Template:
        """The dry run: a new upload (columns detected), or the carried file with the columns as chosen."""
        organisation = _organisation(db, slug, request, Permission.EDIT_PLAN)
        loaded = _load(request, organisation, data, sets=list_sets(db))
        if isinstance(loaded, Template):
            return loaded
        return _check_page(request, db, organisation, *loaded)

    @post("/{slug:str}/import/apply", sync_to_thread=True, name="spreadsheet:apply")
    def apply(self, request: AnyRequest, db: Db, slug: FromPath[str], data: MultipartData) -> Template | Redirect:
        """Check the carried file again and import it if nothing is wrong; otherwise show why (422)."""
        organisation = _organisation(db, slug, request, Permission.EDIT_PLAN)
        loaded = _load(request, organisation, data, new_upload=False, sets=list_sets(db))
        if isinstance(loaded, Template):
            return loaded
        frame, mapping, form, packed, filename = loaded
        plan = _dry_run(db, organisation, frame, mapping, form, filename)
        if not plan.ok:
            db.rollback()
            return _render_check(
                request, organisation, frame, plan, form, packed, filename, status_code=422, sets=list_sets(db)
            )
        if _changed_since_checked(db, organisation, frame, mapping, form, filename, plan):
            db.rollback()
            return _check_page(
                request, db, organisation, frame, mapping, form, packed, filename, conflict=gettext(CHANGED)
            )
        try:
            result = spreadsheet.apply_import(db, saved_id(organisation), plan, request.user)
        except ImportConflict as exc:
            return _check_page(request, db, organisation, frame, mapping, form, packed, filename, conflict=str(exc))
        return Redirect(
            request.app.route_reverse("plans:organisation", slug=organisation.slug) + f"?imported={result.total}",
            status_code=303,
        )

    @get("/{slug:str}/export.csv", sync_to_thread=True, name="spreadsheet:export-csv")
    def export_csv(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> HttpResponse[bytes]:
        return _export(request, db, slug, spreadsheet.export_csv, "text/csv; charset=utf-8", "csv")

    @get("/{slug:str}/export.xlsx", sync_to_thread=True, name="spreadsheet:export-xlsx")
    def export_xlsx(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> HttpResponse[bytes]:
        return _export(request, db, slug, spreadsheet.export_xlsx, XLSX_TYPE, "xlsx")


def _organisation(db: Session, slug: str, request: AnyRequest, permission: Permission) -> Organisation:
    organisation = get_by_slug(db, slug)
    if organisation is None:
        raise NotFoundException()
    require(request.user, permission, organisation.id)
    return organisation


def _export(
    request: AnyRequest,
    db: Session,
    slug: str,
    write: Callable[..., bytes],
    media_type: str,
    extension: str,
) -> HttpResponse[bytes]:
    """The plan as the reader may see it (their visible updates only), as a download."""
    organisation = _organisation(db, slug, request, Permission.VIEW_PLAN)
    organisation_id = saved_id(organisation)
    content = write(db, organisation_id, visibilities=visible_levels(request.user, organisation_id))
    return _download(content, media_type, organisation, extension)


def _download(content: bytes, media_type: str, organisation: Organisation, extension: str) -> HttpResponse[bytes]:
    filename = f"{organisation.slug}-action-plan-{dt.date.today().isoformat()}.{extension}"
    return HttpResponse(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- carrying the file -----------------------------------------------------------------------------------


def pack(content: bytes) -> str:
    return base64.b64encode(zlib.compress(content, 6)).decode("ascii")


def unpack(text: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The carried file; refuses anything that does not decode or would grow beyond ``limit`` bytes."""
    try:
        compressed = base64.b64decode(text, validate=True)
        inflater = zlib.decompressobj()
        content = inflater.decompress(compressed, limit + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise SpreadsheetError(gettext("The file could not be read again: upload it again")) from None
    if len(content) > limit or inflater.unconsumed_tail:
        raise SpreadsheetError(gettext("The file is too large: upload it again"))
    return content


def _load(
    request: AnyRequest,
    organisation: Organisation,
    data: dict[str, Any],
    *,
    new_upload: bool = True,
    sets: list[Any] | None = None,
) -> tuple[Any, Mapping, Form, str, str] | Template:
    """The file (a new upload, or the one carried in the form), its table, and the columns as chosen."""
    form = Form.of({k: v for k, v in data.items() if isinstance(v, str)})
    upload = data.get("file")
    fresh = new_upload and isinstance(upload, UploadFile) and bool(upload.filename)
    try:
        if fresh:
            assert isinstance(upload, UploadFile)
            content = upload.file.read(MAX_FILE_BYTES + 1)
            filename = display_name(upload.filename)  # as evidence files' names are: no control or format character
        elif form.get("file_data"):
            content, filename = unpack(form.get("file_data")), display_name(form.get("file_name"))
        else:
            form.error("file", N_("Select a CSV or Excel file"))
            return _upload_page(request, organisation, form, status_code=422, sets=sets)
        frame = spreadsheet.read_table(content, filename)
    except SpreadsheetError as exc:
        form.error("file", str(exc))
        return _upload_page(request, organisation, form, status_code=422, sets=sets)
    if form.get("visibility") not in ("", *VISIBILITIES):
        form.error("visibility", N_("Choose who can see the imported updates: the public, or your organisation only"))
        return _upload_page(request, organisation, form, status_code=422, sets=sets)
    detected = spreadsheet.detect_mapping(frame.columns)
    chosen: dict[str, str | None] = {}
    for i, column in enumerate(detected.columns):
        value = form.values.get(f"column-{i}")
        chosen[column] = value if isinstance(value, str) and (value in FIELDS or value == IGNORE) else None
    mapping = Mapping({c: (v if (v := chosen[c]) is not None else f) for c, f in detected.fields.items()})
    return frame, mapping, form, pack(content) if fresh else form.get("file_data"), filename


def _round_dates(form: Form, mapping: Mapping) -> dict[str, str]:
    """The dates given on the form, or else those given for the same column headings at an earlier import
    (``_dry_run`` puts them into the form, so they show and travel to the import)."""
    return {c: form.get(f"date-{i}") for i, c in enumerate(mapping.columns) if form.get(f"date-{i}")}


VISIBILITIES = {"public": Visibility.PUBLIC, "internal": Visibility.INTERNAL}


def _dry_run(
    db: Session, organisation: Organisation, frame: Any, mapping: Mapping, form: Form, filename: str
) -> ImportPlan:
    """The dry run as the form asks for it: the one call behind both the check and the import."""
    remembered = remembered_dates(db, saved_id(organisation))
    for i, column in enumerate(mapping.columns):
        if column in remembered and f"date-{i}" not in form.values:
            form.values[f"date-{i}"] = remembered[column]
    return spreadsheet.plan_import(
        db,
        saved_id(organisation),
        frame,
        mapping,
        _round_dates(form, mapping),
        set_id=_set_id(db, form),
        file_name=filename,
        visibility=VISIBILITIES.get(form.get("visibility"), Visibility.PUBLIC),
        use_file={
            name.removeprefix("conflict-")
            for name, v in form.values.items()
            if name.startswith("conflict-") and v == "file"
        },
    )


CHANGED = N_("Something changed in the tracker since you checked this file: review the changes again")


def _changed_since_checked(
    db: Session, organisation: Organisation, frame: Any, mapping: Mapping, form: Form, filename: str, plan: ImportPlan
) -> bool:
    """Whether the dry run ``plan`` differs from the one the person reviewed on the check page (``review``):
    the tracker changed in between. If so, the choice of the file's value is dropped from ``form`` for every
    conflict not shown as it is now, so the check page shown again keeps the tracker's value until they choose."""
    if not plan.changes and not plan.conflicts:
        return False  # the tracker holds everything the file says: nothing to write, nothing to overwrite
    reviewed = review.read(form.get(review.FIELD))
    checked = plan
    if reviewed is not None and review.choices(form.values) != reviewed.choices:
        # choices changed on the page without checking again: the dry run as reviewed, worked out again
        values = {name: value for name, value in form.values.items() if not review.is_choice(name)}
        as_reviewed = Form(values=values | reviewed.choices)
        checked = _dry_run(db, organisation, frame, mapping, as_reviewed, filename)
    if reviewed is not None and review.digest(checked) == reviewed.digest:
        return False
    seen = reviewed.conflicts if reviewed else {}
    for conflict in plan.conflicts:
        if seen.get(conflict.key) != conflict.changed_at.isoformat():
            form.values.pop(f"conflict-{conflict.key}", None)
    return True


# --- pages -----------------------------------------------------------------------------------------------


def _upload_page(
    request: AnyRequest,
    organisation: Organisation,
    form: Form,
    status_code: int = 200,
    sets: list[Any] | None = None,
    download_rows: int = 0,
) -> Template:
    return page(
        request,
        "plans/import.html",
        download_rows=download_rows,
        status_code=status_code,
        organisation=organisation,
        form=form,
        error_title=bool(form.errors),
        max_mb=MAX_FILE_BYTES // (1024 * 1024),
        max_rows=MAX_ROWS,
        sets=sets or [],
    )


def _check_page(
    request: AnyRequest,
    db: Session,
    organisation: Organisation,
    frame: Any,
    mapping: Mapping,
    form: Form,
    packed: str,
    filename: str,
    conflict: str | None = None,
) -> Template:
    plan = _dry_run(db, organisation, frame, mapping, form, filename)
    sets = list_sets(db)
    db.rollback()  # the dry run only read; end its transaction (and SQLite's write lock) now
    return _render_check(
        request,
        organisation,
        frame,
        plan,
        form,
        packed,
        filename,
        status_code=409 if conflict else 200,
        conflict=conflict,
        sets=sets,
    )


def _render_check(
    request: AnyRequest,
    organisation: Organisation,
    frame: Any,
    plan: ImportPlan,
    form: Form,
    packed: str,
    filename: str,
    *,
    status_code: int = 200,
    conflict: str | None = None,
    sets: list[Any] | None = None,
) -> Template:
    mapping = plan.mapping
    examples = column_examples(frame, mapping)
    given = _round_dates(form, mapping)
    columns = []
    for i, column in enumerate(mapping.columns):
        name = mapping.fields[column]
        dated = name in (ROUND, "update_text")
        header_date = date_in_header(column) if name == ROUND else None
        date_value = given.get(column) or (header_date.strftime("%d/%m/%Y") if header_date else "")
        columns.append(
            {
                "index": i,
                "name": column,
                "field": name,
                "example": examples.get(column, ""),
                "dated": dated,
                "date_value": date_value,
                "header_date": uk_date(header_date) if header_date else "",
                "errors": [e.message for e in plan.mapping_errors if e.column == column and e.about == "column"],
                "date_errors": [e.message for e in plan.mapping_errors if e.column == column and e.about == "date"],
            }
        )
    return page(
        request,
        "plans/import_check.html",
        status_code=status_code,
        organisation=organisation,
        plan=plan,
        columns=columns,
        field_choices=[("", N_("Do not import")), *FIELDS.items()],
        file_data=packed,
        file_name=filename,
        reviewed=review.token(plan, form.values),
        error_list=_error_list(plan, mapping),
        error_title=not plan.ok,
        conflict=conflict,
        header_row=frame.attrs.get("header_row", 1),
        form=form,
        sets=sets or [],
    )


def _set_id(db: Session, form: Form) -> int | None:
    """The recommendation set chosen on the import form (None: numbers are looked up in every set)."""
    rec_set = set_by_slug(db, form.get("set"))
    return rec_set.id if rec_set else None


def _error_list(plan: ImportPlan, mapping: Mapping) -> list[dict[str, str]]:
    """For the error summary: mapping problems link to their column, row problems to their line in the table."""
    items = []
    for error in plan.mapping_errors:
        if error.column in mapping.fields:
            index = mapping.columns.index(error.column)
            anchor = f"date-{index}" if error.about == "date" else f"column-{index}"
        else:
            anchor = "columns"
        items.append({"text": error.message, "href": f"#{anchor}"})
    for i, row_error in enumerate(plan.row_errors[:SUMMARY_LIMIT]):
        items.append({"text": str(row_error), "href": f"#problem-{i}"})
    hidden = len(plan.row_errors) - SUMMARY_LIMIT
    if hidden > 0:
        more = ngettext(
            "and %(num)s more problem in the rows, listed below",
            "and %(num)s more problems in the rows, listed below",
            hidden,
            num=f"{hidden:,}",
        )
        items.append({"text": more, "href": "#problems"})
    return items
