"""The written report's use cases: save the sections, add and remove examples, submit, return, approve, publish.

Each checks the rules, records the change in the history (``audit_change``: a version with the before and after
of what changed) and commits. Every change is made to the version the person loaded (``version``): a change to
an older one is refused with ``StaleRecord`` (answered 409 with the newer text beside theirs).

The review: draft -> submitted -> returned (with comments) or approved -> published. Whoever saved any of its
text is one of its authors, and no author may approve it, whatever their role: a second person always reads it.
Changing the text or the examples of a submitted or approved report takes it back to draft, so what is published
is what was approved. Only reporting coordinators and admins (``RUN_REPORTING``) see drafts and comments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.services import Actor, audit_change, audit_creation, fields_of, record
from tracker.db import StaleRecord, check_version, next_version, saved_id
from tracker.inputs import InputError, parse_id, text_problem
from tracker.permissions import Permission, require
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative.examples import Candidate, no_longer_public
from tracker.reports.narrative.figures import ReportFigures
from tracker.reports.narrative.models import SECTIONS, WELSH_SECTIONS, PublishedReport, ReportDraft, ReportExample
from tracker.timeutil import utc_now
from tracker.vocabulary import PeriodStatus, ReportStatus
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _

ENTITY = "report_draft"
AUDITED = (*SECTIONS, "commentary", *WELSH_SECTIONS, "commentary_cy", "status", "review_comment")
MAX_SECTION = 20_000
MAX_LEAD_IN = 600
SECTION_NAMES = {
    "foreword": N_("foreword"),
    "summary": N_("summary"),
    "next_steps": N_("what happens next"),
    "foreword_cy": N_("foreword in Welsh"),
    "summary_cy": N_("summary in Welsh"),
    "next_steps_cy": N_("what happens next in Welsh"),
}
# The sections' names as headings (the history, the conflict panel), marked for translation.
SECTION_LABELS = {
    "foreword": N_("Foreword"),
    "summary": N_("Summary"),
    "next_steps": N_("What happens next"),
    "foreword_cy": N_("Foreword in Welsh"),
    "summary_cy": N_("Summary in Welsh"),
    "next_steps_cy": N_("What happens next in Welsh"),
}
WRITTEN = (*SECTIONS, *WELSH_SECTIONS)  # every written section's field, English then Welsh
REOPENED = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)  # changing the content takes these back to draft


def commentary_field(recommendation_id: int, welsh: bool = False) -> str:
    """The form field (and error key) of a recommendation's commentary (``welsh``: its Welsh version's)."""
    return f"commentary{'_cy' if welsh else ''}-{recommendation_id}"


@dataclass
class DraftText:
    """The written sections as a form or the API gives them: text by section, commentary by recommendation id."""

    version: str = ""
    sections: dict[str, str] = field(default_factory=dict)  # English and Welsh (``WRITTEN``)
    commentary: dict[int, str] = field(default_factory=dict)
    commentary_cy: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> DraftText:
        def text(name: str) -> str:
            value = values.get(name, "")
            return value.strip() if isinstance(value, str) else ""

        def by_recommendation(prefix: str) -> dict[int, str]:
            found = {}
            for name in values:
                rec_id = parse_id(name.removeprefix(prefix)) if name.startswith(prefix) else None
                if rec_id is not None:
                    found[rec_id] = text(name)
            return found

        sections = {name: text(name) for name in WRITTEN}
        return cls(text("version"), sections, by_recommendation("commentary-"), by_recommendation("commentary_cy-"))


def actor_for(user: User) -> Actor:
    return Actor(user.display_name, user.id)


def report_set(session: Session, period: ReportingPeriod, slug: str | None = None) -> RecommendationSet | None:
    """The recommendation set a period's report is written for: the period's own, else the one asked for (by
    slug), else the first set; None if there is no such set."""
    if period.set_id is not None:
        rec_set = session.get(RecommendationSet, period.set_id)
        return rec_set if rec_set is not None and slug in (None, rec_set.slug) else None
    query = select(RecommendationSet).order_by(col(RecommendationSet.id))
    if slug is not None:
        query = query.where(RecommendationSet.slug == slug)
    return session.exec(query).first()


def draft_for(session: Session, period: ReportingPeriod, rec_set: RecommendationSet) -> ReportDraft | None:
    return session.exec(
        select(ReportDraft).where(ReportDraft.period_id == period.id, ReportDraft.set_id == rec_set.id)
    ).first()


def examples_of(session: Session, draft: ReportDraft | None) -> list[ReportExample]:
    if draft is None:
        return []
    return list(
        session.exec(select(ReportExample).where(ReportExample.draft_id == draft.id).order_by(col(ReportExample.id)))
    )


def _check_text(errors: dict[str, str], name: str, text: str, figures: ReportFigures, what: str) -> None:
    problem = text_problem(text, short=False) or figures.problem(text)
    if len(text) > MAX_SECTION:
        problem = _("The %(what)s must be %(limit)s characters or fewer", what=_(what), limit=f"{MAX_SECTION:,}")
    if problem:
        errors[name] = problem


def check_draft_text(given: DraftText, figures: ReportFigures, recommendations: list[Recommendation]) -> None:
    """Every fault of the written sections at once (each beside its field), or nothing."""
    errors: dict[str, str] = {}
    for name in WRITTEN:
        _check_text(errors, name, given.sections.get(name, ""), figures, SECTION_NAMES[name])
    for rec in recommendations:
        for welsh, texts in ((False, given.commentary), (True, given.commentary_cy)):
            what = (
                _("commentary on recommendation %(number)s in Welsh", number=rec.number)
                if welsh
                else _("commentary on recommendation %(number)s", number=rec.number)
            )
            _check_text(errors, commentary_field(saved_id(rec), welsh), texts.get(saved_id(rec), ""), figures, what)
    if errors:
        raise InputError(errors)


def _editable(draft: ReportDraft, version: object, field_name: str) -> None:
    """Refuse a change to a published report, or to another version than the one stored."""
    check_version(draft, version, ReportDraft.conflict_fields)
    if draft.status is ReportStatus.PUBLISHED:
        raise InputError({field_name: N_("This report has been published and can no longer change")})


def freeze_first(period: ReportingPeriod) -> str:
    """What the editor says of a period not yet frozen, in the reader's language."""
    return _("Freeze %(period)s before writing its report: its figures must be fixed", period=period.name)


