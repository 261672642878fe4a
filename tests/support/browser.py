"""Signing in through the form in the browser tests (tests/e2e), as one of the demo accounts."""

from __future__ import annotations

DEMO_PASSWORD = "demo-password-for-browser-tests"


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form as one of the demo accounts."""
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
