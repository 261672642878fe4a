"""Every oversight and workspace page issues the same number of SQL queries whatever the amount of data."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.support.accounts import sign_in
from tests.support.database import queries_of
from tests.support.plans import response_of
from tracker.accounts.models import User
from tracker.evidence.models import Evidence
from tracker.organisations.services import get_by_slug
from tracker.plans.models import Action, ProgressUpdate
from tracker.plans.publication import publish_plan
from tracker.public.models import CachedPage
from tracker.recommendations.models import Recommendation
from tracker.vocabulary import EvidenceKind, Role, Visibility


def rendered_queries_of(client, session, path: str) -> int:
    """The queries of rendering ``path`` afresh: stored renderings of public pages are dropped first."""
    session.exec(sa.delete(CachedPage))
    session.commit()
    return queries_of(client, path)


def grow(session, response_ids: list[int], n: int) -> None:
    for response_id in response_ids:
        for i in range(n):
            session.add(Action(response_id=response_id, description=f"a{i}", target_date=dt.date(2020, 1, 1)))
            session.add(ProgressUpdate(response_id=response_id, update_on=dt.date(2025, 1, 1), text=f"u{i}"))
            session.add(
                Evidence(response_id=response_id, kind=EvidenceKind.NOTE, title=f"e{i}", visibility=Visibility.PUBLIC)
            )
    session.commit()


def test_page_query_counts_do_not_grow_with_the_data(client, session, scenario, make_user):
    sign_in(client, make_user(Role.COORDINATOR).email)
    rec = session.exec(sa.select(Recommendation.id).where(Recommendation.number == "1")).scalar_one()
    kent_1 = response_of(session, "kent", "1.1").id
    pages = [
        "/oversight",
        f"/oversight/recommendations/{rec}",
        "/oversight/organisations/kent",
        "/plan/kent",
        f"/plan/responses/{kent_1}",
        "/oversight/report",
        "/oversight/periods",
    ]
    for path in pages:
        queries_of(client, path)  # warm caches (sessions, templates)
    # Rendered afresh each time: the dashboard's content is otherwise read from the store (fewer queries, below).
    before = {path: rendered_queries_of(client, session, path) for path in pages}
    grow(
        session,
        [response_of(session, slug, n).id for slug, n in (("kent", "1.1"), ("gwent", "1.2"), ("kent-pcc", "3"))],
        25,
    )
    after = {path: rendered_queries_of(client, session, path) for path in pages}
    assert after == before
    assert all(count < 40 for count in after.values()), after
    queries_of(client, "/oversight")  # rendered and stored
    assert queries_of(client, "/oversight") < after["/oversight"], "the stored dashboard, its data unchanged"


@pytest.mark.parametrize("extra", [5])
def test_the_workspace_list_does_not_query_per_row(client, session, small_reference, make_user, extra):
    editor = make_user(Role.EDITOR, "kent")
    sign_in(client, editor.email)
    queries_of(client, "/plan/kent")
    before = queries_of(client, "/plan/kent")
    grow(session, [response_of(session, "kent", n).id for n in ("1", "1.1", "1.2")], extra)
    assert queries_of(client, "/plan/kent") == before


def test_the_practice_library_and_a_practice_page_do_not_query_per_practice(client, session, small_reference):
    from tracker.practice.models import Practice, PracticeRecommendation
    from tracker.vocabulary import PracticeStatus

    recommendations = list(session.exec(sa.select(Recommendation.id)).scalars())

    def add(n: int) -> str:
        slug = ""
        for i in range(n):
            practice = Practice(
                slug=f"p-{len(list(session.exec(sa.select(Practice.id)).scalars()))}",
                title=f"Stalking practice {i}",
                summary="Stalking advice",
                themes=["investigation"],
                status=PracticeStatus.APPROVED,
            )
            session.add(practice)
            session.flush()
            for rec in recommendations:
                session.add(PracticeRecommendation(practice_id=practice.id, recommendation_id=rec))
            slug = practice.slug
        session.commit()
        return slug

    slug = add(1)
    pages = ["/practice", "/practice?q=stalking&theme=investigation&stage=emerging", f"/practice/{slug}"]
    for path in pages:
        queries_of(client, path)
    before = {path: rendered_queries_of(client, session, path) for path in pages}
    add(20)
    assert {path: rendered_queries_of(client, session, path) for path in pages} == before
    assert all(count < 15 for count in before.values()), before


PUBLIC_PAGES = [
    "/",
    "/recommendations",
    "/recommendations/test-report/1",
    "/organisations",
    "/organisations/kent",
    "/organisations/gwent",
    "/open-data",
    "/open-data/responses.csv",
    "/open-data/actions.json",
    "/open-data/evidence.csv",
    "/open-data/publications.atom",
]


def republish(session) -> None:
    """Kent, Gwent and Kent's PCC publish their plans as they stand."""
    for slug in ("kent", "gwent", "kent-pcc"):
        organisation = get_by_slug(session, slug)
        editor = session.exec(
            sa.select(User).where(User.organisation_id == organisation.id, User.role == Role.EDITOR)
        ).scalar_one()
        publish_plan(session, organisation, editor)


