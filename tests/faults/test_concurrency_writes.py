"""Parallel writes of the same thing: exactly one wins, the rest are told why, and nothing is lost or doubled.

Each racer is its own app (``app_client_factory``: a second browser, or a second server process) in its own thread,
and a barrier releases them together. ``widened_race`` holds each writing flush for a moment, so every racer has
made its own checks (version, name taken?) before the first one writes: without the checks being part of the
write itself (``UPDATE … WHERE version = …``, unique constraints mapped to form errors, the publish lock) several
would "win" on PostgreSQL. On SQLite the write lock serialises the racers, and the later ones must still be
refused rather than overwrite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, func, select

from tests.support.accounts import sign_in
from tests.support.api import bearer, token_for
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.accounts.models import User
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor
from tracker.db import Duplicate, StaleRecord
from tracker.evidence import services as evidence_services
from tracker.evidence.models import Evidence
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.models import Action, PlanPublication, Response
from tracker.plans.services import load_response
from tracker.practice.models import Practice
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.reports.services import open_period
from tracker.vocabulary import Role

# Real commits: requests race from several threads, each on a connection of its own.
pytestmark = pytest.mark.commits


RACERS = 8


@contextmanager
def widened_race(*models: type, delay: float = 0.3) -> Iterator[None]:
    """Hold every flush that writes one of ``models`` for ``delay`` seconds (every session, every app)."""

    def hold(session: OrmSession, _context: Any, _instances: Any) -> None:
        if any(isinstance(item, models) for item in (*session.new, *session.dirty, *session.deleted)):
            time.sleep(delay)

    sa.event.listen(OrmSession, "before_flush", hold)
    try:
        yield
    finally:
        sa.event.remove(OrmSession, "before_flush", hold)


def race(clients: list[Any], send: Callable[[int, Any], Any]) -> list[Any]:
    """``send(i, client)`` from every client at once; the answers in client order."""
    barrier = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)
    failures: list[BaseException] = []

    def run(i: int, client: Any) -> None:
        try:
            barrier.wait(timeout=60)
            answers[i] = send(i, client)
        except BaseException as exc:  # report, do not hide
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return answers


def signed_in_clients(app_client_factory: Callable[[], Any], email: str, n: int = RACERS) -> list[Any]:
    clients = [app_client_factory() for _ in range(n)]
    for client in clients:
        assert sign_in(client, email).status_code == 303
        csrf_headers(client)
    return clients


def post_form(url: str, data: Callable[[int], dict[str, str]]) -> Callable[[int, Any], Any]:
    return lambda i, client: client.post(url, data=data(i), headers=csrf_headers(client), follow_redirects=False)


def fresh(session: Session) -> None:
    """Forget what the test's session read, to see what the apps committed."""
    session.rollback()
    session.expire_all()


def history_count(session: Session, entity_type: str, entity_id: int, action: str) -> int:
    return session.exec(
        select(func.count()).where(
            AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id, AuditEvent.action == action
        )
    ).one()


@pytest.fixture
def kent_ctx(session, kent_editor):
    return load_response(session, kent_editor, response_of(session, "kent", "1.1").id, Permission.EDIT_PLAN)


# --- lost updates ----------------------------------------------------------------------------------------------


def _response(session, ctx, user) -> tuple[str, type, int, str, Callable[[int], dict[str, str]], str]:
    rid = ctx.response.id
    return (
        "response",
        Response,
        rid,
        f"/plan/responses/{rid}",
        lambda i: {
            "status": "in_progress",
            "summary": f"Summary from racer {i}",
            "version": "1",
        },
        "summary",
    )


def _action(session, ctx, user):
    action = services.add_action(session, ctx, user, {"description": "Audit the records"})
    return (
        "action",
        Action,
        action.id,
        f"/plan/actions/{action.id}",
        lambda i: {
            "description": f"Action from racer {i}",
            "version": "1",
        },
        "description",
    )


def _evidence(session, ctx, user):
    item = evidence_services.add_note(
        session, ctx, user, note="Held in the force archive", title="Archive", visibility="internal"
    )
    return (
        "evidence",
        Evidence,
        item.id,
        f"/evidence/{item.id}",
        lambda i: {
            "title": f"Title from racer {i}",
            "visibility": "internal",
            "version": "1",
        },
        "title",
    )


@pytest.mark.parametrize("make_record", [_response, _action, _evidence], ids=["response", "action", "evidence"])
def test_parallel_saves_of_one_version_through_the_pages_one_wins_the_rest_409(
    session, kent_ctx, kent_editor, app_client_factory, make_record
):
    entity, model, record_id, url, data, field = make_record(session, kent_ctx, kent_editor)
    session.commit()
    clients = signed_in_clients(app_client_factory, kent_editor.email)
    with widened_race(model):
        answers = race(clients, post_form(url, data))
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [303] + [409] * (RACERS - 1), codes
    winner = codes.index(303)
    for answer in answers:
        if answer.status_code == 409:
            assert 'data-testid="conflict"' in answer.text  # both values shown, as for a sequential stale save
            assert f"from racer {winner}" in answer.text  # the newer (winning) value
    fresh(session)
    saved = session.get(model, record_id)
    assert saved.version == 2, "one change, one new version"
    assert getattr(saved, field) == data(winner)[field], "the acknowledged save is the one kept"
    assert history_count(session, entity, record_id, "update") == 1, "the history shows exactly one change"


