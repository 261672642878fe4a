"""Candidate wordings and addressees (issue 17, part 2): a plan import keeps the report's wording and the
recommendation's owner its plan quotes as candidates, never applied by themselves; admins see them grouped by
identical normalised text, with who quotes each, and can accept one as a new version whose provenance says
"as quoted in organisations' plans, not yet checked against the report", its note counting the published plans
that quote it.

The small reference data: Kent and Gwent (forces) must answer recommendation 1 (1.1, 1.2); recommendation 2 is
addressed to no one yet (a row on it declares the organisation's response).
"""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from sqlmodel import Session, select

from tests.support.accounts import sign_in
from tests.support.html_checks import html_problems
from tests.support.plans import response_of
from tests.support.web import csrf_headers
from tracker.organisations.services import get_by_slug
from tracker.plans import spreadsheet as ss
from tracker.plans.publication import publish_plan
from tracker.recommendations.candidates import candidate_groups
from tracker.recommendations.models import Recommendation, RecommendationCandidate, RecommendationVersion
from tracker.vocabulary import Provenance, Role

WORDING = "Fictional recommendation 1: chief constables should test the widget."
PLAN = f"""\
Rec No.,Recommendation,Rec. Owner,Action
1,"“{WORDING}”",Chief Constables,Fictional action: test the widget
2,Fictional recommendation 2: chief constables should train the widget testers.,Chief Constables,Fictional action: train
"""


@pytest.fixture
def kent(session, small_reference):
    return get_by_slug(session, "kent")


def dry_run(session: Session, organisation, text: str = PLAN):
    frame = ss.read_table(textwrap.dedent(text).encode(), "kent-plan.csv")
    return ss.plan_import(session, organisation.id, frame, ss.detect_mapping(frame.columns), file_name="kent-plan.csv")


def import_plan(session: Session, organisation, user, text: str = PLAN):
    plan = dry_run(session, organisation, text)
    assert plan.ok, plan.errors
    return plan, ss.apply_import(session, organisation.id, plan, user)


def recommendation(session: Session, number: str) -> Recommendation:
    return session.exec(select(Recommendation).where(Recommendation.number == number)).one()


def stored(session: Session) -> list[tuple[str, str, str]]:
    rows = session.exec(select(RecommendationCandidate).order_by(RecommendationCandidate.id))
    return [(session.get(Recommendation, c.recommendation_id).number, c.kind, c.text) for c in rows]


def test_the_dry_run_says_the_quoted_wording_and_owner_will_be_kept_as_candidates_and_stores_nothing(session, kent):
    plan = dry_run(session, kent)
    assert plan.ok, plan.errors
    assert [(c.row, c.number, c.kind, c.text) for c in plan.candidates] == [
        (2, "1", "text", WORDING),
        (2, "1", "addressees", "Chief Constables"),
        (3, "2", "text", "Fictional recommendation 2: chief constables should train the widget testers."),
        (3, "2", "addressees", "Chief Constables"),
    ]
    assert stored(session) == []


def test_the_dry_run_page_says_the_candidates_are_never_applied(client, session, kent, editor):
    sign_in(client, editor.email)
    files = {"file": ("kent-plan.csv", textwrap.dedent(PLAN).encode(), "text/csv")}
    page = client.post("/plan/kent/import", files=files, headers=csrf_headers(client))
    assert page.status_code == 200
    assert "Kept as candidates, never applied (4)" in page.text
    assert "never change your lead role or who must answer" in page.text


def test_an_applied_import_records_candidates_but_changes_no_recommendation_and_no_lead_role(session, kent, editor):
    before = {n: (recommendation(session, n).text, recommendation(session, n).version) for n in ("1", "2")}
    _plan, result = import_plan(session, kent, editor)
    assert result.candidates_kept == 4 and result.actions_added == 2
    session.rollback()
    assert [(n, k) for n, k, _ in stored(session)] == [
        ("1", "text"),
        ("1", "addressees"),
        ("2", "text"),
        ("2", "addressees"),
    ]
    assert {n: (recommendation(session, n).text, recommendation(session, n).version) for n in ("1", "2")} == before
    assert recommendation(session, "2").addressees == []
    assert response_of(session, "kent", "1").lead_role is None  # the owner column is the report's addressee
    candidate = session.exec(select(RecommendationCandidate)).first()
    assert candidate.file_name == "kent-plan.csv" and candidate.organisation_id == kent.id


