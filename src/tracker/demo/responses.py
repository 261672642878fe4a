"""Each response's plan over the timeline: its status in every round, and the actions, updates and evidence that
fit it. Planning only draws and builds records; ``writing`` puts them in the database round by round.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.accounts.models import User
from tracker.db import saved_id
from tracker.demo.texts import (
    BLOCKERS,
    MARK,
    NOT_APPLICABLE_DECISION,
    NOT_APPLICABLE_REASONS,
    OWNERS,
    STEPS,
    UPDATE_OPENINGS,
    VERBS,
    action_text,
    blocked_reason,
    not_applicable_reason,
    objects,
    update_text,
)
from tracker.demo.timeline import LAST, ROUNDS, day_in, rag_ratings, round_windows, time_on, trajectory
from tracker.plans.models import Response
from tracker.plans.services import rolled_up_status
from tracker.recommendations.models import Recommendation
from tracker.vocabulary import ActionStatus, EvidenceKind, Rag, ResponseStatus, Visibility


class Wording:
    """One response's action and update texts, never the same twice (two identical lines in one plan read as a
    copying slip): each is drawn from the texts not used yet, and once all are (larger scales), the next phase's."""

    def __init__(self) -> None:
        self._left: dict[object, list[tuple[str, str]]] = {}
        self._phase: dict[object, int] = {}

    def _draw(self, rng: random.Random, pool: object, texts: list[tuple[str, str]]) -> tuple[str, str, int]:
        """A pair of words from ``texts`` not yet drawn from ``pool`` in its phase, and that phase."""
        if not self._left.get(pool):
            self._phase[pool] = self._phase.get(pool, 0) + 1
            self._left[pool] = rng.sample(texts, len(texts))
        return (*self._left[pool].pop(), self._phase[pool])

    def action(self, rng: random.Random, theme: str | None) -> tuple[str, str, int]:
        """The words of a new action for a recommendation of this theme (or of none): verb, subject and phase."""
        return self._draw(rng, "action", [(verb, thing) for verb in VERBS for thing in objects(theme)])

    def update(self, rng: random.Random, status: ResponseStatus, theme: str | None) -> str:
        """A new update's text, saying what fits ``status``."""
        texts = [(opening, thing) for opening in UPDATE_OPENINGS[status] for thing in objects(theme)]
        return update_text(*self._draw(rng, status, texts))


@dataclass
class ActionPlan:
    """One action over the timeline: the round it was added in and the round it was done in (None: still open)."""

    created: int
    created_at: dt.datetime
    done: int | None
    done_at: dt.datetime | None
    keeper: bool  # the action that stays open until the response is complete (or is what it is blocked on)
    lazy: bool  # an open action not yet started even while its response is in progress
    values: dict[str, Any]
    words: tuple[str, str, int] | None = None  # its verb, subject and phase (None: the record of a decision)
    id: int | None = None  # its row's (None: not yet written)
    current: ActionStatus | None = None  # its status as written (None: not yet written)

    def status(self, round_: int, starts: int | None, blocked: int | None) -> ActionStatus:
        """Its status in ``round_``, given the rounds its response started (or was first blocked) in."""
        if self.done is not None and self.done <= round_:
            return ActionStatus.COMPLETE
        if self.keeper and blocked is not None and round_ >= blocked:
            return ActionStatus.BLOCKED
        if starts is not None and round_ >= starts and not self.lazy:
            return ActionStatus.IN_PROGRESS
        return ActionStatus.NOT_STARTED


