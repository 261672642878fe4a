"""The root of the tests: shared fixtures and helpers live in tests/support/ and are loaded here as plugins.

Choose the database with TRACKER_TEST_DB=sqlite (default) or TRACKER_TEST_DB=postgresql (tests/support/database.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest_plugins = [
    "tests.support.database",
    "tests.support.web",
    "tests.support.accounts",
    "tests.support.plans",
    "tests.support.open_data",
    "tests.support.api",
    "tests.support.written_reports",
    "tests.support.servers",
    "tests.support.demo",
    "tests.support.routes",
    "tests.support.browser",
]


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost inside the test process only (the live server keeps the real cost), the hash an
    unknown email is checked against included: made at the real cost on import, it took 0.3 to 0.6 s a sign-in."""
    from argon2 import PasswordHasher

    from tracker.accounts import passwords, signin

    real, real_dummy = passwords._hasher, signin._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    signin._DUMMY_HASH = passwords.hash_password("not-a-real-password-used-for-timing")
    yield
    passwords._hasher, signin._DUMMY_HASH = real, real_dummy