def test_importing_the_same_text_again_adds_nothing_new(session, kent, editor):
    import_plan(session, kent, editor)
    respaced = PLAN.replace(
        f"“{WORDING}”", "'  fictional RECOMMENDATION 1:  chief constables should test the widget. '"
    )
    again = dry_run(session, kent, respaced)
    assert again.ok and again.candidates == [] and again.changes == []
    assert len(stored(session)) == 4


def test_an_export_of_the_plan_imported_again_quotes_nothing(session, kent, editor):
    import_plan(session, kent, editor)
    exported = ss.export_csv(session, kent.id)
    frame = ss.read_table(exported, "export.csv")
    plan = ss.plan_import(session, kent.id, frame, ss.detect_mapping(frame.columns))
    assert plan.ok, plan.errors
    assert plan.candidates == []


def test_candidates_are_grouped_by_identical_normalised_text_with_who_quotes_each(session, kent, editor, make_user):
    gwent = get_by_slug(session, "gwent")
    gwent_editor = make_user(Role.EDITOR, "gwent")
    import_plan(session, kent, editor)
    other = f"Rec No.,Recommendation\n1,'{WORDING.upper()}'\n1.1,Fictional: a different wording\n"
    import_plan(session, gwent, gwent_editor, other)
    groups = candidate_groups(session, recommendation(session, "1"))
    assert [(g.recommendation.number, g.kind, g.text, [o.slug for o in g.organisations]) for g in groups] == [
        ("1", "text", WORDING, ["gwent", "kent"]),
        ("1", "addressees", "Chief Constables", ["kent"]),
        ("1.1", "text", "Fictional: a different wording", ["gwent"]),
    ]
    assert groups[1].addressees == ["chief-constables"]


@pytest.mark.parametrize(
    ("cell", "kept"),
    [
        ("Fictional\x07 wording\x1b with controls", "Fictional wording with controls"),
        ("Fictional \u202ereversed\u202c wording", "Fictional reversed wording"),
    ],
    ids=["control characters", "direction override"],
)
def test_a_quoted_wording_is_cleaned_as_imports_clean_text(session, kent, cell, kept):
    plan = dry_run(session, kent, f'Rec No.,Recommendation,Action\n1,"{cell}",Fictional action\n')
    assert plan.ok, plan.errors
    assert [c.text for c in plan.candidates] == [kept]


def test_a_huge_quoted_wording_is_a_row_problem_and_nothing_is_kept(session, kent):
    plan = dry_run(session, kent, f"Rec No.,Recommendation,Action\n1,{'x' * 10_001},Fictional action\n")
    assert not plan.ok
    assert any("10,000 characters" in e for e in plan.errors)


@pytest.fixture
def quoted(session, kent, editor, make_user):
    """Kent and Gwent quote the same wording of recommendation 1; Kent names recommendation 2's owner."""
    import_plan(session, kent, editor)
    gwent_plan = f'Rec No.,Recommendation,Action\n1,"{WORDING}",Fictional action\n'
    import_plan(session, get_by_slug(session, "gwent"), make_user(Role.EDITOR, "gwent"), gwent_plan)
    return make_user(Role.ADMIN)


def accept(client, session, admin, number: str, kind: str, text: str):
    rec = recommendation(session, number)
    top = rec if rec.parent_id is None else session.get(Recommendation, rec.parent_id)
    group = next(g for g in candidate_groups(session, top) if g.kind == kind and g.text == text)
    sign_in(client, admin.email)
    return client.post(
        f"/admin/recommendations/{top.id}/candidates",
        data={"candidate": f"{group.recommendation.id}:{kind}:{group.key}", "version": str(top.version)},
        headers=csrf_headers(client),
        follow_redirects=False,
    )


