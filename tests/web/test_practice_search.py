"""Full-text search of the practice library: the same answers on SQLite (FTS5) and PostgreSQL, and never an error.

These tests run on both databases (TRACKER_TEST_DB); the expected results are written once, so passing on both
means both engines agree.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tracker.practice import search, services
from tracker.practice.models import Practice
from tracker.practice.services import Filters
from tracker.vocabulary import PracticeStage, PracticeStatus

ENTRIES = {
    "app": dict(
        title="Safeguarding app for victims",
        summary="A phone application that lets victims record incidents.",
        what_was_done="Victims were given the app by their investigating officer.",
        outcomes="Evidence gathered by victims supported charges.",
    ),
    "software": dict(
        title="Processing software for investigations",
        summary="Software that sorts digital material in stalking cases.",
        what_was_done="Investigators loaded phone downloads into the tool.",
        outcomes="Investigations were quicker; the risk management meetings had the facts sooner.",
    ),
    "team": dict(
        title="Multi-agency stalking team",
        summary="Police, probation and health workers in one team.",
        what_was_done="The team reviewed every high-risk stalking case together.",
        outcomes="Fewer repeat reports from the same victims.",
    ),
    "café": dict(
        title="Drop-in sessions at a café",
        summary="Informal advice sessions for people worried about being followed.",
        what_was_done="Advocates held weekly sessions.",
        outcomes="Über forty people came in the first month.",
    ),
}


@pytest.fixture
def library(session) -> dict[str, int]:
    ids = {}
    for key, fields in ENTRIES.items():
        practice = Practice(
            slug=f"p-{len(ids)}",
            status=PracticeStatus.APPROVED,
            stage=PracticeStage.PROMISING,
            themes=["early-intervention"],  # its name ("Early intervention") is searched too: no word used below
            **fields,
        )
        session.add(practice)
        session.flush()
        ids[key] = practice.id
    hidden = Practice(slug="hidden", title="Draft safeguarding app", summary="app", status=PracticeStatus.DRAFT)
    session.add(hidden)
    session.commit()
    return ids


def found(session, q: str, **filters) -> list[str]:
    titles = {fields["title"]: key for key, fields in ENTRIES.items()}
    return sorted(titles[v.practice.title] for v in services.browse(session, Filters.of(q=q, **filters)))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("app", ["app"]),  # the title
        ("digital", ["software"]),  # the summary
        ("probation", ["team"]),  # the summary
        ("downloads", ["software"]),  # what was done
        ("repeat reports", ["team"]),  # the outcomes, every word
        ("stalking", ["software", "team"]),
        ("STALKING", ["software", "team"]),  # case does not matter
        ("investigation", ["app", "software"]),  # stemmed: investigations, investigating
        ("victim", ["app", "team"]),  # stemmed: victims
        ("stalking victims", ["team"]),  # every word must appear
        ('"risk management"', ["software"]),  # a phrase
        ('"management risk"', []),  # ... in that order
        ("the app", ["app"]),  # common words are ignored
        ("café", ["café"]),
        ("über", ["café"]),
        ("unicorn", []),
    ],
)
def test_search_finds_words_in_the_title_summary_what_was_done_and_outcomes(session, library, q, expected):
    assert found(session, q) == expected


def test_search_finds_only_approved_practice(session, library):
    assert found(session, "draft") == []


def test_search_combines_with_the_filters(session, library):
    assert found(session, "stalking", stage="promising") == ["software", "team"]
    assert found(session, "stalking", stage="evaluated") == []


def test_the_index_follows_edits_and_deletions(session, library):
    practice = session.get(Practice, library["team"])
    practice.summary = "Police and a unicorn in one team."
    session.commit()
    assert found(session, "unicorn") == ["team"] and found(session, "probation") == []
    session.delete(practice)
    session.commit()
    assert found(session, "unicorn") == []


def test_the_best_match_comes_first(session, library):
    views = services.browse(session, Filters.of(q="investigation"))
    assert views[0].practice.title == "Processing software for investigations"


ODD_INPUT = [
    '"',
    '""',
    "'",
    "AND",
    "OR",
    "NOT",
    "app OR",
    "-app",
    "app*",
    "*",
    "(",
    "app)",
    "NEAR(app victims)",
    '"unbalanced phrase',
    "title:app",
    "^app",
    "app:*",
    "a & b | !c",
    "<->",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "\x00",
    "😀 stalking",
    "ß ǅ İ",
    "٣",
    "x" * 5000,
    " ".join(["app"] * 300),
]


@pytest.mark.parametrize("q", ODD_INPUT)
def test_no_search_input_causes_an_error(client, session, library, q):
    response = client.get("/practice", params={"q": q})
    assert response.status_code == 200
    partial = client.get("/practice", params={"q": q}, headers={"HX-Request": "true", "HX-Target": "practice-results"})
    assert partial.status_code == 200


def test_operators_and_punctuation_are_read_as_plain_words(session, library):
    assert found(session, "app OR") == ["app"]
    assert found(session, "(app) victims!") == ["app"]
    assert found(session, "NEAR(app victims)") == []  # "near" is just a word here
    assert found(session, '"unbalanced app') == []
    assert found(session, "title:app") == []  # "title" is not in the app's text as a word
    assert found(session, "!!!") == []  # nothing searchable matches nothing


def test_the_query_reaches_each_engine_as_quoted_words_only():
    query = search.parse('Stalking "risk  Management" OR -x:* "the"')
    assert query.words == ("stalking", "x")
    assert query.phrases == (("risk", "management"),)
    assert query.fts5() == '"stalking" "x" "risk management"'
    assert query.websearch() == 'stalking x "risk management"'


def test_the_search_objects_exist_in_the_database(engine):
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            definition = conn.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": search.PG_INDEX}
            ).scalar_one()
        assert "USING gin" in definition and "to_tsvector" in definition
    else:
        with engine.connect() as conn:
            names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
        assert {"practice_fts", "practice_fts_insert", "practice_fts_update", "practice_fts_delete"} <= names


# --- what the public page says, beyond the practice's own fields -----------------------------------------------


def test_search_finds_practice_by_its_themes_and_the_recommendations_it_addresses(session, small_reference, make_user):
    """What a practice's page shows is searched too: the names of its themes and the number and wording of each
    recommendation it addresses, kept in step when the practice, its links or a recommendation's wording change."""
    from tests.support.plans import complete, rec_id
    from tracker.recommendations.edit_form import recommendation_edit
    from tracker.recommendations.editing import form_values, save_recommendation
    from tracker.recommendations.models import Recommendation
    from tracker.vocabulary import Role

    editor, coordinator, admin = make_user(Role.EDITOR, "kent"), make_user(Role.COORDINATOR), make_user(Role.ADMIN)

    def approved(title: str, **values) -> Practice:
        practice = services.create_practice(session, editor, complete(session, title=title, **values), submit=True)
        return services.approve(session, practice, coordinator, version=practice.version)

    approved("Clinic", summary="Advice.", what_was_done="Reviews.", outcomes="Orders.", themes=["training"])
    approved(
        "Team",
        summary="One team.",
        what_was_done="Reviews.",
        outcomes="Fewer reports.",
        themes=["multi-agency-working"],
        recommendations=[str(rec_id(session, "2"))],
    )

    def titles(q: str) -> list[str]:
        return sorted(v.practice.title for v in services.browse(session, Filters.of(q=q)))

    assert titles("training") == ["Clinic"]  # its theme, "Training and learning", is nowhere in its own text
    assert titles("partner agencies") == ["Team"]  # "Working with partner agencies"
    assert titles("recommendation 1") == ["Clinic"]
    recorded = session.get(Recommendation, rec_id(session, "1")).text.split()[-1].strip(".")
    assert titles(recorded) == ["Clinic"]  # a word of recommendation 1's wording (the practice's text lacks it)

    # Editing the practice's themes and links, or a recommendation's wording, moves what it is found by.
    team = session.exec(sa.select(Practice).where(Practice.title == "Team")).scalar_one()
    services.update_practice(
        session,
        team,
        editor,
        complete(
            session,
            title="Team",
            summary="One team.",
            what_was_done="Reviews.",
            outcomes="Fewer reports.",
            themes=["training"],
            version=str(team.version),
        ),
        submit=True,
    )
    services.approve(session, team, coordinator, version=team.version)
    assert titles("training") == ["Clinic", "Team"] and titles("partner agencies") == []
    rec = session.get(Recommendation, rec_id(session, "1"))
    values = form_values(session, rec) | {"text": "Chief constables should set up zebracrossing panels."}
    save_recommendation(session, rec, recommendation_edit(values), admin)
    assert titles("zebracrossing") == ["Clinic", "Team"]


