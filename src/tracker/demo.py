"""Deterministic synthetic demo data, clearly marked as such.

Nothing here describes a real person, case or practice: accounts are role names at example.org addresses,
texts say they are synthetic, and demo practice is attributed to no organisation. The organisations and
recommendations are the real ones (loaded from ``recommendations/``); what they are said to have done is not.

The data obeys the tracker's own rules, as ``tests/unit/demo/test_demo_invariants.py`` checks at scale 1 and 10: each
response follows a timeline of rounds (the initial plan of November 2024, the six-month update of March 2025,
then about quarterly) in which a parent's status is the roll-up of its sub-recommendations', actions fit the
status (none started while Not started, all done when Complete, work left when Blocked), RAG ratings fit
(``plans.rules.rag_fits``) and action texts speak of the recommendation's theme in general terms. Plans are
published through ``add_publication`` as they stood after a round, and periods frozen through ``freeze_period``
as the responses stood at the cut-off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.accounts.passwords import hash_password
from tracker.accounts.services import create_user
from tracker.assessments.models import Assessment, Comment
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor, record
from tracker.db import saved_id
from tracker.evidence.models import Evidence
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_by_slug
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.publication import add_publication
from tracker.plans.services import rolled_up_status
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.recommendations.models import Recommendation
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


# The demo's texts speak of a recommendation's theme in general terms only: never the report's wording.
_VERBS = ["Review", "Update", "Deliver", "Audit", "Agree", "Pilot", "Embed", "Evaluate"]
_THEME_OBJECTS: dict[str | None, list[str]] = {
    "identification-and-recording": [
        "guidance for staff on recording stalking",
        "data quality checks on stalking crime records",
        "the records system's settings for stalking",
        "a dip sample of recent crime records for missed stalking",
        "supervisor checks of how stalking is recorded",
    ],
    "training": [
        "the training needs analysis for stalking",
        "stalking learning for call handlers",
        "refresher learning on stalking for investigators",
        "the record of who has completed stalking learning",
        "feedback from staff on the stalking learning",
    ],
    "victim-support": [
        "referral routes to specialist support services",
        "the map of support available to victims of stalking",
        "arrangements for keeping victims informed",
        "funding arrangements for specialist support",
        "victims' feedback on the support offered",
    ],
    "multi-agency-working": [
        "joint case review meetings with partner agencies",
        "the information-sharing agreement with partners",
        "joint commissioning arrangements with victim services",
        "a shared referral pathway with partner agencies",
        "the partnership's review of joint working",
    ],
    None: [
        "the organisation's plan for this recommendation",
        "governance of the work on this recommendation",
        "performance reporting on this recommendation",
        "the lead's briefing to the senior leadership team",
        "the evidence gathered for this recommendation",
    ],
}
_OWNERS = [
    "Head of Public Protection",
    "Crime Registrar",
    "Learning and Development lead",
    "Head of Criminal Justice",
    "Commissioning manager",
    "Detective Superintendent, Safeguarding",
    "Performance and Insight lead",
]
# What an update says, by the response's status in its round.
UPDATE_OPENINGS = {
    ResponseStatus.NOT_STARTED: ["Work is planned but has not started on", "A lead has been named to take forward"],
    ResponseStatus.IN_PROGRESS: [
        "Work continued on",
        "A task-and-finish group met to progress",
        "Draft proposals were agreed for",
        "Partners were consulted on",
        "Delivery has slipped for",
    ],
    ResponseStatus.BLOCKED: ["Progress is paused, waiting on others, for"],
    ResponseStatus.COMPLETE: ["Work has been completed and signed off on", "Assurance checks were completed for"],
    ResponseStatus.NOT_APPLICABLE: ["The organisation recorded why it does not need to act on"],
}
_BLOCKERS = [
    "a change to a records management system shared with other forces, with no delivery date yet",
    "national guidance that has not yet been published",
    "a funding decision by the commissioning partnership",
]


def _objects(theme: str | None) -> list[str]:
    return _THEME_OBJECTS.get(theme, _THEME_OBJECTS[None])


def action_texts_for(theme: str | None) -> set[str]:
    """Every action text the demo may write for a recommendation of this theme (or of none)."""
    return {f"{verb} {thing} ({MARK.lower()})." for verb in _VERBS for thing in _objects(theme)}


def demo_loaded(session: Session) -> bool:
    return session.exec(select(User.id).where(User.is_demo == True).limit(1)).first() is not None  # noqa: E712


def loaded_scale(session: Session) -> int | None:
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "demo").order_by(col(AuditEvent.id).desc())
    ).first()
    return int(event.after["scale"]) if event and event.after else None


# The timeline. Plans were due on 22 November 2024 (56 days after the report); forces then updated them in
# rounds: the six-month update of March 2025, then roughly quarterly. The demo's "today" is fixed, so the same
# scale always gives the same data whatever the date it is loaded on.
PLANS_DUE = dt.date(2024, 11, 22)
DEMO_TODAY = dt.date(2026, 11, 27)
_ROUNDS = [  # (first day, last day) of each round of updates; round 0 is the initial plan
    (dt.date(2024, 11, 1), dt.date(2024, 11, 15)),
    (dt.date(2025, 3, 3), dt.date(2025, 3, 24)),
    (dt.date(2025, 6, 2), dt.date(2025, 6, 23)),
    (dt.date(2025, 9, 1), dt.date(2025, 9, 22)),
    (dt.date(2025, 12, 1), dt.date(2025, 12, 17)),
    (dt.date(2026, 3, 2), dt.date(2026, 3, 23)),
    (dt.date(2026, 6, 1), dt.date(2026, 6, 22)),
    (dt.date(2026, 9, 1), dt.date(2026, 9, 21)),
    (dt.date(2026, 11, 2), dt.date(2026, 11, 23)),
]
LAST = len(_ROUNDS) - 1


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
    ``add_publication`` at its date), then as they stand today, then the reporting periods frozen through
    ``freeze_period`` with every response as it stood at the cut-off.
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
    inspector_id = next(u.id for u in users if u.role is Role.INSPECTOR)
    plans = _plan_all(rng, responses, recommendations, scale, upload_dir, editor_by_org)
    organisations = {o.id: o for o in session.exec(select(Organisation).order_by(col(Organisation.id)))}
    schedule = _publication_schedule(
        rng, sorted({p.response.organisation_id for p in plans}), {o for o in editor_by_org if o is not None}
    )
    by_org: dict[int, list[_ResponsePlan]] = {}
    for plan in plans:
        by_org.setdefault(plan.response.organisation_id, []).append(plan)
    counts = {"responses": len(plans), "actions": 0, "updates": 0, "evidence": 0, "assessments": 0, "comments": 0}
    publications = 0
    changed: list[dict[str, Any]] = []
    for round_, org_id, published_at in sorted((r, o, at) for o, moments in schedule.items() for r, at in moments):
        for plan in by_org[org_id]:
            _materialise(session, plan, round_, changed)
        _write_changes(session, changed)
        user = editor_by_org.get(org_id)
        add_publication(session, organisations[org_id], user, published_at=published_at)
        publications += 1
    for done, plan in enumerate(plans, start=1):
        _materialise(session, plan, LAST, changed)
        plan.finish()
        if progress and (done % 50 == 0 or done == len(plans)):
            progress(done, len(plans))
    _write_changes(session, changed)
    for plan in plans:
        counts["actions"] += len(plan.actions)
        counts["updates"] += len(plan.updates)
        counts["evidence"] += len(plan.evidence)
        _assess(session, rng, plan.response, inspector_id, counts)
    counts["practices"] = _practices(session, rng, list(recommendations.values()), users)
    counts["publications"] = publications
    coordinator = next(u for u in users if u.role is Role.COORDINATOR)
    counts["reporting_periods"] = _periods(session, rng, scale, plans, Actor(coordinator.display_name, coordinator.id))
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


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _day_in(rng: random.Random, window: tuple[dt.date, dt.date], earliest: dt.date | None = None) -> dt.date:
    first, last = window
    return _date_between(rng, max(first, earliest or first), last)


def _windows(rng: random.Random) -> list[tuple[dt.date, dt.date]]:
    """An organisation's few days of each round (a plan is brought up to date in one sitting, not all month)."""
    days = []
    for first, last in _ROUNDS:
        start = _date_between(rng, first, last - dt.timedelta(days=2))
        days.append((start, start + dt.timedelta(days=2)))
    return days


