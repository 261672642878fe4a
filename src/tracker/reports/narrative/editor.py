"""What the report editor shows: the draft and its review, each section beside its frozen figures and the
placeholders it may use, the examples chosen and those on offer, the word-count themes as suggestions, and the
history. Built once per page (``editor_for``); the controllers stay thin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from tracker.audit.models import AuditEvent
from tracker.db import saved_id
from tracker.organisations.bilingual import ENGLISH, WELSH, WELSH_SUFFIX
from tracker.recommendations.models import RecommendationSet
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative.document import WrittenReport, frozen_report, written_report
from tracker.reports.narrative.examples import Candidate, candidates, no_longer_public
from tracker.reports.narrative.models import ReportDraft, ReportExample
from tracker.reports.narrative.services import (
    ENTITY,
    SECTION_LABELS,
    WRITTEN,
    commentary_field,
    draft_for,
    examples_of,
    published_for,
    report_set,
)
from tracker.vocabulary import PeriodStatus, ReportStatus
from tracker.web.fields import Content
from tracker.web.i18n import current_locale, gettext

_ = gettext


@dataclass
class Editor:
    """A period's report on one set, as its editor page shows it (``report`` None while the period is open)."""

    period: ReportingPeriod
    rec_set: RecommendationSet
    draft: ReportDraft | None
    examples: list[ReportExample] = field(default_factory=list)
    report: WrittenReport | None = None
    offered: dict[int, list[Candidate]] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)  # examples whose source is no longer public
    events: list[AuditEvent] = field(default_factory=list)
    published_id: int | None = None
    set_query: str = ""  # "?set=SLUG" when the set is not the one the period's report is on by default

    @property
    def version(self) -> int:
        """The version a form was loaded from (0: no draft yet)."""
        return self.draft.version if self.draft is not None else 0

    @property
    def frozen(self) -> bool:
        return self.period.status is PeriodStatus.FROZEN

    def text_values(self) -> dict[str, str]:
        """The written sections as the text form's fields hold them."""
        if self.draft is None:
            return {}
        values = {name: getattr(self.draft, name) for name in WRITTEN}
        values |= {commentary_field(int(rec_id)): text for rec_id, text in self.draft.commentary.items()}
        return values | {commentary_field(int(rec_id), True): text for rec_id, text in self.draft.commentary_cy.items()}

    def choices(self) -> list[tuple[str, str]]:
        """The examples on offer, as the add-example list's options, by recommendation."""
        if self.report is None:
            return []
        chosen = {(e.source_kind, e.source_id, e.recommendation_id) for e in self.examples}
        out: list[tuple[str, str]] = [("", _("Choose an update or a piece of practice"))]
        for written in self.report.sections:
            rec = written.section.recommendation
            for candidate in self.offered.get(saved_id(rec), []):
                if (candidate.source_kind, candidate.source_id, candidate.recommendation_id) not in chosen:
                    # Mostly the organisation's own words: the option is marked as their language (``Content``).
                    label = _("Rec. %(number)s: %(source)s", number=rec.number, source=candidate.describe())
                    out.append((candidate.choice, Content(label)))
        return out


def editor_for(session: Session, period: ReportingPeriod, rec_set: RecommendationSet, *, stale_days: int) -> Editor:
    """Everything the editor page needs, in a fixed number of queries."""
    draft = draft_for(session, period, rec_set)
    editor = Editor(period, rec_set, draft, examples_of(session, draft))
    default = report_set(session, period)
    editor.set_query = "" if default is not None and default.id == rec_set.id else f"?set={rec_set.slug}"
    if not editor.frozen:
        return editor
    data = frozen_report(session, period, rec_set, stale_days)
    # In the reader's language: the preview in Welsh is the Welsh report as it would be published.
    editor.report = written_report(data, rec_set, draft, editor.examples, locale=current_locale())
    editor.offered = candidates(session, period, data.recommendations, stale_days=stale_days)
    editor.gone = {saved_id(e) for e in no_longer_public(session, editor.examples)}
    if draft is not None:
        editor.events = list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.entity_type == ENTITY, AuditEvent.entity_id == draft.id)
                .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
            )
        )
        published = published_for(session, saved_id(period), rec_set.slug)
        editor.published_id = published.id if published else None
    return editor


def section_label(name: str) -> str:
    """A written section's name as a heading, in the reader's language ("Foreword", "What happens next")."""
    return gettext(SECTION_LABELS.get(name, name.replace("_", " ")))


@dataclass(frozen=True)
class Change:
    """One field an event of the history changed, by the name the page gives it."""

    label: str
    before: str
    after: str
    language: str | None = ENGLISH  # what the text is written in; None: the interface's words (a status)


def _status_label(value: object) -> str:
    """A report status as people read it ("Submitted for review"), not its code."""
    try:
        return ReportStatus(str(value)).label
    except ValueError:
        return str(value or "")


def changes_of(editor: Editor, event: AuditEvent) -> list[Change]:
    """What a save changed, field by field, each recommendation's commentary on its own (the history's diff)."""
    before, after = event.before or {}, event.after or {}
    numbers = {}
    if editor.report is not None:
        numbers = {str(w.section.recommendation.id): w.section.recommendation.number for w in editor.report.sections}
    out = []
    for name in sorted(set(before) | set(after)):
        if name in ("commentary", "commentary_cy"):
            old, new = before.get(name) or {}, after.get(name) or {}
            for rec_id in sorted(set(old) | set(new), key=lambda key: int(key) if key.isdigit() else 0):
                if old.get(rec_id) != new.get(rec_id):
                    number = numbers.get(rec_id, rec_id)
                    label = (
                        _("Commentary on recommendation %(number)s in Welsh", number=number)
                        if name == "commentary_cy"
                        else _("Commentary on recommendation %(number)s", number=number)
                    )
                    language = WELSH if name.endswith(WELSH_SUFFIX) else ENGLISH
                    out.append(Change(label, old.get(rec_id) or "", new.get(rec_id) or "", language))
        elif name == "status":
            out.append(Change(_("Status"), _status_label(before.get(name)), _status_label(after.get(name)), None))
        else:
            language = WELSH if name.endswith(WELSH_SUFFIX) else ENGLISH
            out.append(Change(section_label(name), str(before.get(name) or ""), str(after.get(name) or ""), language))
    return out


def conflict_of(editor: Editor, typed: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The sections whose saved text differs from what this person typed, by their names as the page shows them:
    (as saved now, as typed, never saved)."""
    current = editor.text_values()
    labels = {name: section_label(name) for name in WRITTEN}
    if editor.report is not None:
        for written in editor.report.sections:
            rec = written.section.recommendation
            labels[commentary_field(saved_id(rec))] = _("Commentary on recommendation %(number)s", number=rec.number)
            labels[commentary_field(saved_id(rec), True)] = _(
                "Commentary on recommendation %(number)s in Welsh", number=rec.number
            )
    return {
        label: (current.get(name, ""), typed.get(name) or "")
        for name, label in labels.items()
        if current.get(name, "") != (typed.get(name) or "")
    }
