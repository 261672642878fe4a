"""One meaning of "finished" and "overdue" (tracker.plans.rules), the same in SQL and Python and on every surface.

A finished response (Complete or Not applicable) is never overdue, whatever its actions; an open response past
its recommendation's deadline is; an open action past its target date is an overdue action, a flag of its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from sqlalchemy import Date, literal
from sqlmodel import Session, select

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import rules, services
from tracker.plans.models import Action, Response
from tracker.plans.services import load_response
from tracker.plans.workspace import workspace_rows
from tracker.reports.exports import response_rows
from tracker.reports.figures import national_state
from tracker.reports.progress_report import build_report
from tracker.reports.reminders import due_items
from tracker.vocabulary import ActionStatus, Rag, ResponseStatus, Role, Visibility

TODAY = dt.date.today()
DATES = [None, TODAY - dt.timedelta(days=1), TODAY, TODAY + dt.timedelta(days=1)]


def _sql_value(session: Session, expression) -> bool:
    return bool(session.exec(select(expression)).one())


def test_finished_is_complete_or_not_applicable_only():
    assert {s for s in ResponseStatus if rules.is_finished(s)} == {
        ResponseStatus.COMPLETE,
        ResponseStatus.NOT_APPLICABLE,
    }


def test_sql_and_python_forms_agree_on_every_combination(session):
    status_type = Response.__table__.c.status.type
    action_status_type = Action.__table__.c.status.type
    for status, deadline in itertools.product(ResponseStatus, DATES):
        status_sql, deadline_sql = literal(status, status_type), literal(deadline, Date)
        assert _sql_value(session, rules.finished_sql(status_sql)) is rules.is_finished(status)
        assert _sql_value(session, rules.open_sql(status_sql)) is not rules.is_finished(status)
        assert _sql_value(session, rules.response_overdue_sql(TODAY, status_sql, deadline_sql)) is (
            rules.response_overdue(status, deadline, TODAY)
        ), (status, deadline)
    for status, target in itertools.product(ActionStatus, DATES):
        sql = rules.action_overdue_sql(TODAY, literal(status, action_status_type), literal(target, Date))
        assert _sql_value(session, sql) is rules.action_overdue(status, target, TODAY), (status, target)


@pytest.mark.parametrize("status", [ResponseStatus.COMPLETE, ResponseStatus.NOT_APPLICABLE])
def test_finished_response_is_never_overdue_anywhere_but_its_late_action_is(
    session, small_reference, make_user, client, status
):
    """Kent's recommendation 1 (deadline 27 March 2025) is finished, with an open action past its target date;
    Gwent's is open and past the deadline."""
    kent, coordinator = make_user(Role.EDITOR, "kent"), make_user(Role.COORDINATOR, "home-office")
    ctx = load_response(session, kent, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    values = {"status": status.value, "version": str(ctx.response.version)}
    if status is ResponseStatus.NOT_APPLICABLE:
        values["not_applicable_reason"] = "Done by the region"
    for number in ("1.1", "1.2"):  # the parent's status rolls up from its sub-recommendations
        sub = load_response(session, kent, response_of(session, "kent", number).id, Permission.EDIT_PLAN)
        services.update_response(session, sub, kent, {**values, "version": str(sub.response.version)})
    ctx = load_response(session, kent, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    assert ctx.response.status is status
    services.add_action(
        session, ctx, kent, {"description": "Late action", "target_date": "01/01/2025", "status": "in_progress"}
    )
    session.commit()
    kent_id, gwent_id = get_by_slug(session, "kent").id, get_by_slug(session, "gwent").id
    kent_1 = response_of(session, "kent", "1")

    state = national_state(session)
    cell = state.cell(kent_id, kent_1.recommendation_id)
    assert not cell.overdue(state.today) and cell.actions_overdue == 1
    assert state.cell(gwent_id, kent_1.recommendation_id).overdue(state.today)
    assert cell not in state.attention()["overdue"]

    [row] = [r for r in workspace_rows(session, kent_id, levels=set(Visibility)) if r.response.id == kent_1.id]
    assert not row.overdue and row.actions_overdue == 1 and row.anything_overdue

    report = build_report(session)
    assert not report.rows[(kent_id, kent_1.recommendation_id)].overdue
    assert report.rows[(gwent_id, kent_1.recommendation_id)].overdue
    exported = {(r["organisation_slug"], r["recommendation"]): r["overdue"] for r in response_rows(report)}
    assert exported[("kent", "1")] is False and exported[("gwent", "1")] is True

    assert kent_1.id not in {i.response_id for i in due_items(session, TODAY)[kent_id] if i.what.startswith("Rec")}

    sign_in(client, kent.email)
    answer = {r["id"]: r for r in client.get("/api/organisations/kent/responses").json()}[kent_1.id]
    assert answer["overdue"] is False and answer["counts"]["actions_overdue"] == 1
    assert "1 overdue" in client.get("/plan/kent").text, "the workspace flags the overdue action"

    client.cookies.clear()
    sign_in(client, coordinator.email)
    dashboard = client.get("/oversight").text
    [kent_cell] = re.findall(r"Kent Police, recommendation 1: ([^<]*)<", dashboard)
    assert kent_cell.startswith(status.label) and "overdue" not in kent_cell
    [gwent_cell] = re.findall(r"Gwent Police, recommendation 1: ([^<]*)<", dashboard)
    assert "overdue" in gwent_cell
    report = client.get("/oversight/report").text
    assert "Overdue: Gwent Police." in " ".join(report.split())


# --- the RAG rating fits the status; an update is dated between publication and today ----------------------------

_FITTING_RAGS = {
    ResponseStatus.NOT_STARTED: {None, Rag.RED, Rag.AMBER},
    ResponseStatus.IN_PROGRESS: {None, Rag.RED, Rag.AMBER, Rag.GREEN},
    ResponseStatus.BLOCKED: {None, Rag.RED, Rag.AMBER},
    ResponseStatus.COMPLETE: {None, Rag.GREEN},
    ResponseStatus.NOT_APPLICABLE: {None},
}


@pytest.mark.parametrize(
    ("status", "rag"), list(itertools.product(ResponseStatus, [None, *Rag])), ids=lambda v: getattr(v, "value", "none")
)
def test_a_rag_rating_fits_its_status_as_a_coordinator_reads_it(status, rag):
    problem = rules.rag_problem(status, rag)
    if rag in _FITTING_RAGS[status]:
        assert problem is None and rules.rag_fits(status, rag)
    else:
        assert problem and not rules.rag_fits(status, rag)
        assert status.label.lower() in problem.lower() or "does not apply" in problem, problem


def test_an_update_is_dated_between_publication_and_today():
    published = dt.date(2024, 9, 27)
    assert rules.update_date_problem(published, published, TODAY) is None
    assert rules.update_date_problem(TODAY, published, TODAY) is None
    assert rules.update_date_problem(dt.date(2024, 9, 26), None, TODAY) is None
    tomorrow = TODAY + dt.timedelta(days=1)
    assert rules.update_date_problem(tomorrow, published, TODAY) == (
        f"the update date {tomorrow:%-d %B %Y} is in the future: it must be today or in the past"
    )
    assert rules.update_date_problem(dt.date(2024, 9, 26), published, TODAY) == (
        "the update date 26 September 2024 is before 27 September 2024, when the recommendations were published"
    )
