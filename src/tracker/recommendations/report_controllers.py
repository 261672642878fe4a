"""The admin page "Load from the report document": upload or paste the report, review what it says beside what the
set holds field by field, accept or correct each field, and apply (``tracker.recommendations.report_apply``)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.response import Template
from sqlmodel import Session

from tracker.db import StaleRecord
from tracker.inputs import InputError
from tracker.organisations.services import addressee_codes
from tracker.plans.spreadsheet import SpreadsheetError
from tracker.plans.spreadsheet.controllers import pack, unpack
from tracker.recommendations.admin_controllers import MultipartData, RecommendationsAdminPages, set_file_page
from tracker.recommendations.editing import set_by_slug
from tracker.recommendations.models import RecommendationSet
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
from tracker.timeutil import DateParseError, parse_uk_date
from tracker.web.forms import Form
from tracker.web.handler_types import AnyRequest, Db

PASTED = "pasted text"
MAX_MB = REPORT_MAX_BYTES // (1024 * 1024)
# Both steps may carry the whole document: the upload (or pasted text), then the review form's copy, base64 (a third
# larger; a PDF barely compresses). The body limit is what the largest document needs, with room for the fields
# (corrections typed for every recommendation), so a document over REPORT_MAX_BYTES is refused beside its field.
BODY_LIMIT = REPORT_MAX_BYTES * 4 // 3 + 2 * 1024 * 1024


class ReportDocumentController(RecommendationsAdminPages):
    path = "/admin/recommendations/report"

    @get("/", sync_to_thread=True, name="recommendations-admin:report-form")
    def form(self, request: AnyRequest, db: Db) -> Template:
        return _page(request, db, Form())

    @post("/", sync_to_thread=True, request_max_body_size=BODY_LIMIT, name="recommendations-admin:report-review")
    def check(self, request: AnyRequest, db: Db, data: MultipartData) -> Template:
        """What the document says beside what the set holds; nothing is saved."""
        form, found, refused = _reviewed(request, db, data)
        if found is None:
            return refused
        return _page(
            request, db, _filled(found), found=found, file_data=form.get("file_data"), file_name=form.get("file_name")
        )

    @post("/apply", sync_to_thread=True, request_max_body_size=BODY_LIMIT, name="recommendations-admin:report-apply")
    def apply(self, request: AnyRequest, db: Db, data: MultipartData) -> Template:
        """Check the carried document again and save what the admin accepted, all or nothing."""
        form, found, refused = _reviewed(request, db, data)
        if found is None:
            return refused
        rec_set = found.rec_set
        carried = {"file_data": form.get("file_data"), "file_name": form.get("file_name")}
        choices, versions = _choices(db, found, form)
        _name_errors(form, found)
        if not form.ok:
            return _page(request, db, form, status_code=422, found=found, **carried)
        try:
            applied = apply_review(db, found, request.user, choices=choices, versions=versions)
        except InputError as exc:
            db.rollback()
            form.errors.update(exc.errors)
            return _page(request, db, form, status_code=422, found=found, **carried)
        except StaleRecord:
            db.rollback()
            return _page(request, db, Form(values={"set": rec_set.slug}), status_code=409, conflict=True)
        return _page(request, db, form, applied=applied, rs=rec_set)


def _reviewed(request: AnyRequest, db: Session, data: dict[str, Any]) -> tuple[Form, Review | None, Template]:
    """The form and the review of its document, or the page that refuses it (with every reason)."""
    form, content, name, rec_set = _read_form(db, data)
    if content is None or rec_set is None:
        return form, None, _page(request, db, form, status_code=422)
    try:
        found = review(db, read_document(content, name), rec_set)
    except ReportDocumentError as exc:
        return form, None, _page(request, db, form, status_code=422, problems=exc.problems)
    form.values.update({"file_data": pack(content), "file_name": found.doc.file_name})  # carried to the next step
    return form, found, _page(request, db, form)


def _page(request: AnyRequest, db: Session, form: Form, status_code: int = 200, **extra: Any) -> Template:
    template = "recommendations/admin_report.html"
    return set_file_page(request, db, template, form, status_code, max_mb=MAX_MB, **extra)  # the report's own limit


def _read_form(db: Session, data: dict[str, Any]) -> tuple[Form, bytes | None, str, RecommendationSet | None]:
    """The form, the document (uploaded, pasted, or carried from the review) and the set it confirms."""
    form = Form.of({k: v for k, v in data.items() if isinstance(v, (str, list)) and k != "_csrf_token"})
    rec_set = set_by_slug(db, form.get("set"))
    if rec_set is None:
        form.error("set", "Choose the recommendation set the report document confirms")
    upload = data.get("file")
    content: bytes | None = None
    name = PASTED
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            content, name = upload.file.read(REPORT_MAX_BYTES + 1), upload.filename
        elif form.get("file_data"):
            content, name = unpack(form.get("file_data"), REPORT_MAX_BYTES), form.get("file_name") or PASTED
        elif str(data.get("pasted") or "").strip():
            content = str(data["pasted"]).encode("utf-8")
        else:
            form.error("file", "Select the report's HTML page or PDF, or paste its text")
    except SpreadsheetError as exc:
        form.error("file", str(exc))
        content = None
    if content is not None and len(content) > REPORT_MAX_BYTES:
        form.error("file" if name != PASTED else "pasted", f"The document is larger than {MAX_MB} MB")
    # A correction the admin typed wrongly (refused by Form.of) keeps the review on screen, beside its box.
    usable = not {"set", "file", "pasted"} & set(form.errors)
    return form, (content if usable else None), name, rec_set


def _filled(found: Review) -> Form:
    """The review form filled in with what the document says, every field accepted."""
    values: dict[str, Any] = {"set": found.rec_set.slug}
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
            form.error(f"r{n}-addressees", f"{', '.join(unknown)} is not an addressee code (see the list below)")
        try:
            deadline = parse_uk_date(form.get(f"r{n}-deadline") or None)
        except DateParseError:
            form.error(f"r{n}-deadline", "The deadline must be a real date, like 27/03/2025")
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
        for box, words in boxes.items():
            if box in form.errors and not form.errors[box].startswith(f"Recommendation {n}"):
                form.errors[box] = named(n, words, form.errors[box])


def _codes(text: str) -> list[str]:
    return list(dict.fromkeys(c.strip() for c in text.replace("\n", ",").split(",") if c.strip()))
