"""Reporting periods: open, freeze (snapshots never change afterwards), compare, and chase missing updates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.plans import pdf_text, response_of
from tests.support.web import csrf_headers
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.reports.services import (
    UNFREEZE_WINDOW,
    PeriodError,
    compare_periods,
    freeze_period,
    missing_updates,
    open_period,
)
from tracker.timeutil import LONDON, uk_date, utc_now
from tracker.vocabulary import PeriodStatus, ResponseStatus, Role

ACTOR = Actor("test")


@pytest.fixture
def kent(session, small_reference, make_user):
    editor = make_user(Role.EDITOR, "kent")

    def save(number: str, status: str) -> None:
        ctx = load_response(session, editor, response_of(session, "kent", number).id, Permission.EDIT_PLAN)
        services.update_response(session, ctx, editor, {"status": status, "version": str(ctx.response.version)})

    def update(number: str, day: str) -> None:
        ctx = load_response(session, editor, response_of(session, "kent", number).id, Permission.EDIT_PLAN)
        services.add_update(session, ctx, editor, {"text": f"update {day}", "update_on": day})

    return save, update


def london_today() -> dt.date:
    return utc_now().astimezone(LONDON).date()


def freeze(session, name: str, cut_off: dt.date) -> ReportingPeriod:
    period = open_period(session, name=name, cut_off=cut_off, actor=ACTOR)
    freeze_period(session, period, ACTOR)
    session.commit()
    return period


def test_a_frozen_snapshot_never_changes(session, kent):  # also: later edits don't change it
    save, update = kent
    save("1.1", "in_progress")
    update("1.1", "01/03/2025")
    period = freeze(session, "Spring 2025", dt.date(2025, 3, 31))
    snap = session.exec(select(Snapshot).where(Snapshot.response_id == response_of(session, "kent", "1.1").id)).one()
    assert snap.status is ResponseStatus.IN_PROGRESS and snap.latest_update_on == dt.date(2025, 3, 1)
    save("1.1", "complete")
    update("1.1", "01/04/2025")
    session.refresh(snap)
    assert snap.status is ResponseStatus.IN_PROGRESS and snap.latest_update_on == dt.date(2025, 3, 1)
    with pytest.raises(PeriodError, match="already frozen"):
        freeze_period(session, period, ACTOR)


def test_snapshots_are_taken_in_the_responses_order_whatever_order_the_database_keeps_rows_in(session, kent):
    """A frozen period's snapshots, and so its export, list the responses in their order on either database: an
    updated row moves on PostgreSQL, and a query with no order reads it where it now is."""
    save, _ = kent
    save("1.2", "in_progress")
    save("1.1", "in_progress")
    period = freeze(session, "Spring 2025", dt.date(2025, 3, 31))
    snapshots = select(Snapshot.response_id).where(Snapshot.period_id == period.id).order_by(Snapshot.id)
    taken = list(session.exec(snapshots))
    assert len(taken) > 2 and taken == sorted(taken)


def test_comparing_two_periods(session, kent):
    save, update = kent
    save("1.1", "in_progress")
    save("1.2", "complete")
    first = freeze(session, "Spring", dt.date(2025, 3, 31))
    save("1.1", "complete")
    save("1.2", "in_progress")
    update("1.1", "01/05/2025")
    second = freeze(session, "Summer", dt.date(2025, 6, 30))
    comparison = compare_periods(session, second, first)  # order does not matter
    forward = {(m.before, m.after) for m in comparison.forward}
    backward = {(m.before, m.after) for m in comparison.backward}
    assert (ResponseStatus.IN_PROGRESS, ResponseStatus.COMPLETE) in forward
    assert backward == {(ResponseStatus.COMPLETE, ResponseStatus.IN_PROGRESS)}
    kent_id = response_of(session, "kent", "1").organisation_id
    assert kent_id not in comparison.not_updated, "Kent updated after the spring cut-off"
    gwent_id = response_of(session, "gwent", "1").organisation_id
    assert gwent_id in comparison.not_updated


def test_missing_or_stale_updates_before_the_cut_off(session, kent):
    _, update = kent
    update("1.1", "01/03/2025")
    freeze(session, "Spring", dt.date(2025, 3, 31))
    summer = open_period(session, name="Summer", cut_off=dt.date(2025, 6, 30), actor=ACTOR)
    session.commit()
    stale = {s.name: s.last_update_on for s in missing_updates(session, summer)}
    assert stale["Kent Police"] == dt.date(2025, 3, 1), "nothing since the spring cut-off"
    assert stale["Gwent Police"] is None
    update("1.2", "01/06/2025")
    assert "Kent Police" not in {s.name for s in missing_updates(session, summer)}


def test_coordinators_run_periods_through_the_pages(client, session, small_reference, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.post(
        "/oversight/periods",
        data={"name": "Summer 2025 NPCC update", "cut_off": "31/07/2025"},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert r.status_code == 303
    period_url = r.headers["location"]
    client.post(period_url + "/freeze", data={"confirm": "yes"}, headers=csrf_headers(client))
    period = session.exec(select(ReportingPeriod)).one()
    assert period.status is PeriodStatus.FROZEN
    assert session.exec(select(Snapshot)).first() is not None
    csv = client.get(period_url + "/missing-updates.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "Kent Police" in csv.text
    again = client.post(period_url + "/freeze", data={"confirm": "yes"}, headers=csrf_headers(client))
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("text/html") and "govuk-error-summary" in again.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "", "cut_off": "31/07/2025"}, "Enter a name"),
        ({"name": "X", "cut_off": "31/13/2025"}, "real date"),
        ({"name": "X", "cut_off": ""}, "Enter the cut-off date"),
    ],
)
def test_bad_periods_are_explained(client, session, small_reference, make_user, fields, message):
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.post("/oversight/periods", data=fields, headers=csrf_headers(client))
    assert r.status_code == 422 and message in r.text
    assert session.exec(select(ReportingPeriod)).first() is None


@pytest.mark.parametrize("name", ["x" * 300, "Summer 2025 NPCC update"], ids=["too long", "in use"])
def test_a_bad_name_and_a_bad_cut_off_are_both_reported_at_once(client, session, small_reference, make_user, name):
    """The outsider's finding 8 (issue 15): the name's fault appeared only after the date was fixed."""
    open_period(session, name="Summer 2025 NPCC update", cut_off=dt.date(2025, 7, 31), actor=ACTOR)
    session.commit()
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.post("/oversight/periods", data={"name": name, "cut_off": "31/02/2026"}, headers=csrf_headers(client))
    assert r.status_code == 422
    summary = r.text.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    assert 'href="#name"' in summary and 'href="#cut_off"' in summary, summary


def test_inspectors_read_periods_but_do_not_run_them(client, small_reference, make_user):
    sign_in(client, make_user(Role.INSPECTOR).email)
    assert client.get("/oversight/periods").status_code == 200
    r = client.post("/oversight/periods", data={"name": "X", "cut_off": "31/07/2025"}, headers=csrf_headers(client))
    assert r.status_code == 403
    sign_in(client, make_user(Role.EDITOR, "kent").email)
    assert client.get("/oversight/periods").status_code == 403


def open_through_the_page(client, name: str, cut_off: str) -> str:
    r = client.post(
        "/oversight/periods",
        data={"name": name, "cut_off": cut_off},
        headers=csrf_headers(client),
        follow_redirects=False,
    )
    assert r.status_code == 303
    return r.headers["location"]


def test_freezing_asks_for_confirmation_and_warns_before_the_cut_off(client, session, small_reference, make_user):
    """Freezing is not one click: a confirmation page (no JavaScript needed) that says when it is early."""
    sign_in(client, make_user(Role.COORDINATOR).email)
    cut_off = dt.date.today() + dt.timedelta(days=30)
    period_url = open_through_the_page(client, "Early", cut_off.strftime("%d/%m/%Y"))
    assert f'href="{period_url}/freeze"' in client.get(period_url).text
    confirm = client.get(period_url + "/freeze")
    assert confirm.status_code == 200 and 'data-testid="before-cut-off"' in confirm.text
    assert "The cut-off is in 30 days" in confirm.text or "The cut-off is in 29 days" in confirm.text
    unconfirmed = client.post(period_url + "/freeze", headers=csrf_headers(client))
    assert unconfirmed.status_code == 422 and unconfirmed.headers["content-type"].startswith("text/html")
    assert "govuk-error-summary" in unconfirmed.text and "Confirm that you want to freeze Early" in unconfirmed.text
    assert session.exec(select(ReportingPeriod)).one().status is PeriodStatus.OPEN
    client.post(period_url + "/freeze", data={"confirm": "yes"}, headers=csrf_headers(client))
    session.rollback()  # end the test's own read transaction, to see what the app committed
    assert session.exec(select(ReportingPeriod)).one().status is PeriodStatus.FROZEN


def test_no_warning_when_freezing_after_the_cut_off(client, small_reference, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    period_url = open_through_the_page(client, "Late", "31/07/2025")
    assert 'data-testid="before-cut-off"' not in client.get(period_url + "/freeze").text


def test_an_admin_unfreezes_a_period_within_the_window_and_it_is_in_the_history(
    client, session, small_reference, make_user
):
    period = open_period(session, name="Mistake", cut_off=dt.date(2025, 7, 31), actor=ACTOR)
    freeze_period(session, period, ACTOR)
    session.commit()
    url = f"/oversight/periods/{period.id}"
    sign_in(client, make_user(Role.COORDINATOR).email)
    assert (
        client.post(url + "/unfreeze", data={"confirm_unfreeze": "yes"}, headers=csrf_headers(client)).status_code
        == 403
    )
    sign_in(client, make_user(Role.ADMIN).email)
    page = client.get(url).text
    assert f'action="{url}/unfreeze"' in page
    unconfirmed = client.post(url + "/unfreeze", headers=csrf_headers(client))
    assert unconfirmed.status_code == 422 and "govuk-error-summary" in unconfirmed.text
    r = client.post(
        url + "/unfreeze", data={"confirm_unfreeze": "yes"}, headers=csrf_headers(client), follow_redirects=False
    )
    assert r.status_code == 303
    session.rollback()  # end the test's own read transaction, to see what the app committed
    session.refresh(period)
    assert period.status is PeriodStatus.OPEN
    assert session.exec(select(Snapshot).where(Snapshot.period_id == period.id)).first() is None
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "unfreeze_period")).one()
    assert event.entity_id == period.id and "Mistake unfrozen" in event.summary


def test_a_period_frozen_longer_ago_than_the_window_stays_frozen(client, session, small_reference, make_user):
    period = open_period(session, name="Settled", cut_off=dt.date(2025, 7, 31), actor=ACTOR)
    freeze_period(session, period, ACTOR)
    period.frozen_at = period.frozen_at - UNFREEZE_WINDOW - dt.timedelta(minutes=1)
    session.commit()
    url = f"/oversight/periods/{period.id}"
    sign_in(client, make_user(Role.ADMIN).email)
    assert f'action="{url}/unfreeze"' not in client.get(url).text
    r = client.post(url + "/unfreeze", data={"confirm_unfreeze": "yes"}, headers=csrf_headers(client))
    assert r.status_code == 422 and "can no longer change" in r.text
    session.rollback()  # end the test's own read transaction, to see what the app committed
    session.refresh(period)
    assert period.status is PeriodStatus.FROZEN


def test_period_names_are_trimmed_and_compared_whatever_their_case(client, session, small_reference, make_user):
    """Two periods "Q1 2025" and " q1 2025 " cannot both exist: the second is a clear form error."""
    from tracker.inputs import InputError

    period = open_period(session, name="  Q1 2025 ", cut_off=dt.date(2025, 3, 31), actor=ACTOR)
    session.commit()
    assert period.name == "Q1 2025"
    with pytest.raises(InputError) as refused:
        open_period(session, name=" q1 2025 ", cut_off=dt.date(2025, 3, 31), actor=ACTOR)
    assert "already exists" in refused.value.errors["name"]
    session.rollback()
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.post(
        "/oversight/periods", data={"name": " q1 2025 ", "cut_off": "31/03/2025"}, headers=csrf_headers(client)
    )
    assert r.status_code == 422 and "govuk-error-summary" in r.text and "already exists" in r.text
    assert len(session.exec(select(ReportingPeriod)).all()) == 1


def test_a_cut_off_before_the_recommendations_were_published_is_refused(client, session, small_reference, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.post(
        "/oversight/periods", data={"name": "Too early", "cut_off": "26/09/2024"}, headers=csrf_headers(client)
    )
    assert r.status_code == 422 and 'href="#cut_off"' in r.text
    assert "before the recommendations were published on 27 September 2024" in r.text
    assert session.exec(select(ReportingPeriod)).first() is None


def test_a_cut_off_on_or_before_the_latest_frozen_one_is_refused(session, small_reference):
    from tracker.inputs import InputError

    freeze(session, "Spring", dt.date(2025, 3, 31))
    for day in (dt.date(2025, 3, 31), dt.date(2025, 2, 28)):
        with pytest.raises(InputError) as refused:
            open_period(session, name=f"Again {day}", cut_off=day, actor=ACTOR)
        assert "after 31 March 2025" in refused.value.errors["cut_off"]
    assert open_period(session, name="Summer", cut_off=dt.date(2025, 4, 1), actor=ACTOR).id


def test_two_open_periods_cannot_share_a_cut_off(client, session, small_reference, make_user):
    open_period(session, name="Summer", cut_off=dt.date(2025, 7, 31), actor=ACTOR)
    session.commit()
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.post("/oversight/periods", data={"name": "Other", "cut_off": "31/07/2025"}, headers=csrf_headers(client))
    assert r.status_code == 422 and 'href="#cut_off"' in r.text and "Summer is open with the same cut-off" in r.text


def test_a_period_compared_with_itself_is_an_error_not_an_empty_comparison(client, session, small_reference, make_user):
    period = freeze(session, "Spring", dt.date(2025, 3, 31))
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.get(f"/oversight/periods/compare?earlier={period.id}&later={period.id}")
    assert r.status_code == 422 and "Choose two different periods" in r.text and "did not change" not in r.text


def test_the_database_holds_one_period_per_name_whatever_its_case(session, small_reference):
    from tracker.db import Duplicate

    session.add(ReportingPeriod(name="Q1 2025", cut_off=dt.date(2025, 3, 31)))
    session.flush()
    session.add(ReportingPeriod(name="q1 2025", cut_off=dt.date(2025, 4, 30)))
    with pytest.raises(Duplicate):
        session.flush()


def error_links_reach_the_page(page: str) -> None:
    summary = page.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    targets = re.findall(r'href="#([\w-]+)"', summary)
    assert targets and all(f'id="{target}"' in page for target in targets), (targets, summary)


@pytest.mark.parametrize("fault", ["already unfrozen", "frozen too long ago"])
def test_a_refused_unfreeze_links_its_error_to_the_checkbox_beside_it(
    client, session, small_reference, make_user, fault
):
    period = freeze(session, "Settled", dt.date(2025, 7, 31))
    if fault == "already unfrozen":
        period.status, period.frozen_at = PeriodStatus.OPEN, None
    else:
        period.frozen_at = period.frozen_at - UNFREEZE_WINDOW - dt.timedelta(minutes=1)
    session.commit()
    sign_in(client, make_user(Role.ADMIN).email)
    r = client.post(
        f"/oversight/periods/{period.id}/unfreeze", data={"confirm_unfreeze": "yes"}, headers=csrf_headers(client)
    )
    assert r.status_code == 422
    error_links_reach_the_page(r.text)
    assert 'id="confirm_unfreeze-error"' in r.text


def test_freezing_a_frozen_period_links_its_error_to_a_message_on_the_page(client, session, small_reference, make_user):
    period = freeze(session, "Settled", dt.date(2025, 7, 31))
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.post(f"/oversight/periods/{period.id}/freeze", data={"confirm": "yes"}, headers=csrf_headers(client))
    assert r.status_code == 409 and "already frozen" in r.text
    error_links_reach_the_page(r.text)


def test_the_first_period_counts_only_recent_updates_and_says_which_days(client, session, kent, make_user):
    """With no previous period, an update from long ago does not count: the dashboard's 90 "recent" days do."""
    _, update = kent
    update("1.1", "01/02/2025")
    first = open_period(session, name="Autumn", cut_off=dt.date(2025, 9, 30), actor=ACTOR)
    session.commit()
    assert {s.name: s.last_update_on for s in missing_updates(session, first)}["Kent Police"] == dt.date(2025, 2, 1)
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = client.get(f"/oversight/periods/{first.id}").text
    window = page.split('data-testid="update-window"')[1].split("</p>")[0]
    assert "from 2 July 2025 to 30 September 2025" in window and "90 days" in window
    assert "Kent Police" in page.split('data-testid="missing"')[1].split("</ul>")[0]
    assert "Kent Police" in client.get(f"/oversight/periods/{first.id}/missing-updates.csv").text
    update("1.2", "02/07/2025")  # the window's first day
    assert "Kent Police" not in {s.name for s in missing_updates(session, first)}