def _at(day: dt.date, rng: random.Random, hours: tuple[int, int] = (8, 17)) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(*hours), rng.randint(0, 59)), UTC)


@dataclass
class _ActionPlan:
    """One action over the timeline: the round it was added in and the round it was done in (None: still open)."""

    created: int
    created_at: dt.datetime
    done: int | None
    done_at: dt.datetime | None
    keeper: bool  # the action that stays open until the response is complete (or is what it is blocked on)
    lazy: bool  # an open action not yet started even while its response is in progress
    values: dict[str, Any]
    row: Action | None = None
    current: ActionStatus | None = None  # its status as written (None: not yet written)

    def status(self, round_: int, starts: int | None, blocked: int | None) -> ActionStatus:
        if self.done is not None and self.done <= round_:
            return ActionStatus.COMPLETE
        if self.keeper and blocked is not None and round_ >= blocked:
            return ActionStatus.BLOCKED
        if starts is not None and round_ >= starts and not self.lazy:
            return ActionStatus.IN_PROGRESS
        return ActionStatus.NOT_STARTED


@dataclass
class _ResponsePlan:
    """One response over the timeline: its status in each round, and what it holds from which round on."""

    response: Response
    statuses: list[ResponseStatus]
    rags: dict[ResponseStatus, Rag | None]
    number: str = ""
    windows: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # the organisation's days of each round
    blocked_reason: str | None = None
    not_applicable_reason: str | None = None
    actions: list[_ActionPlan] = field(default_factory=list)
    updates: list[tuple[int, ProgressUpdate]] = field(default_factory=list)
    evidence: list[tuple[int, Evidence]] = field(default_factory=list)
    completed_at: dt.datetime | None = None
    added: int = -1  # updates and evidence of the rounds up to this one are in the session

    def first(self, *wanted: ResponseStatus) -> int | None:
        return next((k for k, s in enumerate(self.statuses) if s in wanted), None)

    def state(self, round_: int) -> dict[str, Any]:
        """The response's own fields as they stood in that round (what a save through the services would leave)."""
        status = self.statuses[round_]
        return {
            "status": status,
            "rag": self.rags[status],
            "blocked_reason": self.blocked_reason if status is ResponseStatus.BLOCKED else None,
            "not_applicable_reason": self.not_applicable_reason if status is ResponseStatus.NOT_APPLICABLE else None,
            "completed_at": self.completed_at if status is ResponseStatus.COMPLETE else None,
        }

    def set_response(self, round_: int) -> None:
        for name, value in self.state(round_).items():
            setattr(self.response, name, value)

    def finish(self) -> None:
        """'Last updated' is the response's last activity, never the day the demo was loaded."""
        times = [self.response.created_at, *(a.done_at or a.created_at for a in self.actions)]
        times += [u.created_at for _, u in self.updates] + [e.created_at for _, e in self.evidence]
        self.response.updated_at = max(t for t in [*times, self.completed_at] if t is not None)