def test_on_the_demo_site_a_search_for_a_theme_finds_the_practice_filed_under_it(demo_site):
    """As a visitor found it: "training" found nothing although practice is filed under "Training and learning"."""
    import re

    client = demo_site.client(None)

    def practice_links(query: str) -> set[str]:
        page = client.get(f"/practice?{query}")
        assert page.status_code == 200
        return set(re.findall(r'href="(/practice/[^"/?]+)"', page.text)) - {"/practice/submissions", "/practice/review"}

    filed = practice_links("theme=training")
    assert filed and filed <= practice_links("q=training")


def test_a_search_in_welsh_finds_practice_by_its_theme_s_welsh_name_and_its_welsh_text(
    client, session, small_reference, make_user
):
    """A Welsh reader searches the words a Welsh page shows: a theme's Welsh name ("Hyfforddiant a dysgu" for
    "Training and learning") and the practice's own Welsh text, by the one search every reader uses."""
    import re

    from tests.support.plans import complete
    from tracker.vocabulary import Role

    editor, coordinator = make_user(Role.EDITOR, "kent"), make_user(Role.COORDINATOR)
    for title, values in {
        "Clinic": {"themes": ["training"]},
        "Team": {"themes": ["multi-agency-working"], "summary_cy": "Tîm amlasiantaethol yn cyfarfod bob wythnos."},
    }.items():
        fields = complete(session, title=title, summary="Advice.", what_was_done="Reviews.", outcomes="Orders.")
        practice = services.create_practice(session, editor, {**fields, **values}, submit=True)
        services.approve(session, practice, coordinator, version=practice.version)

    def titles(q: str) -> list[str]:
        page = client.get("/practice", params={"q": q, "lang": "cy"})
        assert page.status_code == 200
        return sorted(set(re.findall(r'href="/practice/[^"]+">(?:<span lang="en">)?(Clinic|Team)<', page.text)))

    assert titles("hyfforddiant") == ["Clinic"]  # its theme's Welsh name, nowhere in what its editor wrote
    assert titles("Hyfforddiant a dysgu") == ["Clinic"]
    assert titles("amlasiantaethol") == ["Team"]  # its Welsh summary
    assert titles("wythnos") == ["Team"]
    assert titles("training") == ["Clinic"], "the English name still finds it"
