"""Deterministic synthetic demo data, clearly marked as such.

Nothing here describes a real person, case or practice: accounts are role names at example.org addresses,
texts say they are synthetic, and demo practice is attributed to no organisation. The organisations and
recommendations are the real ones (loaded from ``recommendations/``); what they are said to have done is not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.accounts.services import create_user
from tracker.assessments.models import Assessment, Comment
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor, record
from tracker.evidence.models import Evidence
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.publication import add_publication
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.recommendations.models import Recommendation
from tracker.reports.models import Snapshot
from tracker.reports.services import freeze_period, open_period
from tracker.timeutil import UTC
from tracker.vocabulary import (
    ActionStatus,
    AssessmentRating,
    EvidenceKind,
    PracticeStage,
    PracticeStatus,
    Rag,
    ResponseStatus,
    Role,
    Visibility,
)

SEED = 20240927
MARK = "Synthetic demo data"
DEMO_DOMAIN = "demo.example.org"
Progress = Callable[[int, int], None]


class DemoError(RuntimeError):
    """Demo data cannot be loaded (e.g. the recommendations are not loaded yet)."""


@dataclass(frozen=True)
class DemoAccount:
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
    scale: int
    accounts: list[DemoAccount] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    already_loaded: bool = False


_VERBS = ["Review", "Update", "Deliver", "Audit", "Publish", "Agree", "Pilot", "Embed", "Evaluate", "Refresh"]
_OBJECTS = [
    "the force stalking policy",
    "crime-recording guidance for stalking as an included classification",
    "training for call handlers on recognising stalking",
    "the stalking risk assessment process",
    "referral routes to specialist advocacy services",
    "the interim intelligence-report workaround",
    "supervisor checklists for stalking investigations",
    "the stalking protection order application process",
    "data quality checks on stalking crime records",
    "joint commissioning arrangements with victim services",
    "multi-agency case review meetings",
    "the digital evidence capture guide",
]
_OWNERS = [
    "Head of Public Protection",
    "Crime Registrar",
    "Learning and Development lead",
    "Head of Criminal Justice",
    "Commissioning manager",
    "Detective Superintendent, Safeguarding",
    "Performance and Insight lead",
]
_UPDATE_OPENINGS = [
    "Work has started on",
    "A task-and-finish group met to progress",
    "Draft proposals were agreed for",
    "Training sessions were delivered covering",
    "An audit sample was completed for",
    "Partners were consulted on",
    "Delivery has slipped for",
]
_BLOCKERS = [
    "a change to a records management system shared with other forces, with no delivery date yet",
    "national guidance that has not yet been published",
    "a funding decision by the commissioning partnership",
]


def demo_loaded(session: Session) -> bool:
    return session.exec(select(User.id).where(User.is_demo == True).limit(1)).first() is not None  # noqa: E712


def loaded_scale(session: Session) -> int | None:
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
    """
    if scale < 1:
        raise DemoError("The scale must be 1 or more")
    result = DemoResult(scale=scale, accounts=list(DEMO_ACCOUNTS))
    if demo_loaded(session):
        result.already_loaded = True
        result.scale = loaded_scale(session) or scale
        return result
    responses = list(session.exec(select(Response).order_by(Response.id)))
    if not responses:
        raise DemoError("No recommendations are loaded: run `tracker load` for the organisations and sets first")
    actor = Actor("tracker demo")
    users = _accounts(session, password, actor)
    rng = random.Random(SEED)
    recommendations = {r.id: r for r in session.exec(select(Recommendation))}
    upload_dir.mkdir(parents=True, exist_ok=True)
    counts = {"responses": 0, "actions": 0, "updates": 0, "evidence": 0, "assessments": 0, "comments": 0}
    editor_by_org = {u.organisation_id: u.id for u in users if u.role is Role.EDITOR}
    inspector_id = next(u.id for u in users if u.role is Role.INSPECTOR)
    for done, response in enumerate(responses, start=1):
        rec = recommendations[response.recommendation_id]
        _fill_response(session, rng, response, rec, scale, upload_dir, counts, editor_by_org, inspector_id)
        counts["responses"] += 1
        if progress and (done % 25 == 0 or done == len(responses)):
            session.flush()
            progress(done, len(responses))
    counts["practices"] = _practices(session, rng, list(recommendations.values()), users)
    counts["publications"] = _publish_some(session, rng)
    coordinator = next(u for u in users if u.role is Role.COORDINATOR)
    counts["reporting_periods"] = _periods(session, rng, scale, Actor(coordinator.display_name, coordinator.id))
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


