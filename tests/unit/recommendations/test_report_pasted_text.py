"""Reading a pasted report (or a PDF's text): which lines are page furniture, where a paragraph and a
recommendation start, and words a line break split (outsider pass 8, findings 1, 2, 9 and 10). Every document
here is fictional and says so; the set is tests.support.factories.SMALL_SET (recommendations 1 to 3)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from tests.support.report_documents import pdf_of_lines
from tracker.recommendations.models import RecommendationSet
from tracker.recommendations.report_apply import review
from tracker.recommendations.report_document import find_recommendations
from tracker.recommendations.report_text import read_document

DEADLINE = dt.date(2025, 3, 27)

# Finding 1: the opening line repeats in every recommendation, and the paste has no page furniture at all.
REPEATED_OPENING = """\
Fictional report for testing (not the real report)

Recommendations for chief constables

Recommendation 1
By 27 March 2025, chief constables should:
fictional recommendation one, a made-up step to test the reader.

Recommendation 2
By 27 March 2025, chief constables should:
fictional recommendation two, another made-up step to test the reader.

Recommendation 3
By 27 March 2025, chief constables should:
fictional recommendation three, a third made-up step to test the reader.
"""

# Finding 1: every wording ends with the same line, right before a running header and a page footer.
REPEATED_LAST_LINE = "\n".join(
    [
        "Fictional report for testing (not the real report)",
        "Recommendations for chief constables",
        *[
            line
            for n, step in enumerate("abc", 1)
            for line in [
                f"Recommendation {n}",
                f"Chief constables should carry out fictional step number {step}, a made-",
                "up process written only to test the reader.",
                "Fictional report: a test header",
                f"Page {n} of 3",
            ]
        ],
    ]
)

# Finding 1 as pypdf gives a PDF's text: each page opens with its running header, its page number and the
# publisher's line; the commentary after each recommendation ends with the same line; a wording runs over a page.
HEADED_PAGES = """\
Fictional report: a test header
Page 1
Fictional publisher, not real
Fictional report on a fictional widget
(test document, not the real report)
Recommendations for chief constables
Recommendation 1
By 27 March 2025, chief constables should carry out fictional task F1, a made-up improvement to a
made-up process, written only to test the tracker's reading of report documents, with enough words
to wrap across several lines of a page.
Fictional commentary after recommendation 1: this paragraph explains the fictional reasoning and
is not part of the recommendation.
Recommendation 2
By 27 March 2025, chief constables should carry out fictional task F2, a made-up improvement to a
made-up process, written only to test the tracker's reading of report documents, with enough words

