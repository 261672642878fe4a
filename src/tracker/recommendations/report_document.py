"""Finding a report's numbered recommendations in its own text: numbers, sub-recommendations, deadlines and
addressees, each with the page or heading it came from.

``find_recommendations`` reads the paragraphs of ``tracker.recommendations.report_text``; ``review`` lays what the
document says beside what the set holds, field by field; ``tracker.recommendations.report_apply`` saves what the
admin accepts as new versions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from tracker.organisations.models import AddresseeGroup, Organisation
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.recommendations.report_text import MONTH, DocumentText, Paragraph, ReportDocumentError
from tracker.timeutil import DateParseError, parse_uk_date
from tracker.web.i18n import gettext

_ = gettext

# The rule of ``report_text.STARTS_ITEM``: "Recommendation N" then punctuation or the end (a cross-reference such as
# "Recommendation 5 of our 2022 report" is not one), or a bare number that does not start a date ("27 March").
_MARKER = re.compile(
    r"^(?:recommendation\s+(?P<named>\d{1,3}(?:\.\d{1,2})?)\s*(?:[.:)\-\u2013\u2014]\s*|$)"
    rf"|(?P<bare>\d{{1,3}}(?:\.\d{{1,2}})?)(?:[.:)]\s*|\s+(?!{MONTH})(?P<word>(?=(?-i:[A-Z])))|$))",
    re.IGNORECASE,
)
_DEADLINE = re.compile(r"\bby\s+(\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4})", re.IGNORECASE)
_SUBJECT = re.compile(r"^(.*?)\b(?:should|must|are to|is to)\b", re.IGNORECASE | re.DOTALL)


@dataclass
class Found:
    """One recommendation (or sub-recommendation) as the document gives it."""

    number: str
    text: str = ""
    page: int | None = None
    heading: str | None = None
    paragraph: int = 0  # its place among the document's paragraphs (report_text.Paragraph.index)
    marker: str = ""  # what it was found by: "Recommendation 7:", or a bare "7." (a guess worth a look)
    paragraphs: int = 1  # how many of the document's paragraphs its wording runs over
    deadline: dt.date | None = None
    deadline_from: str = ""  # the words the deadline was read from, and whose wording they are in
    deadline_words: str = ""  # those words alone, and the sub-recommendation whose wording holds them (if one)
    deadline_sub: str = ""
    addressees: list[str] = field(default_factory=list)
    addressees_from: str = ""  # "the text" or the heading the addressees were read from
    subs: list[Found] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # running headers and footers left out at a page break in it
    rejoined: list[tuple[str, str]] = field(default_factory=list)  # words joined without their hyphen by a guess
    cut_before: str = ""  # where its end was guessed: the opening words of the paragraph taken as not its own

    @property
    def where(self) -> str:
        """The page and heading it came from, as the review page and the provenance say it."""
        parts = ([f"page {self.page}"] if self.page else []) + ([f"under “{self.heading}”"] if self.heading else [])
        return ", ".join(parts) or "the document"

    @property
    def where_shown(self) -> str:
        """``where`` in the reader's language (the review page); the heading is the document's own words."""
        parts = ([_("page %(page)s", page=self.page)] if self.page else []) + (
            [_("under “%(heading)s”", heading=self.heading)] if self.heading else []
        )
        return ", ".join(parts) or _("the document")

    @property
    def addressees_shown(self) -> str:
        """``addressees_from`` in the reader's language."""
        if not self.addressees_from:
            return ""
        if self.addressees_from == "the text":
            return _("the text")
        return _("the heading “%(heading)s”", heading=self.heading)

    @property
    def deadline_shown(self) -> str:
        """``deadline_from`` in the reader's language."""
        if not self.deadline_words:
            return self.deadline_from
        if self.deadline_sub:
            return _(
                "the words “%(words)s” in the wording of sub-recommendation %(number)s",
                words=self.deadline_words,
                number=self.deadline_sub,
            )
        return _("the words “%(words)s” in the wording", words=self.deadline_words)

    @property
    def located(self) -> str:
        """Where it is, told apart from another copy under the same heading: its page, heading and paragraph."""
        place = f"paragraph {self.paragraph} of the document"
        return place if self.where == "the document" else f"{self.where}, {place}"

    @property
    def is_sub(self) -> bool:
        return "." in self.number

    @property
    def bare(self) -> bool:
        """Found by a number alone ("7."), not by "Recommendation 7"."""
        return not self.marker.lower().startswith("recommendation")