@dataclass
class ResponsePlan:
    """One response over the timeline: its status in each round, and what it holds from which round on."""

    response: Response
    statuses: list[ResponseStatus]
    rags: dict[ResponseStatus, Rag | None]
    number: str = ""
    windows: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # the organisation's days of each round
    blocked_reason: str | None = None
    blocked_reason_cy: str | None = None  # its Welsh, for a bilingual organisation (tracker.demo.welsh)
    not_applicable_reason: str | None = None
    actions: list[ActionPlan] = field(default_factory=list)
    # Updates and evidence as rows of their tables (written with tracker.db.insert_rows), each with its round.
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    evidence: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    completed_at: dt.datetime | None = None
    added: int = -1  # updates and evidence of the rounds up to this one are in the session
    wording: Wording = field(default_factory=Wording)

    def first(self, *wanted: ResponseStatus) -> int | None:
        """The first round in which the response had one of the ``wanted`` statuses (None: never)."""
        return next((k for k, s in enumerate(self.statuses) if s in wanted), None)

    @property
    def started_in(self) -> int | None:
        """The first round in which work was under way (None: it never started, or does not apply)."""
        return self.first(ResponseStatus.IN_PROGRESS, ResponseStatus.BLOCKED, ResponseStatus.COMPLETE)

    @property
    def completed_in(self) -> int | None:
        """The round in which the response became complete (None: it is not)."""
        return self.first(ResponseStatus.COMPLETE)

    def state(self, round_: int) -> dict[str, Any]:
        """The response's own fields as they stood in that round (what a save through the services would leave)."""
        status = self.statuses[round_]
        return {
            "status": status,
            "rag": self.rags[status],
            "blocked_reason": self.blocked_reason if status is ResponseStatus.BLOCKED else None,
            "blocked_reason_cy": self.blocked_reason_cy if status is ResponseStatus.BLOCKED else None,
            "not_applicable_reason": self.not_applicable_reason if status is ResponseStatus.NOT_APPLICABLE else None,
            "completed_at": self.completed_at if status is ResponseStatus.COMPLETE else None,
        }

    def set_response(self, round_: int) -> None:
        """Give the response record its fields as they stood in that round."""
        for name, value in self.state(round_).items():
            setattr(self.response, name, value)

    def finish(self) -> None:
        """'Last updated' is the response's last activity, never the day the demo was loaded."""
        times = [self.response.created_at, *(a.done_at or a.created_at for a in self.actions)]
        times += [row["created_at"] for _, row in [*self.updates, *self.evidence]]
        self.response.updated_at = max(t for t in [*times, self.completed_at] if t is not None)


def plan_all(
    rng: random.Random,
    responses: list[Response],
    recommendations: dict[int | None, Recommendation],
    scale: int,
    upload_dir: Path,
    editor_by_org: dict[int | None, User],
) -> list[ResponsePlan]:
    """Every response's timeline: sub-recommendations first, then each parent rolled up from them."""
    organisations = sorted({r.organisation_id for r in responses})
    windows = {org: round_windows(rng) for org in organisations}
    plans: dict[int | None, ResponsePlan] = {}
    children: dict[tuple[int, int | None], list[ResponsePlan]] = {}
    parents = {r.parent_id for r in recommendations.values() if r.parent_id is not None}
    shown = _shown_statuses(responses, recommendations, parents, {o for o in editor_by_org if o is not None})
    ordered = sorted(responses, key=lambda r: (r.recommendation_id in parents, r.id))
    for response in ordered:
        rec = recommendations[response.recommendation_id]
        kids = children.get((response.organisation_id, rec.id), [])
        if kids:
            statuses = [rolled_up_status([k.statuses[n] for k in kids]) for n in range(len(ROUNDS))]
        else:
            statuses = trajectory(rng, rec, shown.get(response.id))
        plan = ResponsePlan(
            response,
            statuses,
            rag_ratings(rng),
            rec.number,
            windows[response.organisation_id],
        )
        theme = rec.theme or (recommendations[rec.parent_id].theme if rec.parent_id else None)
        _fill(rng, plan, rec, theme, scale, upload_dir, editor_by_org.get(response.organisation_id), kids)
        plans[response.id] = plan
        if rec.parent_id is not None:
            children.setdefault((response.organisation_id, rec.parent_id), []).append(plan)
    return [plans[r.id] for r in responses]


def _shown_statuses(
    responses: list[Response],
    recommendations: dict[int | None, Recommendation],
    parents: set[int],
    editors: set[int],
) -> dict[int | None, ResponseStatus]:
    """How a few responses of the demo editors' organisations end, whatever the draws: one Blocked, one In progress
    (their first recommendations with no sub-recommendations), so a demonstrator signed in as an editor can show
    both forms (a plan drawn all Complete or Not started shows neither)."""
    shown: dict[int | None, ResponseStatus] = {}
    for organisation in sorted(editors):
        own = [
            r
            for r in responses
            if r.organisation_id == organisation
            and r.recommendation_id not in parents
            and recommendations[r.recommendation_id].parent_id is None
        ]
        for response, status in zip(own, (ResponseStatus.BLOCKED, ResponseStatus.IN_PROGRESS), strict=False):
            shown[response.id] = status
    return shown


def _fill(
    rng: random.Random,
    plan: ResponsePlan,
    rec: Recommendation,
    theme: str | None,
    scale: int,
    upload_dir: Path,
    author: User | None,
    kids: list[ResponsePlan],
) -> None:
    """Actions, updates and evidence that fit the response's status in every round (drawn in this order)."""
    _describe(rng, plan, rec, kids)
    _plan_actions(rng, plan, theme, scale, kids)
    _plan_updates(rng, plan, theme, scale, author)
    _plan_evidence(rng, plan, rec, scale, upload_dir, author)