def _materialise(session: Session, plan: _ResponsePlan, round_: int, changed: list[dict[str, Any]]) -> None:
    """Bring a response, its actions, updates and evidence to how they stood in ``round_``.

    New rows go into the session; a change to an action already written goes into ``changed``, for
    ``_write_changes`` to send in one statement (one UPDATE per row and change was most of the time on
    PostgreSQL)."""
    plan.set_response(round_)
    starts = plan.first(ResponseStatus.IN_PROGRESS, ResponseStatus.BLOCKED, ResponseStatus.COMPLETE)
    blocked = plan.first(ResponseStatus.BLOCKED)
    for position, item in enumerate(plan.actions):
        if item.created > round_:
            break
        status = item.status(round_, starts, blocked)
        if status is item.current:
            continue
        done = status is ActionStatus.COMPLETE and item.done_at is not None
        values: dict[str, Any] = {
            "status": status,
            "completed_on": item.done_at.date() if done and item.done_at else None,
            "updated_at": item.done_at if done else item.created_at,
        }
        if item.row is None:
            item.row = Action(response_id=saved_id(plan.response), position=position, **item.values, **values)
            item.row.created_at = item.created_at
            session.add(item.row)
        else:
            changed.append({"row": item.row, **values})
        item.current = status
    for round_added, row in [*plan.updates, *plan.evidence]:
        if plan.added < round_added <= round_:
            session.add(row)
    plan.added = max(plan.added, round_)


def _write_changes(session: Session, changed: list[dict[str, Any]]) -> None:
    """Flush new rows, then write the changes of actions already written, as one executemany UPDATE."""
    session.flush()
    _update_rows(session, Action, [{"id": c["row"].id, **{k: v for k, v in c.items() if k != "row"}} for c in changed])
    for c in changed:  # the next read of these rows (the publication's query) loads them as written
        session.expire(c["row"], ["status", "completed_on", "updated_at"])
    changed.clear()


