"""Per-response summaries: what national oversight needs to know about each response, kept in one row per response
(``response_summary``) so the dashboard, a recommendation's national page, the progress report and the exports read
a row per response instead of every organisation's actions, updates, evidence and ratings on each request.

A summary holds the response's status, its recommendation's deadline and set, its actions (how many; how many were
overdue on ``as_of`` and the first open target date still to come), its latest progress update every national reader
may see (its date and id; how many fall in the 30 days before ``as_of`` and the oldest of those) and the date of its
latest public one, its evidence every national reader may see, and its latest inspectorate rating.

Kept in step in the SAME transaction as every write: a hook on every session notes, at each flush, the responses
whose rows it wrote (responses, actions, updates, evidence, assessments, and recommendations: their deadline, set and
parent), and the writers that bypass the unit of work note theirs (``tracker.db.insert_rows``, the demo's
``update_rows``); before the transaction commits, their summaries are computed afresh from the records
(``compute``, the same function the rebuild and the tests use). Nothing that writes can forget it.

"Overdue" and "in the last 30 days" are relative to today, so a stored figure holds from ``as_of`` to
``valid_until`` (the day before an open action's target date passes, or an update leaves the 30-day window); a
reader asking about a day outside that range gets those responses computed afresh (``current``), so the figures are
right on any day. ``tracker rebuild-summaries --expired`` (daily) stores them again.

The same hook moves national oversight's revision on (``OVERSIGHT_REVISION_KEY``), last thing before the commit, when
the transaction wrote any table the dashboard or a recommendation's national page may read (its approved practice
too): every table but those in ``_UNSHOWN``, so a new table counts until it is said not to. It notes the tables
written through the unit of work (each flush), through the session's ``execute`` (Core statements, the summaries'
own rows) and around it (``BULK_ROWS``). The stored renderings of those pages are tagged with that revision
(``tracker.reports.oversight_store``), so none outlives the data it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import event, func
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel, col, select

from tracker.assessments.models import Assessment
from tracker.db import BULK_ROWS, table_of
from tracker.evidence.models import Evidence
from tracker.permissions import national_levels
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.public.models import OVERSIGHT_REVISION_KEY, move_revision
from tracker.recommendations.models import Recommendation
from tracker.vocabulary import ActionStatus, Visibility

RECENT_DAYS = 30  # "updates in the last 30 days", as the dashboard counts them
PENDING = "tracker.summaries.pending"  # session.info: response ids whose summaries this transaction must refresh
_FOLLOWED = {"action", "progress_update", "evidence", "assessment"}  # tables with a response_id
WRITTEN = "tracker.summaries.written"  # session.info: the tables this transaction has written
# Tables neither national oversight's dashboard nor a recommendation's national page reads: writing only these
# leaves oversight's revision where it is. (Practice is not here: the recommendation page lists approved practice.)
_UNSHOWN = frozenset(
    {
        "api_token",
        "audit_event",
        "cached_page",
        "comment",
        "period_export",
        "published_report",
        "published_response",
        "recommendation_candidate",
        "recommendation_version",
        "reminder_sent",
        "report_document_upload",
        "report_draft",
        "report_example",
        "sign_in_throttle",
        "user_account",
        "user_session",
    }
)


class ResponseSummary(SQLModel, table=True):
    """One response, as national oversight counts it (see the module's docstring); derived data, never edited."""

    __tablename__ = "response_summary"

    response_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    )
    organisation_id: int = Field(index=True)
    recommendation_id: int = Field(index=True)
    cell_recommendation_id: int = Field(description="The numbered recommendation whose cell it counts in")
    set_id: int = Field(index=True)
    required: bool
    declared: bool
    status: str = Field(max_length=40)
    deadline: dt.date | None = None
    actions: int = 0
    overdue_actions: int = 0
    next_action_due: dt.date | None = Field(default=None, description="First open target date on or after as_of")
    last_update_on: dt.date | None = None
    latest_update_id: int | None = None
    last_public_update_on: dt.date | None = Field(
        default=None, description="Its latest public update's date: where the newest public updates can be"
    )
    recent_updates: int = 0
    oldest_recent_update: dt.date | None = None
    evidence: int = 0
    rating: str | None = Field(default=None, max_length=40)
    as_of: dt.date
    valid_until: dt.date | None = None


