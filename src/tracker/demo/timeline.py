"""The demo's timeline: rounds of updates, the days and times things happened, how a response's status moves,
and when organisations published.

Every draw comes from the one seeded ``random.Random`` the caller passes, so the same scale gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random

from tracker.recommendations.models import Recommendation
from tracker.timeutil import UTC
from tracker.vocabulary import Rag, ResponseStatus

# The timeline. Plans were due on 22 November 2024 (56 days after the report); forces then updated them in
# rounds: the six-month update of March 2025, then roughly quarterly. The demo's "today" is fixed, so the same
# scale always gives the same data whatever the date it is loaded on.
PLANS_DUE = dt.date(2024, 11, 22)
DEMO_TODAY = dt.date(2026, 11, 27)
ROUNDS = [  # (first day, last day) of each round of updates; round 0 is the initial plan
    (dt.date(2024, 11, 1), dt.date(2024, 11, 15)),
    (dt.date(2025, 3, 3), dt.date(2025, 3, 24)),
    (dt.date(2025, 6, 2), dt.date(2025, 6, 23)),
    (dt.date(2025, 9, 1), dt.date(2025, 9, 22)),
    (dt.date(2025, 12, 1), dt.date(2025, 12, 17)),
    (dt.date(2026, 3, 2), dt.date(2026, 3, 23)),
    (dt.date(2026, 6, 1), dt.date(2026, 6, 22)),
    (dt.date(2026, 9, 1), dt.date(2026, 9, 21)),
    (dt.date(2026, 11, 2), dt.date(2026, 11, 23)),
]
LAST = len(ROUNDS) - 1


def date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from ``start`` to ``end``, both included."""
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def day_in(rng: random.Random, window: tuple[dt.date, dt.date], earliest: dt.date | None = None) -> dt.date:
    """A day of ``window``, not before ``earliest``."""
    first, last = window
    return date_between(rng, max(first, earliest or first), last)


def round_windows(rng: random.Random) -> list[tuple[dt.date, dt.date]]:
    """An organisation's few days of each round (a plan is brought up to date in one sitting, not all month)."""
    days = []
    for first, last in ROUNDS:
        start = date_between(rng, first, last - dt.timedelta(days=2))
        days.append((start, start + dt.timedelta(days=2)))
    return days


def time_on(day: dt.date, rng: random.Random, hours: tuple[int, int] = (8, 17)) -> dt.datetime:
    """A moment of ``day`` in UTC, within the working ``hours`` (first and last hour, both included)."""
    return dt.datetime.combine(day, dt.time(rng.randint(*hours), rng.randint(0, 59)), UTC)


def trajectory(rng: random.Random, rec: Recommendation, final: ResponseStatus | None = None) -> list[ResponseStatus]:
    """Not started, then in progress from a round, then complete or blocked from a later one (or not applicable).

    The status it ends in is drawn unless ``final`` is given (the draw is made either way, so the draws after it
    stay the same)."""
    drawn = rng.choices(list(ResponseStatus), weights=[15, 45, 8, 27, 5] if rec.text else [50, 35, 5, 5, 5])[0]
    final = final if final is not None else drawn
    if final in (ResponseStatus.NOT_APPLICABLE, ResponseStatus.NOT_STARTED):
        return [final] * len(ROUNDS)
    starts = min(rng.randint(0, LAST - 1), rng.randint(0, LAST - 1))  # most started early
    ends = rng.randint(starts + 1, LAST) if final in (ResponseStatus.COMPLETE, ResponseStatus.BLOCKED) else None
    return [
        ResponseStatus.NOT_STARTED
        if k < starts
        else final
        if ends is not None and k >= ends
        else ResponseStatus.IN_PROGRESS
        for k in range(len(ROUNDS))
    ]


def rag_ratings(rng: random.Random) -> dict[ResponseStatus, Rag | None]:
    """One RAG rating per status for a response, each fitting its status (``rules.rag_fits``).

    Every demo organisation rates: a demonstrator asked why a Complete response has no rating has no answer
    (the tracker allows none; tests cover that case, not the demo)."""
    return {
        ResponseStatus.NOT_STARTED: rng.choice([Rag.RED, Rag.AMBER]),
        ResponseStatus.IN_PROGRESS: rng.choices([Rag.AMBER, Rag.GREEN, Rag.RED], weights=[45, 45, 10])[0],
        ResponseStatus.BLOCKED: Rag.RED,
        ResponseStatus.COMPLETE: Rag.GREEN,
        ResponseStatus.NOT_APPLICABLE: None,
    }


def publication_schedule(
    rng: random.Random, organisations: list[int], always: set[int]
) -> dict[int, list[tuple[int, dt.datetime]]]:
    """When each organisation published: about three in four did, most by the 56-day point, then after most
    rounds of updates (some organisations more reliably than others).

    Each publication comes a few days after a round of updates, so it holds that round's work and nothing later.
    The organisations of the demo's editor accounts (``always``) have published: a demonstrator shows their pages.
    """
    schedule: dict[int, list[tuple[int, dt.datetime]]] = {}
    for organisation in organisations:
        if rng.random() >= 0.75 and organisation not in always:
            continue
        first = 0 if rng.random() < 0.85 else 1
        diligence = rng.choice([0.4, 0.7, 0.9])  # how reliably the organisation publishes after a round
        rounds = {first} | {k for k in range(first + 1, LAST) if rng.random() < diligence}
        if rng.random() < diligence:
            rounds.add(LAST)  # most have published the latest round; the others have unpublished changes
        moments = []
        for round_ in sorted(rounds):
            day = (
                date_between(rng, ROUNDS[0][1] + dt.timedelta(days=1), PLANS_DUE)
                if round_ == 0
                else ROUNDS[round_][1] + dt.timedelta(days=rng.randint(1, 4))
            )
            moments.append((round_, time_on(day, rng, (9, 17))))
        schedule[organisation] = moments
    return schedule


# Quarter ends since the six-month updates of March 2025 (each just after a round of updates); the demo freezes
# 2 + scale of them (at most all), each a few days after its cut-off, with every response as it stood then.
CUT_OFFS = [
    dt.date(2025, 3, 31),
    dt.date(2025, 6, 30),
    dt.date(2025, 9, 30),
    dt.date(2025, 12, 31),
    dt.date(2026, 3, 31),
    dt.date(2026, 6, 30),
    dt.date(2026, 9, 30),
]
