"""The items under a response (actions, progress updates, evidence) loaded by their own id, under the same
permission rule as their response; and what a person is told when someone else deleted the item meanwhile."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotFoundException
from sqlmodel import Session, select

from tracker.accounts.models import User
from tracker.audit.models import AuditEvent
from tracker.evidence.models import Evidence
from tracker.permissions import Permission, can_see_item, require
from tracker.plans.models import Action, ProgressUpdate
from tracker.plans.services import ResponseContext, load_response


class ItemDeleted(NotFoundException):
    """The action, update or evidence item asked for was deleted (by someone else, while this person had it
    open): still a plain 404 wherever it is not caught, since it tells nothing about the response until the
    person is found to have ``permission`` on it (``load_deleted_from``)."""

    def __init__(self, model: type, response_id: int) -> None:
        super().__init__()
        self.model, self.response_id = model, response_id


def load_deleted_from(
    session: Session, user: User | None, deleted: ItemDeleted, permission: Permission
) -> ResponseContext:
    """The response a deleted item was on, under ``permission`` (404 for anyone who may not)."""
    ctx = load_response(session, user, deleted.response_id, Permission.VIEW_PLAN)
    require(user, permission, ctx.organisation_id)
    return ctx


# The items that sit under a response (``load_child``), by the entity type their history records them under.
CHILD_ENTITY_TYPES: dict[type, str] = {Action: "action", ProgressUpdate: "progress_update", Evidence: "evidence"}


def load_child(
    session: Session, user: User | None, model: type, record_id: int, permission: Permission
) -> tuple[Any, ResponseContext]:
    """An action, update or evidence item with its response, under the same permission rule.

    An item the person may not see (``permissions.can_see_item``: another organisation's internal update, say)
    is not there for them: 404 before any 403 could tell them it exists.
    """
    child = session.get(model, record_id)
    if child is None:
        deleted_from = session.exec(
            select(AuditEvent.response_id).where(
                AuditEvent.entity_type == CHILD_ENTITY_TYPES[model],
                AuditEvent.entity_id == record_id,
                AuditEvent.action == "delete",
            )
        ).first()
        raise ItemDeleted(model, deleted_from) if deleted_from is not None else NotFoundException()
    ctx = load_response(session, user, child.response_id, Permission.VIEW_PLAN)
    visibility = getattr(child, "visibility", None)
    if visibility is not None and not can_see_item(user, visibility, ctx.organisation_id):
        raise NotFoundException()
    require(user, permission, ctx.organisation_id)
    return child, ctx