def test_parallel_api_saves_of_one_version_one_wins_the_rest_409(session, kent_ctx, kent_editor, app_client_factory):
    rid = kent_ctx.response.id
    token = token_for(session, kent_editor)
    clients = [app_client_factory() for _ in range(RACERS)]
    with widened_race(Response):
        answers = race(
            clients,
            lambda i, client: client.patch(
                f"/api/responses/{rid}", json={"version": 1, "summary": f"API racer {i}"}, headers=bearer(token)
            ),
        )
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [200] + [409] * (RACERS - 1), codes
    for answer in answers:
        if answer.status_code == 409:
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["status"] == 409
    fresh(session)
    saved = session.get(Response, rid)
    assert saved.version == 2 and saved.summary == f"API racer {codes.index(200)}"
    assert history_count(session, "response", rid, "update") == 1


def test_a_stale_write_through_the_service_layer_raises_stale_record_and_writes_no_history(
    engine, session, kent_ctx, kent_editor
):
    """The version the person loaded is checked by the UPDATE itself, not only by reading it first."""
    rid = kent_ctx.response.id
    session.commit()  # the person loaded version 1 (and the request that showed it ended)
    with Session(engine, expire_on_commit=False) as other:
        other_ctx = load_response(other, kent_editor, rid, Permission.EDIT_PLAN)
        services.update_response(
            other, other_ctx, kent_editor, {"status": "blocked", "blocked_reason": "Theirs", "version": "1"}
        )
    # Their in-memory copy still says version 1, so the read-first check passes: the write must still refuse.
    with pytest.raises(StaleRecord) as raised:
        services.update_response(
            session, kent_ctx, kent_editor, {"status": "complete", "summary": "Mine", "version": "1"}
        )
    fresh(session)
    assert raised.value.current["blocked_reason"] == "Theirs", "the conflict shows the newer values"
    saved = session.get(Response, rid)
    assert saved.version == 2 and saved.summary is None and saved.blocked_reason == "Theirs"
    assert history_count(session, "response", rid, "update") == 1


# --- unique constraints and a double freeze ---------------------------------------------------------------------


def test_a_unique_violation_says_which_table_and_columns_on_both_databases(session):
    """What the use cases (and the exception handler) rely on to name the field that is taken."""
    session.add(ReportingPeriod(name="Taken", cut_off=dt_date()))
    session.commit()
    session.add(ReportingPeriod(name="Taken", cut_off=dt_date()))
    with pytest.raises(Duplicate) as raised:
        session.flush()
    session.rollback()
    assert (raised.value.table, raised.value.columns) == ("reporting_period", ("name",))


def test_parallel_periods_of_one_name_make_one_and_explain_to_the_rest(
    session, small_reference, make_user, app_client_factory
):
    clients = signed_in_clients(app_client_factory, make_user(Role.COORDINATOR).email)
    with widened_race(ReportingPeriod):
        answers = race(
            clients, post_form("/oversight/periods", lambda i: {"name": "Summer 2026 update", "cut_off": "31/07/2026"})
        )
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [303] + [422] * (RACERS - 1), codes
    for answer in answers:
        if answer.status_code == 422:
            assert "already exists" in answer.text and 'id="name-error"' in answer.text
    fresh(session)
    assert session.exec(select(func.count()).select_from(ReportingPeriod)).one() == 1


def test_parallel_accounts_with_one_email_make_one_and_explain_to_the_rest(session, make_user, app_client_factory):
    clients = signed_in_clients(app_client_factory, make_user(Role.ADMIN).email)
    with widened_race(User):
        answers = race(
            clients,
            post_form(
                "/admin/users",
                lambda i: {"email": "new.person@example.org", "display_name": f"New person {i}", "role": "admin"},
            ),
        )
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [200] + [422] * (RACERS - 1), codes
    for answer in answers:
        if answer.status_code == 422:
            assert "already exists" in answer.text and 'id="email-error"' in answer.text
    fresh(session)
    assert len(session.exec(select(User).where(User.email == "new.person@example.org")).all()) == 1


def test_parallel_practice_of_one_title_is_all_kept_each_at_its_own_address(session, kent_editor, app_client_factory):
    """Practice titles need not be unique (a second "Shared title" is at /practice/shared-title-1); parallel
    submissions behave as one after another would: each is kept, none lost to a 500 over the address."""
    clients = signed_in_clients(app_client_factory, kent_editor.email)
    with widened_race(Practice):
        answers = race(
            clients, post_form("/practice/submissions", lambda i: {"title": "Shared title", "action": "draft"})
        )
    assert [a.status_code for a in answers] == [303] * RACERS
    fresh(session)
    slugs = session.exec(select(Practice.slug).where(Practice.title == "Shared title")).all()
    assert len(set(slugs)) == RACERS and all(slug.startswith("shared-title") for slug in slugs)