def _frozen(period: ReportingPeriod, field_name: str) -> None:
    if period.status is not PeriodStatus.FROZEN:
        raise InputError({field_name: freeze_first(period)})


def save_draft(
    session: Session,
    period: ReportingPeriod,
    rec_set: RecommendationSet,
    user: User,
    given: DraftText,
    *,
    figures: ReportFigures,
    recommendations: list[Recommendation],
    commit: bool = True,
) -> ReportDraft:
    """Save the written sections (the first save makes the draft), as a new version of what the person loaded.
    ``commit=False``: the caller commits (the demo writes everything in one transaction)."""
    require(user, Permission.RUN_REPORTING)
    _frozen(period, "summary")
    check_draft_text(given, figures, recommendations)
    draft = draft_for(session, period, rec_set)
    if draft is None:
        if (parse_id(given.version, minimum=0) or 0) != 0:
            raise StaleRecord(None, {})  # the draft it was loaded from is gone (its period was unfrozen)
        draft = ReportDraft(period_id=saved_id(period), set_id=saved_id(rec_set), author_ids=[saved_id(user)])
        _write(draft, given, recommendations)
        return _create(session, draft, period, user, commit=commit)
    _editable(draft, given.version, "summary")
    before = fields_of(draft, AUDITED)
    _write(draft, given, recommendations)
    if fields_of(draft, AUDITED) != before:
        _content_changed(draft, user)
    audit_change(session, draft, before, AUDITED, actor=actor_for(user), entity_type=ENTITY, summary=_saved_summary)
    _end(session, commit)
    return draft


def _end(session: Session, commit: bool) -> None:
    if commit:
        session.commit()
    else:
        session.flush()