COLUMNS = [c.name for c in table_of(ResponseSummary).columns]


def _valid_until(row: dict[str, Any]) -> dt.date | None:
    """The last day ``row``'s today-relative figures hold: before the next open action falls due, and while every
    recent update stays within the window."""
    ends = []
    if row["next_action_due"] is not None:
        ends.append(row["next_action_due"])
    if row["oldest_recent_update"] is not None:
        ends.append(row["oldest_recent_update"] + dt.timedelta(days=RECENT_DAYS))
    return min(ends) if ends else None


def holds_on(as_of: dt.date | None, valid_until: dt.date | None, today: dt.date) -> bool:
    """Whether a summary stored on ``as_of`` and valid until ``valid_until`` gives ``today``'s figures (none stored:
    ``as_of`` None)."""
    return as_of is not None and as_of <= today and (valid_until is None or today <= valid_until)


def compute(session: Session, response_ids: Iterable[int] | None, today: dt.date) -> list[dict[str, Any]]:
    """The summaries of these responses (all when None), from scratch: one grouped query per kind of record."""
    ids = None if response_ids is None else sorted(set(response_ids))
    if ids == []:
        return []

    def scoped(column: Any) -> Any:
        return sa.true() if ids is None else col(column).in_(ids)

    rows: dict[int, dict[str, Any]] = {}
    for rid, org, rec, parent, set_id, required, declared, status, deadline in session.exec(
        select(  # type: ignore[call-overload]
            Response.id,
            Response.organisation_id,
            Response.recommendation_id,
            Recommendation.parent_id,
            Recommendation.set_id,
            Response.required,
            Response.declared,
            Response.status,
            Recommendation.deadline,
        )
        .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
        .where(scoped(Response.id))
    ):
        rows[rid] = {
            "response_id": rid,
            "organisation_id": org,
            "recommendation_id": rec,
            "cell_recommendation_id": parent or rec,
            "set_id": set_id,
            "required": bool(required),
            "declared": bool(declared),
            "status": getattr(status, "value", status),
            "deadline": deadline,
            "rating": None,
            "as_of": today,
        } | dict.fromkeys(("actions", "overdue_actions", "recent_updates", "evidence"), 0)
    _count_actions(session, rows, scoped, today)
    _count_updates(session, rows, scoped, today)
    _count_evidence_and_ratings(session, rows, scoped)
    for row in rows.values():
        row["valid_until"] = _valid_until(row)
    return list(rows.values())


def _count_actions(session: Session, rows: dict[int, dict[str, Any]], scoped: Any, today: dt.date) -> None:
    is_open = col(Action.status) != ActionStatus.COMPLETE
    dated = col(Action.target_date).is_not(None)
    overdue = sa.case((is_open & dated & (col(Action.target_date) < today), 1), else_=0)
    upcoming = sa.case((is_open & dated & (col(Action.target_date) >= today), col(Action.target_date)), else_=None)
    for rid, n, n_overdue, next_due in session.exec(
        select(Action.response_id, func.count(), func.sum(overdue), func.min(upcoming))
        .where(scoped(Action.response_id))
        .group_by(col(Action.response_id))
    ):
        if rid in rows:
            rows[rid] |= {"actions": n, "overdue_actions": int(n_overdue or 0), "next_action_due": _date(next_due)}
    for row in rows.values():
        row.setdefault("next_action_due", None)