def _update_rows(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    """One executemany UPDATE of rows given as {"id": …, column: value, …} (every row the same columns).

    Bypasses the unit of work and its version check: the demo owns its one transaction, and one UPDATE per row
    was most of the demo's time on PostgreSQL."""
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    columns = [name for name in rows[0] if name != "id"]
    statement = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}", type_=table.c[name].type) for name in columns})
    )
    session.execute(statement, [{"row_id": row["id"], **{f"new_{n}": row[n] for n in columns}} for row in rows])


def _plan_all(
    rng: random.Random,
    responses: list[Response],
    recommendations: dict[int | None, Recommendation],
    scale: int,
    upload_dir: Path,
    editor_by_org: dict[int | None, User],
) -> list[_ResponsePlan]:
    """Every response's timeline: sub-recommendations first, then each parent rolled up from them."""
    organisations = sorted({r.organisation_id for r in responses})
    windows = {org: _windows(rng) for org in organisations}
    plans: dict[int | None, _ResponsePlan] = {}
    children: dict[tuple[int, int | None], list[_ResponsePlan]] = {}
    parents = {r.parent_id for r in recommendations.values() if r.parent_id is not None}
    ordered = sorted(responses, key=lambda r: (r.recommendation_id in parents, r.id))
    for response in ordered:
        rec = recommendations[response.recommendation_id]
        kids = children.get((response.organisation_id, rec.id), [])
        if kids:
            statuses = [rolled_up_status([k.statuses[n] for k in kids]) for n in range(len(_ROUNDS))]
        else:
            statuses = _trajectory(rng, rec)
        plan = _ResponsePlan(
            response,
            statuses,
            _rags(rng),
            rec.number,
            windows[response.organisation_id],
        )
        theme = rec.theme or (recommendations[rec.parent_id].theme if rec.parent_id else None)
        _fill(rng, plan, rec, theme, scale, upload_dir, editor_by_org.get(response.organisation_id), kids)
        plans[response.id] = plan
        if rec.parent_id is not None:
            children.setdefault((response.organisation_id, rec.parent_id), []).append(plan)
    return [plans[r.id] for r in responses]


def _trajectory(rng: random.Random, rec: Recommendation) -> list[ResponseStatus]:
    """Not started, then in progress from a round, then complete or blocked from a later one (or not applicable)."""
    final = rng.choices(list(ResponseStatus), weights=[15, 45, 8, 27, 5] if rec.text else [50, 35, 5, 5, 5])[0]
    if final in (ResponseStatus.NOT_APPLICABLE, ResponseStatus.NOT_STARTED):
        return [final] * len(_ROUNDS)
    starts = min(rng.randint(0, LAST - 1), rng.randint(0, LAST - 1))  # most started early
    ends = rng.randint(starts + 1, LAST) if final in (ResponseStatus.COMPLETE, ResponseStatus.BLOCKED) else None
    return [
        ResponseStatus.NOT_STARTED
        if k < starts
        else final
        if ends is not None and k >= ends
        else ResponseStatus.IN_PROGRESS
        for k in range(len(_ROUNDS))
    ]


def _rags(rng: random.Random) -> dict[ResponseStatus, Rag | None]:
    """One RAG rating per status for a response, each fitting its status (``rules.rag_fits``).

    Every demo organisation rates: a demonstrator asked why a Complete response has no rating has no answer
    (the tracker allows none; tests cover that case, not the demo)."""
    return {
        ResponseStatus.NOT_STARTED: rng.choice([Rag.RED, Rag.AMBER]),
        ResponseStatus.IN_PROGRESS: rng.choices([Rag.AMBER, Rag.GREEN, Rag.RED], weights=[45, 45, 10])[0],
        ResponseStatus.BLOCKED: Rag.RED,
        ResponseStatus.COMPLETE: Rag.GREEN,
        ResponseStatus.NOT_APPLICABLE: None,
    }


