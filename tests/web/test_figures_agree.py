"""The same headline figure everywhere: each is defined once (``tracker.reports.figures.Headline``) and every
surface that shows it (dashboard, report HTML, CSV/XLSX/JSON exports, API, period comparison, public pages)
gives the same number, on the demo data at two scales (the full reference data at scale 1, and a small set of
organisations at scale 2, including an inspectorate and a national body that answer nothing)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import openpyxl
import pytest
from litestar.testing import TestClient
from sqlmodel import Session, col, select

from tests.support.accounts import sign_in
from tests.support.demo import DEMO_PASSWORD, FULL
from tests.support.web import csrf_headers
from tracker.audit.services import Actor
from tracker.organisations.models import Organisation
from tracker.plans.obligations import sync_obligations
from tracker.plans.rules import is_finished
from tracker.recommendations.models import Recommendation
from tracker.reports.figures import Headline, national_state
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative.figures import report_figures
from tracker.reports.narrative.services import report_set
from tracker.reports.progress_report import build_report
from tracker.vocabulary import PeriodStatus, ResponseStatus

PASSWORD = DEMO_PASSWORD
COORDINATOR = "coordinator@demo.example.org"


# The demo is built once per worker and variant (tests/support/demo.py); each test runs rolled back on it.
pytestmark = pytest.mark.parametrize(
    "demo_data", [FULL, ("small", 2)], ids=["full-scale-1", "small-scale-2"], indirect=True
)


def by_testid(html: str, name: str) -> str:
    """The text of the element marked ``data-testid=name`` (the figures are plain text inside it)."""
    found = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert found, f"no data-testid={name!r} on the page"
    return found.group(1).strip()


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text.replace(",", ""))]


def from_rows(rows: list[dict], published: int, stale_days: int = 90) -> Headline:
    """The figures an export's response rows give (one row per response, numbered recommendations only),
    "no recent update" included: an open response whose latest update is missing or older than ``stale_days``
    before the export's date."""

    def stale(row: dict) -> bool:
        if is_finished(ResponseStatus(row["status"])):
            return False
        latest, as_of = row["latest_update_on"], row["as_of"]
        if not latest:
            return True
        day = latest if isinstance(latest, dt.date) else dt.date.fromisoformat(str(latest)[:10])
        return (dt.date.fromisoformat(str(as_of)[:10]) - day).days > stale_days

    return Headline.count(
        (
            (r["organisation_slug"], ResponseStatus(r["status"]), str(r["overdue"]) in ("True", "true", "1"))
            for r in rows
        ),
        published,
        no_recent_update=sum(stale(r) for r in rows),
    )