def _accounts(session: Session, password: str, actor: Actor) -> list[User]:
    users = []
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
            )
        )
    return users


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _timestamp(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)), UTC)


def _fill_response(
    session: Session,
    rng: random.Random,
    response: Response,
    rec: Recommendation,
    scale: int,
    upload_dir: Path,
    counts: dict[str, int],
    editor_by_org: dict[int | None, int | None],
    inspector_id: int | None,
) -> None:
    status = rng.choices(list(ResponseStatus), weights=[15, 45, 8, 27, 5] if rec.text else [50, 35, 5, 5, 5])[0]
    response.status = status
    response.rag = {
        ResponseStatus.COMPLETE: Rag.GREEN,
        ResponseStatus.BLOCKED: Rag.RED,
        ResponseStatus.NOT_STARTED: rng.choice([Rag.RED, Rag.AMBER]),
    }.get(status, rng.choice([Rag.AMBER, Rag.GREEN]))
    response.lead_role = rng.choice(_OWNERS)
    response.summary = f"{MARK}: this organisation's approach to recommendation {rec.number} is summarised here."
    if status is ResponseStatus.BLOCKED:
        response.blocked_reason = f"{MARK}: waiting for {rng.choice(_BLOCKERS)}."
    if status is ResponseStatus.NOT_APPLICABLE:
        response.not_applicable_reason = f"{MARK}: the organisation has recorded why this does not apply to it."
    author = editor_by_org.get(response.organisation_id)
    start, end = dt.date(2024, 10, 1), dt.date(2027, 3, 31)
    for position in range(rng.randint(1, 8) * scale):
        action_status = (
            ActionStatus.COMPLETE
            if status is ResponseStatus.COMPLETE
            else rng.choices(list(ActionStatus), weights=[25, 40, 5, 30])[0]
        )
        target = _date_between(rng, start, end)
        planned = _date_between(rng, start, min(target, dt.date(2026, 11, 1)))
        session.add(
            Action(
                created_at=_timestamp(planned, rng),
                response_id=response.id,
                position=position,
                description=f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)} ({MARK.lower()}).",
                owner_role=rng.choice(_OWNERS),
                target_date=target,
                status=action_status,
                completed_on=min(target, dt.date(2026, 11, 1)) if action_status is ActionStatus.COMPLETE else None,
            )
        )
        counts["actions"] += 1
    latest = dt.date(2024, 11, 22)
    for _ in range(rng.randint(1, 4) * scale):
        day = _date_between(rng, dt.date(2024, 11, 1), dt.date(2026, 11, 20))
        latest = max(latest, day)
        session.add(
            ProgressUpdate(
                response_id=response.id,
                update_on=day,
                text=f"{rng.choice(_UPDATE_OPENINGS)} {rng.choice(_OBJECTS)}. {MARK}.",
                visibility=rng.choices([Visibility.PUBLIC, Visibility.INTERNAL], weights=[80, 20])[0],
                author_id=author,
                created_at=_timestamp(day, rng),
            )
        )
        counts["updates"] += 1
    response.updated_at = _timestamp(latest, rng)
    if status is ResponseStatus.COMPLETE:
        response.completed_at = _timestamp(latest, rng)
    evidence_items = rng.randint(0, 3) * scale
    if status is ResponseStatus.COMPLETE and rng.random() < 0.2:
        evidence_items = 0  # some complete responses have no evidence, to exercise the flag
    for n in range(evidence_items):
        item = _evidence(rng, response, rec, n, upload_dir, author)
        item.created_at = item.updated_at = _timestamp(_date_between(rng, dt.date(2024, 11, 1), latest), rng)
        session.add(item)
        counts["evidence"] += 1
    if rng.random() < 0.3:
        rating = rng.choice(list(AssessmentRating))
        session.add(
            Assessment(
                response_id=response.id,
                rating=rating,
                rationale=f"{MARK}: the inspector's reasoning for this rating.",
                assessor_id=inspector_id,
                released=rng.random() < 0.5,
            )
        )
        counts["assessments"] += 1
        if rng.random() < 0.5:
            session.add(
                Comment(
                    response_id=response.id,
                    author_id=inspector_id,
                    body=f"{MARK}: could the force share the audit behind this claim?",
                )
            )
            counts["comments"] += 1