def _describe(rng: random.Random, plan: ResponsePlan, rec: Recommendation, kids: list[ResponsePlan]) -> None:
    """The response's own record: when it was made, its lead and summary, why it is blocked or does not apply."""
    response = plan.response
    response.created_at = time_on(ROUNDS[0][0], rng, (8, 9))
    response.lead_role = rng.choice(OWNERS)
    response.summary = f"{MARK}: this organisation's approach to recommendation {rec.number} is summarised here."
    if ResponseStatus.BLOCKED in plan.statuses:
        plan.blocked_reason = _blocker(rng, kids)
    if plan.statuses[0] is ResponseStatus.NOT_APPLICABLE:
        plan.not_applicable_reason = not_applicable_reason(rng.choice(NOT_APPLICABLE_REASONS))


def _blocker(rng: random.Random, kids: list[ResponsePlan]) -> str:
    """What a Blocked response waits for. A parent is Blocked because a sub-recommendation is, so it names the one
    blocked first (blocked in every round the parent is) and what that one waits for: "7.2: Waiting for …"."""
    blocked = [k for k in kids if k.blocked_reason]
    if not blocked:
        return blocked_reason(rng.choice(BLOCKERS))
    first = min(blocked, key=lambda k: k.first(ResponseStatus.BLOCKED) or 0)
    return f"{first.number}: {first.blocked_reason}"


def _plan_actions(
    rng: random.Random, plan: ResponsePlan, theme: str | None, scale: int, kids: list[ResponsePlan]
) -> None:
    """One to eight actions (times the scale), in the order they were added; then when the response was complete
    (its last action done, or its last sub-recommendation complete).

    A response that does not apply has one action, done in the first round: recording that decision (work planned
    on what the organisation says it need not do would contradict it)."""
    not_applicable = plan.statuses[0] is ResponseStatus.NOT_APPLICABLE
    for n in range(1 if not_applicable else rng.randint(1, 8) * scale):
        keeper = n == 0
        created, done = _action_rounds(rng, plan, keeper)
        created_day = day_in(rng, plan.windows[created])
        done_day = day_in(rng, plan.windows[done], created_day) if done is not None else None
        words = None if not_applicable else plan.wording.action(rng, theme)
        plan.actions.append(
            ActionPlan(
                created=created,
                created_at=time_on(created_day, rng, (8, 11)),
                done=done,
                done_at=time_on(done_day, rng, (13, 17)) if done_day else None,
                keeper=keeper,
                lazy=not keeper and rng.random() < 0.3,
                values={
                    "description": action_text(*words) if words else NOT_APPLICABLE_DECISION,
                    "owner_role": rng.choice(OWNERS),
                    "target_date": created_day + dt.timedelta(days=rng.randint(60, 540)),
                },
                words=words,
            )
        )
    _steps_in_order(plan.actions)
    plan.actions.sort(key=lambda a: (a.created, a.created_at))
    if plan.completed_in is not None:
        plan.completed_at = max(
            [a.done_at for a in plan.actions if a.done_at] + [k.completed_at for k in kids if k.completed_at]
        )


def _steps_in_order(actions: list[ActionPlan]) -> None:
    """The steps on one subject (Agree, Pilot, Deliver, Embed, Evaluate; a later phase after an earlier) are done
    and due in that order: "Evaluate" done before "Agree", or due before it, reads as a slip. The steps drawn for a
    subject are dealt to its actions in the order those are done (the open last, those under way first), each due
    at least four weeks after the one before."""
    subjects: dict[str, list[ActionPlan]] = {}
    for item in actions:
        if item.words and item.words[0] in STEPS:
            subjects.setdefault(item.words[1], []).append(item)
    for steps in subjects.values():
        words = sorted((item.words for item in steps if item.words), key=lambda w: (w[2], STEPS.index(w[0])))
        steps.sort(key=_progress)
        due: dt.date | None = None
        for item, step in zip(steps, words, strict=True):
            item.words = step
            item.values["description"] = action_text(*step)
            target = item.values["target_date"]
            due = target if due is None else max(target, due + dt.timedelta(weeks=4))
            item.values["target_date"] = due


def _progress(item: ActionPlan) -> tuple[Any, ...]:
    """How far an action got, for sorting: the done in the order they were done, then the open, under way first."""
    if item.done_at is not None:
        return (0, item.done, item.done_at)
    return (1, item.lazy, item.created, item.created_at)


def _action_rounds(rng: random.Random, plan: ResponsePlan, keeper: bool) -> tuple[int, int | None]:
    """The rounds an action was added and done in (None: still open), fitting the response's statuses."""
    starts, complete = plan.started_in, plan.completed_in
    if plan.statuses[0] is ResponseStatus.NOT_APPLICABLE:
        return 0, 0
    if starts is None:
        return (0 if rng.random() < 0.7 else rng.randint(0, LAST)), None
    if keeper:
        return 0, complete
    done: int | None = rng.randint(starts, complete if complete is not None else LAST)
    if complete is None and rng.random() < 0.45:
        done = None
    created = 0 if rng.random() < 0.6 else rng.randint(0, done if done is not None else LAST)
    return created, done