def test_freezing_weeks_after_the_cut_off_warns_and_labels_the_figures_with_the_freeze_day(
    client, session, small_reference, make_user
):
    """Outsider pass 4, N2: a snapshot records the statuses when the period is frozen, so a period frozen
    weeks after its cut-off warns first, and its figures are labelled as at the freeze day, not the cut-off."""
    today = london_today()
    cut_off = today - dt.timedelta(days=53)
    sign_in(client, make_user(Role.COORDINATOR).email)
    period_url = open_through_the_page(client, "Catch-up", cut_off.strftime("%d/%m/%Y"))
    confirm = client.get(period_url + "/freeze").text
    warning = confirm.split('data-testid="after-cut-off"', 1)[1].split("</div>", 1)[0]
    assert f"The figures will be the statuses as they are now, {uk_date(today)}, not as they were on the cut-off" in (
        " ".join(warning.split())
    )
    assert 'data-testid="before-cut-off"' not in confirm
    client.post(period_url + "/freeze", data={"confirm": "yes"}, headers=csrf_headers(client))
    page = " ".join(client.get(period_url).text.split())
    assert "status at the cut-off" not in page
    assert f"Organisations by status as at {uk_date(today)}" in page


@pytest.mark.parametrize("days_ago", [0, 7])
def test_a_period_frozen_within_a_week_of_its_cut_off_is_not_warned_about(
    client, session, small_reference, make_user, days_ago
):
    sign_in(client, make_user(Role.COORDINATOR).email)
    cut_off = london_today() - dt.timedelta(days=days_ago)
    period_url = open_through_the_page(client, f"Recent {days_ago}", cut_off.strftime("%d/%m/%Y"))
    assert 'data-testid="after-cut-off"' not in client.get(period_url + "/freeze").text