def test_public_pages_do_not_query_per_row(client, session, scenario):
    """Anonymous public pages, downloads and the feed: the same queries with 1 or 25 items per response."""
    republish(session)
    for path in PUBLIC_PAGES:
        queries_of(client, path)
    before = {path: rendered_queries_of(client, session, path) for path in PUBLIC_PAGES}
    grow(
        session,
        [response_of(session, slug, n).id for slug, n in (("kent", "1.1"), ("gwent", "1.2"), ("kent-pcc", "3"))],
        25,
    )
    republish(session)
    after = {path: rendered_queries_of(client, session, path) for path in PUBLIC_PAGES}
    assert after == before
    assert all(count < 20 for count in after.values()), after


def test_a_public_page_seen_before_costs_one_query(client, session, scenario):
    """Once rendered, an anonymous visit to a public page reads the validators and the stored rendering in one
    query, and no more, however much the page shows."""
    republish(session)
    pages = [path for path in PUBLIC_PAGES if not path.startswith("/open-data/")] + ["/practice"]
    session.exec(sa.delete(CachedPage))
    session.commit()
    for path in pages:
        queries_of(client, path)
    assert {path: queries_of(client, path) for path in pages} == dict.fromkeys(pages, 1)


def transaction_ends_of(client, method: str, path: str, expect: int, **kwargs) -> list[str]:
    ends: list[str] = []
    on_commit, on_rollback = (lambda conn: ends.append("commit")), (lambda conn: ends.append("rollback"))
    sa.event.listen(sa.Engine, "commit", on_commit)
    sa.event.listen(sa.Engine, "rollback", on_rollback)
    try:
        assert client.request(method, path, **kwargs).status_code == expect
    finally:
        sa.event.remove(sa.Engine, "commit", on_commit)
        sa.event.remove(sa.Engine, "rollback", on_rollback)
    return ends


@pytest.mark.commits  # it watches the database transactions themselves end (a rolled-back test has savepoints)
def test_a_read_ends_its_transactions_with_a_commit(client, session, scenario, make_user):
    """psycopg forgets the statements it has prepared on a connection whenever a transaction there rolls back, so
    reads end with COMMIT (``tracker.db.end_read``) and PostgreSQL need not plan their queries afresh each time;
    a request that fails still rolls back."""
    coordinator = make_user(Role.COORDINATOR)
    kent_1 = response_of(session, "kent", "1.1").id
    session.commit()
    assert "rollback" not in transaction_ends_of(client, "GET", "/recommendations", 200)
    assert "rollback" not in transaction_ends_of(client, "GET", "/recommendations", 200)  # the stored rendering
    sign_in(client, coordinator.email)
    for path in ["/oversight", f"/plan/responses/{kent_1}"]:
        ends = transaction_ends_of(client, "GET", path, 200)
        assert "commit" in ends and "rollback" not in ends, (path, ends)
    assert "rollback" in transaction_ends_of(client, "GET", "/plan/responses/999999", 404)