def _plan_updates(rng: random.Random, plan: ResponsePlan, theme: str | None, scale: int, author: User | None) -> None:
    """One to four updates (times the scale) in rounds drawn at random, the latest public one fitting today."""
    for round_ in sorted(rng.randint(0, LAST) for _ in range(rng.randint(1, 4) * scale)):
        plan.updates.append((round_, _update(rng, plan, round_, theme, author)))
    _latest_update_fits(rng, plan, theme, author, most=4 * scale)


def _update(
    rng: random.Random,
    plan: ResponsePlan,
    round_: int,
    theme: str | None,
    author: User | None,
    visibility: Visibility | None = None,
) -> dict[str, Any]:
    """An update written on one of the organisation's days of ``round_``, saying what fits the status then.

    Its visibility is drawn (four in five public) unless given."""
    day = day_in(rng, plan.windows[round_])
    text = plan.wording.update(rng, plan.statuses[round_], theme)
    if visibility is None:
        visibility = rng.choices([Visibility.PUBLIC, Visibility.INTERNAL], weights=[80, 20])[0]
    return {
        "response_id": saved_id(plan.response),
        "update_on": day,
        "text": text,
        "visibility": visibility,
        "author_id": author.id if author else None,
        "created_at": time_on(day, rng),
    }


def _latest_update_fits(
    rng: random.Random, plan: ResponsePlan, theme: str | None, author: User | None, *, most: int
) -> None:
    """The latest public update speaks of the status the response has now: when the status last changed after
    every public update, the organisation wrote one in that round (a Complete response whose latest update
    says work has not started is a contradiction a reader would rightly question). It takes the place of the
    earliest update when the response already has ``most``."""
    changed = max((k for k in range(1, len(plan.statuses)) if plan.statuses[k] != plan.statuses[k - 1]), default=0)
    if any(round_ >= changed and u["visibility"] is Visibility.PUBLIC for round_, u in plan.updates):
        return
    if len(plan.updates) >= most:
        plan.updates.pop(0)
    plan.updates.append((changed, _update(rng, plan, changed, theme, author, Visibility.PUBLIC)))
    plan.updates.sort(key=lambda pair: (pair[0], pair[1]["update_on"]))


def _plan_evidence(
    rng: random.Random, plan: ResponsePlan, rec: Recommendation, scale: int, upload_dir: Path, author: User | None
) -> None:
    """Up to three items of evidence (times the scale), each added in a round once work had started."""
    evidence_items = rng.randint(0, 3) * scale
    if plan.completed_in is not None and rng.random() < 0.2:
        evidence_items = 0  # some complete responses have no evidence, to exercise the flag
    for n in range(evidence_items):
        round_ = rng.randint(plan.started_in or 0, LAST)
        item = _evidence(rng, plan.response, rec, n, upload_dir, author.id if author else None)
        item["created_at"] = item["updated_at"] = time_on(day_in(rng, plan.windows[round_]), rng)
        plan.evidence.append((round_, item))


def _evidence(
    rng: random.Random, response: Response, rec: Recommendation, n: int, upload_dir: Path, author: int | None
) -> dict[str, Any]:
    """The ``n``th item of evidence of a response: a link, a note or a small text file written to ``upload_dir``."""
    kind = rng.choices(list(EvidenceKind), weights=[25, 40, 35])[0]
    visibility = rng.choices(list(Visibility), weights=[40, 20, 40])[0]
    evidence: dict[str, Any] = {
        "response_id": saved_id(response),
        "kind": kind,
        "title": f"{MARK}: evidence {n + 1} for recommendation {rec.number}",
        "visibility": visibility,
        "added_by_id": author,
    }
    if kind is EvidenceKind.LINK:
        evidence["url"] = f"https://www.example.org/demo/evidence/{response.id}/{n + 1}"
    elif kind is EvidenceKind.NOTE:
        evidence["note"] = f"{MARK}: a note describing where the supporting document is held."
    else:
        content = f"{MARK}\nEvidence {n + 1} for response {response.id}, recommendation {rec.number}.\n".encode()
        stored = f"demo-{response.id}-{n + 1}.txt"
        (upload_dir / stored).write_bytes(content)
        evidence |= {
            "stored_name": stored,
            "original_name": f"evidence-{rec.number}-{n + 1}.txt",
            "content_type": "text/plain",
            "size_bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    return evidence