def _count_updates(session: Session, rows: dict[int, dict[str, Any]], scoped: Any, today: dt.date) -> None:
    visible = col(ProgressUpdate.visibility).in_(national_levels())
    since = today - dt.timedelta(days=RECENT_DAYS)
    recent = col(ProgressUpdate.update_on) >= since
    public = col(ProgressUpdate.visibility) == Visibility.PUBLIC
    for rid, last, n_recent, oldest, last_public in session.execute(
        sa.select(
            col(ProgressUpdate.response_id),
            func.max(ProgressUpdate.update_on),
            func.sum(sa.case((recent, 1), else_=0)),
            func.min(sa.case((recent, ProgressUpdate.update_on), else_=None)),
            func.max(sa.case((public, ProgressUpdate.update_on), else_=None)),
        )
        .where(scoped(ProgressUpdate.response_id), visible)
        .group_by(col(ProgressUpdate.response_id))
    ):
        if rid in rows:
            rows[rid] |= {"last_update_on": _date(last), "recent_updates": int(n_recent or 0)}
            rows[rid] |= {"oldest_recent_update": _date(oldest), "last_public_update_on": _date(last_public)}
    for rid, update_id in _latest(session, ProgressUpdate.id, ProgressUpdate.update_on, scoped, visible):
        if rid in rows:
            rows[rid]["latest_update_id"] = update_id
    for row in rows.values():
        row.setdefault("last_update_on", None)
        row.setdefault("oldest_recent_update", None)
        row.setdefault("latest_update_id", None)
        row.setdefault("last_public_update_on", None)


def _count_evidence_and_ratings(session: Session, rows: dict[int, dict[str, Any]], scoped: Any) -> None:
    for rid, n in session.exec(
        select(Evidence.response_id, func.count())
        .where(scoped(Evidence.response_id), col(Evidence.visibility).in_(national_levels()))
        .group_by(col(Evidence.response_id))
    ):
        if rid in rows:
            rows[rid]["evidence"] = n
    for rid, rating in _latest(session, Assessment.rating, Assessment.created_at, scoped):
        if rid in rows:
            rows[rid]["rating"] = getattr(rating, "value", rating)


def _latest(session: Session, value: Any, newest: Any, scoped: Any, *where: Any) -> Any:
    """(response id, ``value``) of each response's newest row of ``value``'s model (by ``newest``, then id)."""
    model = value.class_
    rank = (
        func.row_number()
        .over(partition_by=col(model.response_id), order_by=(col(newest).desc(), col(model.id).desc()))
        .label("rank")
    )
    ranked = select(model.response_id, value.label("value"), rank).where(scoped(model.response_id), *where).subquery()
    return session.exec(select(ranked.c.response_id, ranked.c.value).where(ranked.c.rank == 1))


