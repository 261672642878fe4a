"""Who is asking: the session cookie (pages) or a bearer token (API), resolved once per request."""

from __future__ import annotations

from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.accounts.models import User
from tracker.accounts.sessions import COOKIE_NAME, user_for_api_token, user_for_session
from tracker.db import end_read


def _lookup(engine: Engine, cookie: str | None, bearer: str | None) -> User | None:
    with Session(engine, expire_on_commit=False) as session:
        if bearer:
            user = user_for_api_token(session, bearer)
        elif cookie:
            user = user_for_session(session, cookie)
        else:
            return None
        end_read(session)
    return user


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Puts the signed-in ``User`` (or None for the public) on ``request.user``; never refuses by itself."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        cookie = connection.cookies.get(COOKIE_NAME)
        header = connection.headers.get("authorization", "")
        bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
        if not cookie and not bearer:
            return AuthenticationResult(user=None, auth=None)
        user = await anyio.to_thread.run_sync(_lookup, connection.app.state.engine, cookie, bearer)
        return AuthenticationResult(user=user, auth="token" if bearer else "session")


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The signed-in user, or None (also on paths the middleware skips, such as static files)."""
    return connection.scope.get("user")
