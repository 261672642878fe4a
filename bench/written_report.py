"""Issue 18's benchmark: the written report of the latest frozen period, with commentary on every recommendation
(figures in it) and 50 examples, built from the frozen figures and rendered as its HTML page and PDF, as
publishing does. Target: under 2 s at demo scale 10. Run by bench/run.py in its report process."""

from __future__ import annotations

import datetime as dt
import itertools
import time

from sqlmodel import Session, col, select

from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative import pdf as written_pdf
from tracker.reports.narrative import services
from tracker.reports.narrative.examples import candidates
from tracker.reports.narrative.models import ReportDraft
from tracker.reports.narrative.publication import Links, Publisher, render_html
from tracker.vocabulary import PeriodStatus

TARGET_S = 2.0
EXAMPLES = 50


def _commentary(number: str) -> str:
    return (
        f"**Commentary** on recommendation {number}: {{complete:{number}}} of {{responses:{number}}} complete, "
        f"{{overdue:{number}}} overdue.\n\n- a point\n- [a link](https://www.example.org)"
    )


def time_written_report(session: Session) -> float:
    """Seconds to build and render the written report (nothing is saved)."""
    period = session.exec(
        select(ReportingPeriod)
        .where(ReportingPeriod.status == PeriodStatus.FROZEN)
        .order_by(col(ReportingPeriod.cut_off).desc())
    ).first()
    assert period is not None, "the demo has frozen periods"
    rec_set = services.report_set(session, period)
    assert rec_set is not None
    links = Links("/", "/reports", "/reports/bench/1/pdf", "/open-data")
    today = dt.date.today()
    start = time.perf_counter()
    publisher = Publisher(session, period, rec_set, links, 90)
    data = publisher.written(ReportDraft(period_id=period.id or 0, set_id=rec_set.id or 0), [], today).data
    draft = ReportDraft(
        period_id=period.id or 0,
        set_id=rec_set.id or 0,
        summary="{complete} of {responses} responses complete; {overdue} overdue.",
        next_steps="- The next report.",
        commentary={str(r.id): _commentary(r.number) for r in data.recommendations},
    )
    offered = [c for found in candidates(session, period, data.recommendations).values() for c in found]
    examples = [
        services.example_from(c, 0, "A **lead-in**.") for c in itertools.islice(itertools.cycle(offered), EXAMPLES)
    ]
    report = publisher.written(draft, examples, today)
    render_html(report, links, demo_mode=True)
    written_pdf.render(report)
    return time.perf_counter() - start
