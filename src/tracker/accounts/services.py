"""Creating and finding user accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, func, select

from tracker.accounts.models import User
from tracker.accounts.passwords import hash_password, password_problem
from tracker.accounts.sessions import end_all_sessions
from tracker.audit.services import Actor, audit_change, audit_creation, fields_of, record
from tracker.db import Duplicate, StaleRecord, saved_id
from tracker.inputs import Input, InputError, parse_id, problems_for
from tracker.organisations.models import Organisation
from tracker.vocabulary import Role
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_IN_USE = N_("An account with the email address %(email)s already exists")
# Who must belong to an organisation (Role.needs_organisation): one whole sentence each, for the article and the
# word order of each language.
NEEDS_ORGANISATION = {
    Role.EDITOR: N_("An editor must belong to an organisation"),
    Role.VIEWER: N_("A viewer must belong to an organisation"),
}
OWN_ACCESS = N_("You cannot remove your own administrator access or disable yourself")
USER_FIELDS = User.conflict_fields


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def account_problems(
    session: Session,
    *,
    display_name: str,
    role: Role | None,
    organisation: Organisation | None,
    email: str | None = None,
) -> dict[str, str]:
    """Everything wrong with an account's details at once, by field, so a form reports it all in one go
    (``email`` None: it is not being set; ``role`` None: it is wrong and already reported)."""
    lengths = {"display_name": display_name.strip()} | ({"email": normalise_email(email)} if email is not None else {})
    problems: dict[str, str] = dict(problems_for(User, **lengths))
    if email is not None and "email" not in problems:
        if not EMAIL.match(normalise_email(email)):
            problems["email"] = N_("Enter an email address in the correct format, like name@example.org")
        elif find_by_email(session, email) is not None:
            problems["email"] = _(EMAIL_IN_USE, email=normalise_email(email))
    if not display_name.strip():
        problems["display_name"] = N_("Enter a display name")
    if role is not None and role.needs_organisation and organisation is None:
        problems["organisation"] = NEEDS_ORGANISATION[role]
    elif role is not None and organisation is not None and not role.may_belong_to(organisation.kind, organisation.slug):
        problems["organisation"] = _(
            "%(role)s accounts belong to %(homes)s (or to no organisation), not %(organisation)s",
            role=role.label,
            homes=role.belongs_to,
            organisation=organisation.name,
        )
    return problems


@dataclass(frozen=True, kw_only=True)
class AccountInput(Input):
    """An account as the admin's form sends it: the role's value, the organisation's id ("" for none), ``is_active``
    "yes" when ticked, and (when changing one) the version last read."""

    email: str | None = None
    display_name: str | None = None
    role: str | None = None
    organisation: str | int | None = None
    is_active: str | None = None
    version: str | int | None = None


def read_account(
    session: Session, given: AccountInput, *, editing: User | None = None, actor: Actor | None = None
) -> tuple[Role, Organisation | None]:
    """The role and organisation ``given`` names, or an ``InputError`` with everything wrong with its details at once:
    its email address too for a new account (``editing`` None), and for the account ``editing``, whether ``actor``
    would remove their own administrator access (``update_user``'s rule)."""
    problems: dict[str, str] = {}
    try:
        role: Role | None = Role(given.role or "")
    except ValueError:
        problems["role"], role = N_("Select a role"), None
    organisation = None
    if given.organisation:
        organisation = session.get(Organisation, parse_id(given.organisation) or -1)
        if organisation is None:
            problems["organisation"] = N_("Select an organisation from the list")
    email = (given.email or "") if editing is None else None
    found = account_problems(
        session, email=email, display_name=given.display_name or "", role=role, organisation=organisation
    )
    problems.update({k: v for k, v in found.items() if k not in problems})
    if (
        editing is not None
        and actor is not None
        and role is not None
        and removes_own_access(actor, editing, role=role, is_active=given.is_active == "yes")
    ):
        problems.setdefault("role", OWN_ACCESS)
    if problems or role is None:
        raise InputError(problems)
    return role, organisation


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    organisation: Organisation | None,
    actor: Actor,
    is_demo: bool = False,
    password_hash: str | None = None,
) -> User:
    """Add an account (in the caller's transaction), checking every rule first.

    ``password_hash``, when given, is ``hash_password(password)`` already computed (the demo's accounts share one
    password, and Argon2 is deliberately slow), so the password is checked but not hashed again."""
    email = normalise_email(email)
    problems = account_problems(session, email=email, display_name=display_name, role=role, organisation=organisation)
    problem = password_problem(password)
    if problem:
        problems["password"] = problem
    if problems:
        raise InputError(problems)
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        organisation_id=organisation.id if organisation else None,
        password_hash=password_hash or hash_password(password),
        is_demo=is_demo,
    )
    session.add(user)
    try:
        session.flush()
    except Duplicate as exc:  # another request added the same address since the check above
        raise InputError({"email": _(EMAIL_IN_USE, email=email)}) from exc
    audit_creation(
        session,
        user,
        USER_FIELDS,
        actor=actor,
        entity_type="user",
        summary=f"Account {email} created with role {role.english_label}",  # stored: English, whatever the page
        organisation_id=user.organisation_id,
    )
    return user


def update_user(
    session: Session,
    user: User,
    *,
    role: Role,
    organisation: Organisation | None,
    is_active: bool,
    display_name: str,
    expected_version: int,
    actor: Actor,
) -> User:
    """Change someone's role, organisation, name or whether they may sign in (signing them out if disabled)."""
    if expected_version != user.version:
        raise StaleRecord(user, fields_of(user, USER_FIELDS))
    problems = account_problems(session, display_name=display_name, role=role, organisation=organisation)
    if removes_own_access(actor, user, role=role, is_active=is_active):
        problems["role"] = OWN_ACCESS
    if problems:
        raise InputError(problems)
    before = fields_of(user, USER_FIELDS)
    user.role, user.is_active, user.display_name = role, is_active, display_name.strip()
    user.organisation_id = organisation.id if organisation else None
    diff = audit_change(
        session,
        user,
        before,
        USER_FIELDS,
        actor=actor,
        entity_type="user",
        summary=lambda names: f"Account {user.email} changed: {', '.join(names)}",
        organisation_id=user.organisation_id,
    )
    if diff and not is_active:
        end_all_sessions(session, saved_id(user))
    session.commit()
    return user


def removes_own_access(actor: Actor, user: User, *, role: Role, is_active: bool) -> bool:
    """Whether giving ``user`` ``role`` (and letting them sign in or not) would take their administrator access from
    the ``actor`` doing it: nobody may, so an admin always remains."""
    return actor.user_id == user.id and (not is_active or role is not Role.ADMIN)


def record_own(
    session: Session,
    user: User,
    action: str,
    summary: str,
    *,
    entity_type: str = "user",
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record something ``user`` did for themselves: to their own account (signing in or out, their password) by
    default, or to the record ``entity_type`` ``entity_id`` of theirs (an API token)."""
    record(
        session,
        actor=Actor(user.display_name, user.id),
        action=action,
        entity_type=entity_type,
        entity_id=user.id if entity_id is None else entity_id,
        organisation_id=user.organisation_id,
        summary=summary,
        before=before,
        after=after,
    )
