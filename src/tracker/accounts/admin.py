"""The admin pages for people's accounts: list, add, change role or organisation, disable."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.accounts.passwords import generate_password
from tracker.accounts.services import AccountInput, create_user, read_account, update_user
from tracker.db import StaleRecord
from tracker.inputs import InputError, parse_id
from tracker.organisations.models import Organisation
from tracker.permissions import Permission
from tracker.plans.services import actor_for
from tracker.vocabulary import Role
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages, needs
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.templating import page


class UsersAdminController(SignedInPages):
    path = "/admin/users"
    opt = needs(Permission.MANAGE_USERS)

    def _context(self, db: Session) -> dict[str, Any]:
        return {
            "roles": list(Role),
            "organisations": list(db.exec(select(Organisation).order_by(Organisation.name))),
        }

    @get("/", sync_to_thread=True, name="users:index")
    def index(self, request: AnyRequest, db: Db) -> Template:
        users = list(
            db.exec(
                select(User, Organisation)
                .outerjoin(Organisation, col(Organisation.id) == User.organisation_id)
                .order_by(User.email)
            )
        )
        return page(request, "accounts/admin_users.html", users=users)

    @get("/new", sync_to_thread=True, name="users:new")
    def new(self, request: AnyRequest, db: Db) -> Template:
        return page(request, "accounts/admin_user_new.html", form=Form(), **self._context(db))

    @post("/", sync_to_thread=True, name="users:create")
    def create(self, request: AnyRequest, db: Db, data: FormData) -> Template:
        form = Form.of(data)
        given = AccountInput.of(form.values)
        password = generate_password()
        try:
            role, organisation = read_account(db, given)
            if form.ok:
                user = create_user(
                    db,
                    email=given.email or "",
                    display_name=given.display_name or "",
                    role=role,
                    password=password,
                    organisation=organisation,
                    actor=actor_for(request.user),
                )
                db.commit()
                return page(request, "accounts/admin_user_created.html", user=user, password=password)
        except InputError as exc:
            _refused(db, form, exc)
        return page(
            request, "accounts/admin_user_new.html", status_code=422, form=form, error_title=True, **self._context(db)
        )

    @get("/{user_id:int}", sync_to_thread=True, name="users:edit")
    def edit(self, request: AnyRequest, db: Db, user_id: FromPath[int]) -> Template:
        user = _user(db, user_id)
        return self._edit_page(request, db, user, Form(values=_form_values(user)))

    @post("/{user_id:int}", sync_to_thread=True, name="users:save")
    def save(self, request: AnyRequest, db: Db, user_id: FromPath[int], data: FormData) -> Template | Redirect:
        user = _user(db, user_id)
        form = Form.of(data)
        given = AccountInput.of(form.values)
        try:
            # Every fault at once, with a field refused as read (a control character: tracker.inputs) or not.
            role, organisation = read_account(db, given, editing=user, actor=actor_for(request.user))
            if form.ok:
                update_user(
                    db,
                    user,
                    role=role,
                    organisation=organisation,
                    is_active=given.is_active == "yes",
                    display_name=given.display_name or "",
                    expected_version=parse_id(given.version) or -1,
                    actor=actor_for(request.user),
                )
                return Redirect(request.app.route_reverse("users:index"), status_code=303)
        except InputError as exc:
            _refused(db, form, exc)
        except StaleRecord:
            db.rollback()
            db.refresh(user)
            newer = _form_values(user)
            conflict = {"current": _in_words(db, newer), "mine": _in_words(db, form.values)}
            return self._edit_page(request, db, user, Form(values=newer), 409, conflict=conflict)
        return self._edit_page(request, db, user, form, 422)

    def _edit_page(
        self, request: AnyRequest, db: Session, user: User, form: Form, status_code: int = 200, **extra: Any
    ) -> Template:
        """An account's edit page; a status other than 200 (a refused or outdated save) titles it as an error."""
        return page(
            request,
            "accounts/admin_user_edit.html",
            status_code=status_code,
            user=user,
            form=form,
            error_title=status_code != 200,
            **extra,
            **self._context(db),
        )


def _refused(db: Session, form: Form, exc: InputError) -> None:
    """Undo a refused save; its messages go beside their fields (a field's first message is kept)."""
    db.rollback()
    for name, message in exc.errors.items():
        form.error(name, message)


def _user(db: Session, user_id: int) -> User:
    """The account ``user_id`` (404 if there is none)."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFoundException()
    return user


def _form_values(user: User) -> dict[str, str]:
    """The account as its edit form shows it."""
    return {
        "display_name": user.display_name,
        "role": user.role.value,
        "organisation": str(user.organisation_id or ""),
        "is_active": "yes" if user.is_active else "no",
    }


def _in_words(db: Session, values: dict[str, Any]) -> dict[str, str]:
    """The edit form's values as people read them, by the form's labels, for the conflict panel."""
    role = values.get("role") or ""
    organisation = db.get(Organisation, parse_id(values.get("organisation")) or -1)
    return {
        "Name shown in the history": str(values.get("display_name") or ""),
        "Role": Role(role).label if role in {r.value for r in Role} else str(role),
        "Organisation": organisation.name if organisation else "None",
        "Can this person sign in?": "Yes" if values.get("is_active") == "yes" else "No",
    }
