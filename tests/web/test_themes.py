"""Themes from updates: a plain count of the words and phrases that organisations' latest updates share."""

from __future__ import annotations

import datetime as dt

from tests.support.accounts import sign_in
from tests.support.plans import response_of
from tracker.audit.services import Actor
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.reports.progress_report import build_report, render_html, render_pdf
from tracker.reports.services import freeze_period, open_period
from tracker.reports.themes import Theme, describe, terms, themes, words
from tracker.vocabulary import Role

UPDATES = [
    ("kent", "Risk assessment training delivered to all call handlers."),
    ("kent", "Second update: the risk assessment is now used in every case."),
    ("gwent", "We have started risk assessment training for our staff."),
    ("dyfed", "Training for staff is planned; a new risk assessment form is in draft."),
    ("essex", "No progress this quarter."),
    ("surrey", None),
]


def test_words_drop_stop_words_short_words_and_numbers_leaving_gaps():
    assert words("The risk-assessment of 12 cases, now done") == [
        None,
        "risk-assessment",
        None,
        None,
        "cases",
        None,
        None,
        "done",
    ]
    assert words("Stalking\u2019s impact") == ["stalking's", "impact"]


def test_phrases_never_bridge_a_dropped_word():
    assert terms("training for staff") == {"training", "staff"}
    assert terms("staff training training") == {"staff", "training", "staff training"}
    sentences = terms("Scripts rewritten. Control room")
    assert sentences == {"scripts", "rewritten", "scripts rewritten", "control", "room", "control room"}


def test_themes_count_organisations_not_mentions():
    found = themes(UPDATES)
    assert found == [
        Theme("risk assessment", 3),
        Theme("training", 3),
        Theme("assessment training", 2),
        Theme("staff", 2),
    ], "ties go to the longer phrase; 'risk' alone adds nothing to 'risk assessment'; Kent counts once, not twice"


def test_the_themes_limit_and_threshold():
    assert themes(UPDATES, limit=2) == [Theme("risk assessment", 3), Theme("training", 3)]
    assert themes([("kent", "Unique words here")]) == [], "one organisation is not a theme"
    assert themes([("kent", "Unique words")], min_organisations=1) == [Theme("unique words", 1)]
    assert themes([]) == []


def test_themes_do_not_depend_on_the_order_of_the_updates():
    assert themes(reversed(UPDATES)) == themes(UPDATES)
    assert describe(themes(UPDATES, limit=2)) == "“risk assessment” (3), “training” (3)"


def _update(session, make_user, slug, number, text):
    from tracker.accounts.services import find_by_email

    email = f"themes-{slug}@example.org"
    editor = find_by_email(session, email) or make_user(Role.EDITOR, slug, email=email)
    ctx = load_response(session, editor, response_of(session, slug, number).id, Permission.EDIT_PLAN)
    services.add_update(session, ctx, editor, {"text": text, "update_on": dt.date.today().strftime("%d/%m/%Y")})


def test_the_report_shows_the_themes_of_each_recommendation(client, session, scenario, make_user):
    _update(session, make_user, "kent", "1", "Victim contact scripts rewritten for the control room.")
    _update(session, make_user, "gwent", "1", "Control room staff now use the new victim contact scripts.")
    data = build_report(session)
    one = next(s for s in data.sections if s.recommendation.number == "1")
    assert one.themes[:2] == [Theme("contact scripts", 2), Theme("control room", 2)]
    html = render_html(data)
    table = html.split('data-testid="themes-1"')[1].split("</table>")[0]
    assert "contact scripts" in table and "Organisations mentioning it" in table
    assert "no term is shared" in html.split('data-testid="themes-3"')[1].split("</p>")[0]
    from tests.support.plans import pdf_text

    text = " ".join(pdf_text(render_pdf(data)).split())
    assert "Themes from updates (organisations mentioning each): “contact scripts” (2)" in text
    sign_in(client, make_user(Role.COORDINATOR).email)
    assert "contact scripts" in client.get("/oversight/report").text.split('data-testid="themes-1"')[1]


def test_a_frozen_periods_themes_never_change(session, scenario, make_user):
    _update(session, make_user, "kent", "1", "Victim contact scripts rewritten.")
    _update(session, make_user, "gwent", "1", "New victim contact scripts in use.")
    period = open_period(session, name="Themes", cut_off=dt.date.today(), actor=Actor("t"))
    freeze_period(session, period, Actor("t"))
    session.commit()
    before = [s.themes for s in build_report(session, period).sections]
    _update(session, make_user, "kent", "1", "Paused while funding is agreed.")
    assert [s.themes for s in build_report(session, period).sections] == before
    assert build_report(session).sections[0].themes == [], "the current position has moved on"
    assert Theme("contact scripts", 2) in before[0]
