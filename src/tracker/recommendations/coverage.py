"""Which recommendations are known, and how much of a set the tracker can therefore cover.

While a set is incomplete (the bundled stalking set loads all 29 numbers but only 5 with wording), every page,
report and export says so in the same words: ``awaits_wording`` decides what counts as known (the wording) and
``coverage`` counts it, and nothing else does; ``is_known`` decides which recommendations are listed with details.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.web.i18n import ngettext

EN_DASH = "\u2013"  # joins the ends of a run of numbers (an en dash, as in print)


def is_known(recommendation: Recommendation) -> bool:
    """Whether a recommendation is listed with its details: its wording, or whom it is addressed to (either is
    enough to track it; a number with neither is only a placeholder until someone loads it from the report)."""
    return bool(recommendation.text) or bool(recommendation.addressees)


def awaits_wording(recommendation: Recommendation) -> bool:
    """Whether its wording is still to be loaded: what every coverage sentence counts ("N of 29 recommendations;
    M await their wording"). Addressees alone, even adopted from organisations' declarations, do not load its
    wording, and responses declared against it do not either (outsider pass 6, findings 2 and 5)."""
    return not recommendation.text


def _sort_key(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (10**9, number)


def number_ranges(numbers: Iterable[str]) -> str:
    """Numbers as a short list with runs of three or more compressed (1, 2, 3, 4, 5, 6, 8, 9 is
    1 to 6 joined by an en dash, then 8, 9)."""
    ordered = sorted(set(numbers), key=_sort_key)
    parts: list[str] = []
    run: list[int] = []

    def close() -> None:
        if len(run) >= 3:
            parts.append(f"{run[0]}{EN_DASH}{run[-1]}")
        else:
            parts.extend(str(n) for n in run)
        run.clear()

    for number in ordered:
        if number.isdigit() and run and int(number) == run[-1] + 1:
            run.append(int(number))
            continue
        close()
        if number.isdigit():
            run.append(int(number))
        else:
            parts.append(number)
    close()
    return ", ".join(parts)


@dataclass(frozen=True)
class Coverage:
    """How many of the numbered recommendations have their wording (``awaits_wording``), and the numbers of the
    others (left empty for several sets together, whose numbers would be ambiguous)."""

    total: int
    known: int
    unknown_numbers: tuple[str, ...] = ()

    @property
    def unknown(self) -> int:
        return self.total - self.known

    @property
    def complete(self) -> bool:
        return self.unknown == 0

    @property
    def unknown_ranges(self) -> str:
        return number_ranges(self.unknown_numbers)

    @property
    def note(self) -> str | None:
        """The sentence the progress report (PDF) and the exports carry; None when every recommendation is known."""
        if self.complete:
            return None
        # In the language of the document it is drawn into (a Welsh report's PDF says it in Welsh).
        if self.unknown_numbers:
            return ngettext(
                "Covers %(known)s of the %(total)s recommendations; %(num)s awaits its wording "
                "(recommendations %(numbers)s).",
                "Covers %(known)s of the %(total)s recommendations; %(num)s await their wording "
                "(recommendations %(numbers)s).",
                self.unknown,
                known=self.known,
                total=self.total,
                numbers=self.unknown_ranges,
            )
        return ngettext(
            "Covers %(known)s of the %(total)s recommendations; %(num)s awaits its wording.",
            "Covers %(known)s of the %(total)s recommendations; %(num)s await their wording.",
            self.unknown,
            known=self.known,
            total=self.total,
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "recommendations": self.total,
            "known": self.known,
            "awaiting_wording": list(self.unknown_numbers),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Coverage:
        """The coverage an export document stored (``as_dict``), e.g. at a period's freeze."""
        return cls(
            total=int(stored["recommendations"]),
            known=int(stored["known"]),
            unknown_numbers=tuple(str(n) for n in stored.get("awaiting_wording") or ()),
        )


def coverage(recommendations: Iterable[Recommendation], expected: int | None = None) -> Coverage:
    """The coverage of one set's numbered recommendations (sub-recommendations and removed ones are ignored); a
    number up to the set's ``expected`` count that is not loaded at all is unknown too."""
    numbered = [r for r in recommendations if r.parent_id is None and not r.removed]
    unknown = [r.number for r in numbered if awaits_wording(r)]
    loaded = {r.number for r in numbered}
    missing = [str(n) for n in range(1, (expected or 0) + 1) if str(n) not in loaded]
    unknown_numbers = tuple(sorted(unknown + missing, key=_sort_key))
    return Coverage(
        total=len(numbered) + len(missing), known=len(numbered) - len(unknown), unknown_numbers=unknown_numbers
    )


def set_coverage(session: Session, set_id: int | None = None) -> Coverage:
    """The coverage of one set, or of every set together (``set_id`` None), in two queries."""
    sets = select(RecommendationSet)
    recs = select(Recommendation).where(col(Recommendation.parent_id).is_(None))
    if set_id is not None:
        sets, recs = sets.where(RecommendationSet.id == set_id), recs.where(Recommendation.set_id == set_id)
    return sets_coverage(list(session.exec(sets)), session.exec(recs.order_by(col(Recommendation.position))))


def sets_coverage(sets: Iterable[RecommendationSet], recommendations: Iterable[Recommendation]) -> Coverage:
    """The coverage of ``sets`` together (one set's own, when there is one), from their recommendations already
    read (those of other sets and sub-recommendations are ignored): what ``set_coverage`` reads and counts."""
    by_set: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        by_set.setdefault(rec.set_id, []).append(rec)
    parts = [coverage(by_set.get(s.id or 0, []), s.expected_recommendations) for s in sets]
    if len(parts) == 1:
        return parts[0]
    return Coverage(total=sum(p.total for p in parts), known=sum(p.known for p in parts))