def _saved_summary(names: list[str]) -> str:
    words = [SECTION_NAMES.get(name, name.replace("_", " ")) for name in names]
    return "Report text saved: " + ", ".join(words)


def _write(draft: ReportDraft, given: DraftText, recommendations: list[Recommendation]) -> None:
    """The sections and commentary, in English and Welsh, as given (an empty commentary is left out)."""
    for name in WRITTEN:
        setattr(draft, name, given.sections.get(name, ""))
    for attribute, texts in (("commentary", given.commentary), ("commentary_cy", given.commentary_cy)):
        setattr(draft, attribute, {str(saved_id(r)): text for r in recommendations if (text := texts.get(saved_id(r)))})


def _create(session: Session, draft: ReportDraft, period: ReportingPeriod, user: User, *, commit: bool) -> ReportDraft:
    session.add(draft)
    session.flush()
    audit_creation(
        session,
        draft,
        AUDITED,
        actor=actor_for(user),
        entity_type=ENTITY,
        summary=f"Report draft begun for {period.name}",
    )
    _end(session, commit)
    return draft


def _content_changed(draft: ReportDraft, user: User) -> None:
    """Its text or examples changed: the person is one of its authors, and a submitted or approved report goes back
    to draft (what is published is what was approved)."""
    if user.id is not None and user.id not in draft.author_ids:
        draft.author_ids = [*draft.author_ids, user.id]
    if draft.status in REOPENED:
        draft.status = ReportStatus.DRAFT
    draft.updated_at = utc_now()


def _example_event(session: Session, draft: ReportDraft, user: User, action: str, example: ReportExample) -> None:
    what: dict[str, str | None] = {"organisation": example.organisation_name}
    what["source"] = f"{example.source_kind} {example.source_id}"
    what |= {"text": example.text, "lead_in": example.lead_in}
    verb = "added" if action == "add_example" else "removed"
    before, after = (None, what) if action == "add_example" else (what, None)
    record(
        session,
        actor=actor_for(user),
        action=action,
        entity_type=ENTITY,
        entity_id=draft.id,
        summary=f"Example {verb}: {example.organisation_name}",
        before=before,
        after=after,
    )


def example_from(chosen: Candidate, draft_id: int, lead_in: str | None) -> ReportExample:
    """The example a draft features from an offered source (``candidates``), its words captured as offered."""
    return ReportExample(draft_id=draft_id, lead_in=lead_in, **asdict(chosen))


def add_example(
    session: Session,
    draft: ReportDraft,
    user: User,
    *,
    version: object,
    choice: str,
    lead_in: str,
    offered: Mapping[int, list[Candidate]],
    figures: ReportFigures,
    commit: bool = True,
) -> ReportExample:
    """Feature one of the ``offered`` candidates (``Candidate.choice``) under its recommendation. Its lead-in is in
    the sections' markup and gets the same checks (placeholders, braces, links)."""
    require(user, Permission.RUN_REPORTING)
    _editable(draft, version, "example")
    errors: dict[str, str] = {}
    chosen = next((c for found in offered.values() for c in found if c.choice == choice), None)
    if chosen is None:
        errors["example"] = N_("Choose an update or a piece of practice from the list")
    elif (chosen.source_kind, chosen.source_id) in {(e.source_kind, e.source_id) for e in examples_of(session, draft)}:
        errors["example"] = N_("This example is already in the report")
    if problem := text_problem(lead_in, short=False) or figures.problem(lead_in):
        errors["lead_in"] = problem
    elif len(lead_in) > MAX_LEAD_IN:
        errors["lead_in"] = _("The lead-in must be %(limit)s characters or fewer", limit=f"{MAX_LEAD_IN:,}")
    if errors or chosen is None:
        raise InputError(errors)
    example = example_from(chosen, saved_id(draft), lead_in or None)
    session.add(example)
    _content_changed(draft, user)
    next_version(draft)
    session.flush()
    _example_event(session, draft, user, "add_example", example)
    _end(session, commit)
    return example