def _date(value: Any) -> dt.date | None:
    """A date from an aggregate (SQLite hands MIN/MAX of a CASE back as text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# --- storing ------------------------------------------------------------------------------------------------------


def refresh(session: Session, response_ids: Iterable[int] | None = None, today: dt.date | None = None) -> int:
    """Compute and store the summaries of these responses (all when None) in the caller's transaction; a response
    that no longer exists loses its row. Returns how many rows were stored."""
    ids = None if response_ids is None else sorted(set(response_ids))
    if ids == []:
        return 0
    rows = compute(session, ids, today or dt.date.today())
    table = table_of(ResponseSummary)
    for chunk in _chunks(ids):
        session.execute(sa.delete(table).where(sa.true() if chunk is None else table.c.response_id.in_(chunk)))
    if rows:
        session.execute(sa.insert(table), rows)
    return len(rows)


def _chunks(ids: list[int] | None, size: int = 500) -> list[list[int] | None]:
    return [None] if ids is None else [ids[i : i + size] for i in range(0, len(ids), size)]


def refresh_expired(session: Session, today: dt.date | None = None) -> int:
    """Store again the summaries whose today-relative figures no longer hold (run daily)."""
    today = today or dt.date.today()
    table = table_of(ResponseSummary)
    expired = session.execute(
        sa.select(table.c.response_id).where(
            (table.c.as_of > today) | (table.c.valid_until.is_not(None) & (table.c.valid_until < today))
        )
    ).scalars()
    return refresh(session, list(expired), today)


# --- following every write ----------------------------------------------------------------------------------------


def note(session: OrmSession, response_ids: Iterable[int]) -> None:
    """Mark these responses' summaries for refreshing before the session's transaction commits."""
    session.info.setdefault(PENDING, set()).update(i for i in response_ids if i is not None)


def _noted_in_flush(session: OrmSession) -> None:
    pending: set[int] = session.info.setdefault(PENDING, set())
    recommendations: set[int] = set()
    written: set[str] = session.info.setdefault(WRITTEN, set())
    for item in (*session.new, *session.dirty, *session.deleted):
        written.add(getattr(item, "__tablename__", "?"))
        if isinstance(item, Response) and item.id is not None:
            pending.add(item.id)
        elif isinstance(item, Action | ProgressUpdate | Evidence | Assessment):
            pending.add(item.response_id)
        elif isinstance(item, Recommendation) and item.id is not None and item not in session.new:
            recommendations.add(item.id)
    if recommendations:
        query = sa.select(col(Response.id)).where(col(Response.recommendation_id).in_(recommendations))
        pending.update(i for i in session.execute(query).scalars() if i is not None)


def _noted_in_bulk(session: OrmSession) -> None:
    """The responses behind rows written without the unit of work (``tracker.db.insert_rows``, the demo)."""
    pending: set[int] = session.info.setdefault(PENDING, set())
    for table, rows in session.info.pop(BULK_ROWS, []):
        session.info.setdefault(WRITTEN, set()).add(table)
        if table == "response":
            pending.update(row["id"] for row in rows if row.get("id") is not None)
        elif table in _FOLLOWED:
            with_response = [row["response_id"] for row in rows if row.get("response_id") is not None]
            pending.update(with_response)
            if len(with_response) < len(rows):
                ids = [row["id"] for row in rows if row.get("response_id") is None and row.get("id") is not None]
                t = sa.table(table, sa.column("id"), sa.column("response_id"))
                pending.update(session.execute(sa.select(t.c.response_id).where(t.c.id.in_(ids))).scalars())


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session: OrmSession, _context: object) -> None:
    _noted_in_flush(session)


@event.listens_for(OrmSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    """Note the table a statement run through the session writes (a text statement that writes: an unknown one)."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        state.session.info.setdefault(WRITTEN, set()).add(getattr(table, "name", "?"))
    elif isinstance(state.statement, sa.TextClause) and not str(state.statement).lstrip().upper().startswith("SELECT"):
        state.session.info.setdefault(WRITTEN, set()).add("?")


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    """Bring the summaries of everything this transaction wrote up to date, inside it; then, if it wrote anything
    the dashboard reads, move oversight's revision on (last: on PostgreSQL its row stays locked until the commit)."""
    settle(session)
    written = session.info.pop(WRITTEN, set())
    if written - _UNSHOWN:
        move_revision(session, OVERSIGHT_REVISION_KEY)  # type: ignore[arg-type]
    session.info.pop(WRITTEN, None)  # the revision's own row


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(WRITTEN, None)  # nothing written stays


def settle(session: OrmSession) -> None:
    """Refresh the summaries this transaction's writes so far have made out of date (before it commits, and before
    a read of the summaries in the same transaction, which then sees its own writes)."""
    info, unflushed = session.info, session.new or session.dirty or session.deleted
    if not (info.get(PENDING) or info.get(BULK_ROWS) or unflushed):
        return
    session.flush()
    _noted_in_bulk(session)
    pending = session.info.pop(PENDING, set())
    if pending:
        refresh(session, pending)  # type: ignore[arg-type]


# --- reading ------------------------------------------------------------------------------------------------------


_READ = ("overdue_actions", "evidence", "last_update_on", "latest_update_id", "recent_updates", "rating")


class Current(NamedTuple):
    """A required response's summary as of a day (``current``): a plain tuple, as the national pages read hundreds
    of them and a database row's attributes cost ten times a tuple's."""

    response_id: int
    organisation_id: int
    recommendation_id: int
    status: Any
    overdue_actions: int
    evidence: int
    last_update_on: dt.date | None
    latest_update_id: int | None
    recent_updates: int
    rating: str | None


