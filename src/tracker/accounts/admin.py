"""The admin pages for people's accounts: list, add, change role or organisation, disable."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlmodel import Session, select

from tracker.accounts.models import User
from tracker.accounts.passwords import generate_password
from tracker.accounts.services import AccountError, account_problems, create_user, update_user
from tracker.db import StaleRecord
from tracker.inputs import parse_id
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, require
from tracker.plans.services import actor_for
from tracker.vocabulary import Role
from tracker.web.forms import Form, FormData
from tracker.web.guards import signed_in_user
from tracker.web.templating import page


class UsersAdminController(Controller):
    path = "/admin/users"
    include_in_schema = False
    guards = [signed_in_user]

    def _context(self, db: Session) -> dict[str, Any]:
        return {
            "roles": list(Role),
            "organisations": list(db.exec(select(Organisation).order_by(Organisation.name))),
        }

    @get("/", sync_to_thread=True, name="users:index")
    def index(self, request: Request[Any, Any, Any], db: NamedDependency[Session]) -> Template:
        require(request.user, Permission.MANAGE_USERS)
        users = list(
            db.exec(
                select(User, Organisation)
                .outerjoin(Organisation, Organisation.id == User.organisation_id)
                .order_by(User.email)
            )
        )
        return page(request, "accounts/admin_users.html", users=users)

    @get("/new", sync_to_thread=True, name="users:new")
    def new(self, request: Request[Any, Any, Any], db: NamedDependency[Session]) -> Template:
        require(request.user, Permission.MANAGE_USERS)
        return page(request, "accounts/admin_user_new.html", form=Form(), **self._context(db))

    @post("/", sync_to_thread=True, name="users:create")
    def create(self, request: Request[Any, Any, Any], db: NamedDependency[Session], data: FormData) -> Template:
        require(request.user, Permission.MANAGE_USERS)
        form = Form.of(data)
        role = _role(form)
        organisation = _organisation(db, form)
        for name, message in account_problems(
            db, email=form.get("email"), display_name=form.get("display_name"), role=role, organisation=organisation
        ).items():
            form.error(name, message)
        password = generate_password()
        if form.ok and role is not None:
            try:
                user = create_user(
                    db,
                    email=form.get("email"),
                    display_name=form.get("display_name"),
                    role=role,
                    password=password,
                    organisation=organisation,
                    actor=actor_for(request.user),
                )
                db.commit()
                return page(request, "accounts/admin_user_created.html", user=user, password=password)
            except AccountError as exc:
                db.rollback()
                for name, message in exc.errors.items():
                    form.error(name, message)
        return page(
            request, "accounts/admin_user_new.html", status_code=422, form=form, error_title=True, **self._context(db)
        )

    @get("/{user_id:int}", sync_to_thread=True, name="users:edit")
    def edit(self, request: Request[Any, Any, Any], db: NamedDependency[Session], user_id: FromPath[int]) -> Template:
        require(request.user, Permission.MANAGE_USERS)
        user = db.get(User, user_id)
        if user is None:
            raise NotFoundException()
        form = Form(
            values={
                "display_name": user.display_name,
                "role": user.role.value,
                "organisation": str(user.organisation_id or ""),
                "is_active": "yes" if user.is_active else "no",
            }
        )
        return page(request, "accounts/admin_user_edit.html", user=user, form=form, **self._context(db))

    @post("/{user_id:int}", sync_to_thread=True, name="users:save")
    def save(
        self, request: Request[Any, Any, Any], db: NamedDependency[Session], user_id: FromPath[int], data: FormData
    ) -> Template | Redirect:
        require(request.user, Permission.MANAGE_USERS)
        user = db.get(User, user_id)
        if user is None:
            raise NotFoundException()
        form = Form.of(data)
        role = _role(form)
        organisation = _organisation(db, form)
        for name, message in account_problems(
            db, display_name=form.get("display_name"), role=role, organisation=organisation
        ).items():
            form.error(name, message)
        status_code = 422
        if form.ok and role is not None:
            try:
                update_user(
                    db,
                    user,
                    role=role,
                    organisation=organisation,
                    is_active=form.get("is_active") == "yes",
                    display_name=form.get("display_name"),
                    expected_version=_int(form.get("version")),
                    actor=actor_for(request.user),
                )
                return Redirect(request.app.route_reverse("users:index"), status_code=303)
            except AccountError as exc:
                db.rollback()
                for name, message in exc.errors.items():
                    form.error(name, message)
            except StaleRecord:
                db.rollback()
                form.error(
                    "display_name",
                    "Someone else changed this account while you were editing it. "
                    "The form shows the newer values; make your change again",
                )
                db.refresh(user)
                form.values = {
                    "display_name": user.display_name,
                    "role": user.role.value,
                    "organisation": str(user.organisation_id or ""),
                    "is_active": "yes" if user.is_active else "no",
                }
                status_code = 409
        return page(
            request,
            "accounts/admin_user_edit.html",
            status_code=status_code,
            user=user,
            form=form,
            error_title=True,
            **self._context(db),
        )


def _int(value: str) -> int:
    """A form's id or version; -1 (no record, no version) for anything that is not one (tracker.inputs)."""
    return parse_id(value) or -1


def _role(form: Form) -> Role | None:
    try:
        return Role(form.get("role"))
    except ValueError:
        form.error("role", "Select a role")
        return None


def _organisation(db: Session, form: Form) -> Organisation | None:
    raw = form.get("organisation")
    if not raw:
        return None
    organisation = db.get(Organisation, _int(raw))
    if organisation is None:
        form.error("organisation", "Select an organisation from the list")
    return organisation
