"""Signing in, with slowing and then locking after repeated failures (kept in the database): per email address,
and per client address (password spraying); a browser that signed in before is exempt from both."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.accounts.models import SignInThrottle, User
from tracker.accounts.passwords import hash_password, needs_rehash, verify_password
from tracker.accounts.services import find_by_email, normalise_email, record_own
from tracker.timeutil import uk_datetime, utc_now
from tracker.web.i18n import gettext as _
from tracker.web.i18n import ngettext

LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=15)
# Failures older than this are forgotten, so an occasional typo never adds up to a lock.
FORGET_AFTER = dt.timedelta(hours=1)
# A hash to verify against when the email is unknown, so the answer takes as long either way. Made ahead of time
# with the hasher's settings (making it on import took 0.3 to 0.6 s of every start-up and command); made again on
# first use if the hasher's settings differ (``_dummy_hash``).
DUMMY_PASSWORD = "not-a-real-password-used-for-timing"
PREMADE_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$Sg1a6gHy5+fSMjnzLSx37Q$+I9W9lTI55+gkI8tMbL8I+Avxt8w0urBwCCSuhVapNQ"
_DUMMY_HASH = PREMADE_DUMMY_HASH


# Failures from one client address, whichever accounts they try: password spraying (one or two guesses at each of
# many accounts) never reaches an account's LOCK_AFTER, so the address is locked after this many instead. High
# enough for a shared office network's typos; known browsers are never held up by it (see below).
ADDRESS_LOCK_AFTER = 10
# A browser that signed in to an account is told apart by a signed cookie, so that a lock made by strangers
# guessing at the account (or at everything from the same network) does not keep its owner out.
DEVICE_COOKIE = "tracker_device"
DEVICE_LIFETIME = dt.timedelta(days=365)
# Keys of throttle rows that are not an email address: upper case, which a normalised email never contains.
_ADDRESS_PREFIX = "ADDRESS:"
_DEVICE_PREFIX = "DEVICE:"


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None = None
    delay_seconds: float = 0.0
    locked_until: dt.datetime | None = None
    device_cookie: str | None = None  # on success: the known-browser cookie to set (renewed at every sign-in)

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


@dataclass(frozen=True)
class Client:
    """Where an attempt comes from: its address (see tracker.web.client_address) and the known-browser cookie
    it sent. ``secret`` (SECRET_KEY) signs that cookie and keys the hash under which an address is stored."""

    secret: str
    address: str | None = None
    device: str | None = None


def sign_in(session: Session, email: str, password: str, client: Client | None = None) -> SignInResult:
    """Check the credentials and record the outcome (committing). Failures are slowed, then locked: per email
    address, and per client address across all emails.

    A browser that has signed in to the account before (a valid device cookie) is exempt from both locks; its
    own failures count against the browser instead, so it is locked by its own guesses only.
    """
    key = normalise_email(email)[:320]
    now = utc_now()
    known = _known_device(session, client, key)
    # The rows that can hold this attempt back, account first, then address: parallel attempts lock rows in
    # that order, so they never wait for each other in a cycle.
    account_key = _device_key(client) if known else key
    address_key = _address_key(client) if client is not None and client.address and not known else None
    for gate in (account_key, address_key):
        throttle = session.get(SignInThrottle, gate) if gate else None
        if throttle and throttle.locked_until and throttle.locked_until > now:
            return SignInResult(None, _locked_message(throttle.locked_until), locked_until=throttle.locked_until)
    user = known or (find_by_email(session, key) if key else None)
    valid = verify_password(user.password_hash if user else _dummy_hash(), password) and user is not None
    if valid and user is not None and user.is_active:
        account = session.get(SignInThrottle, account_key)
        if account:
            session.delete(account)
        # The address's count is kept: otherwise one account of the attacker's own would reset it between guesses.
        user.last_sign_in_at = now
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        record_own(session, user, "sign_in", f"{user.email} signed in")
        session.commit()
        _forget_old_failures(session, now)
        cookie = device_cookie(user, client.secret) if client is not None else None
        return SignInResult(user, device_cookie=cookie)
    if valid and user is not None:
        return SignInResult(None, _("This account has been disabled. Ask your administrator to re-enable it"))
    return _failed(session, account_key, address_key, now)


def _failed(session: Session, account_key: str, address_key: str | None, now: dt.datetime) -> SignInResult:
    """Count a failed attempt against the account (or known browser) and the client address, locking either
    that reaches its limit; the answer slows with each failure and warns before the account locks."""
    account = _throttle_for_update(session, account_key)
    address = _throttle_for_update(session, address_key) if address_key else None
    for throttle in (account, address):
        if throttle and throttle.locked_until and throttle.locked_until > now:  # locked by a parallel attempt
            session.commit()
            return SignInResult(None, _locked_message(throttle.locked_until), locked_until=throttle.locked_until)
    locked_until = None
    for throttle, limit in ((account, LOCK_AFTER), (address, ADDRESS_LOCK_AFTER)):
        if throttle is None:
            continue
        if throttle.last_failure_at and now - throttle.last_failure_at > FORGET_AFTER:
            throttle.failures = 0
        throttle.failures += 1
        throttle.last_failure_at = now
        if throttle.failures >= limit:
            throttle.failures, throttle.locked_until = 0, now + LOCK_FOR
            locked_until = throttle.locked_until
    session.commit()
    _forget_old_failures(session, now)
    if locked_until is not None:
        return SignInResult(None, _locked_message(locked_until), locked_until=locked_until)
    remaining = LOCK_AFTER - account.failures
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
        delay_seconds=min(0.25 * 2 ** (account.failures - 1), 2.0),
    )


def device_cookie(user: User, secret: str) -> str:
    """A new known-browser cookie for ``user``: their id, a random nonce and a signature.

    The signature covers the password hash, so changing (or resetting) the password makes every earlier
    cookie worthless: a browser is only "known" to the password it signed in with.
    """
    nonce = secrets.token_urlsafe(16)
    return f"{user.id}.{nonce}.{_device_signature(secret, user, nonce)}"


def _device_signature(secret: str, user: User, nonce: str) -> str:
    message = f"known-device\0{user.id}\0{nonce}\0{user.password_hash}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _dummy_hash() -> str:
    """The hash an unknown email's password is checked against, at the hasher's current cost."""
    global _DUMMY_HASH
    if needs_rehash(_DUMMY_HASH):
        _DUMMY_HASH = hash_password(DUMMY_PASSWORD)
    return _DUMMY_HASH


def _known_device(session: Session, client: Client | None, key: str) -> User | None:
    """The active user whose email is ``key``, if the attempt comes with a valid cookie from their browser."""
    if client is None or not client.device or not key:
        return None
    parts = client.device.split(".")
    # Whatever the browser sent: only ASCII can be compared in constant time, and the id is checked for size
    # before any query (an id beyond the column's range is an error on PostgreSQL).
    if len(parts) != 3 or not client.device.isascii() or not parts[0].isdigit() or len(parts[0]) > 15:
        return None
    user = session.get(User, int(parts[0]))
    if user is None or not user.is_active or normalise_email(user.email) != key:
        return None
    if not hmac.compare_digest(parts[2], _device_signature(client.secret, user, parts[1])):
        return None
    return user


def _device_key(client: Client | None) -> str:
    assert client is not None and client.device
    nonce = client.device.split(".")[1]
    return _DEVICE_PREFIX + hashlib.sha256(nonce.encode()).hexdigest()


def _address_key(client: Client) -> str:
    """The address is personal data: only a keyed hash of it is stored (a plain hash of an IPv4 address is
    reversed by trying all four billion), and only while its failures count (``_forget_old_failures``)."""
    digest = hmac.new(client.secret.encode(), f"sign-in address\0{client.address}".encode(), hashlib.sha256)
    return _ADDRESS_PREFIX + digest.hexdigest()


def _forget_old_failures(session: Session, now: dt.datetime) -> None:
    """Delete throttle rows that no longer hold anything back: no live lock, and no failure recent enough to
    count (a later failure would start from zero anyway). So addresses and emails tried are kept no longer
    than FORGET_AFTER after their last failure, or until their lock ends if that is later.

    Its own short transaction after the attempt's commit, skipping rows that a parallel attempt holds: it
    then never waits for anyone, nor anyone for it.
    """
    locked_until, last_failure_at = col(SignInThrottle.locked_until), col(SignInThrottle.last_failure_at)
    stale = (
        select(SignInThrottle.key)
        .where(or_(locked_until.is_(None), locked_until <= now))
        .where(or_(last_failure_at.is_(None), last_failure_at < now - FORGET_AFTER))
        .with_for_update(skip_locked=True)
    )
    keys = list(session.exec(stale))
    if keys:
        session.exec(delete(SignInThrottle).where(col(SignInThrottle.key).in_(keys)))
    session.commit()


def _throttle_for_update(session: Session, key: str) -> SignInThrottle:
    """The throttle row of ``key``, created if absent and locked until the commit.

    Parallel failed attempts (from any process) are then counted one after another: without the lock two
    of them read the same count and one is lost, and two first failures both insert the row and one fails.
    (On SQLite the write transaction, BEGIN IMMEDIATE, already serialises them.)
    """
    throttle = session.get(SignInThrottle, key, with_for_update=True, populate_existing=True)
    if throttle is not None:
        return throttle
    try:
        with session.begin_nested():
            session.add(SignInThrottle(key=key))
    except IntegrityError:
        pass  # a parallel attempt inserted it first; the read below waits for that one to commit
    throttle = session.get(SignInThrottle, key, with_for_update=True, populate_existing=True)
    assert throttle is not None
    return throttle


def _locked_message(until: dt.datetime) -> str:
    return _("Too many failed sign-in attempts. Sign-in is locked until %(time)s.", time=uk_datetime(until))
