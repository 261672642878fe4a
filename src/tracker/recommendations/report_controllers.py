"""The admin page "Load from the report document": upload or paste the report, review what it says beside what the
set holds field by field, accept or correct each field, and apply (``tracker.recommendations.report_apply``)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.response import Template
from sqlmodel import Session

from tracker.db import StaleRecord
from tracker.inputs import InputError, clean_imported
from tracker.organisations.services import addressee_codes
from tracker.recommendations.admin_controllers import MultipartData, RecommendationsAdminPages, set_file_page
from tracker.recommendations.editing import set_by_slug
from tracker.recommendations.models import RecommendationSet, ReportDocumentUpload
from tracker.recommendations.report_apply import (
    FIELDS,
    REVIEW_BOXES,
    Choice,
    Review,
    apply_review,
    given_fields,
    named,
    review,
)
from tracker.recommendations.report_text import REPORT_MAX_BYTES, ReportDocumentError, read_document
from tracker.recommendations.report_uploads import UploadNotKept, keep_upload, kept_upload
from tracker.timeutil import DateParseError, parse_uk_date
from tracker.web.forms import Form
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _

PASTED = "pasted text"
MAX_MB = REPORT_MAX_BYTES // (1024 * 1024)
# The review takes one document (uploaded or pasted) and the form's few fields; a document a little over
# REPORT_MAX_BYTES still arrives, to be refused beside its field rather than by the server's bare "too large".
REVIEW_BODY_LIMIT = REPORT_MAX_BYTES + 2 * 1024 * 1024
# Applying carries no document (it stays on the server: report_uploads), only the corrections typed for every
# recommendation: a report's whole wording is well under 1 MB.
APPLY_BODY_LIMIT = 2 * 1024 * 1024
KEPT = ("set", "upload", "upload_sha256")  # what the review form carries back: the set and the document kept


class ReportDocumentController(RecommendationsAdminPages):
    path = "/admin/recommendations/report"

    @get("/", sync_to_thread=True, name="recommendations-admin:report-form")
    def form(self, request: AnyRequest, db: Db) -> Template:
        return _page(request, db, Form())

    @post("/", sync_to_thread=True, request_max_body_size=REVIEW_BODY_LIMIT, name="recommendations-admin:report-review")
    def check(self, request: AnyRequest, db: Db, data: MultipartData) -> Template:
        """What the document says beside what the set holds; only the document is kept, for applying it."""
        form, found, refused = _reviewed(request, db, data, kept_only=False)
        if found is None:
            return refused
        return _page(request, db, _filled(found, form), found=found)

    @post(
        "/apply", sync_to_thread=True, request_max_body_size=APPLY_BODY_LIMIT, name="recommendations-admin:report-apply"
    )
    def apply(self, request: AnyRequest, db: Db, data: MultipartData) -> Template:
        """Check the kept document again and save what the admin accepted, all or nothing."""
        form, found, refused = _reviewed(request, db, data, kept_only=True)
        if found is None:
            return refused
        choices, versions = _choices(db, found, form)
        _name_errors(form, found)
        if not form.ok:
            return _page(request, db, form, status_code=422, found=found)
        try:
            applied = apply_review(db, found, request.user, choices=choices, versions=versions)
        except InputError as exc:
            db.rollback()
            form.errors.update(exc.errors)
            return _page(request, db, form, status_code=422, found=found)
        except StaleRecord:
            db.rollback()
            again = Form(values={key: form.get(key) for key in KEPT})
            return _page(request, db, again, status_code=409, conflict=True)
        return _page(request, db, form, applied=applied, rs=found.rec_set)


def _reviewed(
    request: AnyRequest, db: Session, data: dict[str, Any], *, kept_only: bool
) -> tuple[Form, Review | None, Template]:
    """The form and the review of its document, or the page that refuses it (with every reason). A new document
    is kept for applying (``report_uploads``); ``kept_only``: only one kept already is taken."""
    form, document, rec_set = _read_form(request, db, data, kept_only=kept_only)
    if document is None or rec_set is None:
        return form, None, _page(request, db, form, status_code=422)
    content, name, kept = document
    try:
        doc = read_document(content, name)
        found = review(db, doc, rec_set)
    except ReportDocumentError as exc:
        return form, None, _page(request, db, form, status_code=422, problems=exc.problems)
    if kept is None:
        kept = keep_upload(db, content, doc, rec_set, request.user)
        db.commit()
    form.values.update({"upload": str(kept.id), "upload_sha256": kept.sha256})  # carried to the next step
    return form, found, _page(request, db, form)


def _page(request: AnyRequest, db: Session, form: Form, status_code: int = 200, **extra: Any) -> Template:
    template = "recommendations/admin_report.html"
    return set_file_page(request, db, template, form, status_code, max_mb=MAX_MB, **extra)  # the report's own limit


def _read_form(
    request: AnyRequest, db: Session, data: dict[str, Any], *, kept_only: bool
) -> tuple[Form, tuple[bytes, str, ReportDocumentUpload | None] | None, RecommendationSet | None]:
    """The form, the document (uploaded, pasted, or the one kept since the review: content, name, the kept row)
    and the set it confirms. Pasted text is the document itself: read as a file is (report_text), not refused for
    an invisible character as a typed field is."""
    form = Form.of({k: v for k, v in data.items() if isinstance(v, (str, list)) and k not in ("_csrf_token", "pasted")})
    for hidden in ("upload", "upload_sha256"):  # what names the kept document: refused beside the file field
        if form.errors.pop(hidden, None):
            form.error("file", N_("The document you checked is no longer kept: check it again"))
    pasted = str(data.get("pasted") or "")
    form.values["pasted"] = clean_imported(pasted).strip()
    rec_set = set_by_slug(db, form.get("set"))
    if rec_set is None:
        form.error("set", N_("Choose the recommendation set the report document confirms"))
    upload = data.get("file")
    document: tuple[bytes, str, ReportDocumentUpload | None] | None = None
    if not kept_only and isinstance(upload, UploadFile) and upload.filename:
        document = (upload.file.read(REPORT_MAX_BYTES + 1), upload.filename, None)
    elif form.get("upload"):
        try:
            if rec_set is not None:  # else the set is what to correct first
                kept = kept_upload(db, form.get("upload"), form.get("upload_sha256"), rec_set, request.user)
                document = (kept.content, kept.file_name, kept)
        except UploadNotKept as exc:
            form.error("file", str(exc))
    elif not kept_only and pasted.strip():
        document = (pasted.encode("utf-8"), PASTED, None)
    else:
        form.error("file", N_("Select the report's HTML page or PDF, or paste its text"))
    if document is not None and len(document[0]) > REPORT_MAX_BYTES:
        form.error("file" if document[1] != PASTED else "pasted", _("The document is larger than %(mb)s MB", mb=MAX_MB))
    # A correction the admin typed wrongly (refused by Form.of) keeps the review on screen, beside its box.
    usable = rec_set is not None and not {"set", "file", "pasted"} & set(form.errors)
    return form, (document if usable else None), rec_set


def _filled(found: Review, form: Form) -> Form:
    """The review form filled in with what the document says, every field accepted, and the kept document."""
    values: dict[str, Any] = {key: form.get(key) for key in KEPT} | {"set": found.rec_set.slug}
    for row in found.rows:
        n = row.found.number
        values[f"r{n}-version"] = str(row.rec.version)
        # Checking against the document confirms every field it gives; one it does not give is not offered.
        values[f"r{n}-accept"] = [f for f in FIELDS if f in given_fields(row.found)]
        values[f"r{n}-text"] = row.found.text
        values[f"r{n}-addressees"] = ", ".join(row.found.addressees)
        values[f"r{n}-deadline"] = row.found.deadline.strftime("%d/%m/%Y") if row.found.deadline else ""
        for sub in row.found.subs:
            values[f"s{sub.number}-text"] = sub.text
    return Form(values=values)


def _choices(db: Session, found: Review, form: Form) -> tuple[dict[str, Choice], dict[str, int]]:
    """The admin's decision per recommendation; a section's addressees, when given, apply to all of it.
    Problems go beside their fields on ``form``."""
    known = addressee_codes(db)
    sections = {heading: _codes(form.get(f"section-{i}-addressees")) for i, heading in enumerate(found.sections)}
    choices: dict[str, Choice] = {}
    versions: dict[str, int] = {}
    for row in found.rows:
        n = row.found.number
        ticked: str | list[str] = form.values.get(f"r{n}-accept") or []
        accepted: set[str] = {ticked} if isinstance(ticked, str) else set(ticked)
        addressees = sections.get(row.found.heading or "") or _codes(form.get(f"r{n}-addressees"))
        if unknown := [c for c in addressees if c not in known]:
            form.error(
                f"r{n}-addressees",
                _("%(codes)s is not an addressee code (see the list below)", codes=", ".join(unknown)),
            )
        try:
            deadline = parse_uk_date(form.get(f"r{n}-deadline") or None)
        except DateParseError:
            form.error(f"r{n}-deadline", N_("The deadline must be a real date, like 27/03/2025"))
            deadline = None
        subs = {s.number: form.get(f"s{s.number}-text") or None for s in row.found.subs}
        choices[n] = Choice(form.get(f"r{n}-text") or None, addressees, deadline, subs, accepted & set(FIELDS))
        if form.get(f"r{n}-version").isdigit():
            versions[n] = int(form.get(f"r{n}-version"))
    return choices, versions


def _name_errors(form: Form, found: Review) -> None:
    """Every error beside a recommendation's box names the recommendation and the box in the error summary."""
    for row in found.rows:
        n = row.found.number
        boxes = {f"r{n}-{key}": words for key, words in REVIEW_BOXES.items()}
        boxes |= {f"r{n}-accept": "fields to take"} | {
            f"s{s.number}-text": f"sub-recommendation {s.number}" for s in row.found.subs
        }
        if problem := form.errors.pop(f"r{n}-version", None):  # a hidden field: beside the ticks instead
            form.error(f"r{n}-accept", named(n, "version checked", problem))
        for box, words in boxes.items():
            if box in form.errors and not form.errors[box].startswith(f"Recommendation {n}"):
                form.errors[box] = named(n, words, form.errors[box])


def _codes(text: str) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in text.replace("\n", ",").split(",") if c.strip()))