def _fill(
    rng: random.Random,
    plan: _ResponsePlan,
    rec: Recommendation,
    theme: str | None,
    scale: int,
    upload_dir: Path,
    author: User | None,
    kids: list[_ResponsePlan],
) -> None:
    """Actions, updates and evidence that fit the response's status in every round."""
    response = plan.response
    starts = plan.first(ResponseStatus.IN_PROGRESS, ResponseStatus.BLOCKED, ResponseStatus.COMPLETE)
    complete = plan.first(ResponseStatus.COMPLETE)
    not_applicable = plan.statuses[0] is ResponseStatus.NOT_APPLICABLE
    response.created_at = _at(_ROUNDS[0][0], rng, (8, 9))
    response.lead_role = rng.choice(_OWNERS)
    response.summary = f"{MARK}: this organisation's approach to recommendation {rec.number} is summarised here."
    if ResponseStatus.BLOCKED in plan.statuses:
        waiting = next((k for k in kids if k.blocked_reason), None)
        plan.blocked_reason = (
            f"{MARK}: sub-recommendation {waiting.number} is waiting for others."
            if waiting
            else f"{MARK}: waiting for {rng.choice(_BLOCKERS)}."
        )
    if not_applicable:
        plan.not_applicable_reason = f"{MARK}: the organisation has recorded why this does not apply to it."
    for n in range(rng.randint(1, 8) * scale):
        keeper = n == 0
        if not_applicable:
            created, done = 0, 0
        elif starts is None:
            created, done = (0 if rng.random() < 0.7 else rng.randint(0, LAST)), None
        elif keeper:
            created, done = 0, complete
        else:
            done = rng.randint(starts, complete if complete is not None else LAST)
            if complete is None and rng.random() < 0.45:
                done = None
            created = 0 if rng.random() < 0.6 else rng.randint(0, done if done is not None else LAST)
        created_day = _day_in(rng, plan.windows[created])
        done_day = _day_in(rng, plan.windows[done], created_day) if done is not None else None
        plan.actions.append(
            _ActionPlan(
                created=created,
                created_at=_at(created_day, rng, (8, 11)),
                done=done,
                done_at=_at(done_day, rng, (13, 17)) if done_day else None,
                keeper=keeper,
                lazy=not keeper and rng.random() < 0.3,
                values={
                    "description": f"{rng.choice(_VERBS)} {rng.choice(_objects(theme))} ({MARK.lower()}).",
                    "owner_role": rng.choice(_OWNERS),
                    "target_date": created_day + dt.timedelta(days=rng.randint(60, 540)),
                },
            )
        )
    plan.actions.sort(key=lambda a: (a.created, a.created_at))
    if complete is not None:
        plan.completed_at = max(
            [a.done_at for a in plan.actions if a.done_at] + [k.completed_at for k in kids if k.completed_at]
        )
    for round_ in sorted(rng.randint(0, LAST) for _ in range(rng.randint(1, 4) * scale)):
        day = _day_in(rng, plan.windows[round_])
        opening = rng.choice(UPDATE_OPENINGS[plan.statuses[round_]])
        update = ProgressUpdate(
            response_id=saved_id(response),
            update_on=day,
            text=f"{opening} {rng.choice(_objects(theme))}. {MARK}.",
            visibility=rng.choices([Visibility.PUBLIC, Visibility.INTERNAL], weights=[80, 20])[0],
            author_id=author.id if author else None,
        )
        update.created_at = _at(day, rng)
        plan.updates.append((round_, update))
    _latest_update_fits(rng, plan, theme, author, most=4 * scale)
    evidence_items = rng.randint(0, 3) * scale
    if complete is not None and rng.random() < 0.2:
        evidence_items = 0  # some complete responses have no evidence, to exercise the flag
    for n in range(evidence_items):
        round_ = rng.randint(starts or 0, LAST)
        item = _evidence(rng, response, rec, n, upload_dir, author.id if author else None)
        item.created_at = item.updated_at = _at(_day_in(rng, plan.windows[round_]), rng)
        plan.evidence.append((round_, item))


def _latest_update_fits(
    rng: random.Random, plan: _ResponsePlan, theme: str | None, author: User | None, *, most: int
) -> None:
    """The latest public update speaks of the status the response has now: when the status last changed after
    every public update, the organisation wrote one in that round (a Complete response whose latest update
    says work has not started is a contradiction a reader would rightly question). It takes the place of the
    earliest update when the response already has ``most``."""
    changed = max((k for k in range(1, len(plan.statuses)) if plan.statuses[k] != plan.statuses[k - 1]), default=0)
    if any(round_ >= changed and u.visibility is Visibility.PUBLIC for round_, u in plan.updates):
        return
    if len(plan.updates) >= most:
        plan.updates.pop(0)
    day = _day_in(rng, plan.windows[changed])
    update = ProgressUpdate(
        response_id=saved_id(plan.response),
        update_on=day,
        text=f"{rng.choice(UPDATE_OPENINGS[plan.statuses[changed]])} {rng.choice(_objects(theme))}. {MARK}.",
        visibility=Visibility.PUBLIC,
        author_id=author.id if author else None,
    )
    update.created_at = _at(day, rng)
    plan.updates.append((changed, update))
    plan.updates.sort(key=lambda pair: (pair[0], pair[1].update_on))


