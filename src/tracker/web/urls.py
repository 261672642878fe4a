"""The public addresses of things, built in one place so every page links to the same URL (in the language of the
page being rendered: ``?lang=cy`` kept, tracker.web.i18n.localise_url)."""

from __future__ import annotations

from urllib.parse import quote

from tracker.web.i18n import localise_url


def recommendation_url(set_slug: str, number: str) -> str:
    """A recommendation's public page, e.g. /recommendations/stalking-2024/7.1."""
    return localise_url(f"/recommendations/{quote(set_slug)}/{quote(number)}")


def organisation_url(slug: str) -> str:
    """An organisation's public page (its published action plan)."""
    return localise_url(f"/organisations/{quote(slug)}")


def practice_url(slug: str) -> str:
    """A promising practice's public page."""
    return localise_url(f"/practice/{quote(slug)}")
