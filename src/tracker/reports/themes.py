"""Themes from progress updates: the words and two-word phrases that most organisations' updates share.

A plain, deterministic count (no model, no randomness): each organisation's update text is split into
words, common English and report-boilerplate words are dropped, and every remaining word and every pair of
adjacent remaining words counts once per organisation that used it. The themes are the terms used by the
most organisations, ties broken by longer phrase first and then alphabetically, so the same updates give
the same themes every time (a frozen period's report never changes).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.vocabulary import DEMO_MARKER

# Function words and words every update uses whatever it is about: counting them would say nothing.
_STOP_WORDS = """
    a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can cannot could did didn't do does doesn't doing don't down during each few for
    from further had has have having he her here hers herself him himself his how i if in into is isn't it
    it's its itself just let's me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that that's the their theirs them themselves
    then there these they this those through to too under until up very was wasn't we were what when where
    which while who whom why will with won't would you your yours yourself yourselves
    already across per via within without yet still since upon onto may might must shall us one two three
    ongoing update updates updated progress continue continues continued continuing work working
    currently current new made make making see seen well including include includes week weeks month months
    year years date dates now next last first second further
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
# A word (letters, digits, inner apostrophes and hyphens) or a punctuation mark that ends a phrase.
TOKEN = re.compile(r"[a-z0-9][a-z0-9'\-]*|[.,;:!?()\[\]/\u2013\u2014\"]")
MIN_LENGTH = 3
# The demo's marker says nothing about the work; it becomes a phrase break, so no phrase bridges it either.
_MARKER = re.compile(re.escape(DEMO_MARKER.lower()))


@dataclass(frozen=True)
class Theme:
    """A word or two-word phrase and how many organisations' updates mention it."""

    phrase: str
    organisations: int


def words(text: str) -> list[str | None]:
    """The text's words in order, lower case; a dropped word (stop word, short, with a digit) or a punctuation
    mark leaves a gap (None) so that a phrase never bridges it."""
    out: list[str | None] = []
    for token in TOKEN.findall(_MARKER.sub(".", text.lower().replace("\u2019", "'"))):
        token = token.strip("'-")
        meaningful = len(token) >= MIN_LENGTH and token not in STOP_WORDS and not any(c.isdigit() for c in token)
        out.append(token if meaningful else None)
    return out


def terms(text: str) -> set[str]:
    """The meaningful words of a text and its pairs of adjacent meaningful words."""
    found: set[str] = set()
    sequence = words(text)
    for i, word in enumerate(sequence):
        if word is None:
            continue
        found.add(word)
        following = sequence[i + 1] if i + 1 < len(sequence) else None
        if following is not None and following != word:
            found.add(f"{word} {following}")
    return found


def themes(updates: Iterable[tuple[object, str | None]], *, limit: int = 5, min_organisations: int = 2) -> list[Theme]:
    """The commonest terms across updates given as (organisation, text) pairs, counted once per organisation.

    A term counts only if at least ``min_organisations`` organisations use it. A single word is left out
    when a chosen phrase containing it is used by as many organisations (it would say the same thing twice).
    """
    per_organisation: dict[object, set[str]] = {}
    for organisation, text in updates:
        if text:
            per_organisation.setdefault(organisation, set()).update(terms(text))
    counts: Counter[str] = Counter()
    for found in per_organisation.values():
        counts.update(found)
    ranked = sorted(
        ((term, n) for term, n in counts.items() if n >= min_organisations),
        key=lambda item: (-item[1], -item[0].count(" "), item[0]),
    )
    chosen: list[Theme] = []
    for term, n in ranked:
        if len(chosen) >= limit:
            break
        if " " not in term and any(term in theme.phrase.split() and theme.organisations >= n for theme in chosen):
            continue
        chosen.append(Theme(term, n))
    return chosen


def describe(found: list[Theme]) -> str:
    """The themes as one line of plain text, e.g. '“risk assessment” (4), “training” (3)'."""
    return ", ".join(f"\u201c{theme.phrase}\u201d ({theme.organisations})" for theme in found)
