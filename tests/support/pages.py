"""The pages every accessibility check runs over: one list, used by the axe test in Chromium
(tests/e2e/test_accessibility.py) and by the quick HTML checks (tests/web/test_pages.py).

Both run against the synthetic demo data (`tracker demo`). To check a new page, add a ``Page`` to ``PAGES``:
a path (``{name}`` placeholders are filled from ``ids()``), the demo account to sign in as (``None``: nobody)
and the status it answers. ``submit`` submits a form of the page (without JavaScript, so the whole page comes
back) to check its error state or the page it leads to: the form is the one whose ``action`` ends with
``submit.action``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from tests.support.report_documents import pdf_document

DEMO_DOMAIN = "demo.example.org"


@dataclass(frozen=True)
class Submit:
    """Fill ``fields`` of the form whose action ends with ``action`` (choose, for a select), attach ``files``
    (field name: file name and content) and submit it, ``times`` times."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    times: int = 1
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    account: str | None = None  # a demo account ("editor" is editor@demo.example.org) or None
    status: int = 200
    submit: Submit | None = None

    @property
    def email(self) -> str | None:
        return f"{self.account}@{DEMO_DOMAIN}" if self.account else None

    def url(self, ids: dict[str, object]) -> str:
        return self.path.format(**ids)


PAGES: list[Page] = [
    # Anyone
    Page("home", "/"),
    Page("sign in", "/sign-in"),
    Page("sign in with errors", "/sign-in", status=422, submit=Submit("/sign-in")),
    Page("accessibility statement", "/accessibility"),
    Page("cookies", "/cookies"),
    Page("privacy notice", "/privacy"),
    Page("recommendations (public)", "/recommendations"),
    Page("a recommendation (public)", "/recommendations/stalking-2024/10"),
    Page("a recommendation with sub-recommendations (public)", "/recommendations/stalking-2024/1"),
    Page("organisations (public)", "/organisations"),
    Page("a force's published plan", "/organisations/kent"),
    Page("a national body (public)", "/organisations/npcc"),
    Page("a bilingual force's published plan", "/organisations/dyfed-powys"),
    Page("open data", "/open-data"),
    Page("progress reports (public)", "/reports"),
    Page("a published progress report (public)", "/reports/stalking-2024/{published_period}"),
    Page("page not found", "/no-such-page", status=404),
    Page(
        "too many sign-in attempts",
        "/sign-in",
        status=429,
        submit=Submit("/sign-in", {"email": "locked-out@example.org", "password": "not-the-password"}, times=5),
    ),
    # Editors and viewers of one organisation
    Page("an organisation's plan", "/plan/kent", "editor"),
    Page("a response (editor)", "/plan/responses/{response}", "editor"),
    Page("a blocked response (editor)", "/plan/responses/{blocked_response}", "editor"),
    Page("a response (viewer)", "/plan/responses/{response}", "viewer"),
    Page("history of a response", "/plan/responses/{response}/history", "editor"),
    Page("evidence with errors", "/plan/responses/{response}", "editor", status=422, submit=Submit("/evidence")),
    Page("spreadsheet import", "/plan/kent/import", "editor"),
    Page("adding a recommendation we are answering", "/plan/kent/declare", "editor"),
    Page(
        "adding a recommendation we are answering, with errors",
        "/plan/kent/declare",
        "editor",
        status=422,
        submit=Submit("/declare"),
    ),
    Page("publishing: what would change", "/plan/kent/publish", "editor"),
    Page("publishing: preview of the public page", "/plan/kent/publish/preview", "editor"),
    Page("a bilingual force's response, English and Welsh side by side", "/plan/responses/{welsh_response}", "admin"),
    # At 320 px its English and Welsh fields stack at the page's width (pass 11, F15): not inside the table.
    Page("editing a bilingual force's action", "/plan/actions/{welsh_action}/edit", "admin"),
    Page("a bilingual force's language settings", "/plan/dyfed-powys/languages", "admin"),
    Page("publishing texts that lack their Welsh", "/plan/dyfed-powys/publish", "admin"),
    Page("change password", "/account/password", "editor"),
    Page("API tokens", "/account/api-tokens", "editor"),
    Page("forbidden", "/admin/users", "editor", status=403),
    # National readers
    Page("plan list", "/plan", "coordinator"),
    Page("a response (inspector)", "/plan/responses/{response}", "inspector"),
    Page("dashboard", "/oversight", "coordinator"),
    Page("oversight of an organisation", "/oversight/organisations/kent", "inspector"),
    Page("national recommendation page", "/oversight/recommendations/{recommendation}", "coordinator"),
    Page("reporting periods", "/oversight/periods", "coordinator"),
    Page("a frozen period", "/oversight/periods/{frozen_period}", "coordinator"),
    Page("freezing a period", "/oversight/periods/{open_period}/freeze", "coordinator"),
    Page(
        "freezing without confirming",
        "/oversight/periods/{open_period}/freeze",
        "coordinator",
        status=422,
        submit=Submit("/freeze"),
    ),
    Page("a period an admin may unfreeze", "/oversight/periods/{frozen_period}", "admin"),
    Page(
        "unfreezing without confirming",
        "/oversight/periods/{frozen_period}",
        "admin",
        status=422,
        submit=Submit("/unfreeze"),
    ),
    Page("comparing periods", "/oversight/periods/compare?earlier={first_period}&later={frozen_period}", "coordinator"),
    Page("progress report (HTML)", "/oversight/report", "coordinator"),
    Page("writing a period's report", "/oversight/periods/{report_period}/report", "coordinator"),
    Page("a period's report in preview", "/oversight/periods/{report_period}/report/preview", "admin"),
    Page(
        "writing a period's report, with errors",
        "/oversight/periods/{report_period}/report",
        "coordinator",
        status=422,
        submit=Submit("/report", {"summary": "{no_such_figure}"}),
    ),
    # The service team
    Page("users", "/admin/users", "admin"),
    Page("new user", "/admin/users/new", "admin"),
    Page("a user", "/admin/users/{user}", "admin"),
    Page("recommendation sets", "/admin/recommendations", "admin"),
    Page("a recommendation set", "/admin/recommendations/sets/stalking-2024", "admin"),
    Page("editing a recommendation", "/admin/recommendations/{recommendation}", "admin"),
    Page("a recommendation's versions", "/admin/recommendations/{recommendation}/history", "admin"),
    Page("loading a recommendation set", "/admin/recommendations/load", "admin"),
    Page("loading from the report document", "/admin/recommendations/report", "admin"),
    Page(
        "loading from the report document with errors",
        "/admin/recommendations/report",
        "admin",
        status=422,
        submit=Submit("/recommendations/report"),
    ),
    Page(
        "checking a report document (PDF) against the set",
        "/admin/recommendations/report",
        "admin",
        submit=Submit(
            "/recommendations/report",
            {"set": "stalking-2024"},
            files={"file": ("fictional-report.pdf", pdf_document())},
        ),
    ),
    Page("quoted wordings and addressees", "/admin/recommendations/candidates", "admin"),
    Page("a recommendation's candidates", "/admin/recommendations/{recommendation}/candidates", "admin"),
    Page("changes to obligations", "/oversight/obligation-changes", "coordinator"),
    Page("recommendations declared by organisations", "/oversight/declared", "admin"),
    # Promising practice
    Page("practice library", "/practice"),
    Page("practice search", "/practice?q=stalking"),
    Page("a practice", "/practice/{practice}"),
    Page("practice submissions", "/practice/submissions", "editor"),
    Page("new practice", "/practice/submissions/new", "editor"),
    Page("practice review queue", "/practice/review", "coordinator"),
    Page("history of a practice", "/practice/{practice}/history", "coordinator"),
]


