"""The JSON API of evidence metadata (``/api/responses/{id}/evidence``, ``/api/evidence/{id}``): titles,
descriptions and who can see each item, never the file or note itself.

Internal evidence is shown only to the organisation itself and admins, inspectorate evidence also to inspectors
and coordinators (``permissions.can_see_item``). Access, errors and the shared field types are
``tracker.web.api``'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, patch
from litestar.di import NamedDependency
from msgspec import UNSET, Struct, UnsetType
from sqlmodel import Session, col, select

from tracker.evidence import services as evidence_services
from tracker.evidence.models import Evidence
from tracker.permissions import Permission, can_see_item
from tracker.plans.services import load_child, load_response
from tracker.vocabulary import EvidenceKind, Visibility
from tracker.web.api import (
    LongText,
    Problem,
    RecordId,
    Title,
    Version,
    carry_out,
    errors,
    json_body,
    out_of,
    with_change,
)


class EvidenceChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """Evidence metadata to change; fields left out keep their values. The file, link or note itself stays."""

    version: Version
    title: Title | UnsetType = UNSET
    description: LongText | UnsetType | None = UNSET
    visibility: Visibility | UnsetType = UNSET


class EvidenceOut(Struct):
    """Evidence metadata (not the file or note itself)."""

    id: int
    response_id: int
    kind: EvidenceKind
    title: str
    description: str | None
    visibility: Visibility
    url: str | None
    original_name: str | None
    content_type: str | None
    size_bytes: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class EvidenceConflict(Problem, kw_only=True):
    current: EvidenceOut


def _evidence_out(item: Evidence) -> EvidenceOut:
    return out_of(EvidenceOut, item)


class EvidenceApi(Controller):
    tags = ["Evidence"]

    @get(
        "/responses/{response_id:int}/evidence",
        sync_to_thread=True,
        operation_id="listEvidence",
        summary="The evidence behind a response (metadata only)",
        responses=errors(),
    )
    def list_evidence(
        self, request: Request[Any, Any, Any], db: NamedDependency[Session], response_id: RecordId
    ) -> list[EvidenceOut]:
        """Internal evidence only for the organisation itself and admins; inspectorate evidence also for
        inspectors and coordinators."""
        ctx = load_response(db, request.user, response_id, Permission.VIEW_PLAN)
        query = (
            select(Evidence)
            .where(col(Evidence.response_id) == ctx.response.id)
            .order_by(col(Evidence.created_at), col(Evidence.id))
        )
        return [
            _evidence_out(item)
            for item in db.exec(query)
            if can_see_item(request.user, item.visibility, ctx.organisation_id)
        ]

    @patch(
        "/evidence/{evidence_id:int}",
        sync_to_thread=True,
        operation_id="updateEvidence",
        summary="Change evidence metadata: title, description, who can see it",
        responses=errors(409, 422, conflict=EvidenceConflict),
    )
    def update_evidence(
        self,
        request: Request[Any, Any, Any],
        db: NamedDependency[Session],
        evidence_id: RecordId,
        data: Annotated[EvidenceChange, json_body("The fields to change, with the version last read")],
    ) -> EvidenceOut:
        item, ctx = load_child(db, request.user, Evidence, evidence_id, Permission.EDIT_PLAN)
        values = with_change(item, evidence_services.EDITABLE_FIELDS, data)
        carry_out(
            db,
            lambda: evidence_services.update_evidence(db, item, ctx, request.user, values),
            lambda: _evidence_out(item),
        )
        return _evidence_out(item)
