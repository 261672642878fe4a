"""A recommendation set's Welsh wordings in its data file: loaded with where they come from, refused without it,
written back by the export, unchanged by a second load, and in the history (issue 20, part 4)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.support.factories import (
    SMALL_ORGANISATIONS,
    SMALL_SET,
    WELSH_CITATION,
    WELSH_CY_1,
    WELSH_CY_3,
    WELSH_SET,
    write,
)
from tracker.audit.services import Actor, history
from tracker.datafiles import LoadError
from tracker.loading import load_file
from tracker.recommendations.export import dump_set
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import WelshWordingSource

ACTOR = Actor("test")


@pytest.fixture
def small_orgs(session: Session, tmp_path) -> None:
    load_file(session, write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), ACTOR)


def recs(session: Session) -> dict[str, Recommendation]:
    return {r.number: r for r in session.exec(select(Recommendation))}


def test_a_welsh_wording_loads_with_where_it_comes_from(session, small_orgs, tmp_path):
    load_file(session, write(tmp_path, "set.yaml", WELSH_SET), ACTOR)
    loaded = recs(session)
    assert (loaded["1"].text_cy, loaded["1"].text_cy_source) == (WELSH_CY_1, WelshWordingSource.PROJECT_TRANSLATION)
    assert loaded["1"].text_cy_citation is None
    assert (loaded["3"].text_cy, loaded["3"].text_cy_source) == (WELSH_CY_3, WelshWordingSource.SOURCE)
    assert loaded["3"].text_cy_citation == WELSH_CITATION
    assert loaded["1.1"].text_cy_source is WelshWordingSource.PROJECT_TRANSLATION
    assert loaded["2"].text_cy is None and loaded["1.2"].text_cy is None


def test_loading_twice_changes_nothing_and_a_change_is_in_the_history(session, small_orgs, tmp_path):
    load_file(session, write(tmp_path, "set.yaml", SMALL_SET), ACTOR)
    first = load_file(session, write(tmp_path, "welsh.yaml", WELSH_SET), Actor("welsh load"))
    assert "recommendation 1: text_cy, text_cy_source" in first.updated
    again = load_file(session, write(tmp_path, "welsh.yaml", WELSH_SET), ACTOR)
    assert not again.changed_anything
    rec = recs(session)["3"]
    event = history(session, "recommendation", rec.id)[-1]
    assert event.actor_label == "welsh load"
    assert event.before == {"text_cy": None, "text_cy_source": None, "text_cy_citation": None}
    assert event.after == {"text_cy": WELSH_CY_3, "text_cy_source": "source", "text_cy_citation": WELSH_CITATION}


def test_the_export_writes_the_welsh_wordings_back(session, small_orgs, tmp_path):
    load_file(session, write(tmp_path, "set.yaml", WELSH_SET), ACTOR)
    rec_set = session.exec(select(RecommendationSet)).one()
    exported = dump_set(session, rec_set)
    assert exported.count("text_cy:") == 3 and exported.count("text_cy_citation:") == 1
    assert not load_file(session, write(tmp_path, "exported.yaml", exported), ACTOR).changed_anything


def test_a_set_without_welsh_exports_no_welsh_keys(session, small_orgs, tmp_path):
    load_file(session, write(tmp_path, "set.yaml", SMALL_SET), ACTOR)
    assert "text_cy" not in dump_set(session, session.exec(select(RecommendationSet)).one())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("    text_cy_source: project_translation\n", ""),
            "set.yaml:12: recommendations[0].text_cy_source: Say where the Welsh wording comes from",
        ),
        (
            (f"    text_cy_citation: {WELSH_CITATION}\n", ""),
            "recommendations[2].text_cy_citation: Say where the Welsh wording was published",
        ),
        (
            ("text_cy_source: project_translation\n", "text_cy_source: machine\n"),
            "recommendations[0].text_cy_source: 'machine' is not a source of a Welsh wording",
        ),
        (
            (f'    text_cy: "{WELSH_CY_3}"\n', ""),
            "recommendations[2].text_cy_source: text_cy_source is given without a Welsh wording (text_cy)",
        ),
        (
            ("text_cy_source: project_translation\n", "text_cy_source: project_translation\n    text_cy_citation: x\n"),
            "recommendations[0].text_cy_citation: A citation is only for a Welsh wording from a published source",
        ),
        (
            ("text_cy_source: project_translation}", "}"),
            "recommendations[0].sub_recommendations[0].text_cy_source: Say where the Welsh wording comes from",
        ),
    ],
)
def test_a_welsh_wording_without_its_provenance_is_refused_precisely(session, small_orgs, tmp_path, change, expected):
    old, new = change
    assert old in WELSH_SET
    with pytest.raises(LoadError) as excinfo:
        load_file(session, write(tmp_path, "set.yaml", WELSH_SET.replace(old, new, 1)), ACTOR)
    problems = [str(p) for p in excinfo.value.problems]
    assert any(expected in p for p in problems), problems
    assert session.exec(select(Recommendation)).first() is None


def test_a_welsh_wording_needs_the_english_it_is_the_welsh_of(session, small_orgs, tmp_path):
    no_english = SMALL_SET.replace(
        "    text: null\n", '    text: null\n    text_cy: "Prawf."\n    text_cy_source: project_translation\n'
    )
    with pytest.raises(LoadError) as excinfo:
        load_file(session, write(tmp_path, "set.yaml", no_english), ACTOR)
    assert any(
        "recommendations[1].text_cy: A Welsh wording needs the English" in str(p) for p in excinfo.value.problems
    )