def _evidence(
    rng: random.Random, response: Response, rec: Recommendation, n: int, upload_dir: Path, author: int | None
) -> Evidence:
    kind = rng.choices(list(EvidenceKind), weights=[25, 40, 35])[0]
    visibility = rng.choices(list(Visibility), weights=[40, 20, 40])[0]
    evidence = Evidence(
        response_id=response.id,
        kind=kind,
        title=f"{MARK}: evidence {n + 1} for recommendation {rec.number}",
        visibility=visibility,
        added_by_id=author,
    )
    if kind is EvidenceKind.LINK:
        evidence.url = f"https://www.example.org/demo/evidence/{response.id}/{n + 1}"
    elif kind is EvidenceKind.NOTE:
        evidence.note = f"{MARK}: a note describing where the supporting document is held."
    else:
        content = f"{MARK}\nEvidence {n + 1} for response {response.id}, recommendation {rec.number}.\n".encode()
        stored = f"demo-{response.id}-{n + 1}.txt"
        (upload_dir / stored).write_bytes(content)
        evidence.stored_name = stored
        evidence.original_name = f"evidence-{rec.number}-{n + 1}.txt"
        evidence.content_type = "text/plain"
        evidence.size_bytes = len(content)
        evidence.sha256 = hashlib.sha256(content).hexdigest()
    return evidence


def _publish_some(session: Session, rng: random.Random) -> int:
    """About three in four organisations have published their plan (as it stands after the demo data)."""
    session.flush()
    published = 0
    answering = sorted(set(session.exec(select(Response.organisation_id))))
    for organisation in session.exec(
        select(Organisation).where(col(Organisation.id).in_(answering)).order_by(Organisation.id)
    ):
        if rng.random() < 0.75:
            add_publication(session, organisation)
            published += 1
    return published


# Quarter ends since the six-month updates of March 2025; the demo freezes 2 + scale of them (at most all).
_CUT_OFFS = [
    dt.date(2025, 3, 31),
    dt.date(2025, 6, 30),
    dt.date(2025, 9, 30),
    dt.date(2025, 12, 31),
    dt.date(2026, 3, 31),
    dt.date(2026, 6, 30),
    dt.date(2026, 9, 30),
]
_PROGRESSION = [ResponseStatus.NOT_STARTED, ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETE]


def _periods(session: Session, rng: random.Random, scale: int, actor: Actor) -> int:
    """Frozen reporting periods with a plausible synthetic history (earlier periods show less progress)."""
    cut_offs = _CUT_OFFS[-min(len(_CUT_OFFS), 2 + scale) :]
    for index, cut_off in enumerate(cut_offs):
        period = open_period(session, name=f"{cut_off:%B %Y} update ({MARK.lower()})", cut_off=cut_off, actor=actor)
        freeze_period(session, period, actor)
        steps_back = len(cut_offs) - 1 - index
        for snapshot in session.exec(select(Snapshot).where(Snapshot.period_id == period.id)):
            if snapshot.status in _PROGRESSION and steps_back:
                position = _PROGRESSION.index(snapshot.status) - rng.randint(0, min(2, steps_back))
                snapshot.status = _PROGRESSION[max(0, position)]
    open_period(session, name=f"December 2026 update ({MARK.lower()})", cut_off=dt.date(2026, 12, 31), actor=actor)
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
        )
        session.add(practice)
        session.flush()
        for rec in rng.sample(addressed, k=min(2, len(addressed))):
            session.add(PracticeRecommendation(practice_id=practice.id, recommendation_id=rec.id))
    return len(entries)
