"""One rule decides which recommendations are known and how much of a set the tracker covers."""

from __future__ import annotations

from sqlmodel import Session, select

from tests.support.factories import ALL_KNOWN_SET, write
from tracker.audit.services import Actor
from tracker.loading import load_file
from tracker.recommendations.coverage import awaits_wording, coverage, is_known, number_ranges, set_coverage
from tracker.recommendations.models import Recommendation, RecommendationSet

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