def remove_example(session: Session, draft: ReportDraft, user: User, *, version: object, example_id: int) -> None:
    require(user, Permission.RUN_REPORTING)
    _editable(draft, version, "example")
    example = session.get(ReportExample, example_id)
    if example is None or example.draft_id != draft.id:
        raise InputError({"example": N_("That example is no longer in the report")})
    _example_event(session, draft, user, "remove_example", example)
    session.delete(example)
    _content_changed(draft, user)
    next_version(draft)
    session.commit()


# --- the review ------------------------------------------------------------------------------------------------


def _decide(
    session: Session,
    draft: ReportDraft,
    user: User,
    to: ReportStatus,
    summary: str,
    commit: bool = True,
    **values: Any,
) -> None:
    before = fields_of(draft, AUDITED)
    draft.status = to
    for name, value in values.items():
        setattr(draft, name, value)
    draft.updated_at = utc_now()
    audit_change(session, draft, before, AUDITED, actor=actor_for(user), entity_type=ENTITY, summary=lambda _: summary)
    _end(session, commit)


def text_faults(session: Session, draft: ReportDraft, figures: ReportFigures) -> list[str]:
    """Where the stored text breaks the rules saving applies (placeholders, braces, links): re-checked at every step
    of the review, so nothing saved before a rule existed reaches the public."""
    texts = [(_(SECTION_NAMES[name]), getattr(draft, name)) for name in WRITTEN]
    texts += [(_("a recommendation's commentary"), text) for text in draft.commentary.values()]
    texts += [(_("a recommendation's commentary in Welsh"), text) for text in draft.commentary_cy.values()]
    texts += [
        (_("the lead-in of the example from %(organisation)s", organisation=e.organisation_name), e.lead_in or "")
        for e in examples_of(session, draft)
    ]
    return [what for what, text in texts if text and figures.problem(text)]


def _check_stored(session: Session, draft: ReportDraft, figures: ReportFigures | None) -> None:
    if figures is not None and (faults := text_faults(session, draft, figures)):
        where = "; ".join(dict.fromkeys(faults))
        raise InputError({"decision": _("Correct the placeholders or links in: %(where)s", where=where)})


NOT_A_DRAFT = {
    ReportStatus.SUBMITTED: N_("This report is submitted for review: only a draft can be submitted"),
    ReportStatus.APPROVED: N_("This report is approved: only a draft can be submitted"),
}


def submit(
    session: Session,
    draft: ReportDraft,
    user: User,
    *,
    version: object,
    figures: ReportFigures | None = None,
    commit: bool = True,
) -> None:
    """Send the draft for review by a second person."""
    require(user, Permission.RUN_REPORTING)
    _editable(draft, version, "decision")
    if draft.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise InputError({"decision": NOT_A_DRAFT.get(draft.status, NOT_A_DRAFT[ReportStatus.SUBMITTED])})
    if not draft.summary:
        raise InputError({"decision": N_("Write the summary before submitting the report for review")})
    _check_stored(session, draft, figures)
    summary = "Report submitted for review"
    _decide(session, draft, user, ReportStatus.SUBMITTED, summary, commit, submitted_by_id=user.id)


def return_for_changes(session: Session, draft: ReportDraft, user: User, *, version: object, comment: str) -> None:
    """Send a submitted report back to its authors with what needs to change (never public)."""
    require(user, Permission.RUN_REPORTING)
    _editable(draft, version, "review_comment")
    errors = {}
    if draft.status is not ReportStatus.SUBMITTED:
        errors["review_comment"] = N_("Only a report submitted for review can be returned")
    elif not comment:
        errors["review_comment"] = N_("Enter what needs to change")
    elif problem := text_problem(comment, short=False):
        errors["review_comment"] = problem
    elif len(comment) > MAX_SECTION:
        errors["review_comment"] = _("The comments must be %(limit)s characters or fewer", limit=f"{MAX_SECTION:,}")
    if errors:
        raise InputError(errors)
    _decide(
        session,
        draft,
        user,
        ReportStatus.RETURNED,
        "Report returned with comments",
        review_comment=comment,
        reviewed_by_id=user.id,
    )


