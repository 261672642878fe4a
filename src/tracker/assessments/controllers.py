"""Recording an assessment or a comment from the response page."""

from __future__ import annotations

from typing import Any

from litestar import post
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Response

from tracker.assessments.services import (
    AssessmentInput,
    CommentInput,
    add_comment,
    can_comment,
    record_assessment,
)
from tracker.permissions import Permission
from tracker.plans.controllers import change_response, given, run_on_response
from tracker.plans.services import load_response
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages
from tracker.web.handler_types import Db
from tracker.web.i18n import N_


class AssessmentController(SignedInPages):
    path = "/plan/responses/{response_id:int}"

    @post("/assessments", sync_to_thread=True, name="assessments:assess")
    def assess(self, request: HTMXRequest, db: Db, response_id: FromPath[int], data: FormData) -> Response[Any]:
        return change_response(
            request,
            db,
            response_id,
            "assessment",
            data,
            record_assessment,
            given(AssessmentInput),
            permission=Permission.ASSESS,
        )

    @post("/comments", sync_to_thread=True, name="assessments:comment")
    def comment(self, request: HTMXRequest, db: Db, response_id: FromPath[int], data: FormData) -> Response[Any]:
        form = Form.of(data)
        ctx = load_response(db, request.user, response_id, Permission.VIEW_PLAN)
        if not can_comment(request.user, ctx.organisation_id):
            raise PermissionDeniedException(N_("You cannot comment on this response"))
        return run_on_response(
            request,
            db,
            ctx,
            "assessment",
            form,
            lambda: add_comment(db, ctx, request.user, CommentInput.of(form.values)),
            comment_form=form,
        )
