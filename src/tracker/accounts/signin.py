"""Signing in, with slowing and then locking after repeated failures (kept in the database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from tracker.accounts.models import SignInThrottle, User
from tracker.accounts.passwords import hash_password, needs_rehash, verify_password
from tracker.accounts.services import find_by_email, normalise_email
from tracker.audit.services import Actor, record
from tracker.timeutil import uk_datetime, utc_now
from tracker.web.i18n import gettext as _
from tracker.web.i18n import ngettext

LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=15)
# Failures older than this are forgotten, so an occasional typo never adds up to a lock.
FORGET_AFTER = dt.timedelta(hours=1)
# A hash to verify against when the email is unknown, so the answer takes as long either way.
_DUMMY_HASH = hash_password("not-a-real-password-used-for-timing")


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None
    delay_seconds: float = 0.0
    locked_until: dt.datetime | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def sign_in(session: Session, email: str, password: str) -> SignInResult:
    """Check the credentials and record the outcome (committing). Failures are slowed, then locked."""
    key = normalise_email(email)[:320]
    now = utc_now()
    throttle = session.get(SignInThrottle, key)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        return SignInResult(None, _locked_message(throttle.locked_until), locked_until=throttle.locked_until)
    user = find_by_email(session, key) if key else None
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    if valid and user is not None and user.is_active:
        if throttle:
            session.delete(throttle)
        user.last_sign_in_at = now
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        record(
            session,
            actor=Actor(user.display_name, user.id),
            action="sign_in",
            entity_type="user",
            entity_id=user.id,
            organisation_id=user.organisation_id,
            summary=f"{user.email} signed in",
        )
        session.commit()
        return SignInResult(user)
    if valid and user is not None:
        return SignInResult(None, _("This account has been disabled. Ask your administrator to re-enable it"))
    if throttle is None:
        throttle = SignInThrottle(key=key)
        session.add(throttle)
    if throttle.last_failure_at and now - throttle.last_failure_at > FORGET_AFTER:
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= LOCK_AFTER:
        throttle.failures, throttle.locked_until = 0, now + LOCK_FOR
        session.commit()
        return SignInResult(None, _locked_message(throttle.locked_until), locked_until=throttle.locked_until)
    session.commit()
    remaining = LOCK_AFTER - throttle.failures
    minutes = int(LOCK_FOR.total_seconds() // 60)
    return SignInResult(
        None,
        ngettext(
            "Enter a correct email address and password. After %(num)s more failed attempt sign-in will be locked "
            "for %(minutes)s minutes",
            "Enter a correct email address and password. After %(num)s more failed attempts sign-in will be locked "
            "for %(minutes)s minutes",
            remaining,
            minutes=minutes,
        )
        if remaining <= 2
        else _("Enter a correct email address and password"),
        delay_seconds=min(0.25 * 2 ** (throttle.failures - 1), 2.0),
    )


def _locked_message(until: dt.datetime) -> str:
    return _("Too many failed sign-in attempts. Sign-in is locked until %(time)s.", time=uk_datetime(until))