def test_parallel_approvals_of_one_practice_approve_it_once_and_never_500(
    session, kent_editor, make_user, app_client_factory
):
    """A race no form shows as a conflict still answers a clear 409 (the one mapping in the exception handler)."""
    from tests.support.plans import complete
    from tracker.practice.services import create_practice

    practice = create_practice(session, kent_editor, complete(session), submit=True)
    clients = signed_in_clients(app_client_factory, make_user(Role.COORDINATOR).email)
    with widened_race(Practice):
        answers = race(
            clients, post_form(f"/practice/review/{practice.id}/approve", lambda i: {"version": str(practice.version)})
        )
    codes = [a.status_code for a in answers]
    assert codes.count(303) == 1 and all(code in (409, 422) for code in codes if code != 303), codes
    assert history_count(session, "practice", practice.id, "approve") == 1


def test_freezing_one_period_twice_at_once_freezes_it_once(session, small_reference, make_user, app_client_factory):
    coordinator = make_user(Role.COORDINATOR)
    period = open_period(session, name="Winter round", cut_off=dt_date(), actor=Actor("test setup"))
    session.commit()
    clients = signed_in_clients(app_client_factory, coordinator.email)
    with widened_race(ReportingPeriod):
        answers = race(clients, post_form(f"/oversight/periods/{period.id}/freeze", lambda i: {"confirm": "yes"}))
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [303] + [409] * (RACERS - 1), codes
    fresh(session)
    required = session.exec(select(func.count()).select_from(Response).where(col(Response.required))).one()
    snapshots = session.exec(select(func.count()).select_from(Snapshot).where(Snapshot.period_id == period.id)).one()
    assert snapshots == required, "every required response captured once"
    assert history_count(session, "reporting_period", period.id, "freeze_period") == 1
    assert session.get(ReportingPeriod, period.id).version == 2


def dt_date():
    import datetime as dt

    return dt.date(2026, 7, 31)


# --- publishing --------------------------------------------------------------------------------------------------


def publications(session: Session) -> int:
    fresh(session)
    return session.exec(select(func.count()).select_from(PlanPublication)).one()


def test_parallel_publishes_of_one_plan_make_one_publication_and_one_feed_entry(
    session, kent_editor, app_client_factory, client
):
    clients = signed_in_clients(app_client_factory, kent_editor.email)
    with widened_race(PlanPublication):
        answers = race(clients, post_form("/plan/kent/publish", lambda i: {}))
    assert [a.status_code for a in answers] == [303] * RACERS
    assert publications(session) == 1
    assert client.get("/open-data/publications.atom").text.count("<entry>") == 1


def test_publishing_what_is_already_published_makes_no_new_publication(session, kent_ctx, kent_editor, client):
    sign_in(client, kent_editor.email)
    publish = lambda: client.post("/plan/kent/publish", headers=csrf_headers(client), follow_redirects=False)  # noqa: E731
    assert publish().status_code == 303 and publications(session) == 1
    assert publish().status_code == 303 and publications(session) == 1, "nothing changed: nothing new"
    kent_ctx = load_response(session, kent_editor, kent_ctx.response.id, Permission.EDIT_PLAN)
    services.update_response(
        session, kent_ctx, kent_editor, {"status": "in_progress", "summary": "New", "version": "1"}
    )
    assert publish().status_code == 303 and publications(session) == 2


# --- SQLite: error paths give the write lock back ----------------------------------------------------------------


def test_parallel_invalid_posts_answer_quickly_and_never_503(session, kent_ctx, kent_editor, client):
    """An error path re-reads and renders its page without holding the write lock (S-4: 30 s, then 503s).

    One app serves them all, as one server process would: a page that rendered (in the event loop) while
    holding SQLite's write lock made every other request's page wait for the lock in that same loop.
    """
    rid = kent_ctx.response.id
    session.commit()
    sign_in(client, kent_editor.email)
    headers = csrf_headers(client)
    started = time.monotonic()
    answers = race(
        [client] * RACERS,
        lambda i, same_client: same_client.post(
            f"/plan/responses/{rid}",
            # half break a rule (422), half are stale (409)
            data={"status": "", "version": "1"} if i % 2 else {"status": "complete", "version": "0"},
            headers=headers,
        ),
    )
    elapsed = time.monotonic() - started
    codes = [a.status_code for a in answers]
    assert sorted(codes) == [409] * (RACERS // 2) + [422] * (RACERS // 2), codes
    assert elapsed < 10, f"{elapsed:.1f} s for {RACERS} invalid posts"
