"""A written progress report for the demo's latest frozen period, submitted for review, so the review and
publication can be tried at once: a coordinator wrote it, so an admin (or another coordinator) approves it.

Written through the report's own services (its placeholders checked against the frozen figures) and clearly
synthetic: every section says it is demo text. Its figures are the frozen ones, never typed in."""

from __future__ import annotations

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.demo.texts import MARK
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative import services
from tracker.reports.narrative.document import frozen_report
from tracker.reports.narrative.examples import candidates
from tracker.reports.narrative.figures import report_figures
from tracker.vocabulary import PeriodStatus

SUMMARY = (
    f"**{MARK}: an invented summary, written to show the report editor.** At this period's cut-off "
    "{organisations_must_answer} organisations had to answer the recommendations; {organisations_published} had "
    "published an action plan and {no_published_plan} had not.\n\n"
    "- {complete} responses were complete\n"
    "- {overdue} responses were past their recommendation's deadline"
)
NEXT_STEPS = f"{MARK}: the next report will cover the following period. [Open data](https://www.example.org/demo)"
EXAMPLES = 3  # chosen from what the period offers


def write_demo_report(session: Session, coordinator: User) -> int:
    """A submitted report for the latest frozen period (0 if there is none)."""
    period = session.exec(
        select(ReportingPeriod)
        .where(ReportingPeriod.status == PeriodStatus.FROZEN)
        .order_by(col(ReportingPeriod.cut_off).desc())
    ).first()
    rec_set = services.report_set(session, period) if period is not None else None
    if period is None or rec_set is None:
        return 0
    data = frozen_report(session, period, rec_set, 90)
    commentary = {
        rec.id or 0: f"{MARK}: invented commentary. {{complete:{rec.number}}} of {{responses:{rec.number}}} "
        f"organisations asked were complete; {{overdue:{rec.number}}} were overdue."
        for rec in data.recommendations[:5]
    }
    given = services.DraftText("0", {"foreword": "", "summary": SUMMARY, "next_steps": NEXT_STEPS}, commentary)
    figures = report_figures(data)
    draft = services.save_draft(
        session,
        period,
        rec_set,
        coordinator,
        given,
        figures=figures,
        recommendations=data.recommendations,
        commit=False,
    )
    offered = candidates(session, period, data.recommendations)
    for choice in [c.choice for found in offered.values() for c in found[:1]][:EXAMPLES]:
        lead_in = f"{MARK}: an invented lead-in to a real-looking example."
        services.add_example(
            session,
            draft,
            coordinator,
            version=draft.version,
            choice=choice,
            lead_in=lead_in,
            offered=offered,
            figures=figures,
            commit=False,
        )
    services.submit(session, draft, coordinator, version=draft.version, commit=False)
    return 1
