"""Password hashing with Argon2id, and the rules a new password must meet."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tracker.web.i18n import gettext

_hasher = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches; never raises for a wrong or malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return gettext("Password must be %(length)s characters or more", length=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return gettext("Password must be %(length)s characters or fewer", length=MAX_LENGTH)
    return None


def generate_password() -> str:
    """A random password that is easy to type (for demo accounts and first sign-in)."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))
