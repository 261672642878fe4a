"""Step 2 of an import: which column holds what. ``detect_mapping`` guesses it from common header names (and
finds the dated columns of reporting rounds); the person can change it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tracker.plans.spreadsheet.common import plain_words
from tracker.timeutil import DateParseError, parse_uk_date
from tracker.web.i18n import N_

ROUND = "round"  # a column of dated updates, one reporting round ("March 2026 update")

IGNORE = ""

FIELDS: dict[str, str] = {
    "recommendation": N_("Recommendation number"),
    "sub_recommendation": N_("Sub-recommendation number"),
    "status": N_("Status of the recommendation"),
    "rag": N_("RAG rating"),
    "lead_role": N_("Lead role (who leads the recommendation)"),
    "lead_role_cy": N_("Lead role in Welsh"),
    "summary": N_("Summary of the response"),
    "summary_cy": N_("Summary of the response in Welsh"),
    "blocked_reason": N_("What it is waiting for (when blocked)"),
    "blocked_reason_cy": N_("What it is waiting for, in Welsh"),
    "not_applicable_reason": N_("Why it does not apply (when not applicable)"),
    "not_applicable_reason_cy": N_("Why it does not apply, in Welsh"),
    "action": N_("Action (what will be done)"),
    "action_cy": N_("Action in Welsh"),
    "owner": N_("Action owner"),
    "owner_cy": N_("Action owner in Welsh"),
    "target_date": N_("Action target date"),
    "action_status": N_("Action status"),
    "update_text": N_("Update text"),
    "update_text_cy": N_("Update text in Welsh"),
    "update_date": N_("Update date"),
    "update_visibility": N_("Update visibility (public or internal)"),
    "action_ref": N_("Action reference (from an export of the plan)"),
    "exported_at": N_("When the file was exported (from an export of the plan)"),
    "recommendation_text": N_("The report's wording, as your plan quotes it (kept for the service team to check)"),
    "addressee": N_("Who the report addresses, as your plan names it (kept for the service team to check)"),
    ROUND: N_("Updates from one reporting round (each cell a dated update)"),
}

"""What a column can be imported as, with the label people choose from ("" means not imported), marked N_: shown
with ``gettext`` in the language of the page. A field ending ``_cy`` is the Welsh of the public text before it
(``organisations.bilingual``; ``rows.STORED_IN`` checks that they are the texts with a Welsh twin), imported only for
a bilingual organisation."""

WELSH_HEADING = " (Welsh)"  # an export's heading of the Welsh of a text: "Summary (Welsh)"
# A heading that says its column is the Welsh of another: "Summary (Welsh)", "Summary in Welsh", "Summary - Cymraeg"
_WELSH_MARK = re.compile(
    r"\s*(?:\(\s*(?:welsh|cymraeg|cy)\s*\)|[-:\u2013]?\s*(?:in\s+)?(?:welsh|cymraeg)\s*)$", re.IGNORECASE
)

# Header names people use, compared after _normalise (lower case, punctuation and bracketed notes removed).
# "?recommendation" and "?owner" are settled by detect_mapping; "-" means a known column that is not imported.
# A recommendation's owner ("Rec. Owner") names the report's addressee ("Chief Constables"), not the force's own lead
# (issue 17): it is never imported as the lead role, but kept as a candidate addressee, as the wording a plan quotes
# is kept as a candidate wording (tracker.plans.spreadsheet.candidates).
_HEADER_NAMES = """
recommendation: rec | rec no | rec number | rec ref | recommendation no | recommendation number
recommendation: recommendation ref | recommendation reference | no | number | ref
?recommendation: recommendation
sub_recommendation: sub recommendation | sub recommendations | subrecommendation | sub rec | sub recs | subrec
sub_recommendation: sub rec no | sub recommendation no | sub recommendation number
recommendation_text: recommendation text | recommendation wording | wording | report recommendation
recommendation_text: report recommendation text | report wording | recommendation as written
-: text | recommendation title
addressee: rec owner | recommendation owner | recommendation addressee | addressee | addressees | addressed to
action: action | actions | action plan item | action plan | what we will do | planned action | planned actions
action: action description | activity
owner: action owner | action lead | responsible officer | action by
?owner: owner | lead | responsible | who
lead_role: lead role | lead officer role | lead officer | recommendation lead | strategic lead | force lead
target_date: target date | by when | due | due date | date due | deadline | target | target completion date
target_date: completion date | timescale | action target date
status: status | rec status | recommendation status | overall status | current status
action_status: action status
rag: rag | rag status | rag rating | rating
summary: summary | response summary | overview
blocked_reason: waiting for | blocked reason | reason blocked | blocked by | dependency | dependencies
not_applicable_reason: why not applicable | not applicable reason | reason not applicable | why it does not apply
update_text: update | updates | force update | progress update | progress | latest update | update text
update_text: progress to date | commentary | comments
update_date: date | update date | date of update | date updated | updated | last updated
update_visibility: update visibility | visibility
action_ref: action reference | action ref | action id
exported_at: exported at | exported | exported on | date exported | time exported
"""

_SYNONYMS: dict[str, str] = {
    name.strip(): (IGNORE if key == "-" else key)
    for key, names in (line.split(":") for line in _HEADER_NAMES.strip().splitlines())
    for name in names.split("|")
}

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

_FULL_DATE = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\.?,?\s+(\d{{4}})\b", re.IGNORECASE)

_NUMERIC_DATE = re.compile(r"\b(\d{1,2}/\d{1,2}/(?:\d{4}|\d{2}))\b")

_MONTH_YEAR = re.compile(rf"\b({_MONTHS})\.?[\s\-/']+(\d{{4}}|\d{{2}})\b", re.IGNORECASE)

_ROUND_WORDS = re.compile(r"\b(?:initial|response)\b")


def _normalise(text: str) -> str:
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", str(text))
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def date_in_header(header: str) -> dt.date | None:
    """The date a column heading names: "March 2026 update" -> 31 March 2026 (month end), "Response 21st
    November 2024" -> 21 November 2024, "Nov-24" -> 30 November 2024; None if it names none."""
    text = str(header)
    for pattern, build in (
        (_FULL_DATE, lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}"),
        (_NUMERIC_DATE, lambda m: m.group(1)),
        (_MONTH_YEAR, lambda m: f"{m.group(1)} {m.group(2)}"),
    ):
        for match in pattern.finditer(text):
            try:
                return parse_uk_date(build(match), month_end=True)
            except DateParseError:
                continue
    return None


