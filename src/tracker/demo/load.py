"""Loading the demo: its accounts, every response's plan written round by round with the publications between
the rounds, inspectors' assessments, promising practice and frozen reporting periods, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.accounts.passwords import hash_password
from tracker.accounts.services import create_user
from tracker.assessments.models import Assessment, Comment
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor, record
from tracker.db import saved_id
from tracker.demo.report import write_demo_report
from tracker.demo.responses import ResponsePlan, plan_all
from tracker.demo.texts import MARK
from tracker.demo.timeline import (
    CUT_OFFS,
    DEMO_TODAY,
    LAST,
    ROUNDS,
    date_between,
    publication_schedule,
    time_on,
)
from tracker.demo.welsh import write_welsh
from tracker.demo.writing import AsWritten, Writes, materialise, write_changes
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.plans.models import Response
from tracker.plans.publication import add_publications
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.recommendations.models import Recommendation
from tracker.reports.services import freeze_period, open_period
from tracker.timeutil import UTC
from tracker.vocabulary import AssessmentRating, PracticeStage, PracticeStatus, ResponseStatus, Role

SEED = 20240927

DEMO_DOMAIN = "demo.example.org"
Progress = Callable[[int, int], None]


class DemoError(RuntimeError):
    """Demo data cannot be loaded (e.g. the recommendations are not loaded yet)."""


@dataclass(frozen=True)
class DemoAccount:
    """A demo account: one per role, at a demo address."""

    email: str
    role: Role
    organisation_slug: str | None
    display_name: str


# One account per role. Editors of a force, a policing body and a national body, so each kind can be tried.
DEMO_ACCOUNTS = (
    DemoAccount(f"admin@{DEMO_DOMAIN}", Role.ADMIN, None, "Demo administrator"),
    DemoAccount(f"coordinator@{DEMO_DOMAIN}", Role.COORDINATOR, "npcc", "Demo NPCC coordinator"),
    DemoAccount(f"inspector@{DEMO_DOMAIN}", Role.INSPECTOR, "hmicfrs", "Demo inspector"),
    DemoAccount(f"editor@{DEMO_DOMAIN}", Role.EDITOR, "kent", "Demo force editor"),
    DemoAccount(f"viewer@{DEMO_DOMAIN}", Role.VIEWER, "kent", "Demo force viewer"),
    DemoAccount(f"other-force-editor@{DEMO_DOMAIN}", Role.EDITOR, "dyfed-powys", "Demo editor of a second force"),
    DemoAccount(f"pcc-editor@{DEMO_DOMAIN}", Role.EDITOR, "kent-pcc", "Demo policing body editor"),
    DemoAccount(f"national-editor@{DEMO_DOMAIN}", Role.EDITOR, "npcc", "Demo national body editor"),
)


@dataclass
class DemoResult:
    """What ``load_demo`` did: the scale, the accounts and how many records of each kind it wrote."""

    scale: int
    accounts: list[DemoAccount] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    already_loaded: bool = False


def demo_loaded(session: Session) -> bool:
    """Whether demo data is in the database (any demo account is)."""
    return session.exec(select(User.id).where(User.is_demo == True).limit(1)).first() is not None  # noqa: E712


def loaded_scale(session: Session) -> int | None:
    """The scale the demo data in the database was loaded at (None: not loaded)."""
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "demo").order_by(col(AuditEvent.id).desc())
    ).first()
    return int(event.after["scale"]) if event and event.after else None


def load_demo(
    session: Session,
    *,
    password: str,
    upload_dir: Path,
    scale: int = 1,
    progress: Progress | None = None,
) -> DemoResult:
    """Fill the database with synthetic plans, updates, evidence, assessments and accounts; then commit.

    The same ``scale`` always produces the same data (fixed seed). Does nothing if demo data is present.
    Everything is written in one transaction: plans as they stood at each publication (made through
    ``add_publications`` at their dates, a round's together), then as they stand today, then the reporting periods
    frozen through ``freeze_period`` with every response as it stood at the cut-off. New actions, updates and
    evidence are written as rows (``tracker.demo.writing``), a round's at once.
    """
    if scale < 1:
        raise DemoError("The scale must be 1 or more")
    result = DemoResult(scale=scale, accounts=list(DEMO_ACCOUNTS))
    if demo_loaded(session):
        result.already_loaded = True
        result.scale = loaded_scale(session) or scale
        return result
    responses = list(session.exec(select(Response).where(col(Response.required).is_(True)).order_by(col(Response.id))))
    if not responses:
        raise DemoError("No recommendations are loaded: run `tracker load` for the organisations and sets first")
    actor = Actor("tracker demo")
    users = _accounts(session, password, actor)
    rng = random.Random(SEED)
    recommendations = {r.id: r for r in session.exec(select(Recommendation))}
    upload_dir.mkdir(parents=True, exist_ok=True)
    editor_by_org = {u.organisation_id: u for u in users if u.role is Role.EDITOR}
    plans = plan_all(rng, responses, recommendations, scale, upload_dir, editor_by_org)
    write_welsh(session, plans)
    counts = {"responses": len(plans), "actions": 0, "updates": 0, "evidence": 0, "assessments": 0, "comments": 0}
    publications = _publish_rounds(session, rng, plans, editor_by_org)
    _bring_up_to_date(session, plans, progress)
    inspector_id = next(u.id for u in users if u.role is Role.INSPECTOR)
    for plan in plans:
        counts["actions"] += len(plan.actions)
        counts["updates"] += len(plan.updates)
        counts["evidence"] += len(plan.evidence)
        _assess(session, rng, plan, inspector_id, counts)
    counts["practices"] = _practices(session, rng, list(recommendations.values()), users)
    counts["publications"] = publications
    coordinator = next(u for u in users if u.role is Role.COORDINATOR)
    counts["reporting_periods"] = _periods(session, rng, scale, plans, Actor(coordinator.display_name, coordinator.id))
    counts["report_drafts"] = write_demo_report(session, coordinator)
    record(
        session,
        actor=actor,
        action="demo",
        entity_type="demo",
        entity_id=None,
        summary=f"{MARK} loaded at scale {scale}",
        after={"scale": scale, "seed": SEED, **counts},
    )
    session.commit()
    result.counts = counts
    return result


def _publish_rounds(
    session: Session, rng: random.Random, plans: list[ResponsePlan], editor_by_org: dict[int | None, User]
) -> int:
    """Publish each organisation's plan as it stood after the rounds it published in, in the order of their dates;
    return how many publications were made."""
    organisations = {o.id: o for o in session.exec(select(Organisation).order_by(col(Organisation.id)))}
    schedule = publication_schedule(
        rng, sorted({p.response.organisation_id for p in plans}), {o for o in editor_by_org if o is not None}
    )
    by_org: dict[int, list[ResponsePlan]] = {}
    for plan in plans:
        by_org.setdefault(plan.response.organisation_id, []).append(plan)
    rounds: dict[int, list[tuple[int, dt.datetime]]] = {}  # an organisation publishes once a round at most
    for round_, org_id, published_at in sorted((r, o, at) for o, moments in schedule.items() for r, at in moments):
        rounds.setdefault(round_, []).append((org_id, published_at))
    writes = Writes()
    for round_, publishing in rounds.items():  # each round's plans written, then published, together
        for org_id, _ in publishing:
            for plan in by_org[org_id]:
                materialise(plan, round_, writes)
        write_changes(session, writes)
        add_publications(session, [(organisations[o], editor_by_org.get(o), at) for o, at in publishing])
    return sum(len(publishing) for publishing in rounds.values())


def _bring_up_to_date(session: Session, plans: list[ResponsePlan], progress: Progress | None) -> None:
    """Write every response as it stands today, reporting progress every 50 responses."""
    writes = Writes()
    for done, plan in enumerate(plans, start=1):
        materialise(plan, LAST, writes)
        plan.finish()
        if progress and (done % 50 == 0 or done == len(plans)):
            progress(done, len(plans))
    write_changes(session, writes)


def _accounts(session: Session, password: str, actor: Actor) -> list[User]:
    """The demo accounts, all with the one password."""
    users = []
    password_hash = hash_password(password)  # one hash for the accounts sharing the password (Argon2 is slow)
    for account in DEMO_ACCOUNTS:
        organisation = get_by_slug(session, account.organisation_slug) if account.organisation_slug else None
        if account.organisation_slug and organisation is None:
            raise DemoError(f"The organisation {account.organisation_slug!r} is not loaded")
        users.append(
            create_user(
                session,
                email=account.email,
                display_name=account.display_name,
                role=account.role,
                password=password,
                organisation=organisation,
                actor=actor,
                is_demo=True,
                password_hash=password_hash,
            )
        )
    return users


# The ratings an inspector can give a claim: Met only what is Complete, Partially met what is under way or done, Not
# met what is still open; a response that does not apply is not assessed.
RATINGS_THAT_FIT = {
    ResponseStatus.NOT_STARTED: {AssessmentRating.NOT_MET},
    ResponseStatus.IN_PROGRESS: {AssessmentRating.NOT_MET, AssessmentRating.PARTIALLY_MET},
    ResponseStatus.BLOCKED: {AssessmentRating.NOT_MET},
    ResponseStatus.COMPLETE: {AssessmentRating.PARTIALLY_MET, AssessmentRating.MET},
    ResponseStatus.NOT_APPLICABLE: set(),
}


def _assess(
    session: Session, rng: random.Random, plan: ResponsePlan, inspector_id: int | None, counts: dict[str, int]
) -> None:
    """Some responses have an inspector's rating (and some a question), made in the last year of the timeline, a few
    days after a round of updates. The rating fits the status claimed then and the status claimed today (Met on a
    response the organisation says it has not started reads as a data error); a few are not yet assessed."""
    if rng.random() >= 0.3:
        return
    round_ = rng.randint(LAST - 3, LAST)
    if ResponseStatus.NOT_APPLICABLE in (plan.statuses[round_], plan.statuses[LAST]):
        return
    fits = RATINGS_THAT_FIT[plan.statuses[round_]] & RATINGS_THAT_FIT[plan.statuses[LAST]]
    ratings = [r for r in AssessmentRating if r in fits]
    rating = rng.choice(ratings) if ratings and rng.random() >= 0.1 else AssessmentRating.NOT_YET_ASSESSED
    after = ROUNDS[round_][1] + dt.timedelta(days=1)
    last = min(after + dt.timedelta(days=13), DEMO_TODAY - dt.timedelta(days=2))  # its question comes 2 days after
    when = time_on(date_between(rng, after, last), rng)
    session.add(
        Assessment(
            response_id=saved_id(plan.response),
            rating=rating,
            rationale=f"{MARK}: the inspector's reasoning for this rating.",
            assessor_id=inspector_id,
            released=rng.random() < 0.5,
            created_at=when,
            updated_at=when,
        )
    )
    counts["assessments"] += 1
    if rng.random() < 0.5:
        session.add(
            Comment(
                response_id=saved_id(plan.response),
                author_id=inspector_id,
                body=f"{MARK}: could the organisation share the audit behind this claim?",
                created_at=when + dt.timedelta(days=2),
            )
        )
        counts["comments"] += 1


def _periods(session: Session, rng: random.Random, scale: int, plans: list[ResponsePlan], actor: Actor) -> int:
    """Frozen reporting periods, each holding the responses as they stood at its cut-off, and the open one."""
    cut_offs = CUT_OFFS[-min(len(CUT_OFFS), 2 + scale) :]
    tables = AsWritten(plans)
    for cut_off in cut_offs:
        round_ = max(k for k, (_, last) in enumerate(ROUNDS) if last <= cut_off)
        # As they stood at the cut-off, written straight to the table (the records in the session keep today's),
        # with the actions its exports list.
        tables.bring(session, round_)
        period = open_period(session, name=f"{cut_off:%B %Y} update ({MARK.lower()})", cut_off=cut_off, actor=actor)
        period.created_at = time_on(cut_off - dt.timedelta(days=rng.randint(70, 85)), rng, (9, 17))
        # Frozen at the end of its cut-off day, so its figures are truly as at the cut-off (a period frozen
        # later says its statuses are as at the day it was frozen).
        frozen_at = time_on(cut_off, rng, (17, 19))
        freeze_period(session, period, actor, now=frozen_at)
    tables.bring(session, LAST)
    period = open_period(
        session, name=f"December 2026 update ({MARK.lower()})", cut_off=dt.date(2026, 12, 31), actor=actor
    )
    period.created_at = time_on(dt.date(2026, 10, 5), rng, (9, 17))
    return len(cut_offs) + 1


def _practices(session: Session, rng: random.Random, recommendations: list[Recommendation], users: list[User]) -> int:
    """Synthetic practice in every state of the review workflow (approved, waiting, returned, draft)."""
    editor = next(u for u in users if u.role is Role.EDITOR)
    coordinator = next(u for u in users if u.role is Role.COORDINATOR)
    addressed = [r for r in recommendations if r.addressees and r.parent_id is None]
    entries = [
        ("Weekly stalking case review clinic", PracticeStatus.APPROVED, ["investigation", "training"]),
        ("Stalking awareness sessions for front-counter staff", PracticeStatus.APPROVED, ["training"]),
        ("Joint triage of stalking referrals with advocates", PracticeStatus.SUBMITTED, ["multi-agency-working"]),
        ("Checklist for stalking protection order applications", PracticeStatus.RETURNED, ["investigation"]),
        ("Victim update calls after every stalking arrest", PracticeStatus.DRAFT, ["victim-support"]),
    ]
    when = dt.datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
    for i, (title, status, themes) in enumerate(entries):
        reviewed = status in (PracticeStatus.APPROVED, PracticeStatus.RETURNED)
        practice = Practice(
            slug=f"demo-practice-{i + 1}",
            title=f"{title} ({MARK.lower()})",
            attribution_note=f"{MARK}: an invented example, not run by any real organisation.",
            summary=f"{MARK}: a short description of what the practice is.",
            what_was_done=f"{MARK}: what was done, step by step.",
            outcomes=f"{MARK}: what changed as a result.",
            stage=list(PracticeStage)[i % 3],
            status=status,
            themes=themes,
            contact_role="Stalking lead",
            submitted_by_id=editor.id,
            submitted_at=None if status is PracticeStatus.DRAFT else when,
            reviewed_by_id=coordinator.id if reviewed else None,
            reviewed_at=when + dt.timedelta(days=3) if reviewed else None,
            review_comment=f"{MARK}: say how many cases it covered." if status is PracticeStatus.RETURNED else None,
            created_at=when - dt.timedelta(days=14),
            updated_at=when + dt.timedelta(days=3) if reviewed else when,
        )
        session.add(practice)
        session.flush()
        for rec in rng.sample(addressed, k=min(2, len(addressed))):
            session.add(PracticeRecommendation(practice_id=saved_id(practice), recommendation_id=saved_id(rec)))
    return len(entries)