def test_admins_see_candidates_listed_and_grouped_with_how_many_organisations_quote_each(client, session, quoted):
    sign_in(client, quoted.email)
    index = client.get("/admin/recommendations/candidates")
    assert index.status_code == 200
    assert "quoted by 2 organisations" in index.text
    rec = recommendation(session, "1")
    page = client.get(f"/admin/recommendations/{rec.id}/candidates")
    assert page.status_code == 200
    assert "Quoted by 2 organisations: Gwent Police, Kent Police." in page.text
    assert f"/admin/recommendations/{rec.id}/candidates" in client.get(f"/admin/recommendations/{rec.id}").text


def test_accepting_a_wording_makes_one_version_with_the_quoted_provenance_shown_everywhere(
    client, session, quoted, kent, editor
):
    for organisation, user in ((kent, editor), (get_by_slug(session, "gwent"), quoted)):
        publish_plan(session, organisation, user)  # both publish the plans that quote it
    rec = recommendation(session, "1")
    versions_before = rec.version
    answer = accept(client, session, quoted, "1", "text", WORDING)
    assert answer.status_code == 303, answer.text[-1500:]
    session.expire_all()
    rec = recommendation(session, "1")
    assert rec.text == WORDING and rec.provenance is Provenance.QUOTED and rec.version == versions_before + 1
    assert rec.provenance_note.endswith(
        "Wording as quoted in 2 organisations' published plans, not yet checked against the report."
    )
    kept = session.exec(select(RecommendationVersion).where(RecommendationVersion.recommendation_id == rec.id))
    assert [v.content["provenance"] for v in kept][-1] == "quoted"
    public = client.get("/recommendations/test-report/1")
    assert "As quoted in organisations&#39; plans, not yet checked against the report" in public.text
    assert "Wording as quoted in 2 organisations&#39; published plans" in public.text
    doc = json.loads(client.get(client.app.route_reverse("report:export", fmt="json")).content)
    row = next(r for r in doc["recommendations"] if r["recommendation"] == "1")
    assert row["provenance"] == "quoted"
    assert row["provenance_label"] == "As quoted in organisations' plans, not yet checked against the report"
    assert "2 organisations' published plans" in row["provenance_summary"]


def test_the_public_note_counts_only_plans_published_since_they_quoted_it(client, session, kent, editor, make_user):
    """A quote is kept at import, but only a plan published since then makes it public: the note counts those
    alone, and the candidate page tells the admin which they are (outsider pass 8, finding 7)."""
    gwent, gwent_editor = get_by_slug(session, "gwent"), make_user(Role.EDITOR, "gwent")
    publish_plan(session, gwent, gwent_editor)  # Gwent published before quoting it, and not since
    import_plan(session, gwent, gwent_editor, f'Rec No.,Recommendation,Action\n1,"{WORDING}",Fictional action\n')
    import_plan(session, kent, editor)
    publish_plan(session, kent, editor)
    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    shown = " ".join(client.get(f"/admin/recommendations/{recommendation(session, '1').id}/candidates").text.split())
    assert (
        "Quoted by 2 organisations: Gwent Police, Kent Police. 1 of them has published its plan since quoting it "
        "(Kent Police): the public note counts only those." in shown
    )
    assert accept(client, session, admin, "1", "text", WORDING).status_code == 303
    session.expire_all()
    note = recommendation(session, "1").provenance_note
    assert note.endswith("Wording as quoted in 1 organisation's published plan, not yet checked against the report.")
    client.cookies.clear()
    public = client.get("/recommendations/test-report/1").text
    assert "1 organisation&#39;s published plan" in public and "2 organisations" not in public


def test_a_quote_no_published_plan_holds_is_noted_without_a_count(client, session, quoted):
    assert accept(client, session, quoted, "1", "text", WORDING).status_code == 303
    session.expire_all()
    note = recommendation(session, "1").provenance_note
    assert note.endswith("Wording as quoted in organisations' plans, not yet checked against the report.")
    assert not re.search(r"\d", note.rsplit("Wording as quoted", 1)[1]), "no count of plans the public cannot see"


