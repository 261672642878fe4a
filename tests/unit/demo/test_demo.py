"""Demo data: synthetic, deterministic, marked, and shaped like real use."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

import pytest
from sqlmodel import Session, func, select

from tests.support.database import ORGANISATIONS_FILE, STALKING_FILE, empty_database
from tests.support.demo import DEMO_PASSWORD
from tracker.accounts.models import User
from tracker.accounts.passwords import verify_password
from tracker.audit.services import Actor
from tracker.demo import MARK, DemoError, load_demo
from tracker.evidence.models import Evidence
from tracker.loading import load_file
from tracker.organisations.models import Organisation
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.practice.models import Practice
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.reports.narrative.models import ReportDraft, ReportExample
from tracker.vocabulary import (
    DEMO_MARKER_CY,
    ActionStatus,
    EvidenceKind,
    PeriodStatus,
    ReportStatus,
    ResponseStatus,
    Role,
)

PASSWORD = DEMO_PASSWORD


@pytest.fixture
def demo(demo_data):
    """The demo at scale 1, built once per worker (tests/support/demo.py); the test runs rolled back on it."""
    return demo_data


def fingerprint(session: Session) -> str:
    rows = session.exec(
        select(
            Response.organisation_id,
            Response.recommendation_id,
            Response.status,
            Action.description,
            Action.target_date,
            Action.status,
        )
        .join(Action, Action.response_id == Response.id)
        .order_by(Response.id, Action.position)
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_every_response_has_between_one_and_eight_actions_and_some_updates(session, demo):
    actions = Counter(session.exec(select(Action.response_id)))
    updates = Counter(session.exec(select(ProgressUpdate.response_id)))
    responses = list(session.exec(select(Response.id)))
    assert responses and demo.counts["responses"] == len(responses)
    assert all(1 <= actions[r] <= 8 for r in responses)
    assert all(1 <= updates[r] <= 4 for r in responses)


def test_statuses_and_dates_are_mixed_and_some_are_overdue(session, demo):
    statuses = Counter(session.exec(select(Response.status)))
    assert len(statuses) >= 4, statuses
    today = dt.date.today()
    overdue = session.exec(
        select(func.count())
        .select_from(Action)
        .where(Action.target_date < today, Action.status != ActionStatus.COMPLETE)
    ).one()
    assert overdue > 0
    blocked = session.exec(select(Response).where(Response.status == ResponseStatus.BLOCKED)).first()
    assert blocked is None or blocked.blocked_reason


def test_some_complete_responses_have_no_evidence(session, demo):
    complete = set(session.exec(select(Response.id).where(Response.status == ResponseStatus.COMPLETE)))
    with_evidence = set(session.exec(select(Evidence.response_id)))
    assert complete - with_evidence, "the 'complete, no evidence' flag needs examples"


def test_there_is_an_account_for_every_role_with_the_given_password(session, demo):
    users = list(session.exec(select(User)))
    assert {u.role for u in users} == set(Role)
    assert all(u.is_demo and u.email.endswith("@demo.example.org") for u in users)
    assert all(u.display_name.startswith("Demo ") for u in users), "no names of people"
    assert all(verify_password(u.password_hash, PASSWORD) for u in users)
    assert all(u.organisation_id for u in users if u.role in (Role.EDITOR, Role.VIEWER))


def test_texts_say_they_are_synthetic(session, demo):
    assert all(MARK.lower() in a.lower() for a in session.exec(select(Action.description)))
    assert all(MARK in t for t in session.exec(select(ProgressUpdate.text)))
    practices = list(session.exec(select(Practice)))
    assert practices and all(p.organisation_id is None and MARK in p.attribution_note for p in practices)


def test_evidence_files_exist_with_their_checksums(session, demo, settings):
    files = list(session.exec(select(Evidence).where(Evidence.kind == EvidenceKind.FILE)))
    assert files
    for evidence in files:
        content = (settings.upload_dir / evidence.stored_name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == evidence.sha256
        assert len(content) == evidence.size_bytes


def test_the_same_scale_gives_the_same_data(session, engine, settings, demo):
    first = fingerprint(session)
    session.close()  # end its transaction: it must not see the data as it was before the emptying
    empty_database(engine)
    for path in (ORGANISATIONS_FILE, STALKING_FILE):
        load_file(session, path, Actor("test"))
    load_demo(session, password=PASSWORD, upload_dir=settings.upload_dir)
    assert fingerprint(session) == first


def test_a_larger_scale_gives_more_per_response(session, reference_data, settings):
    result = load_demo(session, password=PASSWORD, upload_dir=settings.upload_dir, scale=3)
    assert result.counts["actions"] >= 3 * result.counts["responses"]


def test_loading_twice_changes_nothing(session, demo, settings):
    before = session.exec(select(func.count()).select_from(Action)).one()
    again = load_demo(session, password=PASSWORD, upload_dir=settings.upload_dir)
    assert again.already_loaded and again.scale == 1
    assert session.exec(select(func.count()).select_from(Action)).one() == before


def test_demo_data_needs_the_recommendations_first(session, settings):
    with pytest.raises(DemoError, match="tracker load"):
        load_demo(session, password=PASSWORD, upload_dir=settings.upload_dir)


def test_there_are_frozen_reporting_periods_and_an_open_one(session, demo):
    periods = list(session.exec(select(ReportingPeriod).order_by(ReportingPeriod.cut_off)))
    assert [p.status for p in periods] == [PeriodStatus.FROZEN] * 3 + [PeriodStatus.OPEN]
    assert all("synthetic" in p.name for p in periods)
    first, last = (list(session.exec(select(Snapshot).where(Snapshot.period_id == p.id))) for p in periods[:3:2])
    assert len(first) == len(last) == demo.counts["responses"]
    done = [sum(s.status is ResponseStatus.COMPLETE for s in snaps) for snaps in (first, last)]
    assert done[0] < done[1], "earlier periods show less progress"
    assert sum(s.actions_total for s in first) < sum(s.actions_total for s in last)


def test_most_organisations_have_published_their_plan(session, demo):
    from tracker.plans.models import PlanPublication

    published = {p.organisation_id for p in session.exec(select(PlanPublication))}
    answering = set(session.exec(select(Response.organisation_id)))
    assert published < answering and len(published) > len(answering) / 2


def test_a_written_report_awaits_review_on_the_latest_frozen_period(session, demo):
    """Issue 18: `make run` shows the report's review at once: a coordinator's draft, clearly synthetic, with
    examples, submitted; its figures are placeholders the frozen period fills in, never typed numbers."""
    draft = session.exec(select(ReportDraft)).one()
    period = session.get(ReportingPeriod, draft.period_id)
    latest = session.exec(
        select(func.max(ReportingPeriod.cut_off)).where(ReportingPeriod.status == PeriodStatus.FROZEN)
    ).one()
    assert period.cut_off == latest and draft.status is ReportStatus.SUBMITTED
    assert MARK in draft.summary and "{complete}" in draft.summary and draft.commentary
    assert all(MARK in text for text in draft.commentary.values())
    assert session.exec(select(func.count()).select_from(ReportExample)).one() >= 1
    assert demo.counts["report_drafts"] == 1


def test_the_welsh_organisations_write_some_texts_in_welsh_and_leave_others_in_english(session, demo):
    """A demonstration shows the Welsh and the fallback to English: a bilingual organisation's responses are some
    in both languages and some in English only; every Welsh text is marked synthetic in Welsh."""
    rows = session.exec(
        select(Response.summary_cy)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(
            Organisation.bilingual == True  # noqa: E712
        )
    ).all()
    assert rows and None in rows and any(rows), "some summaries in Welsh, some not"
    welsh = [
        *rows,
        *session.exec(select(Action.description_cy)),
        *session.exec(select(ProgressUpdate.text_cy)),
        *session.exec(select(Evidence.title_cy)),
        *session.exec(select(Response.blocked_reason_cy)),
    ]
    assert all(DEMO_MARKER_CY.lower() in text.lower() for text in welsh if text)
    english_only = session.exec(
        select(Response.summary_cy)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(
            Organisation.bilingual == False  # noqa: E712
        )
    ).all()
    assert not any(english_only), "an organisation that writes in English has no Welsh"
