"""The public addresses of things, built in one place so every page links to the same URL."""

from __future__ import annotations

from urllib.parse import quote


def recommendation_url(set_slug: str, number: str) -> str:
    """A recommendation's public page, e.g. /recommendations/stalking-2024/7.1."""
    return f"/recommendations/{quote(set_slug)}/{quote(number)}"


def organisation_url(slug: str) -> str:
    """An organisation's public page (its published action plan)."""
    return f"/organisations/{quote(slug)}"


def practice_url(slug: str) -> str:
    """A promising practice's public page."""
    return f"/practice/{quote(slug)}"
