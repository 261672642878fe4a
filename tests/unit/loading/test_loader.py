"""The loader: validates a whole file, reports every problem precisely, loads all or nothing, idempotently."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, col, func, select

from tests.support.factories import SMALL_ORGANISATIONS, SMALL_SET, write
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor, history
from tracker.datafiles import LoadError
from tracker.loading import load_file
from tracker.organisations.models import Organisation
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import OrganisationKind, Provenance

ACTOR = Actor("test")


@pytest.fixture
def small_orgs(session: Session, tmp_path) -> None:
    load_file(session, write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), ACTOR)


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def problems_of(excinfo) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


def test_a_set_loads_with_its_recommendations_and_sub_recommendations(session, small_orgs, tmp_path):
    result = load_file(session, write(tmp_path, "set.yaml", SMALL_SET), ACTOR)
    assert "recommendation set test-report" in result.created
    rec_set = session.exec(select(RecommendationSet)).one()
    assert rec_set.published_on == dt.date(2024, 9, 27)
    recs = {r.number: r for r in session.exec(select(Recommendation))}
    assert sorted(recs) == ["1", "1.1", "1.2", "2", "3"]
    assert recs["1"].deadline == dt.date(2025, 3, 27)
    assert recs["1.1"].parent_id == recs["1"].id
    assert recs["1.1"].addressees == ["chief-constables"], "sub-recommendations inherit addressees"
    assert recs["1.2"].deadline == dt.date(2025, 3, 27), "and the deadline"
    assert recs["2"].text is None and recs["2"].provenance is Provenance.TO_BE_CONFIRMED
    assert recs["3"].provenance is Provenance.CONFIRMED
    assert recs["3"].confirmed_at is not None and recs["3"].confirmed_at.tzinfo is not None
    assert [r.number for r in sorted(recs.values(), key=lambda r: r.position)] == ["1", "1.1", "1.2", "2", "3"]


def test_loading_the_same_file_twice_changes_nothing(session, small_orgs, tmp_path):
    path = write(tmp_path, "set.yaml", SMALL_SET)
    load_file(session, path, ACTOR)
    events = count(session, AuditEvent)
    result = load_file(session, path, ACTOR)
    assert not result.changed_anything
    assert result.unchanged == 6  # the set and five recommendations
    assert count(session, AuditEvent) == events
    again = load_file(session, write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), ACTOR)
    assert not again.changed_anything


def test_a_changed_text_updates_the_record_and_is_in_its_history(session, small_orgs, tmp_path):
    load_file(session, write(tmp_path, "set.yaml", SMALL_SET), ACTOR)
    changed = SMALL_SET.replace("Use the new field.", "Use the new field every time.")
    result = load_file(session, write(tmp_path, "set2.yaml", changed), Actor("second load"))
    assert result.updated == ["recommendation 1.1: text"]
    rec = session.exec(select(Recommendation).where(Recommendation.number == "1.1")).one()
    assert rec.text == "Use the new field every time."
    assert rec.version == 2
    events = history(session, "recommendation", rec.id)
    assert [e.action for e in events] == ["create", "update"]
    assert events[-1].before == {"text": "Use the new field."}
    assert events[-1].after == {"text": "Use the new field every time."}
    assert events[-1].actor_label == "second load"


def test_a_dry_run_reports_but_saves_nothing(session, small_orgs, tmp_path):
    result = load_file(session, write(tmp_path, "set.yaml", SMALL_SET), ACTOR, dry_run=True)
    assert result.dry_run and "recommendation 3" in result.created
    assert count(session, Recommendation) == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("addressees: [pccs, home-office]", "addressees: [pccs, cabinet-office]"),
            "set.yaml:27: recommendations[2].addressees[1]: unknown addressee 'cabinet-office'",
        ),
        (
            ("deadline: 27/03/2025", "deadline: 31/02/2025"),
            "set.yaml:15: recommendations[0].deadline: '31/02/2025' is not a date",
        ),
        (('number: "2"', 'number: "1"'), "set.yaml:21: recommendations[1].number: number '1' appears more than once"),
        (("theme: recording", "theme: nonsense"), "set.yaml:16: recommendations[0].theme: unknown theme 'nonsense'"),
        (
            ("expected_recommendations: 3", "expected_recommendations: 29"),
            "recommendations: the set expects 29 recommendations but the file has 3",
        ),
        (("  short_title: Test report\n", ""), "set.yaml:1: set.short_title: is required"),
        (
            ("provenance: {status: to_be_confirmed}", "provenance: {status: probably}"),
            "set.yaml:24: recommendations[1].provenance.status: ",
        ),
        (
            ("text: Commissioners and the Home Office should fund support.", "text: null"),
            "recommendations[2]: a recommendation confirmed against the report needs its text",
        ),
        (("  authors:", "  autors:"), "set.yaml:6: set.autors: is not a known field"),
        (('- {number: "1.1"', "- {number: 1.1"), "write the number in quotes"),
    ],
)
def test_every_bad_input_gives_a_precise_problem_and_loads_nothing(session, small_orgs, tmp_path, change, expected):
    old, new = change
    assert old in SMALL_SET
    path = write(tmp_path, "set.yaml", SMALL_SET.replace(old, new, 1))
    with pytest.raises(LoadError) as excinfo:
        load_file(session, path, ACTOR)
    assert any(expected in p for p in problems_of(excinfo)), problems_of(excinfo)
    assert count(session, RecommendationSet) == 0
    assert count(session, Recommendation) == 0


def test_all_problems_are_reported_at_once(session, small_orgs, tmp_path):
    bad = SMALL_SET.replace("theme: recording", "theme: nonsense").replace(
        "addressees: [pccs, home-office]", "addressees: [nobody]"
    )
    with pytest.raises(LoadError) as excinfo:
        load_file(session, write(tmp_path, "set.yaml", bad), ACTOR)
    assert len(excinfo.value.problems) == 2


def test_yaml_syntax_errors_name_the_line(session, tmp_path):
    with pytest.raises(LoadError) as excinfo:
        load_file(session, write(tmp_path, "broken.yaml", "set:\n  slug: [unclosed\n"), ACTOR)
    assert "broken.yaml:3" in problems_of(excinfo)[0] or "broken.yaml:2" in problems_of(excinfo)[0]


def test_a_file_of_the_wrong_kind_is_refused(session, tmp_path):
    with pytest.raises(LoadError, match="not a tracker data file"):
        load_file(session, write(tmp_path, "other.yaml", "hello: world\n"), ACTOR)


def test_organisation_problems_are_precise(session, tmp_path):
    bad = SMALL_ORGANISATIONS.replace("force: gwent}", "force: nowhere}").replace(
        "region: south-east}", "region: atlantis}", 1
    )
    with pytest.raises(LoadError) as excinfo:
        load_file(session, write(tmp_path, "orgs.yaml", bad), ACTOR)
    found = problems_of(excinfo)
    assert any("organisations[3].force: 'nowhere' is not a force in this file" in p for p in found), found
    assert any("organisations[0].region: unknown region 'atlantis'" in p for p in found), found
    assert count(session, Organisation) == 0


def test_policing_bodies_point_at_their_force(session, small_orgs):
    kent = session.exec(select(Organisation).where(Organisation.slug == "kent")).one()
    pcc = session.exec(select(Organisation).where(Organisation.slug == "kent-pcc")).one()
    assert pcc.kind is OrganisationKind.POLICING_BODY
    assert pcc.force_id == kent.id


def test_a_changed_organisation_is_in_its_own_history_with_every_field(session, small_orgs, tmp_path):
    renamed = SMALL_ORGANISATIONS.replace("name: Kent Police,", "name: Kent Police Service,")
    result = load_file(session, write(tmp_path, "orgs2.yaml", renamed), Actor("second load"))
    assert result.updated == ["organisation kent: name"]
    kent = session.exec(select(Organisation).where(Organisation.slug == "kent")).one()
    created, updated = history(session, "organisation", kent.id)
    assert created.action == "create" and created.summary.startswith("Organisation Kent Police added from ")
    assert updated.summary.startswith("Organisation Kent Police Service changed by ")
    assert updated.summary.endswith("orgs2.yaml")
    assert updated.organisation_id == kent.id, "an organisation's changes belong in its own history"
    # The whole record, not only the field that changed, as the organisations' history has always shown.
    assert updated.before == created.after | {"name": "Kent Police"}
    assert updated.after == created.after | {"name": "Kent Police Service"}
    assert updated.before["region_code"] == "south-east" and updated.before["force_id"] is None
    pcc = session.exec(select(Organisation).where(Organisation.slug == "kent-pcc")).one()
    assert history(session, "organisation", pcc.id)[0].after["force_id"] == kent.id


def test_reloading_the_organisations_keeps_the_language_settings_chosen_in_the_app(session, small_orgs, tmp_path):
    """The file gives a new organisation its first language settings; after that they are the organisation's and
    the admin's (the language settings page), and loading the data again never undoes them."""
    kent = session.exec(select(Organisation).where(Organisation.slug == "kent")).one()
    kent.bilingual, kent.welsh_required_to_publish = True, True
    session.flush()
    renamed = SMALL_ORGANISATIONS.replace("name: Kent Police,", "name: Kent Police Service,")
    load_file(session, write(tmp_path, "orgs2.yaml", renamed), Actor("second load"))
    session.refresh(kent)
    assert kent.name == "Kent Police Service"
    assert (kent.bilingual, kent.welsh_required_to_publish) == (True, True)


def test_an_organisation_s_welsh_name_is_loaded_when_the_file_gives_one(session, small_orgs, tmp_path):
    """The small file gives no Welsh names: nothing is needed; the bundled one names the Welsh forces in Welsh."""
    assert session.exec(select(Organisation).where(col(Organisation.name_cy).is_not(None))).all() == []
    text = SMALL_ORGANISATIONS.replace("name: Kent Police,", "name: Kent Police, name_cy: Enw Cymraeg prawf,", 1)
    assert text != SMALL_ORGANISATIONS
    load_file(session, write(tmp_path, "orgs.yaml", text), ACTOR)
    kent = session.exec(select(Organisation).where(Organisation.slug == "kent")).one()
    assert (kent.name, kent.name_cy) == ("Kent Police", "Enw Cymraeg prawf")
