"""What a report document would change in a set, field by field, and applying what the admin accepts.

Applying makes one new version of each changed recommendation through ``editing.write_version`` (the same
versions, audit history and sub-recommendation rules as the edit screen), with provenance "confirmed against the
report" naming the document and the person, then brings obligations in line once, all in one transaction.
Loading the same document again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.services import Actor
from tracker.inputs import InputError
from tracker.organisations.services import addressee_names
from tracker.plans.obligations import ObligationChanges, sync_obligations
from tracker.recommendations.editing import RecommendationEdit, SubRecommendationEdit, subs_of, write_version
from tracker.recommendations.models import FIELD_WORDS, Recommendation, RecommendationSet
from tracker.recommendations.report_document import Found, find_recommendations
from tracker.recommendations.report_text import DocumentText
from tracker.timeutil import uk_date
from tracker.vocabulary import Provenance
from tracker.web.i18n import N_, ngettext
from tracker.web.i18n import gettext as _

FIELDS = {
    "text": N_("Wording"),
    "addressees": N_("Addressed to"),
    "deadline": N_("Deadline"),
    "sub_recommendations": N_("Sub-recommendations"),
}


def given_fields(found: Found) -> set[str]:
    """The fields the document gives for a recommendation. Only these are compared and applied: one it does not
    give (no addressee named, no deadline, no sub-recommendation) keeps what the set holds, never emptied."""
    values = {
        "text": found.text,
        "addressees": found.addressees,
        "deadline": found.deadline,
        "sub_recommendations": found.subs,
    }
    return {key for key, value in values.items() if value}


# The boxes the review has for a recommendation's own fields (``r{number}-{key}``), and the words for them and for
# the fields it has no box for, so a refusal is shown beside a box and names what it refuses.
REVIEW_BOXES = {"text": "wording", "addressees": "addressees", "deadline": "deadline"}
_OTHER_FIELDS = {
    "provenance_note": "provenance note",
    "provenance_sources": "sources",
    "confirmed_fields": "fields confirmed",
    "provenance": "provenance",
    "theme": "theme",
}


def named(number: str, words: str, message: str) -> str:
    """A refusal as the review's error summary says it: which recommendation, which field, what is wrong."""
    return f"Recommendation {number}, {words}: {message}"


def on_review(number: str, errors: dict[str, str]) -> dict[str, str]:
    """The save's refusals for recommendation ``number`` (by the edit's field) as the review form shows them: beside
    the box of that field, or, for a field the review has no box for (the provenance note, the sources), beside
    the recommendation's ticks; each names the recommendation and the field."""
    shown: dict[str, str] = {}
    for key, message in errors.items():
        if key.startswith("sub-"):  # a new sub-recommendation (editing.SubRecommendationEdit.field)
            box, words = f"s{key[4:]}-text", f"sub-recommendation {key[4:]}"
        elif key in REVIEW_BOXES:
            box, words = f"r{number}-{key}", REVIEW_BOXES[key]
        else:
            box, words = f"r{number}-accept", _OTHER_FIELDS.get(key, key.replace("_", " "))
        shown.setdefault(box, named(number, words, message))
    return shown


@dataclass
class Choice:
    """The values to save for one recommendation: the document's, or the admin's corrections."""

    text: str | None
    addressees: list[str]
    deadline: dt.date | None
    subs: dict[str, str | None]  # sub-recommendation number -> wording
    accepted: set[str] = field(default_factory=lambda: set(FIELDS))  # fields taken from this choice


@dataclass
class FieldRow:
    key: str
    label: str
    document: str
    current: str
    where: str
    given: bool = True

    @property
    def differs(self) -> bool:
        return self.given and not same_text(self.document, self.current)


# What typesetting changes in a text that the words do not: curly quotes, no-break and repeated spaces,
# ligatures ("ﬁ") and the typographic hyphens. Two renderings of one report (its HTML page and its PDF) differ in
# these, so the set's text and the document's are compared without them.
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-"})


def same_text(one: str | None, other: str | None) -> bool:
    """Whether two texts say the same, typesetting aside (``_TYPOGRAPHY``)."""
    return _plain(one) == _plain(other)


