"""Settings come from the environment with safe defaults; UK dates parse the way people write them."""

import datetime as dt

import pytest

from tracker.settings import DEFAULT_SECRET, Settings, SettingsError
from tracker.timeutil import DateParseError, parse_uk_date, utc_now


def test_local_defaults_work_without_any_environment():
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.environment == "local"
    assert settings.max_upload_bytes == 20 * 1024 * 1024


def test_production_refuses_the_default_secret():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"TRACKER_ENV": "production", "SECRET_KEY": DEFAULT_SECRET})
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"TRACKER_ENV": "production"})


def test_production_accepts_a_long_secret():
    settings = Settings.from_env({"TRACKER_ENV": "production", "SECRET_KEY": "s" * 48})
    assert settings.is_production


def test_postgres_urls_use_the_psycopg_driver():
    settings = Settings.from_env({"DATABASE_URL": "postgres://u@db/tracker"})
    assert settings.database_url == "postgresql+psycopg://u@db/tracker"


def test_bad_numbers_in_the_environment_give_a_clear_error():
    with pytest.raises(SettingsError, match="not valid"):
        Settings.from_env({"PORT": "eighty"})


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8133"}, "http://127.0.0.1:8133"),
        ({"HOST": "tracker.internal", "PORT": "8133"}, "http://tracker.internal:8133"),
        ({"HOST": "0.0.0.0", "PORT": "8133"}, "http://127.0.0.1:8133"),
        ({"HOST": "::", "PORT": "8133"}, "http://[::1]:8133"),
        ({"HOST": "::1"}, "http://[::1]:8000"),
        ({"PUBLIC_URL": "https://tracker.example.org/", "PORT": "8133"}, "https://tracker.example.org"),
    ],
)
def test_the_public_address_is_configured_or_where_the_server_listens(environ, expected):
    """Finding N8: never the request's Host header; without PUBLIC_URL, the address of `tracker serve`."""
    assert Settings.from_env(environ).public_url == expected


def test_settings_built_in_code_derive_the_public_address_too():
    assert Settings(port=8133).public_url == "http://127.0.0.1:8133"
    assert Settings(port=8133, public_url="https://tracker.example.org").public_url == "https://tracker.example.org"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27/03/25", dt.date(2025, 3, 27)),
        ("27/03/2025", dt.date(2025, 3, 27)),
        ("27 March 2025", dt.date(2025, 3, 27)),
        ("2025-03-27", dt.date(2025, 3, 27)),
        ("2026-01-02 09:15:00", dt.date(2026, 1, 2)),  # a date cell with a time: year first, never day first
        ("2026-01-02T09:15", dt.date(2026, 1, 2)),
        ("March 2026", dt.date(2026, 3, 31)),
        ("Nov-24", dt.date(2024, 11, 30)),
        ("", None),
        (None, None),
    ],
)
def test_uk_dates_parse(text, expected):
    assert parse_uk_date(text) == expected


def test_a_month_alone_can_mean_its_first_day():
    assert parse_uk_date("March 2026", month_end=False) == dt.date(2026, 3, 1)


def test_nonsense_is_not_a_date():
    with pytest.raises(DateParseError, match="not a date"):
        parse_uk_date("next Tuesday-ish")


def test_timestamps_are_timezone_aware_utc():
    assert utc_now().utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    "text", ["-1", "12", "2025", "\u0661\u0662\u0663", "\U0001d7cf\U0001d7d0", "0123-01-01", "1/1/3000"]
)
def test_a_date_needs_a_day_a_month_and_a_plausible_year_in_plain_digits(text):
    """dateutil fills in what is missing ("-1" would be 1 January 2000) and reads any script's digits."""
    with pytest.raises(DateParseError):
        parse_uk_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 Ionawr 2026", dt.date(2026, 1, 1)),
        ("28 Chwefror 2025", dt.date(2025, 2, 28)),
        ("31 Rhagfyr 2025", dt.date(2025, 12, 31)),
        ("Gorffennaf 2025", dt.date(2025, 7, 31)),
        ("Mawrth 2026", dt.date(2026, 3, 31)),
        ("5 mai 2026", dt.date(2026, 5, 5)),
    ],
)
def test_a_date_with_a_welsh_month_name_is_read_as_an_english_one_is(text, expected):
    """Outsider pass 12, F8: Welsh pages write dates in Welsh, and refused them typed that way."""
    assert parse_uk_date(text) == expected
