"""The JSON API of evidence metadata (``/api/responses/{id}/evidence``, ``/api/evidence/{id}``): titles,
descriptions and who can see each item, never the file or note itself.

Internal evidence is shown only to the organisation itself and admins, inspectorate evidence also to inspectors
and coordinators (``permissions.can_see_item``). Access, errors and the shared field types are
``tracker.web.api``'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller
from litestar.di import NamedDependency
from msgspec import UNSET, Struct, UnsetType
from sqlmodel import col, select

from tracker.evidence import services as evidence_services
from tracker.evidence.models import Evidence
from tracker.permissions import can_see_item
from tracker.plans.items import load_child
from tracker.plans.services import ResponseContext
from tracker.vocabulary import EvidenceKind, Visibility
from tracker.web.api import LongText, Problem, RecordId, ShortTitle, Title, Version, carry_out, out_of, with_change
from tracker.web.api_routes import CHANGE, EDIT, LOADERS, VIEW, Item, Loaded, Me, loader, operation, permission_of
from tracker.web.handler_types import AnyRequest, Db


class EvidenceChange(Struct, forbid_unknown_fields=True, kw_only=True):
    """Evidence metadata to change; fields left out keep their values. The file, link or note itself stays."""

    version: Version
    title: Title | UnsetType = UNSET
    title_cy: ShortTitle | UnsetType | None = UNSET
    description: LongText | UnsetType | None = UNSET
    description_cy: LongText | UnsetType | None = UNSET
    visibility: Visibility | UnsetType = UNSET


class EvidenceOut(Struct):
    """Evidence metadata (not the file or note itself)."""

    id: int
    response_id: int
    kind: EvidenceKind
    title: str
    title_cy: str | None
    description: str | None
    description_cy: str | None
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


def _evidence(request: AnyRequest, db: Db, evidence_id: RecordId) -> Loaded:
    return load_child(db, request.user, Evidence, evidence_id, permission_of(request))


class EvidenceApi(Controller):
    tags = ["Evidence"]
    dependencies = {**LOADERS, "evidence": loader(_evidence)}

    @operation(
        "GET",
        "/responses/{response_id:int}/evidence",
        "listEvidence",
        "The evidence behind a response (metadata only)",
        VIEW,
    )
    def list_evidence(self, db: Db, user: Me, response: NamedDependency[ResponseContext]) -> list[EvidenceOut]:
        """Internal evidence only for the organisation itself and admins; inspectorate evidence also for
        inspectors and coordinators."""
        query = (
            select(Evidence)
            .where(col(Evidence.response_id) == response.response.id)
            .order_by(col(Evidence.created_at), col(Evidence.id))
        )
        return [
            _evidence_out(item)
            for item in db.exec(query)
            if can_see_item(user, item.visibility, response.organisation_id)
        ]

    @operation(
        "PATCH",
        "/evidence/{evidence_id:int}",
        "updateEvidence",
        "Change evidence metadata: title, description, who can see it",
        EDIT,
        409,
        422,
        conflict=EvidenceConflict,
    )
    def update_evidence(self, db: Db, user: Me, evidence: Item, data: Annotated[EvidenceChange, CHANGE]) -> EvidenceOut:
        item, ctx = evidence
        values = with_change(item, evidence_services.EDITABLE_FIELDS, data)
        return carry_out(
            db, data, lambda: evidence_services.update_evidence(db, item, ctx, user, values), _evidence_out, item
        )