def find_recommendations(session: Session, doc: DocumentText, rec_set: RecommendationSet) -> list[Found]:
    """The numbered recommendations with their sub-recommendations, deadlines and addressees, in the document's
    order. Raises ``ReportDocumentError`` naming every problem at once: none found, a number given twice with
    different wording, a number beyond the set's expected count or not in the set, a sub-recommendation without
    its recommendation."""
    problems: list[str] = []
    merged = _merged(_items(doc.paragraphs), problems)
    if not merged:
        problems.append(
            "No numbered recommendation was found (expected lines such as “Recommendation 7: …” or “7.1 …”)"
        )
    tops = _nested(merged, rec_set, _numbers_held(session, rec_set), problems)
    if problems:
        raise ReportDocumentError(problems)
    names = addressee_index(session)
    for top in tops:
        _fill_fields(top, names)
    return tops


def _merged(items: list[Found], problems: list[str]) -> dict[str, Found]:
    """Each number once: a copy in the same words (the summary's list and the chapter) adds nothing; a copy in
    other words is a problem, each copy located and quoted by its first words."""
    merged: dict[str, Found] = {}
    for item in items:
        earlier = merged.setdefault(item.number, item)
        if earlier is item or _same_words(earlier.text, item.text):
            continue
        problem = f"Recommendation {item.number} is given twice with different wording"
        if not any(p.startswith(f"{problem}:") for p in problems):
            one, other = (f"“{_opening(i.text)}” ({i.located})" for i in (earlier, item))
            problems.append(f"{problem}: {one} and {other}")
    return merged


def _opening(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts) if len(parts) <= words else " ".join(parts[:words]) + " …"


def _nested(merged: dict[str, Found], rec_set: RecommendationSet, held: set[str], problems: list[str]) -> list[Found]:
    """The recommendations with their sub-recommendations under them; a number beyond the set's count, a
    recommendation the set does not hold, or a sub-recommendation without its recommendation is a problem."""
    expected = rec_set.expected_recommendations
    tops: list[Found] = []
    for number, item in merged.items():
        parent = number.split(".")[0]
        if expected and int(parent) > expected:
            problems.append(f"Recommendation {number} is beyond the {expected} recommendations this set expects")
        elif item.is_sub:
            owner = merged.get(parent)
            if owner is None:
                problems.append(f"Sub-recommendation {number} has no recommendation {parent} before it")
            else:
                owner.subs.append(item)
        elif number not in held:
            why = "its recommendations are numbered from 1" if int(number) == 0 else "load it into the set first"
            problems.append(f"Recommendation {number} is not in the set {rec_set.short_title}: {why}")
        else:
            tops.append(item)
    return tops


def _numbers_held(session: Session, rec_set: RecommendationSet) -> set[str]:
    """The numbers of the set's recommendations (not their sub-recommendations, not those removed)."""
    query = select(Recommendation.number).where(
        Recommendation.set_id == rec_set.id,
        col(Recommendation.parent_id).is_(None),
        col(Recommendation.removed_at).is_(None),
    )
    return set(session.exec(query))


def _items(paragraphs: list[Paragraph]) -> list[Found]:
    """Every numbered item with the paragraphs that follow it until the next item or heading."""
    items: list[Found] = []
    current: Found | None = None
    last: Paragraph | None = None  # the item's last paragraph
    last_top = 0
    for paragraph in paragraphs:
        if paragraph.is_heading:
            current = None
            continue
        match = _MARKER.match(paragraph.text)
        number = match and (match.group("named") or match.group("bare"))
        # A bare number ("7. Chief constables …") counts only where it is the next one expected or under a
        # recommendations heading; one followed by a word alone ("7 Chief constables …") only where it is the next
        # one expected, so a sentence that begins with a figure ("43 Forces …") is not taken for a recommendation.
        bare_word = match is not None and match.group("word") is not None
        plausible = number and _plausible(number, last_top, paragraph.heading, bare_word, current is not None)
        if match and number and (match.group("named") or plausible):
            text, marker = paragraph.text[match.end() :].strip(), paragraph.text[: match.end()].strip()
            current = Found(number, text, paragraph.page, paragraph.heading, paragraph.index, marker)
            _take_notes(current, paragraph)
            items.append(current)
            last_top = int(number.split(".")[0]) if "." not in number else last_top
        elif current is not None and not current.text.endswith((".", "!", "?", ".”", '."')):
            # A number alone (a table's cell) or a sentence a line break split goes on; a finished one does not,
            # so the commentary after a recommendation is not taken for its wording. The paragraph under a number
            # alone ("Recommendation 5") is its wording, not a run-on.
            current.paragraphs += 1 if current.text else 0
            current.text = f"{current.text} {paragraph.text}".strip()
            _take_notes(current, paragraph)
        else:
            if current is not None and last is not None and last.end_guessed:
                current.cut_before = _opening(paragraph.text, words=6)
            current = None
        last = paragraph
    return items


