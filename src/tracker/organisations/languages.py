"""An organisation's language settings: whether it writes its public texts in English and Welsh (``bilingual``,
set by the service team: the Welsh forces and commissioners are by default) and whether it publishes only when
every public text has its Welsh (``welsh_required_to_publish``, the organisation's own choice, made by whoever
publishes its plan). Each change is in the organisation's history.
"""

from __future__ import annotations

from litestar.exceptions import PermissionDeniedException
from sqlmodel import Session

from tracker.accounts.models import User
from tracker.audit.services import Actor, changed, fields_of, record
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, can, require
from tracker.timeutil import utc_now
from tracker.web.i18n import N_

LANGUAGE_FIELDS = ("bilingual", "welsh_required_to_publish")


def set_languages(
    session: Session, organisation: Organisation, user: User, *, bilingual: bool | None, welsh_required: bool
) -> bool:
    """Save ``organisation``'s language settings as ``user`` chose them and commit; ``bilingual`` None leaves it
    (only the service team may change it: anyone else is refused, and nothing changes). True if anything changed."""
    require(user, Permission.PUBLISH_PLAN, organisation.id)
    if bilingual is not None and bilingual != organisation.bilingual and not can(user, Permission.MANAGE_ORGANISATIONS):
        raise PermissionDeniedException(N_("Only the service team can change whether an organisation writes in Welsh"))
    before = fields_of(organisation, LANGUAGE_FIELDS)
    if bilingual is not None:
        organisation.bilingual = bilingual
    organisation.welsh_required_to_publish = welsh_required
    after = fields_of(organisation, LANGUAGE_FIELDS)
    diff = changed(before, after)
    if not diff:
        session.rollback()
        return False
    organisation.updated_at = utc_now()
    record(
        session,
        actor=Actor(user.display_name, user.id),
        action="update",
        entity_type="organisation",
        entity_id=organisation.id,
        organisation_id=organisation.id,
        summary=f"Language settings of {organisation.name} changed: {', '.join(diff)}",
        before={k: before[k] for k in diff},
        after={k: after[k] for k in diff},
    )
    session.commit()
    return True
