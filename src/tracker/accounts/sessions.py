"""Signed-in sessions kept in the database: the cookie holds a random token, the table only its sha256.

Every process sees the same sessions, sign-out deletes the row (so a copied cookie stops working), and a
disabled user's sessions stop working at their next request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlmodel import Session, col, delete, select

from tracker.accounts.models import ApiToken, User, UserSession
from tracker.db import saved_id
from tracker.timeutil import utc_now

COOKIE_NAME = "tracker_session"
LIFETIME = dt.timedelta(hours=12)
# Extending the expiry on every request would write on every read; once a minute is enough.
RENEW_AFTER = dt.timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, *, replacing: str | None = None) -> str:
    """A new session for ``user``; any session ``replacing`` names ends (a new id at every sign-in)."""
    if replacing:
        end_session(session, replacing)
    token = secrets.token_urlsafe(32)
    now = utc_now()
    session.add(
        UserSession(
            id=token_hash(token), user_id=saved_id(user), created_at=now, expires_at=now + LIFETIME, last_seen_at=now
        )
    )
    return token


def end_session(session: Session, token: str) -> None:
    session.exec(delete(UserSession).where(col(UserSession.id) == token_hash(token)))


def end_all_sessions(session: Session, user_id: int) -> None:
    """Sign a user out everywhere (after a password change, or when disabled)."""
    session.exec(delete(UserSession).where(col(UserSession.user_id) == user_id))


def user_for_session(session: Session, token: str) -> User | None:
    """The active user a session token belongs to, renewing the session; None if expired or disabled."""
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.id == token_hash(token))
    ).first()
    if row is None:
        return None
    user_session, user = row
    # End the read before writing, so on SQLite the write waits for the lock instead of failing.
    session.commit()
    now = utc_now()
    if user_session.expires_at <= now or not user.is_active:
        session.delete(user_session)
        session.commit()
        return None
    if now - user_session.last_seen_at >= RENEW_AFTER:
        user_session.last_seen_at, user_session.expires_at = now, now + LIFETIME
        session.commit()
    return user


def user_for_api_token(session: Session, token: str) -> User | None:
    """The active user an API token belongs to, or None."""
    row = session.exec(
        select(ApiToken, User)
        .join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(token), col(ApiToken.revoked_at).is_(None))
    ).first()
    if row is None or not row[1].is_active:
        return None
    api_token, user = row
    session.commit()
    now = utc_now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= RENEW_AFTER:
        api_token.last_used_at = now
        session.commit()
    return user


def create_api_token(session: Session, user: User, name: str) -> str:
    """A new API token for ``user``; the token itself is shown once and never stored."""
    token = "trk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=saved_id(user), token_hash=token_hash(token), name=name))
    return token