def test_accepting_an_owner_makes_it_the_addressee_and_the_declared_response_an_obligation(client, session, quoted):
    assert response_of(session, "kent", "2").declared
    answer = accept(client, session, quoted, "2", "addressees", "Chief Constables")
    assert answer.status_code == 303, re.findall(r"<a href=\"#[^\"]+\">([^<]+)", answer.text)
    session.expire_all()
    rec = recommendation(session, "2")
    assert rec.addressees == ["chief-constables"] and rec.provenance is Provenance.QUOTED
    assert rec.text is None  # the wording quoted with it is still only a candidate
    assert "Addressees as quoted in organisations' plans" in rec.provenance_note  # not published
    assert response_of(session, "gwent", "2").required


def test_nothing_is_accepted_without_choosing_and_a_stale_page_is_refused(client, session, quoted):
    rec = recommendation(session, "1")
    sign_in(client, quoted.email)
    empty = client.post(
        f"/admin/recommendations/{rec.id}/candidates", data={"version": str(rec.version)}, headers=csrf_headers(client)
    )
    assert empty.status_code == 422 and "Choose the candidate to accept" in empty.text
    group = candidate_groups(session, rec)[0]
    stale = client.post(
        f"/admin/recommendations/{rec.id}/candidates",
        data={"candidate": f"{rec.id}:text:{group.key}", "version": str(rec.version - 1 or 99)},
        headers=csrf_headers(client),
    )
    assert stale.status_code == 409
    session.expire_all()
    assert recommendation(session, "1").provenance is Provenance.PARTIAL


def confirm_against_the_report(session: Session, number: str, addressees: list[str]) -> Recommendation:
    """Recommendation ``number`` as loading the report document leaves it: confirmed, every field checked."""
    rec = recommendation(session, number)
    rec.text, rec.addressees = f"Fictional recommendation {number}: the report's own wording.", addressees
    rec.provenance, rec.provenance_sources = Provenance.CONFIRMED, ["https://www.example.org/report"]
    rec.confirmed_fields = ["number", "text", "addressees", "deadline", "sub_recommendations"]
    rec.provenance_note = "Confirmed against the report document “Fictional report”."
    session.add(rec)
    session.commit()
    return rec


def test_accepting_the_addressees_a_recommendation_already_holds_changes_nothing(client, session, quoted):
    rec = confirm_against_the_report(session, "2", ["chief-constables"])
    before = (rec.version, list(rec.confirmed_fields), rec.provenance_note)
    answer = accept(client, session, quoted, "2", "addressees", "Chief Constables")
    assert answer.status_code == 303 and answer.headers["location"].endswith("?unchanged=1")
    session.expire_all()
    rec = recommendation(session, "2")
    assert rec.provenance is Provenance.CONFIRMED
    assert (rec.version, rec.confirmed_fields, rec.provenance_note) == before


def test_a_quoted_wording_is_refused_on_a_recommendation_confirmed_against_the_report(client, session, quoted):
    rec = confirm_against_the_report(session, "1", ["chief-constables"])
    version = rec.version
    answer = accept(client, session, quoted, "1", "text", WORDING)
    assert answer.status_code == 422
    assert "already confirmed against the report" in answer.text
    session.expire_all()
    rec = recommendation(session, "1")
    assert rec.version == version and rec.provenance is Provenance.CONFIRMED
    assert rec.confirmed_fields == ["number", "text", "addressees", "deadline", "sub_recommendations"]


def test_the_candidate_page_of_a_recommendation_confirmed_against_the_report_offers_no_accept(client, session, quoted):
    """It says why up front, and lists the candidates only to compare (outsider pass 8, finding 11); a submission
    made anyway is refused as before, the reason beside the same explanation."""
    rec = confirm_against_the_report(session, "1", ["chief-constables"])
    sign_in(client, quoted.email)
    page = client.get(f"/admin/recommendations/{rec.id}/candidates")
    assert page.status_code == 200 and html_problems(page.text) == []
    shown = " ".join(page.text.split())
    assert "Accept the chosen candidate" not in shown and 'type="radio"' not in shown
    assert "Recommendation 1 is already confirmed against the report: a quote from a plan cannot replace" in shown
    assert f'href="/admin/recommendations/{rec.id}"' in shown  # its edit screen
    assert WORDING in shown and "Quoted by 2 organisations: Gwent Police, Kent Police." in shown
    refused = accept(client, session, quoted, "1", "text", WORDING)
    assert refused.status_code == 422 and html_problems(refused.text) == []
    assert 'href="#candidate"' in refused.text and 'id="candidate"' in refused.text
    assert "Accept the chosen candidate" not in refused.text
    unconfirmed = client.get(f"/admin/recommendations/{recommendation(session, '2').id}/candidates").text
    assert "Accept the chosen candidate" in unconfirmed and "already confirmed" not in unconfirmed