def _take_notes(item: Found, paragraph: Paragraph) -> None:
    """What the reading of the paragraph guessed, noted on the item its text goes to."""
    item.left_out += [line for line in paragraph.left_out if line not in item.left_out]
    item.rejoined += paragraph.rejoined


def _plausible(number: str, last_top: int, heading: str | None, bare_word: bool, after_item: bool) -> bool:
    """Whether a bare number starts an item: the next recommendation, a part of the current one, or (unless only
    a word follows it) any one under a heading that speaks of recommendations (sections need not follow the
    numbers' order). A part of another recommendation counts right after a recommendation or under such a
    heading, so one whose recommendation is missing is refused as such rather than dropped without a word."""
    about_recommendations = "recommendation" in (heading or "").lower()
    if "." in number:
        return int(number.split(".")[0]) == last_top or after_item or about_recommendations
    return int(number) == last_top + 1 or (not bare_word and about_recommendations)


def _same_words(one: str, other: str) -> bool:
    return " ".join(one.lower().split()) == " ".join(other.lower().split())


# --- deadlines and addressees -----------------------------------------------------------------------------


def addressee_index(session: Session) -> list[tuple[str, str]]:
    """(name in lower case, code) for every addressee group and organisation: names, aliases and the code as
    words, plus the singular of a plural group name; longest first, so the fullest name wins."""
    pairs: set[tuple[str, str]] = set()
    for code, name in session.exec(select(AddresseeGroup.code, AddresseeGroup.name)):
        for words in {name.lower(), code.replace("-", " ")}:
            pairs.add((words, code))
            if words.endswith("s") and " " in words:
                pairs.add((words[:-1], code))
            if " and mayoral equivalents" in words:
                pairs.add((words.replace(" and mayoral equivalents", ""), code))
    for slug, name, aliases in session.exec(select(Organisation.slug, Organisation.name, Organisation.aliases)):
        for words in [name, *aliases]:
            pairs.add((words.lower(), slug))
    return sorted(pairs, key=lambda p: (-len(p[0]), p[0]))


def addressees_in(words: str, names: list[tuple[str, str]]) -> list[str]:
    """The addressee codes ``words`` names, in the order they appear (a matched name is not matched again)."""
    text = " " + " ".join(words.lower().replace("\u2019", "'").split()) + " "
    found: list[tuple[int, str]] = []
    for name, code in names:
        for hit in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
            found.append((hit.start(), code))
            text = text[: hit.start()] + "#" * len(name) + text[hit.end() :]
    ordered: list[str] = []
    for _, code in sorted(found):
        if code not in ordered:
            ordered.append(code)
    return ordered


def _deadline(text: str) -> tuple[dt.date | None, str]:
    """The first real date after "by" in ``text``, and the words it was read from."""
    for hit in _DEADLINE.finditer(text):
        try:
            return parse_uk_date(re.sub(r"(?<=\d)(st|nd|rd|th)", "", hit.group(1))), hit.group(0)
        except DateParseError:
            continue
    return None, ""


def _fill_fields(top: Found, names: list[tuple[str, str]]) -> None:
    """Deadline and addressees of a recommendation: its own text first, then its sub-recommendations' (deadline),
    then its section heading (addressees)."""
    for item in [top, *top.subs]:
        item.deadline, words = _deadline(item.text)
        whose = "the wording" if item is top else f"the wording of sub-recommendation {item.number}"
        item.deadline_from = f"the words “{words}” in {whose}" if words else ""
        item.deadline_words, item.deadline_sub = words or "", "" if item is top else item.number
        subject = _SUBJECT.match(item.text)
        if subject:
            item.addressees = addressees_in(subject.group(1), names)
            item.addressees_from = "the text" if item.addressees else ""
    if top.deadline is None:
        first = next((s for s in top.subs if s.deadline), None)
        top.deadline, top.deadline_from = (first.deadline, first.deadline_from) if first else (None, "")
        top.deadline_words, top.deadline_sub = (first.deadline_words, first.deadline_sub) if first else ("", "")
    if not top.addressees and top.heading:
        top.addressees = addressees_in(top.heading, names)
        top.addressees_from = f"the heading “{top.heading}”" if top.addressees else ""