def _plain(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFKC", text or "").translate(_TYPOGRAPHY).split())


@dataclass
class ReviewRow:
    found: Found
    rec: Recommendation
    fields: list[FieldRow]
    would_change: bool
    guesses: list[str] = field(default_factory=list)  # what is worth a person's look before saving (guesses())

    @property
    def offered(self) -> list[tuple[str, str]]:
        """The fields the admin may take from the document: those it gives, as (key, label)."""
        return [(f.key, f.label) for f in self.fields if f.given]


@dataclass
class Review:
    doc: DocumentText
    rec_set: RecommendationSet
    rows: list[ReviewRow]

    @property
    def changes(self) -> list[ReviewRow]:
        return [r for r in self.rows if r.would_change]

    @property
    def sections(self) -> list[str]:
        """The headings recommendations stand under, in order (to set the addressees of a whole section)."""
        return list(dict.fromkeys(r.found.heading for r in self.rows if r.found.heading))


@dataclass
class Applied:
    versions: list[tuple[str, int, list[str]]] = field(default_factory=list)  # number, new version, fields changed
    obligations: ObligationChanges = field(default_factory=ObligationChanges)


def document_choice(found: Found) -> Choice:
    """What the document says, taking every field it gives."""
    subs: dict[str, str | None] = {s.number: s.text for s in found.subs}
    return Choice(found.text or None, list(found.addressees), found.deadline, subs, given_fields(found))


def provenance_note(doc: DocumentText, found: Found) -> str:
    """The document and place a recommendation was confirmed against, as its provenance note says it."""
    return (
        f"Confirmed against the report document “{doc.title or doc.file_name}” (file {doc.file_name}, "
        f"sha256 {doc.sha256}), {found.where}."
    )


def review(session: Session, doc: DocumentText, rec_set: RecommendationSet) -> Review:
    """Per recommendation found, what the document says beside what the set holds; raises ``ReportDocumentError``
    for a bad document or a number the set does not have."""
    found = find_recommendations(session, doc, rec_set)  # refuses a number the set does not hold, among the rest
    recs = _numbered(session, rec_set)
    names = addressee_names(session)
    rows = []
    for item in found:
        rec = recs[item.number]
        choice = document_choice(item)
        rows.append(ReviewRow(item, rec, _field_rows(session, rec, item, choice, names), False))
        rows[-1].would_change = _edit_for(session, rec, rec_set, doc, item, choice) is not None
        rows[-1].guesses = guesses(item, rec, {s.number for s in subs_of(session, rec)})
    return Review(doc, rec_set, rows)


def guesses(item: Found, rec: Recommendation, held_subs: set[str]) -> list[str]:
    """What the reading of the document guessed, worth a person's look before its fields are saved unreviewed (the
    command line prints them; the review lists them): a number found alone, a wording run on over several
    paragraphs, a page break inside it, a word joined at a line break, an end guessed, nothing in the set to compare
    with, a new sub-recommendation, a deadline read from a sentence, addressees read from a heading."""
    notes = []
    if item.bare:
        notes.append(
            _("found by a bare number (“%(marker)s”), not “Recommendation %(n)s”", marker=item.marker, n=item.number)
        )
    for part in [item, *item.subs]:
        whose = _("the wording") if part is item else _("the wording of sub-recommendation %(n)s", n=part.number)
        notes += _reading_notes(part, whose)
    if not rec.text:
        notes.append(
            _(
                "the set holds no wording for %(n)s yet, so nothing to compare the document's wording with",
                n=item.number,
            )
        )
    if new := [s.number for s in item.subs if s.number not in held_subs]:
        notes.append(
            ngettext(
                "sub-recommendation %(numbers)s is new to the set",
                "sub-recommendations %(numbers)s are new to the set",
                len(new),
                numbers=", ".join(new),
            )
        )
    if item.deadline:
        notes.append(_("the deadline is read from %(where)s", where=item.deadline_shown))
    if item.addressees_from.startswith("the heading"):
        notes.append(_("the addressees are read from %(where)s, not from the wording", where=item.addressees_shown))
    return notes


def _reading_notes(part: Found, whose: str) -> list[str]:
    """What reading the lines of one wording guessed (report_text: paragraphs, page furniture, hyphens)."""
    notes = []
    if part.paragraphs > 1:
        notes.append(
            _(
                "%(whose)s runs on over %(n)s paragraphs of the document: check that it is all the recommendation's, "
                "and no commentary",
                whose=whose,
                n=part.paragraphs,
            )
        )
    if part.left_out:
        quoted = [f"“{line}”" for line in part.left_out]
        lines = (
            quoted[0] if len(quoted) == 1 else _("%(some)s and %(last)s", some=", ".join(quoted[:-1]), last=quoted[-1])
        )
        notes.append(
            ngettext(
                "a page break falls inside %(whose)s: %(lines)s was left out as the page's running header or footer; "
                "check that none of it is the recommendation's",
                "a page break falls inside %(whose)s: %(lines)s were left out as the page's running header or footer; "
                "check that none of it is the recommendation's",
                len(quoted),
                whose=whose,
                lines=lines,
            )
        )
    for head, tail in part.rejoined:
        notes.append(
            _(
                "“%(head)s-” and “%(tail)s” at a line break are read as one word, “%(word)s”: check that the hyphen "
                "was not part of it",
                head=head,
                tail=tail,
                word=head + tail,
            )
        )
    if part.cut_before:
        notes.append(
            _(
                "%(whose)s is taken to end where a sentence ends near the end of a line: check that the paragraph "
                "after it (“%(next)s”) is not part of it",
                whose=whose,
                next=part.cut_before,
            )
        )
    return notes


def _numbered(session: Session, rec_set: RecommendationSet) -> dict[str, Recommendation]:
    query = select(Recommendation).where(
        Recommendation.set_id == rec_set.id,
        col(Recommendation.parent_id).is_(None),
        col(Recommendation.removed_at).is_(None),
    )
    return {r.number: r for r in session.exec(query)}


def _field_rows(
    session: Session, rec: Recommendation, item: Found, choice: Choice, names: dict[str, str]
) -> list[FieldRow]:
    current_subs = {s.number: s.text for s in subs_of(session, rec)}
    given = given_fields(item)
    rows = [
        FieldRow("text", FIELDS["text"], choice.text or "", rec.text or "", item.where_shown),
        FieldRow(
            "addressees",
            FIELDS["addressees"],
            _names(choice.addressees, names),
            _names(rec.addressees, names),
            item.addressees_shown,
        ),
        FieldRow("deadline", FIELDS["deadline"], _day(choice.deadline), _day(rec.deadline), item.where_shown),
        FieldRow(
            "sub_recommendations",
            FIELDS["sub_recommendations"],
            _subs_words(choice.subs),
            _subs_words({n: t for n, t in current_subs.items() if n in choice.subs}),
            item.where_shown,
        ),
    ]
    for row in rows:
        if row.key not in given:
            row.given, row.document = False, ""
    return rows


def _names(codes: list[str], names: dict[str, str]) -> str:
    return ", ".join(names.get(c, c) for c in codes)


def _day(day: dt.date | None) -> str:
    return uk_date(day) if day else ""


def _subs_words(subs: dict[str, str | None]) -> str:
    return "; ".join(f"{n}: {t or ''}" for n, t in subs.items())


def _edit_for(
    session: Session, rec: Recommendation, rec_set: RecommendationSet, doc: DocumentText, item: Found, choice: Choice
) -> RecommendationEdit | None:
    """The edit that lays ``choice`` over the recommendation, confirmed against the document; None when it would
    change nothing (so a second load of the same document writes no version)."""
    take = choice.accepted & given_fields(item)  # a field the document does not give is never applied
    if not take:
        return None  # the admin took nothing from the document for this one: it stays as the set holds it
    # A text that says what the set holds, typesetting aside, keeps the set's (see same_text).
    text = choice.text if "text" in take and not same_text(choice.text, rec.text) else rec.text
    addressees = choice.addressees if "addressees" in take else list(rec.addressees)
    deadline = choice.deadline if "deadline" in take else rec.deadline
    subs = subs_of(session, rec)
    wanted = choice.subs if "sub_recommendations" in take else {}
    sub_edits = [
        SubRecommendationEdit(
            id=s.id, text=s.text if same_text(wanted.get(s.number), s.text) else wanted.get(s.number, s.text)
        )
        for s in subs
    ]
    have = {s.number for s in subs}
    new_subs = [SubRecommendationEdit(number=n, text=t, field=f"sub-{n}") for n, t in wanted.items() if n not in have]
    sources = list(dict.fromkeys([*rec.provenance_sources, *([rec_set.source_url] if rec_set.source_url else [])]))
    status, confirmed, note = _provenance(rec, doc, item, take)
    edit = RecommendationEdit(
        version=rec.version,
        text=text,
        addressees=addressees,
        deadline=deadline.strftime("%d/%m/%Y") if deadline else None,
        theme=rec.theme,
        provenance=status.value,
        confirmed_fields=confirmed,
        sources=sources,
        note=note,
        subs=sub_edits,
        new_subs=new_subs,
    )
    # Nothing to save when no field differs and the recommendation is already confirmed as far as this would: a
    # second document (the PDF of a report whose HTML page was applied) does not replace the note naming the first.
    unchanged = (
        (text, addressees, deadline) == (rec.text, rec.addressees, rec.deadline)
        and all(e.text == s.text for e, s in zip(sub_edits, subs, strict=True))
        and not new_subs
        and rec.provenance in (status, Provenance.CONFIRMED)
        and set(confirmed) <= set(rec.confirmed_fields)
        and set(sources) <= set(rec.provenance_sources)
    )
    return None if unchanged else edit


def _provenance(
    rec: Recommendation, doc: DocumentText, item: Found, take: set[str]
) -> tuple[Provenance, list[str], str]:
    """Status, confirmed fields and note once ``take`` is checked against the document. Every field it gives
    taken: confirmed against the report. Only some: partly confirmed, the fields checked named in a sentence after
    the earlier note, and the fields confirmed before (by the report or public sources) still confirmed."""
    if take == given_fields(item):
        kept = [f for f in rec.confirmed_fields if f == "theme"]
        return Provenance.CONFIRMED, ["number", *[f for f in FIELDS if f in take], *kept], provenance_note(doc, item)
    checked = [f for f in FIELDS if f in take]
    fields = [FIELD_WORDS[f] for f in checked]
    words = (", ".join(fields[:-1]) + " and " + fields[-1]) if len(fields) > 1 else fields[0]
    sentence = provenance_note(doc, item).replace("Confirmed", f"{words[0].upper()}{words[1:]} checked", 1)
    known = rec.provenance is not Provenance.TO_BE_CONFIRMED
    earlier, before = (rec.provenance_note or "", rec.confirmed_fields) if known else ("", [])
    note = earlier if sentence in earlier else " ".join(filter(None, [earlier, sentence]))
    confirmed = ["number", *[f for f in [*FIELDS, "theme"] if f in take or f in before]]
    return Provenance.PARTIAL, confirmed, note


def apply_review(
    session: Session,
    found_review: Review,
    user: User,
    *,
    choices: dict[str, Choice] | None = None,
    versions: dict[str, int] | None = None,
) -> Applied:
    """Save every recommendation the document (or the admin's ``choices``) changes as one new version each, then
    sync obligations and commit; all or nothing. ``versions``: the version each was reviewed at (a recommendation
    saved by someone else since raises ``StaleRecord``). Raises ``EditError`` as the edit screen does."""
    applied = Applied()
    choices = choices or {}
    blank = {
        k: v for row in found_review.rows for k, v in _blank_subs(row.found, choices.get(row.found.number)).items()
    }
    if blank:
        raise InputError(blank)
    for row in found_review.rows:
        choice = choices.get(row.found.number) or document_choice(row.found)
        edit = _edit_for(session, row.rec, found_review.rec_set, found_review.doc, row.found, choice)
        if edit is None:
            continue
        if versions and row.found.number in versions:
            edit = RecommendationEdit(**{**edit.__dict__, "version": versions[row.found.number]})
        try:
            result = write_version(session, row.rec, edit, user)
        except InputError as exc:  # beside a box of the recommendation on the review form
            raise InputError(on_review(row.found.number, exc.errors)) from exc
        if result.changed:
            applied.versions.append((row.rec.number, row.rec.version, result.changed))
    if applied.versions:
        applied.obligations = sync_obligations(
            session, Actor(user.display_name, user.id), set_id=found_review.rec_set.id
        )
        session.commit()
    else:
        session.rollback()
    return applied


def _blank_subs(found: Found, choice: Choice | None) -> dict[str, str]:
    """The sub-recommendations the document gives whose wording the admin emptied while taking them: refused beside
    their boxes, as the save refuses the recommendation's own wording emptied."""
    if choice is None or "sub_recommendations" not in choice.accepted & given_fields(found):
        return {}
    return {
        f"s{sub.number}-text": f"Recommendation {found.number}: Enter the wording of sub-recommendation {sub.number} "
        f"before saving it as confirmed against the report, or untick “{FIELDS['sub_recommendations']}”"
        for sub in found.subs
        if sub.number in choice.subs and not (choice.subs[sub.number] or "").strip()
    }


def describe(found_review: Review) -> list[str]:
    """What applying would change, a line per recommendation and field (the command line's dry run)."""
    doc = found_review.doc
    found = ngettext("%(num)s recommendation found", "%(num)s recommendations found", len(found_review.rows))
    lines = [
        f"{doc.title or doc.file_name} ({doc.file_name}, sha256 {doc.sha256[:12]}…): "
        f"{found}, {len(found_review.changes)} would change."
    ]
    for row in found_review.rows:
        if not row.would_change:
            lines.append(f"  {row.found.number}: unchanged ({row.found.where})")
            continue
        lines.append(f"  {row.found.number} ({row.found.where}):")
        for item in row.fields:
            if item.differs:
                lines.append(
                    f"    {item.label}: {item.current or 'none'} -> {item.document or 'none'} (from {item.where})"
                )
        if not any(item.differs for item in row.fields):
            lines.append("    confirmed against this document (no field differs)")
        lines += [f"    Check: {guess}" for guess in row.guesses]
    return lines
