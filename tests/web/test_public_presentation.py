"""How the public site reads to a person: every date in the GOV.UK style ("16 January 2025"), on every public page
reachable from the home page of the demo site (tests/support/public_crawler.py, so later pages are covered too).
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from tests.support.public_crawler import crawl
from tracker.timeutil import UTC, uk_date

# Dates as machines write them: 2025-01-16, 2025-01-16T10:00, 16/01/2025, 16-01-25.
MACHINE_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[/-]\d{1,2}[/-]\d{2,4})\b")
MONTHS = [dt.date(2025, m, 1).strftime("%B") for m in range(1, 13)]


def visible_text(page: str) -> str:
    """What a reader sees: the page without scripts, styles, tags (and so attributes) or character references."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.date(2025, 1, 16), "16 January 2025"),
        ("2025-01-16", "16 January 2025"),  # as published plans hold dates
        ("2025-07-01T23:30:00+00:00", "2 July 2025"),  # UK time
        ("2025-07-01T23:30:00", "2 July 2025"),  # stored times are UTC
        (dt.datetime(2025, 1, 16, 9, tzinfo=UTC), "16 January 2025"),
        (None, ""),
        ("", ""),
        ("not known", "not known"),  # text that is not a date is shown as it is
    ],
)
def test_the_one_date_filter_reads_dates_and_the_iso_text_of_published_plans(value, shown):
    assert uk_date(value) == shown


def test_no_public_page_shows_a_date_as_a_machine_writes_it(demo_site):
    pages = crawl(demo_site.client(None), demo_site.settings.public_url)
    html_pages = {
        path: fetched
        for path, fetched in pages.items()
        if fetched.status == 200 and fetched.content_type.startswith("text/html")
    }
    # The crawl reaches the pages that show dates: plans with actions and updates, recommendations, practice.
    assert "/organisations/kent" in html_pages and "/recommendations" in html_pages
    assert any(path.startswith("/practice/") for path in html_pages)
    kent = visible_text(html_pages["/organisations/kent"].text)
    assert re.search(rf"\b\d{{1,2}} ({'|'.join(MONTHS)}) \d{{4}}\b", kent)  # the check sees dates at all
    machine = {
        path: sorted(set(found))[:5]
        for path, fetched in html_pages.items()
        if (found := MACHINE_DATE.findall(visible_text(fetched.text)))
    }
    assert machine == {}
