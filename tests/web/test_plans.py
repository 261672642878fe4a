"""An organisation's action plan: responses, actions and updates, by use case and through the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.html_checks import form_fields
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.audit.services import response_history
from tracker.db import StaleRecord
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.plans.services import PlanError, load_response
from tracker.plans.workspace import workspace_rows
from tracker.vocabulary import ActionStatus, ResponseStatus, Role, Visibility


@pytest.fixture
def ctx(session, kent_editor):
    return load_response(session, kent_editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)


# --- use cases -----------------------------------------------------------------------------------------------


def test_saving_a_response_records_before_and_after(session, ctx, kent_editor):
    services.update_response(
        session,
        ctx,
        kent_editor,
        {
            "status": "in_progress",
            "rag": "amber",
            "version": "1",
            "lead_role": "Head of Public Protection",
            "summary": "Begun",
        },
    )
    response = session.get(Response, ctx.response.id)
    assert response.status is ResponseStatus.IN_PROGRESS and response.version == 2
    event = response_history(session, response.id, kent_editor)[0]
    assert event.before["status"] == "not_started" and event.after["status"] == "in_progress"
    assert event.actor_label == kent_editor.display_name


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"status": "blocked"}, "blocked_reason", "Enter what the response is waiting for"),
        ({"status": "not_applicable"}, "not_applicable_reason", "Enter why this does not apply"),
        ({"status": "finished"}, "status", "Select a status from the list"),
        ({}, "status", "Select a status"),
        ({"status": "in_progress", "rag": "purple"}, "rag", "Select a RAG rating from the list"),
        ({"status": "in_progress", "summary": "x" * 10_001}, "summary", "10,000 characters or fewer"),
    ],
)
def test_bad_responses_are_refused_field_by_field(session, ctx, kent_editor, values, field, message):
    with pytest.raises(PlanError) as excinfo:
        services.update_response(session, ctx, kent_editor, {"version": "1", **values})
    assert message in excinfo.value.errors[field]
    assert session.get(Response, ctx.response.id).version == 1


def test_blocked_names_what_it_waits_for(session, ctx, kent_editor):
    services.update_response(
        session,
        ctx,
        kent_editor,
        {"status": "blocked", "version": "1", "blocked_reason": "A shared records system, no date yet"},
    )
    assert session.get(Response, ctx.response.id).blocked_reason == "A shared records system, no date yet"


def test_a_stale_save_is_refused_with_the_newer_values(session, ctx, kent_editor):
    services.update_response(session, ctx, kent_editor, {"status": "in_progress", "version": "1", "summary": "First"})
    with pytest.raises(StaleRecord) as excinfo:
        services.update_response(session, ctx, kent_editor, {"status": "complete", "version": "1", "summary": "Second"})
    assert excinfo.value.current["summary"] == "First"
    assert session.get(Response, ctx.response.id).summary == "First"


def test_actions_are_added_edited_reordered_completed_and_deleted(session, ctx, kent_editor):
    first = services.add_action(session, ctx, kent_editor, {"description": "Audit records", "target_date": "27/03/25"})
    second = services.add_action(session, ctx, kent_editor, {"description": "Train staff", "owner_role": "L&D lead"})
    assert (first.position, second.position) == (0, 1) and first.target_date == dt.date(2025, 3, 27)
    services.move_action(session, second, ctx, kent_editor, "up")
    order = [a.description for a in session.exec(select(Action).order_by(Action.position))]
    assert order == ["Train staff", "Audit records"]
    services.complete_action(session, first, ctx, kent_editor, {"version": str(first.version)})
    assert first.status is ActionStatus.COMPLETE and first.completed_on == dt.date.today()
    services.update_action(
        session,
        second,
        ctx,
        kent_editor,
        {"description": "Train all staff", "status": "in_progress", "version": str(second.version)},
    )
    services.delete_action(session, first, ctx, kent_editor)
    assert [a.description for a in session.exec(select(Action))] == ["Train all staff"]
    actions = [e.action for e in response_history(session, ctx.response.id, kent_editor)]
    assert actions.count("create") == 2 and "delete" in actions and "reorder" in actions


def test_bad_actions_are_refused(session, ctx, kent_editor):
    with pytest.raises(PlanError) as excinfo:
        services.add_action(session, ctx, kent_editor, {"description": " ", "target_date": "next spring"})
    assert set(excinfo.value.errors) == {"description", "target_date"}
    assert session.exec(select(Action)).first() is None


def test_an_update_correction_keeps_the_earlier_text_in_history(session, ctx, kent_editor):
    update = services.add_update(session, ctx, kent_editor, {"text": "Training started", "update_on": "1 March 2025"})
    services.edit_update(
        session,
        update,
        ctx,
        kent_editor,
        {"text": "Training started in two districts", "update_on": "1 March 2025", "version": str(update.version)},
    )
    assert session.get(ProgressUpdate, update.id).edited_at is not None
    event = response_history(session, ctx.response.id, kent_editor)[0]
    assert event.before == {"text": "Training started"} and event.after == {"text": "Training started in two districts"}


def test_updates_cannot_be_dated_in_the_future(session, ctx, kent_editor):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    with pytest.raises(PlanError, match="today or in the past"):
        services.add_update(session, ctx, kent_editor, {"text": "Soon", "update_on": tomorrow})


def test_workspace_rows_show_counts_dates_and_overdue(session, ctx, kent_editor):
    services.add_action(session, ctx, kent_editor, {"description": "Late", "target_date": "01/01/2020"})
    services.add_update(session, ctx, kent_editor, {"text": "News", "update_on": "02/02/2025"})
    rows = {r.recommendation.number: r for r in workspace_rows(session, ctx.organisation_id, levels=set(Visibility))}
    assert list(rows) == ["1", "1.1", "1.2"]
    assert rows["1.1"].actions_total == 1 and rows["1.1"].actions_overdue == 1 and rows["1.1"].overdue
    assert rows["1.1"].last_update_on == dt.date(2025, 2, 2)
    assert rows["1.2"].overdue, "past the recommendation's deadline and not started"
    only = workspace_rows(session, ctx.organisation_id, levels=set(Visibility), status=ResponseStatus.IN_PROGRESS)
    assert only == []


def test_complete_without_evidence_is_flagged(session, ctx, kent_editor):
    services.update_response(session, ctx, kent_editor, {"status": "complete", "version": "1"})
    assert services.complete_without_evidence(session, [ctx.response.id]) == {ctx.response.id}


# --- pages ---------------------------------------------------------------------------------------------------


def test_an_editor_works_through_the_pages_without_javascript(client, session, kent_editor):
    sign_in(client, kent_editor.email)
    rid = response_of(session, "kent", "1.1").id
    headers = csrf_headers(client)
    r = client.post(
        f"/plan/responses/{rid}/actions", data={"description": "Audit records"}, headers=headers, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/plan/responses/{rid}#actions"
    client.post(f"/plan/responses/{rid}/updates", data={"text": "Audit begun", "visibility": "public"}, headers=headers)
    client.post(f"/plan/responses/{rid}", data={"status": "complete", "version": "1"}, headers=headers)
    page = client.get(f"/plan/responses/{rid}").text
    assert "Audit records" in page and "Audit begun" in page
    history = client.get(f"/plan/responses/{rid}/history").text
    assert history.count('data-testid="history-event"') == 3


def test_form_errors_show_beside_the_fields_and_keep_the_input(client, session, kent_editor):
    sign_in(client, kent_editor.email)
    rid = response_of(session, "kent", "1.1").id
    r = client.post(
        f"/plan/responses/{rid}/actions",
        data={"description": "Keep me", "target_date": "31/02/2026"},
        headers=csrf_headers(client),
    )
    assert r.status_code == 422
    assert "There is a problem" in r.text and 'href="#target_date"' in r.text
    assert "Target date must be a real date" in r.text and "Keep me" in r.text
    assert r.text.count("<title>Error: ") == 1


def test_htmx_requests_get_only_the_section(client, session, kent_editor):
    sign_in(client, kent_editor.email)
    rid = response_of(session, "kent", "1.1").id
    r = client.post(
        f"/plan/responses/{rid}/actions",
        data={"description": "Inline"},
        headers={**csrf_headers(client), "HX-Request": "true"},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="actions"') and "Inline" in r.text


def test_a_stale_save_answers_409_with_both_values(client, session, kent_editor):
    sign_in(client, kent_editor.email)
    rid = response_of(session, "kent", "1.1").id
    headers = csrf_headers(client)
    client.post(
        f"/plan/responses/{rid}", data={"status": "in_progress", "version": "1", "summary": "Theirs"}, headers=headers
    )
    r = client.post(
        f"/plan/responses/{rid}", data={"status": "complete", "version": "1", "summary": "Mine"}, headers=headers
    )
    assert r.status_code == 409
    assert 'data-testid="conflict"' in r.text and "Theirs" in r.text and "Mine" in r.text
    session.rollback()  # end the test's own read transaction, to see what the app committed
    assert session.get(Response, rid).summary == "Theirs"


def test_internal_updates_stay_in_house(client, session, kent_editor, make_user):
    rid = response_of(session, "kent", "1.1").id
    ctx = load_response(session, kent_editor, rid, Permission.EDIT_PLAN)
    services.add_update(session, ctx, kent_editor, {"text": "Internal note only", "visibility": "internal"})
    inspector = make_user(Role.INSPECTOR)
    sign_in(client, inspector.email)
    assert "Internal note only" not in client.get(f"/plan/responses/{rid}").text
    viewer = make_user(Role.VIEWER, "kent")
    sign_in(client, viewer.email)
    assert "Internal note only" in client.get(f"/plan/responses/{rid}").text
    assert session.exec(select(ProgressUpdate)).one().visibility is Visibility.INTERNAL


def test_a_parent_status_rolls_up_from_its_sub_recommendations(session, kent_editor):
    def save(number: str, status: str) -> None:
        rid = response_of(session, "kent", number).id
        ctx = load_response(session, kent_editor, rid, Permission.EDIT_PLAN)
        services.update_response(session, ctx, kent_editor, {"status": status, "version": str(ctx.response.version)})

    parent = response_of(session, "kent", "1")
    save("1.1", "in_progress")
    session.refresh(parent)
    assert parent.status is ResponseStatus.IN_PROGRESS
    save("1.1", "complete")
    save("1.2", "complete")
    session.refresh(parent)
    assert parent.status is ResponseStatus.COMPLETE
    assert "rolled up" in response_history(session, parent.id, kent_editor)[0].summary
    save("1", "not_started")  # the parent's own status is not set by hand
    session.refresh(parent)
    assert parent.status is ResponseStatus.COMPLETE


@pytest.mark.parametrize(
    ("children", "expected"),
    [
        ([], ResponseStatus.NOT_STARTED),
        (["not_started", "not_started"], ResponseStatus.NOT_STARTED),
        (["complete", "not_started"], ResponseStatus.IN_PROGRESS),
        (["complete", "blocked"], ResponseStatus.BLOCKED),
        (["complete", "not_applicable"], ResponseStatus.COMPLETE),
        (["not_applicable"], ResponseStatus.NOT_APPLICABLE),
    ],
)
def test_rolled_up_status(children, expected):
    assert services.rolled_up_status([ResponseStatus(c) for c in children]) is expected


def test_editing_without_javascript_shows_the_current_values(client, session, kent_editor):
    sign_in(client, kent_editor.email)
    ctx = load_response(session, kent_editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)
    action = services.add_action(
        session, ctx, kent_editor, {"description": "Original wording", "target_date": "1/2/2026"}
    )
    page = client.get(f"/plan/actions/{action.id}/edit").text
    assert 'action="/plan/actions/' in page and ">Original wording</textarea>" in page and 'value="01/02/2026"' in page
    r = client.post(
        f"/plan/actions/{action.id}",
        data={"description": "New wording", "version": str(action.version)},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.refresh(action)
    assert action.description == "New wording"


@pytest.mark.parametrize(
    ("status", "extra"),
    [
        ("blocked", {"blocked_reason": "A shared records system, no date yet"}),
        ("not_applicable", {"not_applicable_reason": "No stalking unit in this organisation"}),
    ],
)
def test_a_blocked_or_not_applicable_response_saves_with_only_its_summary_changed(
    client, session, ctx, kent_editor, status, extra
):
    """The form shows the current status as chosen, so changing only the summary saves (issue 15, item 1)."""
    services.update_response(session, ctx, kent_editor, {"status": status, "version": "1", **extra})
    sign_in(client, kent_editor.email)
    rid = ctx.response.id
    fields = form_fields(client.get(f"/plan/responses/{rid}").text, f"/plan/responses/{rid}")
    assert fields.get("status") == status
    r = client.post(
        f"/plan/responses/{rid}",
        data={**fields, "summary": "Only the summary changed"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    session.rollback()  # end the test's own read transaction, to see what the app committed
    saved = session.get(Response, rid)
    session.refresh(saved)
    assert (saved.status, saved.summary) == (ResponseStatus(status), "Only the summary changed")


_SUB_STATUSES = {  # the sub-recommendations' statuses (1.1, 1.2) that roll recommendation 1 up to each status
    ResponseStatus.NOT_STARTED: (),
    ResponseStatus.IN_PROGRESS: (("1.1", {"status": "in_progress"}),),
    ResponseStatus.BLOCKED: (("1.1", {"status": "blocked", "blocked_reason": "A shared records system"}),),
    ResponseStatus.COMPLETE: (("1.1", {"status": "complete"}), ("1.2", {"status": "complete"})),
    ResponseStatus.NOT_APPLICABLE: (
        ("1.1", {"status": "not_applicable", "not_applicable_reason": "No stalking unit"}),
        ("1.2", {"status": "not_applicable", "not_applicable_reason": "No stalking unit"}),
    ),
}


@pytest.mark.parametrize("rolled_up", list(_SUB_STATUSES), ids=lambda s: s.value)
def test_a_rolled_up_parent_saves_with_only_its_summary_changed(client, session, kent_editor, rolled_up):
    """A parent's Blocked or Not applicable reason lives on its sub-recommendations, so it is not asked of the
    parent; on the page, with htmx and through the API, and any error points at a field the form has (issue 15)."""
    for number, values in _SUB_STATUSES[rolled_up]:
        child = load_response(session, kent_editor, response_of(session, "kent", number).id, Permission.EDIT_PLAN)
        services.update_response(session, child, kent_editor, {"version": str(child.response.version), **values})
    parent = response_of(session, "kent", "1")
    session.refresh(parent)
    assert parent.status is rolled_up
    rid, url = parent.id, f"/plan/responses/{parent.id}"
    sign_in(client, kent_editor.email)
    page = client.get(url).text
    fields = form_fields(page, url)
    wrong = client.post(url, data={**fields, "summary": "x" * 10_001, "rag": "purple"}, headers=csrf_headers(client))
    assert wrong.status_code == 422
    targets = re.findall(r"govuk-error-summary__list.*?</ul>", wrong.text, re.S)[0]
    links = re.findall(r'href="#([^"]+)"', targets)
    assert links and all(f'id="{target}"' in wrong.text for target in links), links
    saved = client.post(url, data={**fields, "summary": "Page"}, headers=csrf_headers(client), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    fields = form_fields(client.get(url).text, url)
    htmx = client.post(url, data={**fields, "summary": "Htmx"}, headers={**csrf_headers(client), "HX-Request": "true"})
    assert htmx.status_code == 200 and "govuk-error-message" not in htmx.text, htmx.text
    session.rollback()  # end the test's own read transaction, to see what the app committed
    version = session.get(Response, rid).version
    api = client.patch(
        f"/api/responses/{rid}", json={"version": version, "summary": "Api"}, headers=csrf_headers(client)
    )
    assert api.status_code == 200, api.text
    session.rollback()
    saved_parent = session.get(Response, rid)
    assert (saved_parent.status, saved_parent.summary) == (rolled_up, "Api")


# --- the RAG rating fits the status; updates dated within the set's life; roll-ups are no conflict (issue 15) -----


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"status": "complete", "rag": "amber"}, "A Complete response is rated Green"),
        (
            {"status": "blocked", "rag": "green", "blocked_reason": "Waiting"},
            "A Blocked response is rated Red or Amber",
        ),
        ({"status": "not_started", "rag": "green"}, "A Not started response is rated Red or Amber"),
        ({"status": "not_applicable", "rag": "red", "not_applicable_reason": "No unit"}, "has no RAG rating"),
    ],
)
def test_a_rag_rating_that_contradicts_the_status_is_refused(session, ctx, kent_editor, values, message):
    with pytest.raises(PlanError) as excinfo:
        services.update_response(session, ctx, kent_editor, {"version": "1", **values})
    assert message in excinfo.value.errors["rag"]
    services.update_response(session, ctx, kent_editor, {"version": "1", "status": "complete", "rag": "green"})


def test_an_update_cannot_predate_its_recommendation_set(session, ctx, kent_editor):
    published = ctx.recommendation_set.published_on
    before = (published - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    with pytest.raises(PlanError) as excinfo:
        services.add_update(session, ctx, kent_editor, {"text": "Too early", "update_on": before})
    assert "when the recommendations were published" in excinfo.value.errors["update_on"]
    services.add_update(session, ctx, kent_editor, {"text": "On the day", "update_on": published.strftime("%d/%m/%Y")})


def _save(session, user, number: str, **values) -> None:
    child = load_response(session, user, response_of(session, "kent", number).id, Permission.EDIT_PLAN)
    services.update_response(session, child, user, {"version": str(child.response.version), **values})


def test_a_roll_up_clears_a_rag_rating_the_new_status_contradicts(session, kent_editor):
    _save(session, kent_editor, "1.1", status="in_progress")
    _save(session, kent_editor, "1", rag="amber", summary="Under way")
    _save(session, kent_editor, "1.1", status="complete")
    parent = response_of(session, "kent", "1")
    session.refresh(parent)
    assert (parent.status, parent.rag) == (ResponseStatus.IN_PROGRESS, services.Rag.AMBER)
    _save(session, kent_editor, "1.2", status="complete")
    session.refresh(parent)
    assert (parent.status, parent.rag) == (ResponseStatus.COMPLETE, None)
    event = response_history(session, parent.id, kent_editor)[0]
    assert event.before == {"status": "in_progress", "rag": "amber"} and event.after == {
        "status": "complete",
        "rag": None,
    }


def test_a_roll_up_does_not_make_the_parents_own_save_a_conflict(client, session, kent_editor):
    """The person changed only the parent's summary; its sub-recommendation moved it meanwhile (issue 15)."""
    sign_in(client, kent_editor.email)
    parent = response_of(session, "kent", "1")
    url = f"/plan/responses/{parent.id}"
    fields = form_fields(client.get(url).text, url)
    _save(session, kent_editor, "1.1", status="in_progress")
    session.refresh(parent)
    assert parent.status is ResponseStatus.IN_PROGRESS
    saved = client.post(url, data={**fields, "summary": "Mine"}, headers=csrf_headers(client), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    session.rollback()
    session.refresh(parent)
    assert (parent.status, parent.summary) == (ResponseStatus.IN_PROGRESS, "Mine")


def test_the_conflict_table_speaks_in_words_and_keeps_what_the_person_typed(client, session, kent_editor):
    sign_in(client, kent_editor.email)
    rid = response_of(session, "kent", "1.1").id
    headers = csrf_headers(client)
    client.post(f"/plan/responses/{rid}", data={"status": "in_progress", "version": "1", "rag": "red"}, headers=headers)
    mine = {"status": "complete", "rag": "green", "version": "1", "summary": "  Typed   as I like  "}
    r = client.post(f"/plan/responses/{rid}", data=mine, headers=headers)
    assert r.status_code == 409
    table = re.findall(r'data-testid="conflict".*?</table>', r.text, re.S)[0]
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)]
    rows = [cells[i : i + 3] for i in range(3, len(cells), 3)]
    assert ["Status", "In progress", "Complete"] in rows and ["RAG rating", "Red", "Green"] in rows, rows
    assert "in_progress" not in table and "Typed   as I like" in table