def current(
    session: Session,
    today: dt.date,
    *,
    set_id: int | None = None,
    organisation_id: int | None = None,
    recommendation_ids: list[int] | None = None,
) -> list[Current]:
    """The summary of every required response (of one set, of one organisation, to some recommendations) as of
    ``today``: the stored row
    where its figures hold on that day, else computed afresh (a row not stored yet, or one whose open action has
    fallen due or whose update has left the 30-day window since). Each has ``response_id``, ``organisation_id``,
    ``recommendation_id``, ``status`` (the response's own, read with it) and the figures in ``_READ``."""
    settle(session)
    summary = table_of(ResponseSummary)
    response = table_of(Response)
    query = (
        sa.select(
            response.c.id.label("response_id"),
            response.c.organisation_id,
            response.c.recommendation_id,
            response.c.status,
            *(summary.c[name] for name in _READ),
            summary.c.as_of,
            summary.c.valid_until,
        )
        .select_from(response.outerjoin(summary, summary.c.response_id == response.c.id))
        .where(response.c.required.is_(True))
    )
    if set_id is not None:
        in_set = sa.select(col(Recommendation.id)).where(col(Recommendation.set_id) == set_id)
        query = query.where(response.c.recommendation_id.in_(in_set))
    if organisation_id is not None:
        query = query.where(response.c.organisation_id == organisation_id)
    if recommendation_ids is not None:
        query = query.where(response.c.recommendation_id.in_(recommendation_ids))
    rows = session.execute(query).all()  # fetched at once: row by row cost a fifth of the national pages' reading
    held = len(Current._fields)
    stale = [row[0] for row in rows if not holds_on(row[held], row[held + 1], today)]
    fresh = {row["response_id"]: row for row in compute(session, stale, today)} if stale else {}
    return [
        Current(*row[:4], *(fresh[row[0]][name] for name in _READ)) if row[0] in fresh else Current(*row[:held])
        for row in rows
    ]


def latest_updates(session: Session, response_ids: Any) -> dict[int, tuple[dt.date, str]]:
    """Each of these responses' latest progress update every national reader may see, as (date, text): read through
    the summaries (``latest_update_id``) rather than ranking every update. ``response_ids``: a list or a subquery."""
    settle(session)
    query = (
        select(ResponseSummary.response_id, ProgressUpdate.update_on, ProgressUpdate.text)  # type: ignore[call-overload]
        .join(ProgressUpdate, col(ProgressUpdate.id) == ResponseSummary.latest_update_id)
        .where(col(ResponseSummary.response_id).in_(response_ids))
    )
    return {rid: (day, text) for rid, day, text in session.exec(query)}


def newest_public_updates_floor(session: Session, response_ids: Any, limit: int) -> tuple[list[int], dt.date | None]:
    """Where the newest ``limit`` public updates of these responses (a list or a subquery) can be, read from the
    summaries rather than from every update: the responses that may hold one, and the day on or after which they
    all fall (None: any day). The ``limit``-th latest of the responses' latest public update dates is that day:
    ``limit`` responses each have a public update on or after it, so no older update is among the newest; a
    response whose latest is older has none there. A response without a stored summary is always a candidate."""
    settle(session)
    summary = table_of(ResponseSummary)
    response = table_of(Response)
    rows = session.execute(
        sa.select(response.c.id, summary.c.response_id.is_(None), summary.c.last_public_update_on)
        .select_from(response.outerjoin(summary, summary.c.response_id == response.c.id))
        .where(response.c.id.in_(response_ids))
    ).all()
    latest = sorted((day for _, _, day in rows if day is not None), reverse=True)
    floor = latest[limit - 1] if limit > 0 and len(latest) >= limit else None
    candidates = [rid for rid, missing, day in rows if missing or (day is not None and (floor is None or day >= floor))]
    return candidates, floor