def guess_field(header: str) -> str | None:
    """A field (possibly still ambiguous, "?..."), ROUND, or IGNORE for a heading; the Welsh twin of a public text's
    field for a heading that says it is the Welsh of one ("Summary (Welsh)"), IGNORE for the Welsh of anything else."""
    english = _WELSH_MARK.sub("", str(header))
    if english != str(header) and english.strip():
        field = guess_field(english)
        twin = f"{field}_cy"
        return twin if twin in FIELDS or twin == "?owner_cy" else IGNORE
    key = _normalise(header)
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    if date_in_header(header) is not None or _ROUND_WORDS.search(plain_words(header)):
        return ROUND
    return IGNORE


@dataclass
class Mapping:
    """Which field each column of the file is imported as (IGNORE: not imported), in the file's order."""

    fields: dict[str, str]

    @property
    def columns(self) -> list[str]:
        return list(self.fields)

    def column_for(self, name: str) -> str | None:
        return next((c for c, f in self.fields.items() if f == name), None)

    def round_columns(self) -> list[str]:
        return [c for c, f in self.fields.items() if f == ROUND]

    def dated_columns(self) -> list[str]:
        """Columns that may need a date from the person: rounds, and the update column."""
        return [c for c, f in self.fields.items() if f in (ROUND, "update_text")]


def detect_mapping(columns: Iterable[Any]) -> Mapping:
    """Guess each column's field from its heading (case, spacing and punctuation do not matter).

    "Recommendation" is the number unless another column has it (then it is the wording, kept as a candidate);
    "Owner" and "Lead" name the action owner when there is an action column, else the lead role. Any other
    heading naming a month ("March 2026 update", "Nov-24") or saying "initial" or "response" is a round of
    updates, dated from the heading where it can be. A field already taken by an earlier column is left out.
    """
    names = [str(c) for c in columns]
    guesses = [guess_field(name) for name in names]
    has_number = "recommendation" in guesses
    has_action = "action" in guesses
    fields: dict[str, str] = {}
    taken: set[str] = set()
    for name, guess in zip(names, guesses, strict=True):
        if guess == "?recommendation":  # beside a number column, "Recommendation" quotes the report's wording
            guess = "recommendation_text" if has_number else "recommendation"
        elif guess in ("?owner", "?owner_cy"):
            guess = ("owner" if has_action else "lead_role") + guess.removeprefix("?owner")
        guess = guess or IGNORE
        if guess not in (IGNORE, ROUND):
            if guess in taken:
                guess = IGNORE
            taken.add(guess)
        fields[name] = guess
    return Mapping(fields)