def approve(
    session: Session, draft: ReportDraft, user: User, *, version: object, figures: ReportFigures | None = None
) -> None:
    """Approve a submitted report as the reviewer read it; never by one of its authors."""
    require(user, Permission.RUN_REPORTING)
    _editable(draft, version, "decision")
    if draft.status is not ReportStatus.SUBMITTED:
        raise InputError({"decision": N_("Only a report submitted for review can be approved")})
    if user.id in draft.author_ids:
        raise InputError({"decision": N_("You wrote part of this report, so someone else must approve it")})
    _check_stored(session, draft, figures)
    _refuse_gone(
        session,
        examples_of(session, draft),
        N_("Some examples are no longer public (%(examples)s): return the report so its authors can remove them"),
    )
    _decide(session, draft, user, ReportStatus.APPROVED, "Report approved", reviewed_by_id=user.id, review_comment=None)


def _refuse_gone(session: Session, examples: list[ReportExample], message: str) -> None:
    """Refuse a step while an example's chosen words are no longer public, naming each (its title, if it has one):
    ``message`` (marked ``N_``) says so, with the examples in ``%(examples)s``."""
    if gone := no_longer_public(session, examples):
        names = "; ".join(f"{e.organisation_name}: {e.title}" if e.title else e.organisation_name for e in gone)
        raise InputError({"decision": _(message, examples=names)})


@dataclass(frozen=True)
class Rendered:
    """A report's published files: its page and PDF in English and in Welsh, and its figures (CSV)."""

    html: bytes
    pdf: bytes
    figures_csv: bytes
    html_cy: bytes | None = None
    pdf_cy: bytes | None = None


Renderer = Callable[[ReportDraft, list[ReportExample]], Rendered]


def publish(
    session: Session, draft: ReportDraft, user: User, *, version: object, render: Renderer, set_slug: str, title: str
) -> PublishedReport:
    """Publish an approved report: its HTML page and PDF are rendered once and stored, and served as they are
    for ever. Every example must still be public; each is published with the words it was approved with, which
    the history records."""
    require(user, Permission.RUN_REPORTING)
    _editable(draft, version, "decision")
    if draft.status is not ReportStatus.APPROVED:
        raise InputError({"decision": N_("Only an approved report can be published")})
    if not any(text.strip() for text in draft.commentary.values()):
        raise InputError({"decision": N_("Write the national commentary on the recommendations before publishing")})
    examples = examples_of(session, draft)
    _refuse_gone(
        session,
        examples,
        N_("Some examples are no longer public (%(examples)s): remove them, then have the report approved again"),
    )
    period = session.get(ReportingPeriod, draft.period_id)
    assert period is not None
    files = render(draft, examples)
    published = PublishedReport.of(draft, period, user, set_slug=set_slug, title=title, **asdict(files))
    session.add(published)
    record(
        session,
        actor=actor_for(user),
        action="publish",
        entity_type=ENTITY,
        entity_id=draft.id,
        summary=f"Report published: HTML {published.html_sha256[:12]}, PDF {published.pdf_sha256[:12]}"
        + (f"; in Welsh HTML {published.html_cy_sha256[:12]}" if published.html_cy_sha256 else "")
        + (f", PDF {published.pdf_cy_sha256[:12]}" if published.pdf_cy_sha256 else ""),
        after={
            "examples": [{"organisation": e.organisation_name, "text": e.text, "lead_in": e.lead_in} for e in examples]
        },
    )
    _decide(session, draft, user, ReportStatus.PUBLISHED, "Report published")
    return published


def published_for(session: Session, period_id: int, set_slug: str | None = None) -> PublishedReport | None:
    query = select(PublishedReport).where(PublishedReport.period_id == period_id)
    if set_slug is not None:
        query = query.where(PublishedReport.set_slug == set_slug)
    return session.exec(query).first()


def published_reports(session: Session) -> list[PublishedReport]:
    """Every published report, newest first, without reading their files (the public list, the feed)."""
    return list(
        session.exec(
            select(PublishedReport)
            .options(*(defer(getattr(PublishedReport, name)) for name in ("html", "pdf", "html_cy", "pdf_cy")))
            .order_by(col(PublishedReport.published_at).desc(), col(PublishedReport.id).desc())
        )
    )
