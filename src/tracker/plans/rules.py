"""The tracker's rules for "finished" and "overdue", each stated once: the Python predicate beside its SQL form.

Every page, report, export, API answer and reminder asks these functions, so a response is overdue (or
finished) in the same cases everywhere, and the SQL and Python forms cannot drift apart unnoticed
(tests/unit/plans/test_rules.py checks them against each other on every combination).

- A response is *finished* when it is Complete or Not applicable; a finished response is never overdue.
- A response is *overdue* when it is open (not finished) and its recommendation's deadline has passed.
- An action is *overdue* when it is open (not Complete) and its target date has passed. Overdue actions are a
  flag of their own: they never make their response overdue.
- A RAG rating *fits* its status: a Complete response is Green, a Blocked one and a Not-started one
  never Green, a Not-applicable one has no rating; an open response in progress may be any colour. Having no rating
  fits every status (most forces' plans use none). The form, the JSON API and spreadsheet imports ask
  ``rag_problem``; a roll-up that moves a parent to a status its rating no longer fits clears the rating.
- A progress update is dated between its recommendation set's publication and today (``update_date_problem``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlmodel import col

from tracker.plans.models import Action, Response
from tracker.recommendations.models import Recommendation
from tracker.timeutil import uk_date
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus
from tracker.web.i18n import N_, gettext

FINISHED: tuple[ResponseStatus, ...] = (ResponseStatus.COMPLETE, ResponseStatus.NOT_APPLICABLE)


def is_finished(status: ResponseStatus) -> bool:
    """A response needs no more work: Complete or Not applicable."""
    return status in FINISHED


def _or(given: Any, default: Any) -> Any:
    """A column or expression given by the caller (e.g. a snapshot's status), else the usual column."""
    return given if given is not None else col(default)


def finished_sql(status: Any = None) -> ColumnElement[bool]:
    """SQL form of :func:`is_finished` (over ``Response.status`` unless another status expression is given)."""
    return _or(status, Response.status).in_(FINISHED)


def open_sql(status: Any = None) -> ColumnElement[bool]:
    """SQL form of ``not is_finished(status)``."""
    return _or(status, Response.status).not_in(FINISHED)


def response_overdue(status: ResponseStatus, deadline: dt.date | None, today: dt.date) -> bool:
    """An open response whose recommendation's deadline has passed."""
    return deadline is not None and deadline < today and not is_finished(status)


def response_overdue_sql(today: dt.date, status: Any = None, deadline: Any = None) -> ColumnElement[bool]:
    """SQL form of :func:`response_overdue` (over ``Response.status`` and ``Recommendation.deadline``)."""
    due = _or(deadline, Recommendation.deadline)
    return and_(due.is_not(None), due < today, open_sql(status))


def action_overdue(status: ActionStatus, target_date: dt.date | None, today: dt.date) -> bool:
    """An open action (not Complete) whose target date has passed."""
    return target_date is not None and target_date < today and status is not ActionStatus.COMPLETE


def action_overdue_sql(today: dt.date, status: Any = None, target_date: Any = None) -> ColumnElement[bool]:
    """SQL form of :func:`action_overdue` (over ``Action.status`` and ``Action.target_date``)."""
    due = _or(target_date, Action.target_date)
    return and_(due.is_not(None), due < today, _or(status, Action.status) != ActionStatus.COMPLETE)


_RAG_FOR_STATUS: dict[ResponseStatus, tuple[frozenset[Rag], str]] = {
    ResponseStatus.COMPLETE: (frozenset({Rag.GREEN}), N_("A Complete response is rated Green, or not rated")),
    ResponseStatus.BLOCKED: (
        frozenset({Rag.RED, Rag.AMBER}),
        N_("A Blocked response is rated Red or Amber, or not rated"),
    ),
    ResponseStatus.NOT_STARTED: (
        frozenset({Rag.RED, Rag.AMBER}),
        N_("A Not started response is rated Red or Amber, or not rated"),
    ),
    ResponseStatus.NOT_APPLICABLE: (
        frozenset(),
        N_("A response that does not apply has no RAG rating: choose Not set"),
    ),
}


def rag_problem(status: ResponseStatus, rag: Rag | None) -> str | None:
    """Why a RAG rating contradicts the status (Complete and Red, Blocked and Green would), or None if it fits; in
    the language of the request it is said in."""
    if rag is None or status not in _RAG_FOR_STATUS:
        return None
    fitting, message = _RAG_FOR_STATUS[status]
    return None if rag in fitting else gettext(message)


def rag_fits(status: ResponseStatus, rag: Rag | None) -> bool:
    """A RAG rating that does not contradict the status (``rag_problem`` finds nothing wrong)."""
    return rag_problem(status, rag) is None


def update_date_problem(on: dt.date, published_on: dt.date | None, today: dt.date) -> str | None:
    """What is wrong with a progress update's date, or None when it falls between the day its recommendation set
    was published (``published_on``; no lower bound if unknown) and ``today``, both included. Said of the date
    ("the update date 1 May 2026 is in the future: ..."), so an import can name each row's own; a whole sentence in
    the language of the request it is said in (a form capitalises its first letter)."""
    if on > today:
        return gettext("the update date %(date)s is in the future: it must be today or in the past", date=uk_date(on))
    if published_on is not None and on < published_on:
        return gettext(
            "the update date %(date)s is before %(published)s, when the recommendations were published",
            date=uk_date(on),
            published=uk_date(published_on),
        )
    return None