Fictional report: a test header
Page 2
Fictional publisher, not real
to wrap across several lines of a page.
Fictional commentary after recommendation 2: this paragraph explains the fictional reasoning and
is not part of the recommendation.
Recommendation 3
By 27 March 2025, chief constables should carry out fictional task F3, a made-up improvement to a
made-up process, written only to test the tracker's reading of report documents, with enough words
to wrap across several lines of a page.
Fictional commentary after recommendation 3: this paragraph explains the fictional reasoning and
is not part of the recommendation.
"""

# Findings 9 and 10: two pages, a running header before each footer, and words hyphenated at line ends.
TWO_PAGES = """\
Fictional report for testing (not the real report)
Recommendations for chief constables
Recommendation 1
Chief constables should carry out a fictional improve-
ment to the made-up stalking-
related process, written only to test the reader.
Fictional report: a test header
Page 1 of 2
Recommendation 2
Chief constables should review the fictional
self-assessment survey, which is made up.
Fictional report: a test header
Page 2 of 2
"""


def the_set(session):
    return session.exec(select(RecommendationSet).where(RecommendationSet.slug == "test-report")).one()


def found_in(session, text: str):
    return find_recommendations(session, read_document(text.encode(), "pasted text"), the_set(session))


def test_a_line_every_recommendation_opens_with_is_its_wording_not_a_running_header(session, small_reference):
    doc = read_document(REPEATED_OPENING.encode(), "pasted text")
    assert doc.title == "Fictional report for testing (not the real report)"
    found = find_recommendations(session, doc, the_set(session))
    words = {"1": "one, a made-up step", "2": "two, another made-up step", "3": "three, a third made-up step"}
    assert [(f.number, f.text) for f in found] == [
        (n, f"By 27 March 2025, chief constables should: fictional recommendation {w} to test the reader.")
        for n, w in words.items()
    ]
    assert all(f.deadline == DEADLINE and f.addressees_from == "the text" for f in found)
    assert [f.addressees for f in found] == [["chief-constables"]] * 3


def test_a_line_every_wording_ends_with_is_kept_and_only_the_header_beside_the_page_number_goes(
    session, small_reference
):
    doc = read_document(REPEATED_LAST_LINE.encode(), "pasted text")
    assert doc.title == "Fictional report for testing (not the real report)"
    found = find_recommendations(session, doc, the_set(session))
    assert [(f.number, f.page, f.text) for f in found] == [
        (
            str(n),
            n,
            f"Chief constables should carry out fictional step number {step}, a made-up process written only to "
            "test the reader.",
        )
        for n, step in enumerate("abc", 1)
    ]
    assert not any("test header" in p.text for p in doc.paragraphs)


def test_a_paste_whose_pages_open_with_their_number_keeps_commentary_apart_and_pages_right(session, small_reference):
    doc = read_document(HEADED_PAGES.encode(), "pasted text")
    assert doc.title == "Fictional report on a fictional widget (test document, not the real report)"
    found = find_recommendations(session, doc, the_set(session))
    wording = (
        "By 27 March 2025, chief constables should carry out fictional task F{n}, a made-up improvement to a "
        "made-up process, written only to test the tracker's reading of report documents, with enough words to "
        "wrap across several lines of a page."
    )
    assert [(f.number, f.page, f.text, f.deadline) for f in found] == [
        ("1", 1, wording.format(n=1), DEADLINE),
        ("2", 1, wording.format(n=2), DEADLINE),
        ("3", 2, wording.format(n=3), DEADLINE),
    ]
    commentary = [p.text for p in doc.paragraphs if p.text.startswith("Fictional commentary")]
    assert len(commentary) == 3 and all(c.endswith("is not part of the recommendation.") for c in commentary)
    assert not any("Fictional publisher" in p.text or "test header" in p.text for p in doc.paragraphs)


def test_a_running_header_left_out_from_inside_a_wording_is_a_check(session, small_reference):
    checked = review(session, read_document(HEADED_PAGES.encode(), "pasted text"), the_set(session))
    notes = {row.found.number: row.guesses for row in checked.rows}
    header = (
        "a page break falls inside the wording: “Fictional report: a test header” and “Fictional publisher, not "
        "real” were left out as the page's running header or footer; check that none of it is the "
        "recommendation's"
    )
    assert header in notes["2"]
    assert not any("page break" in note for note in notes["1"] + notes["3"])


def test_a_running_header_on_only_two_pages_of_a_paste_is_removed(session, small_reference):
    found = found_in(session, TWO_PAGES)
    assert [(f.number, f.page) for f in found] == [("1", 1), ("2", 2)]
    assert found[1].text == "Chief constables should review the fictional self-assessment survey, which is made up."
    assert not any("test header" in f.text for f in found)


def test_a_word_hyphenated_at_a_line_end_is_joined_and_a_compound_keeps_its_hyphen(session, small_reference):
    checked = review(session, read_document(TWO_PAGES.encode(), "pasted text"), the_set(session))
    one = checked.rows[0]
    assert one.found.text == (
        "Chief constables should carry out a fictional improvement to the made-up stalking-related process, "
        "written only to test the reader."
    )
    assert (
        "“improve-” and “ment” at a line break are read as one word, “improvement”: check that the hyphen was "
        "not part of it"
    ) in one.guesses
    assert not any("stalking" in note for note in one.guesses)


def test_a_hyphenated_word_the_document_writes_whole_elsewhere_is_joined(session, small_reference):
    text = TWO_PAGES.replace("review the fictional", "review the fictional multi-\nagency plan and the fictional")
    text = text.replace("which is made up.", "which is made up, with multiagency partners.")
    found = found_in(session, text)
    assert "fictional multiagency plan" in found[1].text


def test_a_number_a_line_break_puts_first_in_a_sentence_does_not_start_a_recommendation(session, small_reference):
    """Finding 2: "…fictional recommendation⏎2: a made-up …" was a second copy of recommendation 2, refusing the
    whole PDF."""
    one = ["Recommendations for chief constables", "Recommendation 1: Chief constables should test the", "widget."]
    two = [
        "Recommendation 2: Every fictional force should carry out fictional recommendation",
        "2: a made-up improvement to its fictional shed, by 27 March 2025.",
    ]
    three = ["Recommendation 3: Police and crime commissioners and", "the Home Office should fund the helpline."]
    for document, name in [
        (pdf_of_lines([[*one, *two], three]), "report.pdf"),
        ("\n".join([*one, *two, *three]).encode(), "pasted text"),
    ]:
        found = find_recommendations(session, read_document(document, name), the_set(session))
        assert [f.number for f in found] == ["1", "2", "3"]
        assert found[1].text == (
            "Every fictional force should carry out fictional recommendation 2: a made-up improvement to its "
            "fictional shed, by 27 March 2025."
        )
        assert found[1].deadline == DEADLINE


def test_a_bare_number_after_a_finished_sentence_still_starts_an_item(session, small_reference):
    lines = [
        "Recommendations for chief constables",
        "Recommendation 1: Chief constables should test the widget:",
        "1.1 In every fictional station;",
        "1.2 In every fictional car.",
        "2. Every fictional force should paint its fictional shed.",
    ]
    found = found_in(session, "\n".join(lines))
    assert [(f.number, [s.number for s in f.subs]) for f in found] == [("1", ["1.1", "1.2"]), ("2", [])]


def test_the_number_alone_above_its_wording_is_no_run_on(session, small_reference):
    """Finding 12: "Recommendation N" as its own paragraph and the wording as the next is one paragraph of wording,
    not a wording that "runs on over 2 paragraphs"."""
    checked = review(session, read_document(REPEATED_OPENING.encode(), "pasted text"), the_set(session))
    assert not any("runs on" in note for row in checked.rows for note in row.guesses)
    html = (
        b"<html><body><h2>Recommendations for chief constables</h2>"
        b"<p><strong>Recommendation 2</strong></p><p>Every fictional force should paint its shed.</p>"
        b"<p><strong>Recommendation 3</strong></p><p>Every fictional force should paint its</p><p>fence.</p>"
        b"</body></html>"
    )
    rows = review(session, read_document(html, "report.html"), the_set(session)).rows
    assert not any("runs on" in note for note in rows[0].guesses)
    assert any("runs on over 2 paragraphs" in note for note in rows[1].guesses)
