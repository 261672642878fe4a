"""Shared by the open-data tests: every open-data file and the feed, and a count of how often each kind is rendered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from tracker.public import feeds, opendata

FEED = "/open-data/publications.atom"
RENDER_TABLE, ATOM_FEED = opendata.render_table, feeds.atom_feed  # before ``renders`` counts them
FILES = [f"/open-data/{table}.{ext}" for table in opendata.TABLES for ext in opendata.FORMATS] + [FEED]


@pytest.fixture
def renders(monkeypatch) -> Counter[str]:
    """How many times each kind of file was rendered."""
    counted: Counter[str] = Counter()

    def counting(name: str, render: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            counted[name] += 1
            return render(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(opendata, "render_table", counting("table", opendata.render_table))
    monkeypatch.setattr(feeds, "atom_feed", counting("feed", feeds.atom_feed))
    return counted