def _conflict_rows(html: str) -> dict[str, list[str]]:
    """The conflict panel's rows: field label -> [now saved, yours]."""
    table = re.findall(r'data-testid="conflict".*?</table>', html, re.S)[0]
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)]
    return {cells[i]: cells[i + 1 : i + 3] for i in range(3, len(cells), 3)}


def test_a_conflict_shows_an_unchanged_date_the_same_on_both_sides_in_words(client, session, ctx, kent_editor):
    """Outsider pass 5, finding 11: an update's date typed as 12/09/2026 and saved as 12 September 2026 is one
    value, shown in words on both sides; so is an action's target date, and the action's fields its form does not
    carry (completion date, place in the list) are not shown as blanks beside values."""
    day = max(dt.date(2026, 9, 12), ctx.recommendation_set.published_on)
    typed_day, in_words = day.strftime("%d/%m/%Y"), f"{day.day} {day:%B %Y}"
    update = services.add_update(session, ctx, kent_editor, {"text": "First", "update_on": typed_day})
    action = services.add_action(session, ctx, kent_editor, {"description": "Train staff", "target_date": typed_day})
    session.commit()
    sign_in(client, kent_editor.email)
    for url, theirs, mine, date_label in (
        (f"/plan/updates/{update.id}", {"text": "Theirs"}, {"text": "Mine"}, "Date of the update"),
        (f"/plan/actions/{action.id}", {"description": "Theirs"}, {"status": "complete"}, "Target date"),
    ):
        loaded = form_fields(client.get(url + "/edit").text, url)
        first = client.post(url, data={**loaded, **theirs}, headers=csrf_headers(client), follow_redirects=False)
        assert first.status_code == 303, first.text
        answer = client.post(url, data={**loaded, **mine}, headers=csrf_headers(client))
        assert answer.status_code == 409
        rows = _conflict_rows(answer.text)
        assert rows[date_label] == [in_words, in_words], rows
        changed = {label for label, (saved, yours) in rows.items() if saved != yours}
        assert changed == {"What has happened"} if "updates" in url else {"What will be done", "Status"}, rows