def ids(engine: sa.Engine) -> dict[str, object]:
    """The record ids the paths above need, from a database holding the demo data."""
    with engine.connect() as conn:

        def one(sql: str) -> object:
            return conn.execute(sa.text(sql)).scalar_one()

        return {
            "response": one(
                "SELECT r.id FROM response r JOIN organisation o ON o.id = r.organisation_id "
                "JOIN recommendation c ON c.id = r.recommendation_id WHERE o.slug = 'kent' AND c.number = '10'"
            ),
            # Its status radio is the one checked: the markup around it differs from other statuses'.
            "blocked_response": one(
                "SELECT min(r.id) FROM response r JOIN organisation o ON o.id = r.organisation_id "
                "WHERE o.slug = 'kent' AND r.status = 'blocked'"
            ),
            "recommendation": one("SELECT id FROM recommendation WHERE number = '10'"),
            "welsh_response": one(
                "SELECT min(r.id) FROM response r JOIN organisation o ON o.id = r.organisation_id "
                "WHERE o.slug = 'dyfed-powys'"
            ),
            "welsh_action": one(
                "SELECT min(a.id) FROM action a JOIN response r ON r.id = a.response_id "
                "JOIN organisation o ON o.id = r.organisation_id WHERE o.slug = 'dyfed-powys'"
            ),
            "first_period": one("SELECT min(id) FROM reporting_period WHERE status = 'frozen'"),
            "frozen_period": one("SELECT max(id) FROM reporting_period WHERE status = 'frozen'"),
            "report_period": one("SELECT max(period_id) FROM report_draft WHERE status = 'submitted'"),
            "published_period": one("SELECT min(period_id) FROM published_report"),
            "open_period": one("SELECT min(id) FROM reporting_period WHERE status = 'open'"),
            "practice": one("SELECT min(slug) FROM practice WHERE status = 'approved'"),
            "user": one(f"SELECT id FROM user_account WHERE email = 'viewer@{DEMO_DOMAIN}'"),
        }


