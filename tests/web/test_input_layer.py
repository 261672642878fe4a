"""The input layer and the declared plumbing: one ``InputError``, typed inputs that a form and the API build
alike and that services check, one change-and-audit step, and permissions declared on routes (issue 16)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor, audit_change, fields_of
from tracker.inputs import InputError
from tracker.organisations.services import get_by_slug
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.models import Response
from tracker.plans.services import ActionInput, ResponseInput
from tracker.reports.services import open_period
from tracker.vocabulary import Role

SRC = Path(__file__).resolve().parents[2] / "src" / "tracker"


@pytest.fixture
def editor(small_reference, make_user):
    return make_user(Role.EDITOR, "kent")


@pytest.fixture
def ctx(session: Session, editor):
    organisation = get_by_slug(session, "kent")
    response = session.exec(select(Response).where(Response.organisation_id == organisation.id)).first()
    return services.load_response(session, editor, response.id, Permission.EDIT_PLAN)


def test_every_use_case_refuses_input_with_the_one_error_type():
    from tracker.plans.services import PlanError
    from tracker.practice.services import PracticeError
    from tracker.recommendations.editing import EditError

    assert PlanError is InputError and PracticeError is InputError and EditError is InputError
    error = InputError({"email": "Enter an email address", "role": "Select a role"})
    assert error.message == "Enter an email address; Select a role"  # the command line's wording, no field names


def test_a_form_and_the_api_build_the_same_typed_input(session, ctx, editor):
    """A form sends text (and its CSRF token), the API decoded values: the service reads both the same way."""
    from_form = ActionInput.of({"description": "Train staff", "target_date": "27/03/2025", "_csrf_token": "x"})
    from_api = ActionInput.of({"description": "Train staff", "target_date": dt.date(2025, 3, 27)})
    first = services.add_action(session, ctx, editor, from_form)
    second = services.add_action(session, ctx, editor, from_api)
    assert first.target_date == second.target_date == dt.date(2025, 3, 27)
    assert ActionInput.of(from_form) is from_form


def test_a_service_answers_every_fault_of_a_typed_input_at_once(session, ctx, editor):
    with pytest.raises(InputError) as refused:
        services.add_action(session, ctx, editor, ActionInput(description="", target_date="31/02/2025", status="x"))
    assert set(refused.value.errors) == {"description", "target_date", "status"}


def test_opening_a_period_is_checked_by_the_service_with_every_fault_at_once(session):
    with pytest.raises(InputError) as refused:
        open_period(session, name="", cut_off="31/02/2025", actor=Actor("t"))
    assert set(refused.value.errors) == {"name", "cut_off"}
    period = open_period(session, name="Summer", cut_off="31/07/2025", actor=Actor("t"))
    assert period.cut_off == dt.date(2025, 7, 31)


def test_one_change_and_audit_step_counts_a_version_only_for_a_real_change(session, ctx, editor):
    response = ctx.response
    fields = Response.conflict_fields
    version = response.version

    def events() -> int:
        return len(list(session.exec(select(AuditEvent).where(AuditEvent.entity_type == "response"))))

    recorded = events()
    unchanged = audit_change(
        session, response, fields_of(response, fields), fields, actor=Actor("t"), entity_type="response", summary=str
    )
    assert unchanged == [] and response.version == version and events() == recorded

    before = fields_of(response, fields)
    response.summary = "A new summary"
    diff = audit_change(session, response, before, fields, actor=Actor("t"), entity_type="response", summary=str)
    session.flush()
    assert diff == ["summary"] and response.version == version + 1 and events() == recorded + 1
    event = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
    assert set(event.before) == set(event.after) == {"summary"}


def test_a_response_saved_through_its_typed_input_gets_one_new_version(session, ctx, editor):
    response = ctx.response
    version = response.version
    services.update_response(
        session, ctx, editor, ResponseInput(version=str(version), status="in_progress", summary="Started")
    )
    assert response.version == version + 1
    services.update_response(
        session, ctx, editor, ResponseInput(version=str(version + 1), status="in_progress", summary="Started")
    )
    assert response.version == version + 1  # nothing changed: no new version, so nobody's open form goes stale


def _first_statement(function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt | None:
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body[0] if body else None


def test_route_handlers_declare_their_permission_instead_of_repeating_the_check():
    """A permission that does not depend on one organisation's records is declared on the route or its controller
    (``opt=needs(...)``, answered by ``tracker.web.guards.declared_permission``), not written out in the handler."""
    repeated = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.decorator_list:
                statement = _first_statement(node)
                first = ast.unparse(statement) if statement else ""
                if first.startswith("require(request.user, Permission.") and first.count(",") == 1:
                    repeated.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}")
    assert repeated == []


def test_declared_permissions_are_asked_of_the_rule_table(client, make_user, small_reference):
    from tests.support.accounts import sign_in

    answer = client.get("/admin/users", follow_redirects=False)
    assert answer.status_code in (302, 303) and "/sign-in" in answer.headers["location"]
    viewer = make_user(Role.VIEWER, "kent")
    sign_in(client, viewer.email)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/oversight/periods").status_code == 403