def test_every_surface_gives_the_same_headline_figures(session: Session, demo_data, client: TestClient):
    state = national_state(session)
    expected = state.headline
    assert expected.responses == len(state.cells) > 0
    assert 0 < expected.published <= expected.organisations
    sign_in(client, COORDINATOR, PASSWORD)

    dashboard = client.get("/oversight").text
    assert numbers(by_testid(dashboard, "organisations")) == [expected.organisations]
    assert numbers(by_testid(dashboard, "published")) == [expected.published, expected.organisations]
    assert numbers(by_testid(dashboard, "responses")) == [expected.responses]
    assert numbers(by_testid(dashboard, "complete")) == [expected.complete, expected.responses]
    assert numbers(by_testid(dashboard, "blocked")) == [expected.blocked, expected.responses]
    assert numbers(by_testid(dashboard, "overdue")) == [expected.overdue, expected.responses]
    assert numbers(by_testid(dashboard, "no-recent-update")) == [expected.no_recent_update, expected.responses]
    assert "What these figures count" in dashboard

    report = client.get("/oversight/report").text
    shown = {name: numbers(by_testid(report, name)) for name in ("organisations", "responses", "published", "overdue")}
    assert shown == {
        "organisations": [expected.organisations],
        "responses": [expected.responses],
        "published": [expected.published],
        "overdue": [expected.overdue],
    }
    totals = report.split('data-testid="totals"', 1)[1].split("</table>", 1)[0]
    for status, figure in ((ResponseStatus.COMPLETE, expected.complete), (ResponseStatus.BLOCKED, expected.blocked)):
        assert re.findall(rf'data-status="{status.value}">(\d+)<', totals) == [str(figure)]

    # "No recent update" too: a parent's latest update is the latest of its own and its sub-recommendations'.
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/oversight/report/export/csv").content.decode("utf-8-sig"))))
    assert from_rows(csv_rows, expected.published) == expected

    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/oversight/report/export/xlsx").content), read_only=True)
    header, *cells = list(workbook["responses"].values)
    assert from_rows([dict(zip(header, row, strict=True)) for row in cells], expected.published) == expected

    document = json.loads(client.get("/oversight/report/export/json").content)
    assert from_rows(document["responses"], expected.published) == expected
    assert Headline(**document["headline"]) == expected, "the current position's headline has every figure"

    # The API, organisation by organisation: the responses to numbered recommendations, each with its latest
    # update as the exports give it (a sub-recommendation's counts for its recommendation).
    api_rows, oversight_flags = [], {"stale": 0, "complete_without_evidence": 0}
    for slug in session.exec(select(Organisation.slug).order_by(Organisation.slug)):
        answer = client.get(f"/api/organisations/{slug}/responses")
        assert answer.status_code == 200, (slug, answer.text)
        api_rows += [
            {
                "organisation_slug": slug,
                "recommendation": r["recommendation"]["number"],
                "status": r["status"],
                "overdue": r["overdue"],
                "latest_update_on": r["counts"]["last_update_on"],
                "as_of": csv_rows[0]["as_of"],
            }
            for r in answer.json()
            if not r["recommendation"]["parent_id"]
        ]
        # Each organisation's oversight page: its flags add up to the national ones.
        page = client.get(f"/oversight/organisations/{slug}").text
        for flag in oversight_flags:
            if f'data-testid="flag-{flag}"' in page:
                oversight_flags[flag] += numbers(by_testid(page, f"flag-{flag}"))[0]
    assert from_rows(api_rows, expected.published) == expected

    def latest(rows: list[dict]) -> dict[tuple[str, str], str]:
        return {(r["organisation_slug"], r["recommendation"]): r["latest_update_on"] or "" for r in rows}

    assert latest(api_rows) == latest(csv_rows)
    assert oversight_flags == {
        "stale": expected.no_recent_update,
        "complete_without_evidence": numbers(re.findall(r"Complete, no evidence \((\d+)\)", dashboard)[0])[0],
    }

    # The period comparison counts responses as everything else does (not sub-recommendations on their own).
    frozen = list(
        session.exec(
            select(ReportingPeriod.id)
            .where(ReportingPeriod.status == PeriodStatus.FROZEN)
            .order_by(col(ReportingPeriod.cut_off))
        )
    )
    assert len(frozen) >= 2
    compared = client.get(f"/oversight/periods/compare?earlier={frozen[-2]}&later={frozen[-1]}").text
    assert numbers(by_testid(compared, "compared"))[1] == expected.responses
    frozen_report = client.get(f"/oversight/report?period={frozen[-1]}").text
    assert numbers(by_testid(frozen_report, "responses")) == [expected.responses]
    assert numbers(by_testid(frozen_report, "organisations")) == [expected.organisations]

    # The public site: who must answer and who has published, and how many responses are asked for.
    client.cookies.clear()
    overview = client.get("/recommendations").text
    assert numbers(by_testid(overview, "published-count")) == [expected.published, expected.organisations]
    addressed = 0
    for number, row in re.findall(r'data-testid="overview-row-([^"]+)"(.*?)</tr>', overview, flags=re.S):
        if "." not in number:  # sub-recommendations count within their recommendation
            addressed += sum(int(n) for n in re.findall(r'data-status="[^"]+">(\d+)<', row))
    assert addressed == expected.responses

    # One demo load serves both checks (loading is most of the time).
    check_organisations_that_answer_nothing_are_not_listed_with_action_plans(session, client)


def check_organisations_that_answer_nothing_are_not_listed_with_action_plans(session: Session, client) -> None:
    """Inspectorates (HMICFRS, IOPC) and national bodies with nothing addressed to them have no action plan."""
    client.cookies.clear()
    state = national_state(session)
    answering = {o.slug for o in state.organisations}
    silent = set(session.exec(select(Organisation.slug))) - answering
    assert "hmicfrs" in silent and "npcc" in silent
    listed = set(re.findall(r'href="/organisations/([a-z0-9-]+)"', client.get("/organisations").text))
    assert listed == answering
    published = set(re.findall(r'href="/organisations/([a-z0-9-]+)"', client.get("/recommendations").text))
    assert published <= answering
    sign_in(client, COORDINATOR, PASSWORD)
    plans = set(re.findall(r'href="/plan/([a-z0-9-]+)"', client.get("/plan").text))
    assert plans == answering


