"""The one place that decides who may do what to which organisation's records.

Every controller and API route asks ``can`` (to decide what to show) or ``require`` (to refuse). A record
belongs to one organisation; the caller passes that organisation's id. Someone who may not even see an
organisation's records gets 404 rather than 403, so ids cannot be used to discover what exists.
"""

from __future__ import annotations

from enum import StrEnum

from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException

from tracker.accounts.models import User
from tracker.vocabulary import Role, Visibility
from tracker.web.i18n import N_


class Permission(StrEnum):
    VIEW_PLAN = "view_plan"  # an organisation's responses, actions, updates, history
    EDIT_PLAN = "edit_plan"  # change them, import, upload evidence
    PUBLISH_PLAN = "publish_plan"
    VIEW_OVERSIGHT = "view_oversight"  # every organisation at once: dashboard, national pages
    ASSESS = "assess"  # record assessments and comments
    RUN_REPORTING = "run_reporting"  # reporting periods, reports, reminders
    UNFREEZE_PERIOD = "unfreeze_period"  # reopen a period frozen by mistake (the service team only)
    REVIEW_PRACTICE = "review_practice"
    SUBMIT_PRACTICE = "submit_practice"
    MANAGE_USERS = "manage_users"
    MANAGE_RECOMMENDATIONS = "manage_recommendations"
    MANAGE_ORGANISATIONS = "manage_organisations"  # which organisations write in English and Welsh


_NATIONAL_READERS = {Role.ADMIN, Role.COORDINATOR, Role.INSPECTOR}
_GLOBAL: dict[Role, set[Permission]] = {
    Role.ADMIN: set(Permission),
    Role.COORDINATOR: {
        Permission.VIEW_PLAN,
        Permission.VIEW_OVERSIGHT,
        Permission.RUN_REPORTING,
        Permission.REVIEW_PRACTICE,
    },
    Role.INSPECTOR: {Permission.VIEW_PLAN, Permission.VIEW_OVERSIGHT, Permission.ASSESS},
    Role.EDITOR: set(),
    Role.VIEWER: set(),
}
_OWN_ORGANISATION: dict[Role, set[Permission]] = {
    Role.EDITOR: {Permission.VIEW_PLAN, Permission.EDIT_PLAN, Permission.PUBLISH_PLAN, Permission.SUBMIT_PRACTICE},
    Role.VIEWER: {Permission.VIEW_PLAN},
}


def can(user: User | None, permission: Permission, organisation_id: int | None = None) -> bool:
    """May ``user`` do ``permission`` (to the records of ``organisation_id``, where that matters)?"""
    if user is None or not user.is_active:
        return False
    if permission in _GLOBAL[user.role]:
        return True
    own = _OWN_ORGANISATION.get(user.role, set())
    if permission is Permission.SUBMIT_PRACTICE and permission in own and organisation_id is None:
        return True  # may submit practice at all; a given practice only if it is their organisation's
    return permission in own and organisation_id is not None and organisation_id == user.organisation_id


def can_see_item(user: User | None, visibility: Visibility, organisation_id: int) -> bool:
    """The one rule for who may see an item of a response (a progress update, an evidence item, and the
    history of either), from its visibility and the organisation it belongs to.

    Internal items: the organisation itself (its editors and viewers) and admins. Inspectorate items: also
    inspectors and coordinators. Public items: everyone who may read the plan. (The public, not signed in, sees
    no item here: only public items of a published plan, as ``tracker.plans.publication.public_plan`` put them
    into the publication.) The role decides: a national reader never sees internal items, even with an account
    that names the organisation (the forms refuse one, but an older or hand-made account may exist).
    """
    if not can(user, Permission.VIEW_PLAN, organisation_id):
        return False
    if visibility is not Visibility.INTERNAL:
        return True
    if user is None or user.role is Role.ADMIN:
        return user is not None
    return user.role in _OWN_ORGANISATION and user.organisation_id == organisation_id


def visible_levels(user: User | None, organisation_id: int) -> set[Visibility]:
    """The visibilities of the items ``user`` may see in ``organisation_id``'s plan (``can_see_item``), for
    queries that filter in the database."""
    return {v for v in Visibility if can_see_item(user, v, organisation_id)}


def national_levels() -> set[Visibility]:
    """The visibilities of the items that every national reader (coordinator, inspector) may see in any
    organisation's plan (``can_see_item``): all a national report, export or frozen snapshot may hold, since
    each of them is read by all of those readers alike."""
    from tracker.accounts.models import User

    readers = [
        User(email="", display_name="", password_hash="", role=role, is_active=True)
        for role in (Role.COORDINATOR, Role.INSPECTOR)
    ]
    return {v for v in Visibility if all(can_see_item(reader, v, 0) for reader in readers)}


def require(user: User | None, permission: Permission, organisation_id: int | None = None) -> None:
    """Refuse unless ``can``: 401 for the public, 404 if the records cannot even be seen, else 403."""
    if can(user, permission, organisation_id):
        return
    if user is None:
        raise NotAuthorizedException(N_("Sign in to continue"))
    if organisation_id is not None and not can(user, Permission.VIEW_PLAN, organisation_id):
        raise NotFoundException()
    raise PermissionDeniedException(N_("You do not have permission to do that"))


def reads_every_organisation(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in _NATIONAL_READERS
