"""Sign in, sign out and change password."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import anyio
from litestar import Controller, Response, get, post
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlmodel import Session

from tracker.accounts.models import User
from tracker.accounts.passwords import hash_password, password_problem, verify_password
from tracker.accounts.services import record_own
from tracker.accounts.sessions import COOKIE_NAME, LIFETIME, end_all_sessions, end_session, start_session
from tracker.accounts.signin import DEVICE_COOKIE, DEVICE_LIFETIME, Client, sign_in
from tracker.db import next_version, saved_id
from tracker.permissions import Permission, can
from tracker.timeutil import utc_now
from tracker.web.client_address import client_address
from tracker.web.forms import Form, read_form
from tracker.web.guards import SignedInPages
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import gettext as _
from tracker.web.templating import page


def safe_next(url: str | None, default: str = "") -> str:
    """Only ever redirect within this site ("" when there is nowhere to go back to: see ``landing_page``)."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return default


def landing_page(user: User) -> str:
    """Where someone lands after signing in with nowhere to go back to: national readers (coordinators,
    inspectors, the service team) on the dashboard, editors and viewers on their organisation's plan."""
    return "/oversight" if can(user, Permission.VIEW_OVERSIGHT) else "/plan"


def _with_session_cookie(response: Response[Any], request: AnyRequest, token: str) -> Response[Any]:
    return _with_cookie(response, request, COOKIE_NAME, token, LIFETIME, "/")


def _with_cookie(
    response: Response[Any], request: AnyRequest, name: str, value: str, lifetime: dt.timedelta, path: str
) -> Response[Any]:
    """Set one of the sign-in cookies: never readable by scripts, never sent from other sites' forms."""
    response.set_cookie(
        name,
        value,
        max_age=int(lifetime.total_seconds()),
        path=path,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.is_production,
    )
    return response


class SignInController(Controller):
    include_in_schema = False

    @get("/sign-in", sync_to_thread=False, name="auth:form")
    def form(self, request: AnyRequest, next: FromQuery[str | None] = None) -> Template:
        return page(request, "accounts/sign_in.html", form=Form(), next_url=safe_next(next))

    @post("/sign-in", status_code=303, name="auth:submit")
    async def submit(self, request: AnyRequest, db: Db) -> Response[Any]:
        form = await read_form(request)
        email = form.require("email", _("Enter your email address"))
        password = form.require("password", _("Enter your password"))
        next_url = safe_next(form.get("next"))
        if form.ok:
            client = Client(
                secret=request.app.state.settings.secret_key,
                address=client_address(request),
                device=request.cookies.get(DEVICE_COOKIE),
            )
            result = await anyio.to_thread.run_sync(sign_in, db, email, password, client)
            if result.user is not None:
                token = await anyio.to_thread.run_sync(self._start, db, result.user, request.cookies.get(COOKIE_NAME))
                landing = next_url or landing_page(result.user)
                response = _with_session_cookie(Redirect(landing, status_code=303), request, token)
                if result.device_cookie:
                    # Only the sign-in form reads it; kept after signing out, which is the point of it.
                    _with_cookie(response, request, DEVICE_COOKIE, result.device_cookie, DEVICE_LIFETIME, "/sign-in")
                return response
            if result.locked_until is not None:
                # The "too many requests" page: the form cannot be used again until the lock ends.
                wait = max(1, math.ceil((result.locked_until - utc_now()).total_seconds()))
                raise TooManyRequestsException(detail=result.error or "", headers={"Retry-After": str(wait)})
            if result.delay_seconds:
                await anyio.sleep(result.delay_seconds)
            form.error("email", result.error or _("Enter a correct email address and password"))
        form.values.pop("password", None)
        return page(request, "accounts/sign_in.html", status_code=422, form=form, next_url=next_url)

    @staticmethod
    def _start(db: Session, user: User, old_token: str | None) -> str:
        token = start_session(db, user, replacing=old_token)
        db.commit()
        return token

    @post("/sign-out", status_code=303, sync_to_thread=True, name="auth:sign-out")
    def sign_out(self, request: AnyRequest, db: Db) -> Redirect:
        token = request.cookies.get(COOKIE_NAME)
        if token:
            user = request.scope.get("user")
            end_session(db, token)
            if user is not None:
                record_own(db, user, "sign_out", f"{user.email} signed out")
            db.commit()
        response = Redirect(request.app.route_reverse("home"), status_code=303)
        response.delete_cookie(COOKIE_NAME, path="/")
        return response


class AccountController(SignedInPages):
    path = "/account"

    @get("/password", sync_to_thread=False, name="account:password-form")
    def password_form(self, request: AnyRequest, changed: FromQuery[bool] = False) -> Template:
        flashes = [{"message": _("Your password has been changed."), "category": "success"}] if changed else []
        return page(request, "accounts/change_password.html", form=Form(), flashes=flashes)

    @post("/password", status_code=303, name="account:change-password")
    async def change_password(self, request: AnyRequest, db: Db) -> Response[Any]:
        form = await read_form(request)
        user = request.user
        current = form.require("current_password", _("Enter your current password"))
        new = form.require("new_password", _("Enter a new password"))
        confirm = form.require("confirm_password", _("Enter the new password again"))
        if current and not verify_password(user.password_hash, current):
            form.error("current_password", _("Your current password is not correct"))
        if new:
            problem = password_problem(new)
            if problem:
                form.error("new_password", problem)
            elif new == current:
                form.error("new_password", _("The new password must be different from the current one"))
        if new and confirm and new != confirm:
            form.error("confirm_password", _("The passwords do not match"))
        if not form.ok:
            form.values = {}
            return page(request, "accounts/change_password.html", status_code=422, form=form)
        token = await anyio.to_thread.run_sync(self._change, db, user.id, new)
        response = Redirect(request.app.route_reverse("account:password-form") + "?changed=1", status_code=303)
        return _with_session_cookie(response, request, token)

    @staticmethod
    def _change(db: Session, user_id: int, new: str) -> str:
        user = db.get(User, user_id)
        assert user is not None
        user.password_hash = hash_password(new)
        user.password_changed_at = utc_now()
        next_version(user)
        end_all_sessions(db, saved_id(user))
        token = start_session(db, user)
        record_own(db, user, "change_password", f"{user.email} changed their password (signed out everywhere else)")
        db.commit()
        return token