def _assess(
    session: Session, rng: random.Random, response: Response, inspector_id: int | None, counts: dict[str, int]
) -> None:
    """Some responses have an inspector's rating (and some a question), made in the last year of the timeline."""
    if rng.random() >= 0.3:
        return
    when = _at(_day_in(rng, _ROUNDS[rng.randint(LAST - 3, LAST)]), rng)
    session.add(
        Assessment(
            response_id=saved_id(response),
            rating=rng.choice(list(AssessmentRating)),
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
                response_id=saved_id(response),
                author_id=inspector_id,
                body=f"{MARK}: could the organisation share the audit behind this claim?",
                created_at=when + dt.timedelta(days=2),
            )
        )
        counts["comments"] += 1


def _evidence(
    rng: random.Random, response: Response, rec: Recommendation, n: int, upload_dir: Path, author: int | None
) -> Evidence:
    kind = rng.choices(list(EvidenceKind), weights=[25, 40, 35])[0]
    visibility = rng.choices(list(Visibility), weights=[40, 20, 40])[0]
    evidence = Evidence(
        response_id=saved_id(response),
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


def _publication_schedule(
    rng: random.Random, organisations: list[int], always: set[int]
) -> dict[int, list[tuple[int, dt.datetime]]]:
    """When each organisation published: about three in four did, most by the 56-day point, then after most
    rounds of updates (some organisations more reliably than others).

    Each publication comes a few days after a round of updates, so it holds that round's work and nothing later.
    The organisations of the demo's editor accounts (``always``) have published: a demonstrator shows their pages.
    """
    schedule: dict[int, list[tuple[int, dt.datetime]]] = {}
    for organisation in organisations:
        if rng.random() >= 0.75 and organisation not in always:
            continue
        first = 0 if rng.random() < 0.85 else 1
        diligence = rng.choice([0.4, 0.7, 0.9])  # how reliably the organisation publishes after a round
        rounds = {first} | {k for k in range(first + 1, LAST) if rng.random() < diligence}
        if rng.random() < diligence:
            rounds.add(LAST)  # most have published the latest round; the others have unpublished changes
        moments = []
        for round_ in sorted(rounds):
            day = (
                _date_between(rng, _ROUNDS[0][1] + dt.timedelta(days=1), PLANS_DUE)
                if round_ == 0
                else _ROUNDS[round_][1] + dt.timedelta(days=rng.randint(1, 4))
            )
            moments.append((round_, _at(day, rng, (9, 17))))
        schedule[organisation] = moments
    return schedule


# Quarter ends since the six-month updates of March 2025 (each just after a round of updates); the demo freezes
# 2 + scale of them (at most all), each a few days after its cut-off, with every response as it stood then.
_CUT_OFFS = [
    dt.date(2025, 3, 31),
    dt.date(2025, 6, 30),
    dt.date(2025, 9, 30),
    dt.date(2025, 12, 31),
    dt.date(2026, 3, 31),
    dt.date(2026, 6, 30),
    dt.date(2026, 9, 30),
]


def _periods(session: Session, rng: random.Random, scale: int, plans: list[_ResponsePlan], actor: Actor) -> int:
    """Frozen reporting periods, each holding the responses as they stood at its cut-off, and the open one."""
    cut_offs = _CUT_OFFS[-min(len(_CUT_OFFS), 2 + scale) :]
    for cut_off in cut_offs:
        round_ = max(k for k, (_, last) in enumerate(_ROUNDS) if last <= cut_off)
        # As they stood at the cut-off, written straight to the table (the records in the session keep today's).
        _update_rows(session, Response, [{"id": p.response.id, **p.state(round_)} for p in plans])
        period = open_period(session, name=f"{cut_off:%B %Y} update ({MARK.lower()})", cut_off=cut_off, actor=actor)
        period.created_at = _at(cut_off - dt.timedelta(days=rng.randint(70, 85)), rng, (9, 17))
        frozen_at = _at(cut_off + dt.timedelta(days=rng.randint(3, 14)), rng, (9, 17))
        freeze_period(session, period, actor, now=frozen_at)
    _update_rows(session, Response, [{"id": p.response.id, **p.state(LAST)} for p in plans])
    period = open_period(
        session, name=f"December 2026 update ({MARK.lower()})", cut_off=dt.date(2026, 12, 31), actor=actor
    )
    period.created_at = _at(dt.date(2026, 10, 5), rng, (9, 17))
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