def test_a_period_frozen_on_its_cut_off_is_labelled_at_the_cut_off(client, session, small_reference, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    period_url = open_through_the_page(client, "On the day", london_today().strftime("%d/%m/%Y"))
    client.post(period_url + "/freeze", data={"confirm": "yes"}, headers=csrf_headers(client))
    assert "Organisations by status at the cut-off" in client.get(period_url).text


@pytest.mark.parametrize("cut_off", ["31/12/2099", "a little over two years"])
def test_a_cut_off_more_than_two_years_ahead_is_refused(client, session, small_reference, make_user, cut_off):
    """Outsider pass 4, N2: a 2099 cut-off was accepted (and frozen, would block every later period)."""
    if cut_off == "a little over two years":
        cut_off = (london_today() + dt.timedelta(days=2 * 366 + 1)).strftime("%d/%m/%Y")
    sign_in(client, make_user(Role.COORDINATOR).email)
    r = client.post("/oversight/periods", data={"name": "Far", "cut_off": cut_off}, headers=csrf_headers(client))
    assert r.status_code == 422 and 'href="#cut_off"' in r.text
    assert "more than two years" in r.text
    assert session.exec(select(ReportingPeriod)).first() is None


def test_a_cut_off_two_years_ahead_is_accepted(session, small_reference):
    today = london_today()
    in_two_years = today.replace(year=today.year + 2, day=min(today.day, 28))
    assert open_period(session, name="Far but fine", cut_off=in_two_years, actor=ACTOR).id


def test_a_period_frozen_before_its_cut_off_says_its_statuses_are_as_at_the_freeze_day(
    client, session, small_reference, make_user
):
    """Outsider pass 5, finding 3: a period frozen before its cut-off holds the statuses of the day it was frozen;
    its page, report (HTML and PDF) and exports say so, never "as at" a cut-off day still to come."""
    today, cut_off = london_today(), london_today() + dt.timedelta(days=24)
    early = freeze(session, "Early", cut_off)
    assert early.statuses_as_at == today
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = " ".join(client.get(f"/oversight/periods/{early.id}").text.split())
    assert "status at the cut-off" not in page and f"Organisations by status as at {uk_date(today)}" in page
    report = " ".join(client.get(f"/oversight/report?period={early.id}").text.split())
    assert f"Figures as at {uk_date(today)}." in report and f"Figures as at {uk_date(cut_off)}" not in report
    assert f"before its cut-off of {uk_date(cut_off)}: statuses are as at {uk_date(today)}" in report
    pdf = " ".join(pdf_text(client.get(f"/oversight/report/pdf?period={early.id}").content).split())
    assert f"Figures as at {uk_date(today)}" in pdf and f"Figures as at {uk_date(cut_off)}" not in pdf
    document = client.get(f"/oversight/report/export/json?period={early.id}").json()
    assert document["statuses_as_at"] == today.isoformat()
    assert {r["statuses_as_at"] for r in document["responses"] + document["snapshots"]} == {today.isoformat()}


def test_periods_shown_side_by_side_say_when_statuses_are_as_at_the_freeze_day(
    client, session, small_reference, make_user
):
    """Outsider pass 5, finding 5: the comparison, the dashboard's table and the period chart mark a period whose
    statuses are as at its freeze day rather than its cut-off, as the period page does."""
    today = london_today()
    on_time = freeze(session, "On time", today - dt.timedelta(days=60))
    on_time.frozen_at = dt.datetime.combine(on_time.cut_off, dt.time(18), LONDON)  # frozen on its cut-off day
    late = freeze(session, "Late", today - dt.timedelta(days=30))
    session.commit()
    sign_in(client, make_user(Role.COORDINATOR).email)
    said = f"statuses as at {uk_date(today)}, when it was frozen"
    compared = " ".join(client.get(f"/oversight/periods/compare?earlier={on_time.id}&later={late.id}").text.split())
    assert f"Late: {said} (cut-off {uk_date(late.cut_off)})" in compared
    assert f"On time: statuses as at its cut-off, {uk_date(on_time.cut_off)}" in compared
    table = client.get("/oversight").text.split('data-testid="period-progress"', 1)[1].split("</table>", 1)[0]
    assert said in " ".join(table.split()) and table.count("when it was frozen") == 1
    chart = " ".join(re.sub(r"<[^>]+>", " ", client.get("/oversight/charts/periods.svg").text).split())
    assert f"Late ({said})" in chart and "On time (" not in chart
