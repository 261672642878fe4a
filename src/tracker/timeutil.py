"""Time and date helpers: timezone-aware UTC timestamps and forgiving UK date parsing."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from dateutil.relativedelta import relativedelta

from tracker.web.i18n import N_, gettext

UTC = dt.UTC


def utc_now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(UTC)


_MONTH_YEAR = re.compile(r"^\s*([A-Za-z]{3,10})[\s\-/]+(\d{2}|\d{4})\s*$")


class _EnglishAndWelsh(date_parser.parserinfo):
    """Month names in English and in Welsh ("1 Ionawr 2026", "Gorffennaf 2025"): Welsh pages write dates in Welsh,
    so a Welsh speaker may type them so (outsider pass 12, F8)."""

    WELSH = ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi", "Hydref",
             "Tachwedd", "Rhagfyr")  # fmt: skip
    MONTHS = [(*english, welsh) for english, welsh in zip(date_parser.parserinfo.MONTHS, WELSH, strict=True)]


_NAMES = _EnglishAndWelsh()


class DateParseError(ValueError):
    """A text that cannot be read as a date (the message, in the reader's language, reaches a data file's problems
    on the admin's load page and ``tracker`` commands; forms say their own sentence beside the field)."""


NOT_A_DATE = N_("'%(text)s' is not a date (try 27/03/2025 or 27 March 2025)")


YEARS = (1900, 2199)  # years a deadline, update or cut-off can plausibly fall in


def parse_uk_date(value: object, *, month_end: bool = True) -> dt.date | None:
    """Read a date the way people in England and Wales write it.

    Accepts ISO dates, ``27/03/25``, ``27/03/2025``, ``27 March 2025``, and a month alone
    (``March 2026``, ``Nov-24``), which means the last day of that month unless ``month_end`` is
    false (then the first). Empty values give ``None``; anything else raises ``DateParseError``.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if not text.isascii():  # dateutil reads Arabic-Indic and mathematical digits as numbers
        raise DateParseError(gettext(NOT_A_DATE, text=text))
    month_only = _MONTH_YEAR.match(text)
    try:
        if month_only:
            first = date_parser.parse(f"1 {month_only.group(1)} {month_only.group(2)}", _NAMES, dayfirst=True).date()
            if first.year < 100:
                first = first.replace(year=2000 + first.year)
            return first + relativedelta(day=31) if month_end else first
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?", text):  # year first: never day first
            parsed = dt.datetime.fromisoformat(text)
        else:
            parsed = date_parser.parse(text, _NAMES, dayfirst=True, default=dt.datetime(2000, 1, 1))
            # A day, a month and a year must all be written: dateutil fills in missing ones ("-1" would be a date)
            if date_parser.parse(text, _NAMES, dayfirst=True, default=dt.datetime(2004, 2, 2)) != parsed:
                raise ValueError("incomplete date")
    except (ValueError, OverflowError) as exc:
        raise DateParseError(gettext(NOT_A_DATE, text=text)) from exc
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise DateParseError(
            gettext(
                "'%(text)s' is not a date this tracker can hold: the year must be %(first)s to %(last)s",
                text=text,
                first=YEARS[0],
                last=YEARS[1],
            )
        )
    return parsed.date()


LONDON = ZoneInfo("Europe/London")


# Month names in the reader's language (the catalogue's: Ionawr, Chwefror... in Welsh).
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)


def uk_date(value: dt.date | dt.datetime | str | None, empty: str = "") -> str:
    """27 March 2025: the one style of date people read (GOV.UK). Also takes the ISO text that published plans
    and other JSON content hold ("2025-03-27"), so no page shows a date as a machine writes it; text that is not
    a date is shown as it is."""
    if isinstance(value, str):
        text = value
        try:
            if "T" in text:
                parsed = dt.datetime.fromisoformat(text)
                value = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # stored times are UTC
            else:
                value = dt.date.fromisoformat(text)
        except ValueError:
            return text or empty
    if value is None:
        return empty
    if isinstance(value, dt.datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {gettext(MONTHS[value.month - 1])} {value.year}"


def uk_datetime(value: dt.datetime | None, empty: str = "") -> str:
    """27 March 2025 at 2:05pm (UK time)."""
    if value is None:
        return empty
    local = value.astimezone(LONDON)
    hour, minute = local.hour % 12 or 12, f"{local:%M}"
    time = (
        gettext("%(hour)s:%(minute)sam", hour=hour, minute=minute)
        if local.hour < 12
        else gettext("%(hour)s:%(minute)spm", hour=hour, minute=minute)
    )
    return gettext("%(date)s at %(time)s", date=uk_date(local.date()), time=time)
