"""Evidence pages: add a file, link or note to a response; change or withdraw it; download a file.

Every form works as a plain POST (then a redirect to the response page); with htmx the add form swaps only the
evidence section. Files are only ever sent through ``/evidence/{id}/download``, which checks who may see them.
Wire the routes with ``evidence_routes(settings)``: uploads may be as large as ``settings.max_upload_bytes``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
from litestar import Litestar, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import File, Redirect, Template
from litestar.response import Response as HttpResponse
from sqlmodel import Session

from tracker.accounts.models import User
from tracker.db import StaleRecord, saved_id
from tracker.evidence.checks import (
    GivenFile,
    check_evidence_change,
    check_new_evidence,
    size_limit_text,
    too_large_message,
)
from tracker.evidence.filetypes import ACCEPTED_MESSAGE
from tracker.evidence.models import Evidence
from tracker.evidence.services import (
    EvidenceInput,
    add_evidence,
    evidence_file_path,
    sweep_orphan_files,
    update_evidence,
    visible_evidence,
    withdraw_evidence,
)
from tracker.inputs import InputError
from tracker.permissions import Permission, can, can_see_item
from tracker.plans.conflicts import conflict_in_words
from tracker.plans.items import ItemDeleted, load_child, load_deleted_from
from tracker.plans.services import ResponseContext, load_response
from tracker.settings import Settings
from tracker.vocabulary import EvidenceKind, Visibility
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_, gettext
from tracker.web.templating import page
from tracker.web.upload_form import UploadFormReader, body_over_limit

log = logging.getLogger("tracker.evidence")

MEGABYTE = 1024 * 1024
FORM_BODY_LIMIT = MEGABYTE  # the change and withdraw forms carry no file
MISSING_FILE = N_(
    "The file for this evidence is missing. Contact the service team, quoting the evidence number %(id)s."
)


def evidence_routes(settings: Settings) -> Router:
    """The evidence routes, taking request bodies up to the configured upload size plus 1 MB for the form."""
    return Router(
        path="/",
        route_handlers=[EvidenceController],
        request_max_body_size=settings.max_upload_bytes + MEGABYTE,
    )


def sweep_uploads_on_startup(app: Litestar) -> None:
    """An ``on_startup`` hook: remove upload files left by a process killed mid-upload (see sweep_orphan_files)."""
    try:
        with Session(app.state.write_engine) as session:
            sweep_orphan_files(session, app.state.settings.upload_dir)
    except Exception:  # never stop the service starting over housekeeping
        log.exception("could not sweep the upload folder at start-up")


def response_url(request: AnyRequest, response_id: int, *, withdrawn_meanwhile: bool = False) -> str:
    """The evidence section of a response's page, where a plain POST goes back to (saying, if
    ``withdrawn_meanwhile``, that the item the person acted on was withdrawn by someone else)."""
    query = "?deleted=evidence" if withdrawn_meanwhile else ""
    return request.app.route_reverse("plans:response", response_id=response_id) + query + "#evidence"


def section_context(db: Session, user: User | None, ctx: ResponseContext, settings: Settings) -> dict[str, Any]:
    """What ``evidence/_section.html`` needs (the response page can use this too)."""
    return {
        "ctx": ctx,
        "evidence_items": visible_evidence(db, user, ctx),
        "can_edit": can(user, Permission.EDIT_PLAN, ctx.organisation_id),
        "evidence_form": Form(),
        "evidence_max_size": size_limit_text(settings.max_upload_bytes),
        "evidence_types_hint": ACCEPTED_MESSAGE,
        "visibilities": list(Visibility),
    }


class EvidenceController(SignedInPages):
    @post("/responses/{response_id:int}/evidence", name="evidence:add", middleware=[UploadFormReader])
    async def add(self, request: HTMXRequest, db: Db, response_id: FromPath[int]) -> HttpResponse[Any]:
        """Add a file, link or note (multipart form: kind, title, description, visibility, file, url, note)."""
        data = await request.form()  # read by UploadFormReader: a file over the limit dropped, the rest kept
        form = Form.of({k: v for k, v in data.items() if isinstance(v, str)})
        upload = data.get("file")
        return await anyio.to_thread.run_sync(
            partial(
                self._add,
                request,
                db,
                response_id,
                form,
                upload if isinstance(upload, UploadFile) else None,
                body_over_limit(request),
            )
        )

    @staticmethod
    def _add(
        request: HTMXRequest,
        db: Session,
        response_id: int,
        form: Form,
        upload: UploadFile | None,
        too_large: bool,
    ) -> HttpResponse[Any]:
        settings: Settings = request.app.state.settings
        ctx = load_response(db, request.user, response_id, Permission.EDIT_PLAN)
        db.commit()  # end the read (on SQLite it holds the write lock) while the file is written and checked
        status_code = 200
        if too_large:
            form.error("file", too_large_message(settings.max_upload_bytes))
        try:
            # A field refused as read (a control character: tracker.inputs) or a file too large comes with every
            # other fault of the form, the file's own (its size, its type) among them, and nothing is stored.
            given = GivenFile(upload.filename, upload.file, settings.max_upload_bytes) if upload else None
            form.refuse_if_invalid(
                InputError,
                lambda: check_new_evidence(EvidenceInput.of(form.values), has_file=given is not None, file=given),
            )
            add_evidence(
                db,
                ctx,
                request.user,
                EvidenceInput.of(form.values),
                filename=upload.filename if upload else None,
                content=upload.file if upload else None,
                upload_dir=settings.upload_dir,
                max_bytes=settings.max_upload_bytes,
            )
        except InputError as exc:
            db.rollback()
            form.errors.update(exc.errors)
            status_code = 413 if too_large else 422
        if status_code == 200:
            if request.htmx:
                return _section(request, db, ctx)
            return Redirect(response_url(request, saved_id(ctx.response)), status_code=303)
        form.values.pop("file", None)
        if request.htmx:
            # htmx swaps 422 responses only (see base.html), so the section shows the error beside the field.
            return _section(request, db, ctx, status_code=422, evidence_form=form)
        return page(
            request,
            "evidence/add.html",
            status_code=status_code,
            error_title=True,
            **{**section_context(db, request.user, ctx, settings), "evidence_form": form},
        )

    @get("/evidence/{evidence_id:int}/download", sync_to_thread=True, name="evidence:download")
    def download(self, request: AnyRequest, db: Db, evidence_id: FromPath[int]) -> File:
        """The stored file, as an attachment, to people who may see it (404 for everyone else)."""
        evidence, ctx = load_child(db, request.user, Evidence, evidence_id, Permission.VIEW_PLAN)
        if evidence.kind is not EvidenceKind.FILE or not can_see_item(
            request.user, evidence.visibility, ctx.organisation_id
        ):
            raise NotFoundException()
        try:
            path = evidence_file_path(request.app.state.settings, evidence)
            stat = path.stat()
        except (ValueError, OSError):
            log.warning("the file of evidence %s (%s) is missing", evidence.id, evidence.stored_name)
            raise NotFoundException(gettext(MISSING_FILE, id=evidence.id)) from None
        name = evidence.original_name or f"evidence-{evidence.id}{path.suffix}"
        return attachment(path, stat, name, evidence.content_type, {"cache-control": "private, no-store"})

    @get("/evidence/{evidence_id:int}/edit", sync_to_thread=True, name="evidence:edit-form")
    def edit_form(self, request: HTMXRequest, db: Db, evidence_id: FromPath[int]) -> HttpResponse[Any]:
        """A page to change an item's title, description or visibility, or to withdraw it."""
        return _on_evidence(request, db, evidence_id, lambda evidence, ctx: _edit_page(request, ctx, evidence, Form()))

    @post(
        "/evidence/{evidence_id:int}", sync_to_thread=True, request_max_body_size=FORM_BODY_LIMIT, name="evidence:save"
    )
    def save(self, request: HTMXRequest, db: Db, evidence_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        """Save a change (fields title, description, visibility and the version the person loaded)."""
        form = Form.of(data)
        return _on_evidence(request, db, evidence_id, lambda evidence, ctx: _save(request, db, form, evidence, ctx))

    @post(
        "/evidence/{evidence_id:int}/withdraw",
        sync_to_thread=True,
        request_max_body_size=FORM_BODY_LIMIT,
        name="evidence:withdraw",
    )
    def withdraw(self, request: HTMXRequest, db: Db, evidence_id: FromPath[int], data: FormData) -> HttpResponse[Any]:
        """Delete the item and its file (the history keeps what it was)."""
        version = Form.of(data).get("version") or None
        return _on_evidence(
            request, db, evidence_id, lambda evidence, ctx: _withdraw(request, db, version, evidence, ctx)
        )


def _on_evidence(
    request: HTMXRequest, db: Session, evidence_id: int, act: Callable[[Evidence, ResponseContext], HttpResponse[Any]]
) -> HttpResponse[Any]:
    """``act`` on an item this person may edit; if someone else withdrew it meanwhile, nothing is done and the
    page says so."""
    try:
        evidence, ctx = load_child(db, request.user, Evidence, evidence_id, Permission.EDIT_PLAN)
    except ItemDeleted as deleted:
        return _withdrawn_meanwhile(request, db, deleted)
    return act(evidence, ctx)


def _save(request: HTMXRequest, db: Session, form: Form, evidence: Evidence, ctx: ResponseContext) -> HttpResponse[Any]:
    try:
        # A field refused as read (a control character: tracker.inputs) comes with every other fault of the form.
        form.refuse_if_invalid(InputError, lambda: check_evidence_change(EvidenceInput.of(form.values)))
        update_evidence(db, evidence, ctx, request.user, EvidenceInput.of(form.values))
    except InputError as exc:
        db.rollback()
        form.errors.update(exc.errors)
        return _edit_page(request, ctx, evidence, form, status_code=422)
    except StaleRecord as exc:
        db.rollback()
        conflict = conflict_in_words(exc, form.values)
        return _edit_page(request, ctx, evidence, Form(), status_code=409, conflict=conflict)
    return _saved(request, db, ctx)


def _withdraw(
    request: HTMXRequest, db: Session, version: str | None, evidence: Evidence, ctx: ResponseContext
) -> HttpResponse[Any]:
    try:
        withdraw_evidence(
            db,
            evidence,
            ctx,
            request.user,
            version=version,
            upload_dir=request.app.state.settings.upload_dir,
        )
    except StaleRecord:
        db.rollback()
        if request.htmx:
            return _section(request, db, ctx, status_code=409, withdraw_conflict=True)
        return _edit_page(request, ctx, evidence, Form(), status_code=409, withdraw_conflict=True)
    return _saved(request, db, ctx)


def _saved(request: HTMXRequest, db: Session, ctx: ResponseContext) -> HttpResponse[Any]:
    """After a change: the evidence section again (htmx), or back to the response page."""
    if request.htmx:
        return _section(request, db, ctx)
    return Redirect(response_url(request, saved_id(ctx.response)), status_code=303)


def _withdrawn_meanwhile(request: HTMXRequest, db: Session, deleted: ItemDeleted) -> HttpResponse[Any]:
    """Someone else withdrew the evidence this person acted on: nothing was changed, and the response page says
    so (with htmx, the evidence section refreshed with the message, as for a conflict)."""
    ctx = load_deleted_from(db, request.user, deleted, Permission.EDIT_PLAN)
    if request.htmx:
        return _section(request, db, ctx, status_code=409, deleted="evidence")
    return Redirect(response_url(request, saved_id(ctx.response), withdrawn_meanwhile=True), status_code=303)


def _section(
    request: AnyRequest, db: Session, ctx: ResponseContext, *, status_code: int = 200, **extra: Any
) -> Template:
    context = {**section_context(db, request.user, ctx, request.app.state.settings), **extra}
    return page(request, "evidence/_section.html", status_code=status_code, **context)


def _edit_page(
    request: AnyRequest,
    ctx: ResponseContext,
    evidence: Evidence,
    form: Form,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    return page(
        request,
        "evidence/edit.html",
        status_code=status_code,
        ctx=ctx,
        evidence=evidence,
        form=form,
        visibilities=list(Visibility),
        error_title=status_code == 422,
        **extra,
    )


def attachment(
    path: Path, stat: os.stat_result, name: str, content_type: str | None, headers: dict[str, str] | None = None
) -> File:
    """A stored evidence file as a download that a browser never runs or shows in the page."""
    return File(
        path=path,
        filename=name,
        stat_result=stat,
        media_type=content_type or "application/octet-stream",
        content_disposition_type="attachment",
        headers={
            "content-disposition": content_disposition(name),
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'; sandbox",
            **(headers or {}),
        },
    )


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name in RFC 5987 ``filename*``."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in name) or "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
