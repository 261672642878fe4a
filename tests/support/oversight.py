"""Shared by the tests of oversight's stored pages (``tracker.reports.oversight_store``): the stored rows, and a
state machine of the writes national pages show, which each page's test extends with its own rules and invariant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule
from sqlalchemy import delete
from sqlmodel import Session, col, select

from tests.support.plans import response_of
from tracker.assessments.services import record_assessment
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.public.models import OVERSIGHT_REVISION_KEY, REVISION_KEY, CachedPage
from tracker.vocabulary import Role

TODAY = dt.date.today()
REVISIONS = (REVISION_KEY, OVERSIGHT_REVISION_KEY)
# Derandomised, so every run tries the same sequences of writes.
STATE_MACHINE = settings(
    max_examples=6,
    stateful_step_count=8,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def stored(session: Session) -> list[CachedPage]:
    """Every stored rendering (not the revisions)."""
    session.expire_all()
    return list(session.exec(select(CachedPage).where(col(CachedPage.key).not_in(REVISIONS))))


def forget_stored(session: Session) -> None:
    """Drop every stored rendering (not the revisions), so the next page is rendered afresh."""
    session.exec(delete(CachedPage).where(col(CachedPage.key).not_in(REVISIONS)))  # type: ignore[call-overload]
    session.commit()


def oversight_writes(session: Session, make_user: Any, answers: list[tuple[str, str]]) -> type[RuleBasedStateMachine]:
    """A state machine of the writes every national page shows, on the responses ``answers`` (organisation slug,
    recommendation number): statuses, public and internal updates, inspectorate ratings, organisations renamed.
    ``editors`` (by slug) and ``inspector`` are there for a subclass's own rules."""
    slugs = sorted({slug for slug, _ in answers})
    editor_of = {slug: make_user(Role.EDITOR, slug, email=f"e-{slug}@example.org") for slug in slugs}
    rater = make_user(Role.INSPECTOR, email="i@example.org")

    class Writes(RuleBasedStateMachine):
        editors = editor_of
        inspector = rater

        def ctx(self, slug: str, number: str, user: Any = None) -> tuple[Any, Any]:
            rid = response_of(session, slug, number).id
            who = user or self.editors[slug]
            return load_response(session, who, rid, Permission.ASSESS if user else Permission.EDIT_PLAN), who

        @rule(answer=st.sampled_from(answers), status=st.sampled_from(["not_started", "in_progress", "complete"]))
        def set_status(self, answer: tuple[str, str], status: str) -> None:
            ctx, who = self.ctx(*answer)
            services.update_response(session, ctx, who, {"status": status, "version": str(ctx.response.version)})

        @rule(answer=st.sampled_from(answers), ago=st.integers(0, 120), seen=st.sampled_from(["public", "internal"]))
        def add_update(self, answer: tuple[str, str], ago: int, seen: str) -> None:
            ctx, who = self.ctx(*answer)
            when = (TODAY - dt.timedelta(ago)).strftime("%d/%m/%Y")
            services.add_update(session, ctx, who, {"text": f"Update {ago}", "update_on": when, "visibility": seen})

        @rule(answer=st.sampled_from(answers), rating=st.sampled_from(["met", "partially_met", "not_met"]))
        def assess(self, answer: tuple[str, str], rating: str) -> None:
            ctx, who = self.ctx(*answer, user=self.inspector)
            record_assessment(session, ctx, who, {"rating": rating, "rationale": "Seen it"})

        @rule(slug=st.sampled_from(["kent", "gwent"]), name=st.sampled_from(["Renamed", "Другое", "Cymru"]))
        def rename(self, slug: str, name: str) -> None:
            get_by_slug(session, slug).name = f"{name} {slug}"
            session.commit()

    return Writes
