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
    "tests.support.api",
    "tests.support.servers",
    "tests.support.demo",
    "tests.support.routes",
    "tests.support.browser",
]


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost inside the test process only (the live server keeps the real cost)."""
    from argon2 import PasswordHasher

    from tracker.accounts import passwords

    real = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = real
