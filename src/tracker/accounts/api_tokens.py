"""A person's own API tokens: list them, make one (shown once), revoke one.

Tokens act for the person with the person's permissions, and stop working at once when revoked or when the
account is disabled (``user_for_api_token`` checks both at every request). Only the sha256 of a token is stored.
These pages need a signed-in browser session: a token cannot be used to make more tokens (which would outlive
revoking it) or to revoke them.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from tracker.accounts.models import ApiToken, User
from tracker.accounts.services import record_own
from tracker.accounts.sessions import create_api_token, token_hash
from tracker.inputs import InputError, length_message, problems_for
from tracker.timeutil import utc_now
from tracker.web.forms import Form, FormData
from tracker.web.guards import signed_in_user
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_
from tracker.web.templating import page

NAME_LIMIT = 100
MAX_ID = 2_147_483_647
PAGE = "accounts/api_tokens.html"


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The person's tokens, newest first (revoked ones too, for the record)."""
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
        )
    )


def add_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``, and the token itself (to show once; only its hash is kept).

    Raises ``InputError`` for a name that cannot be used: blank, too long, or with a character no name may hold."""
    name = " ".join(name.split())
    if not name:
        raise InputError({"name": N_("Enter a name for the token, such as the tool that will use it")})
    if len(name) > NAME_LIMIT:
        raise InputError({"name": length_message(N_("The name must be %(limit)s characters or fewer"), NAME_LIMIT)})
    if problems := problems_for(ApiToken, name=name):
        raise InputError(problems)
    secret = create_api_token(session, user, name)
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).one()
    summary = f"{user.email} made the API token “{name}”"
    record_own(
        session, user, "create_api_token", summary, entity_type="api_token", entity_id=token.id, after={"name": name}
    )
    session.commit()
    return token, secret


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens (404 for anyone else's); revoking twice changes nothing."""
    token = session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if token is None or token.user_id != user.id:
        raise NotFoundException()
    if token.revoked_at is None:
        token.revoked_at = utc_now()
        summary = f"{user.email} revoked the API token “{token.name}”"
        names = {"name": token.name}
        record_own(
            session, user, "revoke_api_token", summary, entity_type="api_token", entity_id=token.id, before=names
        )
        session.commit()
    return token


def session_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Tokens are managed from a signed-in browser, never with a token."""
    if connection.scope.get("auth") != "session":
        raise PermissionDeniedException(N_("Sign in with your password to manage API tokens"))


class ApiTokenController(Controller):
    path = "/account/api-tokens"
    include_in_schema = False
    guards = [signed_in_user, session_only]

    @get("/", sync_to_thread=True, name="api-tokens:index")
    def index(self, request: AnyRequest, db: Db, revoked: FromQuery[bool] = False) -> Template:
        flashes = [{"message": "The token has been revoked. It no longer works.", "category": "success"}]
        return page(request, PAGE, form=Form(), tokens=tokens_of(db, request.user), flashes=flashes if revoked else [])

    @post("/", sync_to_thread=True, name="api-tokens:create")
    def create(self, request: AnyRequest, db: Db, data: FormData) -> Template:
        form = Form.of(data)
        try:
            form.refuse_if_invalid(InputError)  # a control character or override, refused as read (tracker.inputs)
            token, secret = add_token(db, request.user, form.get("name"))
        except InputError as exc:
            db.rollback()
            form.errors.update(exc.errors)
            return page(request, PAGE, status_code=422, form=form, tokens=tokens_of(db, request.user))
        response = page(request, PAGE, form=Form(), tokens=tokens_of(db, request.user), new_token=token, secret=secret)
        response.headers["Cache-Control"] = "no-store"  # the token is on this page, once
        return response

    @post("/{token_id:int}/revoke", sync_to_thread=True, status_code=303, name="api-tokens:revoke")
    def revoke(self, request: AnyRequest, db: Db, token_id: FromPath[int]) -> Redirect:
        revoke_token(db, request.user, token_id)
        return Redirect(request.app.route_reverse("api-tokens:index") + "?revoked=1", status_code=303)