# --- equivalent addressees are one candidate (outsider pass 7, finding 11) ------------------------------------------


def test_owners_naming_the_same_addressees_in_other_words_are_one_candidate_quoted_by_both(
    client, session, kent, editor, make_user
):
    import_plan(session, kent, editor, "Rec No.,Rec. Owner,Action\n2,Chief constables and PCCs,Fictional action\n")
    gwent_plan = "Rec No.,Rec. Owner,Action\n2,chief constables & pccs,Fictional action\n"
    import_plan(session, get_by_slug(session, "gwent"), make_user(Role.EDITOR, "gwent"), gwent_plan)
    rec = recommendation(session, "2")
    groups = [g for g in candidate_groups(session, rec) if g.kind == "addressees"]
    assert [(g.addressees, [o.slug for o in g.organisations]) for g in groups] == [
        (["chief-constables", "pccs"], ["gwent", "kent"])
    ]
    assert groups[0].texts == ["Chief constables and PCCs", "chief constables & pccs"]

    admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    shown = client.get(f"/admin/recommendations/{rec.id}/candidates")
    assert html_problems(shown.text) == []
    page = " ".join(shown.text.split())
    assert page.count('data-testid="candidate"') == 1
    assert "Quoted by 2 organisations: Gwent Police, Kent Police." in page
    assert "Chief constables and PCCs" in page and "chief constables &amp; pccs" in page  # both spellings listed

    answer = accept(client, session, admin, "2", "addressees", "Chief constables and PCCs")
    assert answer.status_code == 303, answer.text[-1500:]
    session.expire_all()
    rec = recommendation(session, "2")
    assert rec.addressees == ["chief-constables", "pccs"]
    assert "Addressees as quoted in organisations' plans, not yet checked against the report." in (
        rec.provenance_note or ""
    )


def test_addressees_the_recommendation_holds_in_another_order_are_what_it_holds_now(session, kent, make_user):
    kent_pcc = get_by_slug(session, "kent-pcc")
    plan = "Rec No.,Rec. Owner,Action\n3,Home Office and PCCs,Fictional action\n"
    import_plan(session, kent_pcc, make_user(Role.EDITOR, "kent-pcc"), plan)
    rec = recommendation(session, "3")  # addressed to [pccs, home-office] in the set
    assert [g.current for g in candidate_groups(session, rec) if g.kind == "addressees"] == [True]


# --- changes to obligations name what caused them (outsider pass 8, finding 8) -------------------------------------


def test_changes_to_obligations_name_the_recommendation_and_the_accepted_candidate(
    client, session, reference_data, make_user
):
    kent = get_by_slug(session, "kent")
    owner = "Rec No.,Rec. Owner,Action\n12,Chief Constables and PCCs,Fictional action: test the widget\n"
    import_plan(session, kent, make_user(Role.EDITOR, "kent"), owner)
    assert accept(client, session, make_user(Role.ADMIN), "12", "addressees", "Chief Constables and PCCs").is_redirect
    sign_in(client, make_user(Role.COORDINATOR).email)
    page = client.get("/oversight/obligation-changes")
    assert page.status_code == 200 and html_problems(page.text) == []
    latest, *earlier = [" ".join(e.split()) for e in page.text.split('data-testid="obligation-change"')[1:]]
    assert "Recommendation 12: addressees accepted from what organisations' plans quote" in latest
    assert re.search(r"Newly addressed: (\d{2,}) obligations, all on recommendation 12\b", latest), latest[:600]
    assert "a whole set loaded" not in latest
    assert any("A whole set loaded from a file" in e for e in earlier), "a set load still says so"