@pytest.mark.parametrize("htmx", [False, True], ids=["without-javascript", "htmx"])
def test_acting_on_an_action_someone_else_deleted_says_so(client, session, ctx, kent_editor, make_user, htmx):
    """Outsider finding 15: the page says the action was deleted by someone else (htmx: the actions section
    refreshed, answered 409 so that it is swapped as a conflict is), never a bare "Page not found"."""
    action = services.add_action(session, ctx, kent_editor, {"description": "Gone soon"})
    colleague = make_user(Role.EDITOR, "kent", email="colleague@kent.example.org")
    services.delete_action(
        session, action, load_response(session, colleague, ctx.response.id, Permission.EDIT_PLAN), colleague
    )
    sign_in(client, kent_editor.email)
    headers = {**csrf_headers(client), **({"HX-Request": "true"} if htmx else {})}
    for method, url, data in (
        ("post", f"/plan/actions/{action.id}/complete", {"version": "1"}),
        ("post", f"/plan/actions/{action.id}", {"description": "Edited", "version": "1"}),
        ("post", f"/plan/actions/{action.id}/move", {"direction": "up"}),
        ("post", f"/plan/actions/{action.id}/delete", {}),
        ("get", f"/plan/actions/{action.id}/edit", None),
    ):
        sent = {"data": data} if data is not None else {}
        answer = getattr(client, method)(url, headers=headers, follow_redirects=not htmx, **sent)
        if htmx:
            assert answer.status_code == 409 and answer.text.lstrip().startswith('<section id="actions"'), url
        else:
            assert answer.status_code == 200 and answer.url.path == f"/plan/responses/{ctx.response.id}", url
            assert answer.url.params["deleted"] == "action" and answer.url.fragment == "actions"
        assert (
            'data-testid="deleted-meanwhile"' in answer.text
            and "This action was deleted by someone else" in answer.text
        )
        assert "Gone soon" not in answer.text and "Page not found" not in answer.text
    assert "deleted-meanwhile" not in client.get(f"/plan/responses/{ctx.response.id}?deleted=nonsense").text


def test_a_deleted_action_of_another_organisation_stays_not_found(client, session, ctx, kent_editor, make_user):
    """Only people who may edit the response learn where a deleted action was."""
    action = services.add_action(session, ctx, kent_editor, {"description": "Gone soon"})
    services.delete_action(session, action, ctx, kent_editor)
    for user in (make_user(Role.EDITOR, "gwent"), make_user(Role.VIEWER, "kent")):
        sign_in(client, user.email)
        answer = client.post(f"/plan/actions/{action.id}/complete", data={"version": "1"}, headers=csrf_headers(client))
        assert answer.status_code in (403, 404) and "deleted-meanwhile" not in answer.text