def prepare(database_url: str) -> None:
    """Give a freshly set-up demo site the states the pages above show: a Kent response that is Blocked (the demo
    keeps its own statuses, and Kent may have none Blocked) and a period frozen just now, which an admin may
    still unfreeze (the demo's periods were frozen at their own, past, cut-offs)."""
    import datetime as dt

    from sqlmodel import select

    from tracker.accounts.models import User
    from tracker.audit.services import Actor
    from tracker.db import TrackerSession, make_engine
    from tracker.organisations.models import Organisation
    from tracker.permissions import Permission
    from tracker.plans.models import Action, Response
    from tracker.plans.services import ResponseInput, has_sub_recommendations, load_response, update_response
    from tracker.recommendations.models import Recommendation
    from tracker.reports.services import freeze_period, open_period
    from tracker.vocabulary import ActionStatus, ResponseStatus

    engine = make_engine(database_url)
    try:
        with TrackerSession(engine) as session:
            editor = session.exec(select(User).where(User.email == f"editor@{DEMO_DOMAIN}")).one()
            kent = session.exec(select(Organisation).where(Organisation.slug == "kent")).one()
            blocked = session.exec(
                select(Response).where(Response.organisation_id == kent.id, Response.status == ResponseStatus.BLOCKED)
            ).first()
            if blocked is None:
                candidates = session.exec(
                    select(Response)
                    .join(Recommendation, Recommendation.id == Response.recommendation_id)
                    .where(Response.organisation_id == kent.id, Response.status == ResponseStatus.IN_PROGRESS)
                    .where(Recommendation.parent_id.is_(None))  # type: ignore[union-attr]
                    .order_by(Response.id)
                ).all()
                for response in candidates:
                    ctx = load_response(session, editor, response.id, Permission.EDIT_PLAN)
                    open_actions = session.exec(
                        select(Action).where(Action.response_id == response.id, Action.status != ActionStatus.COMPLETE)
                    ).first()
                    if has_sub_recommendations(session, ctx) or open_actions is None:
                        continue
                    change = ResponseInput(
                        version=str(response.version),
                        status=ResponseStatus.BLOCKED.value,
                        rag="red",
                        summary=response.summary or "Synthetic demo data: waiting on a partner.",
                        lead_role=response.lead_role,
                        blocked_reason="Synthetic demo data: waiting for a partner's decision.",
                    )
                    update_response(session, ctx, editor, change)
                    break
            actor = Actor("accessibility checks")
            period = open_period(session, name="Accessibility check period", cut_off=dt.date.today(), actor=actor)
            freeze_period(session, period, actor)
            session.commit()
            publish_a_report(session)
    finally:
        engine.dispose()


def publish_a_report(session) -> None:
    """A published report on the demo's first frozen period (the demo's own draft, on its latest, stays submitted
    so its review can be seen): written by the coordinator with an example, approved and published by the admin."""
    from sqlmodel import col, select

    from tracker.accounts.models import User
    from tracker.reports.models import ReportingPeriod
    from tracker.reports.narrative import services
    from tracker.reports.narrative.document import frozen_report
    from tracker.reports.narrative.examples import candidates
    from tracker.reports.narrative.figures import report_figures
    from tracker.reports.narrative.publication import Links, Publisher
    from tracker.vocabulary import PeriodStatus

    writer = session.exec(select(User).where(User.email == f"coordinator@{DEMO_DOMAIN}")).one()
    admin = session.exec(select(User).where(User.email == f"admin@{DEMO_DOMAIN}")).one()
    period = session.exec(
        select(ReportingPeriod)
        .where(ReportingPeriod.status == PeriodStatus.FROZEN)
        .order_by(col(ReportingPeriod.cut_off))
    ).first()
    rec_set = services.report_set(session, period)
    data = frozen_report(session, period, rec_set, 90)
    text = "Synthetic demo data: **{complete}** responses complete. [Open data](https://www.example.org/demo)"
    commentary = {data.recommendations[0].id or 0: "Synthetic demo data: invented commentary."}
    given = services.DraftText(
        "0", {"summary": text, "next_steps": "- Synthetic demo data: the next report."}, commentary
    )
    draft = services.save_draft(
        session, period, rec_set, writer, given, figures=report_figures(data), recommendations=data.recommendations
    )
    offered = candidates(session, period, data.recommendations)
    for choice in [c.choice for found in offered.values() for c in found[:1]][:2]:
        services.add_example(
            session,
            draft,
            writer,
            version=draft.version,
            choice=choice,
            lead_in="",
            offered=offered,
            figures=report_figures(data),
        )
    services.submit(session, draft, writer, version=draft.version)
    services.approve(session, draft, admin, version=draft.version)
    links = Links("/", "/reports", f"/reports/{rec_set.slug}/{period.id}/pdf", "/open-data")
    publisher = Publisher(session, period, rec_set, links, 90, demo_mode=True)
    services.publish(
        session, draft, admin, version=draft.version, render=publisher.render, set_slug=rec_set.slug, title="t"
    )
