"""One rule decides which recommendations are known and how much of a set the tracker covers."""

from __future__ import annotations

from sqlmodel import Session, select

from tests.support.factories import ALL_KNOWN_SET, SMALL_SET, UNKNOWN_WITH_PARTS_SET, write
from tracker.audit.services import Actor
from tracker.loading import load_file
from tracker.recommendations.coverage import (
    awaits_wording,
    coverage,
    is_known,
    number_ranges,
    set_coverage,
    sets_coverage,
)
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.figures import national_state

BUNDLED_UNKNOWN = "1\u20136, 8, 9, 11\u201314, 17\u201324, 26\u201329"


def test_runs_of_three_or_more_numbers_are_compressed_and_pairs_are_not():
    assert number_ranges(["9", "1", "2", "3", "4", "5", "6", "8"]) == "1\u20136, 8, 9"
    assert number_ranges(["11", "12", "13", "14", "17"]) == "11\u201314, 17"
    assert number_ranges(["2", "A1"]) == "2, A1"
    assert number_ranges([]) == ""


def test_a_recommendation_is_known_by_its_wording_or_its_addressees():
    assert not is_known(Recommendation(set_id=1, number="1", text=None, addressees=[]))
    assert is_known(Recommendation(set_id=1, number="1", text="Fictional recommendation 1: do it.", addressees=[]))
    assert is_known(Recommendation(set_id=1, number="1", text=None, addressees=["chief-constables"]))


def test_coverage_counts_wording_only_so_addressees_alone_leave_a_recommendation_awaiting_its_wording():
    addressed = Recommendation(set_id=1, number="2", text=None, addressees=["kent"])  # e.g. adopted declarations
    worded = Recommendation(set_id=1, number="1", text="Fictional recommendation 1: do it.", addressees=[])
    assert awaits_wording(addressed) and not awaits_wording(worded)
    found = coverage([worded, addressed])
    assert (found.known, found.unknown_numbers) == (1, ("2",))


def test_the_bundled_set_covers_5_of_29_and_names_the_24_others(session: Session, reference_data):
    found = set_coverage(session)
    assert (found.total, found.known, found.unknown) == (29, 5, 24)
    assert found.unknown_ranges == BUNDLED_UNKNOWN
    assert (
        found.note == f"Covers 5 of the 29 recommendations; 24 await their wording (recommendations {BUNDLED_UNKNOWN})."
    )
    assert found.as_dict()["awaiting_wording"][:3] == ["1", "2", "3"]


def test_a_set_whose_recommendations_are_all_known_has_no_coverage_note(session: Session, small_reference, tmp_path):
    assert set_coverage(session).note == "Covers 2 of the 3 recommendations; 1 awaits its wording (recommendations 2)."
    load_file(session, write(tmp_path, "set.yaml", ALL_KNOWN_SET), Actor("test"))
    found = set_coverage(session)
    assert found.complete and found.note is None and (found.total, found.known) == (3, 3)


def test_numbers_the_set_expects_but_has_not_loaded_are_unknown(session: Session, small_reference):
    rec_set = session.exec(select(RecommendationSet)).one()
    recs = list(session.exec(select(Recommendation).where(Recommendation.set_id == rec_set.id)))
    found = coverage(recs, expected=6)
    assert (found.total, found.known, found.unknown_numbers) == (6, 2, ("2", "4", "5", "6"))
    assert found.unknown_ranges == "2, 4\u20136"


def test_the_dashboard_counts_the_coverage_of_what_the_national_figures_read_as_set_coverage_does(
    session: Session, small_reference, tmp_path
):
    """Every set, and one set chosen (the dashboard's ?set=), with a second set (with sub-recommendations) loaded,
    a recommendation no organisation answers yet and a number expected but not loaded: ``sets_coverage`` of what
    ``national_state`` read is ``set_coverage``."""
    worded = '    text: "Fictional recommendation 2: do it."\n    addressees: []\n'
    second = UNKNOWN_WITH_PARTS_SET.replace("slug: test-report", "slug: second-test-report")
    load_file(session, write(tmp_path, "set.yaml", second), Actor("test"))
    first = SMALL_SET.replace("    text: null\n    addressees: []\n", worded)
    load_file(session, write(tmp_path, "set.yaml", first), Actor("test"))
    state = national_state(session)
    assert {r.number for r in state.recommendations} == {"1", "3"}, "nobody answers 2 (addressed to no one yet)"
    assert sets_coverage(state.sets.values(), state.all_recommendations) == set_coverage(session)
    for rec_set in session.exec(select(RecommendationSet)):
        rec_set.expected_recommendations = 4
        session.flush()
        state = national_state(session, set_id=rec_set.id)
        found = sets_coverage([rec_set], state.all_recommendations)
        assert found == set_coverage(session, rec_set.id) and "4" in found.unknown_numbers