def test_the_written_reports_figures_are_the_frozen_tables(session: Session, demo_data, client: TestClient):
    """Issue 18: every placeholder a written report offers renders the frozen figure, the same as the period's
    report tables and its JSON export (so prose and tables can never disagree)."""
    period = session.exec(
        select(ReportingPeriod)
        .where(ReportingPeriod.status == PeriodStatus.FROZEN)
        .order_by(col(ReportingPeriod.cut_off).desc())
    ).first()
    assert period is not None
    rec_set = report_set(session, period)
    assert rec_set is not None
    figures = report_figures(build_report(session, period, set_id=rec_set.id))
    sign_in(client, COORDINATOR, PASSWORD)
    editor = client.get(f"/oversight/periods/{period.id}/report").text
    form = {"version": re.search(r'name="version" value="(\d+)"', editor).group(1)}
    form["summary"] = " ".join(o.token for o in figures.offered())
    for number, rec_id in re.findall(
        # each English commentary's label and its own field (not the Welsh one's label, whose field is commentary_cy-)
        r'National commentary on recommendation ([^<]+)</label>(?:(?!</label>).)*?name="commentary-(\d+)"',
        editor,
        re.S,
    ):
        form[f"commentary-{rec_id}"] = " ".join(o.token for o in figures.offered(number.strip()))
    answer = client.post(
        f"/oversight/periods/{period.id}/report", data=form, headers=csrf_headers(client), follow_redirects=False
    )
    assert answer.status_code == 303, answer.text[:2000]
    shown = {
        key: int(value.replace(",", ""))
        for key, value in re.findall(
            r'data-figure="([^"]+)">([\d,]+)<', client.get(f"/oversight/periods/{period.id}/report/preview").text
        )
    }
    assert len(shown) == len(figures.offered()) + sum(len(figures.offered(n)) for n in figures.by_recommendation)

    tables = client.get(f"/oversight/report?period={period.id}").text
    totals = tables.split('data-testid="totals"', 1)[1].split("</table>", 1)[0]
    assert shown["complete"] == int(re.findall(r'data-status="complete">(\d+)<', totals)[0])
    assert shown["blocked"] == int(re.findall(r'data-status="blocked">(\d+)<', totals)[0])
    for name, testid in (
        ("responses", "responses"),
        ("organisations_must_answer", "organisations"),
        ("organisations_published", "published"),
        ("overdue", "overdue"),
        ("no_recent_update", "no-recent-update-count"),
    ):
        assert [shown[name]] == numbers(by_testid(tables, testid)), name
    document = json.loads(client.get(f"/oversight/report/export/json?period={period.id}").content)
    exported = from_rows(document["responses"], shown["organisations_published"])
    assert (exported.responses, exported.complete, exported.blocked, exported.overdue, exported.organisations) == (
        shown["responses"],
        shown["complete"],
        shown["blocked"],
        shown["overdue"],
        shown["organisations_must_answer"],
    )
    for number in figures.by_recommendation:
        section = tables.split(f'data-testid="section-{number}"', 1)[1].split("</table>", 1)[0]
        cells = [int(n) for n in re.findall(r'govuk-table__cell--numeric">(\d+)<', section)]
        assert cells == [shown[f"{status.value}:{number}"] for status in ResponseStatus], number
        rows = [r for r in document["responses"] if r["recommendation"] == number]
        assert shown[f"responses:{number}"] == len(rows)
        assert shown[f"overdue:{number}"] == sum(str(r["overdue"]) in ("True", "true", "1") for r in rows)


# --- the public overview and each recommendation's page, after addressees change (outsider pass 8, finding 3) ----


def overview_rows(html: str) -> dict[str, tuple[str, list[int]]]:
    """Each overview row: its recommendation page's address and its figures, in the order of the columns."""
    rows = {}
    for number, row in re.findall(r'data-testid="overview-row-([^"]+)"(.*?)</tr>', html, flags=re.S):
        href = re.search(r'href="(/recommendations/[^"]+)"', row)
        assert href, number
        rows[number] = (href.group(1), [int(n) for n in re.findall(r'data-status="[^"]+">(\d+)<', row)])
    return rows


def page_figures(html: str) -> list[int]:
    """A recommendation page's figures, in the overview's column order (none addressed: all zeros)."""
    if 'data-testid="spread"' not in html:
        return []
    spread = html.split('data-testid="spread"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'data-status="[^"]+">(\d+)<', spread)]


def test_the_overview_and_each_recommendation_page_agree_after_addressees_change(
    session: Session, demo_data, client: TestClient
):
    """Organisations no longer addressed keep their published answers, but neither page counts them: both count
    the organisations required to answer now, by one rule (``tracker.plans.publication.public_answers``)."""
    before = overview_rows(client.get("/recommendations").text)
    addressed = [
        rec
        for rec in session.exec(
            select(Recommendation).where(col(Recommendation.parent_id).is_(None)).order_by(col(Recommendation.id))
        )
        if rec.addressees and sum(before.get(rec.number, ("", [0]))[1][:-1]) > 0
    ]
    assert len(addressed) >= 2, "two recommendations with published answers to change"
    narrowed, moved = addressed[0], addressed[1]
    # One keeps only some of whom it addressed (or, with one addressee, the first of them), the other moves to
    # organisations that published nothing about it.
    narrowed.addressees = narrowed.addressees[:1] if len(narrowed.addressees) > 1 else ["home-office"]
    moved.addressees = ["home-office"] if "home-office" not in moved.addressees else ["npcc"]
    for rec in (narrowed, moved):
        session.add(rec)
        sync_obligations(session, Actor("test"), set_id=rec.set_id)
    session.commit()

    after = overview_rows(client.get("/recommendations").text)
    assert after[moved.number][1][:-1] == [0, 0, 0, 0, 0], "nobody still addressed has published on it"
    for number, (href, figures) in after.items():
        page = client.get(href)
        assert page.status_code == 200, href
        shown = page_figures(page.text)
        assert shown == figures or (not shown and not any(figures)), (number, figures, shown)
