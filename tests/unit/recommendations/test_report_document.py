"""Loading a set from the report document itself: what is found in each rendering, the review, applying it as
versions confirmed against the report, obligations, idempotence, and documents that cannot be used."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from reportlab.pdfgen import canvas
from sqlmodel import select

from tests.support.report_documents import (
    CC,
    CONTENT,
    PCC,
    SPARSE_CONTENT,
    SPARSE_TEXT_1,
    TEXT_1,
    TEXT_2,
    TEXT_3,
    TITLE,
    html_document,
    pasted_text,
    pdf_document,
    pdf_of_lines,
)
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor
from tracker.organisations.services import get_by_slug
from tracker.plans.models import Response
from tracker.plans.obligations import ObligationChanges, sync_obligations
from tracker.recommendations import report_text
from tracker.recommendations.editing import versions
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.recommendations.report_apply import Choice, apply_review, describe, review
from tracker.recommendations.report_document import find_recommendations
from tracker.recommendations.report_text import ReportDocumentError, read_document
from tracker.vocabulary import Provenance, Role

RENDERINGS = {
    "html": lambda: (html_document(), "report.html"),
    "pdf": lambda: (pdf_document(), "report.pdf"),
    "pasted": lambda: (pasted_text().encode(), "pasted text"),
}


@pytest.fixture
def admin(small_reference, make_user):
    return make_user(Role.ADMIN)


def the_set(session):
    return session.exec(select(RecommendationSet).where(RecommendationSet.slug == "test-report")).one()


def rec(session, number):
    return session.exec(
        select(Recommendation).where(Recommendation.set_id == the_set(session).id, Recommendation.number == number)
    ).one()


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_every_field_is_found_in_each_rendering(session, small_reference, rendering):
    doc = read_document(*RENDERINGS[rendering]())
    assert doc.title == TITLE
    found = find_recommendations(session, doc, the_set(session))
    assert [f.number for f in found] == ["1", "2", "3"]
    one, two, three = found
    assert (one.text, two.text, three.text) == (TEXT_1, TEXT_2, TEXT_3)
    assert [s.number for s in one.subs] == ["1.1", "1.2"]
    assert one.subs[1].text == "Until the widget works, staff should keep a fictional paper list that can be searched."
    assert one.deadline == two.deadline == dt.date(2025, 3, 27) and three.deadline is None
    # From the text ("chief constables should"), from the section heading, and two bodies named in the text.
    assert (one.addressees, one.addressees_from) == (["chief-constables"], "the text")
    assert two.addressees == ["chief-constables"] and "heading" in two.addressees_from
    assert three.addressees == ["pccs", "home-office"]
    assert three.heading == "Recommendations for police and crime commissioners"
    if rendering != "html":
        assert (one.page, two.page, three.page) == (1, 2, 2)
        assert two.where == "page 2, under “Recommendations for chief constables”"


def test_pasted_pdf_text_loses_its_headers_footers_and_line_breaks(session, small_reference):
    paragraphs = [p.text for p in read_document(pasted_text().encode(), "pasted").paragraphs]
    assert not any(TITLE in p or "Page 1 of" in p for p in paragraphs)
    assert f"Recommendation 1: {TEXT_1}" in paragraphs  # broken over three lines in the paste


def test_applying_makes_one_confirmed_version_per_changed_recommendation_and_syncs_obligations(session, admin):
    doc = read_document(pdf_document(), "report.pdf")
    before = {n: rec(session, n).version for n in ("1", "2", "3")}
    checked = review(session, doc, the_set(session))
    assert {r.found.number for r in checked.changes} == {"1", "2", "3"}
    row_two = next(r for r in checked.rows if r.found.number == "2")
    text_row = next(f for f in row_two.fields if f.key == "text")
    assert (text_row.document, text_row.current, text_row.differs) == (TEXT_2, "", True)
    applied = apply_review(session, checked, admin)
    assert [n for n, _, _ in applied.versions] == ["1", "2", "3"]
    two = rec(session, "2")
    assert two.version == before["2"] + 1 and two.text == TEXT_2 and two.addressees == ["chief-constables"]
    assert two.provenance is Provenance.CONFIRMED and two.confirmed_by_label == admin.display_name
    assert f"“{TITLE}”" in two.provenance_note and doc.sha256 in two.provenance_note
    assert "report.pdf" in two.provenance_note and "page 2" in two.provenance_note
    assert two.provenance_sources == ["https://www.example.org/report"]
    assert rec(session, "1.1").text.startswith("Chief constables should make sure")
    assert len(versions(session, two)) == 2
    # Recommendation 2 now addresses chief constables: each force has to answer it.
    kent = get_by_slug(session, "kent")
    assert session.exec(
        select(Response).where(Response.organisation_id == kent.id, Response.recommendation_id == two.id)
    ).first()
    assert applied.obligations.added


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_loading_the_same_document_again_changes_nothing(session, admin, rendering):
    content, name = RENDERINGS[rendering]()
    apply_review(session, review(session, read_document(content, name), the_set(session)), admin)
    events = len(session.exec(select(AuditEvent)).all())
    again = review(session, read_document(content, name), the_set(session))
    assert not again.changes
    assert not apply_review(session, again, admin).versions
    assert len(session.exec(select(AuditEvent)).all()) == events


def test_the_admin_corrects_a_field_and_leaves_another_as_the_set_holds_it(session, admin):
    checked = review(session, read_document(html_document(), "report.html"), the_set(session))
    three = next(r for r in checked.rows if r.found.number == "3")
    corrected = Choice(three.found.text, ["pccs"], None, {}, accepted={"text", "addressees"})
    apply_review(session, checked, admin, choices={"3": corrected})
    stored = rec(session, "3")
    assert stored.addressees == ["pccs"] and stored.text == TEXT_3
    assert stored.confirmed_fields == ["number", "text", "addressees"]


@pytest.mark.parametrize("rendering", ["html", "pdf"])
def test_a_field_the_document_does_not_give_is_neither_offered_nor_applied(session, admin, rendering):
    make = html_document if rendering == "html" else pdf_document
    doc = read_document(make(SPARSE_CONTENT), f"report.{rendering}")
    one = rec(session, "1")
    sync_obligations(session, Actor("test"), set_id=one.set_id)  # forces answer recommendation 1: keep their responses
    session.commit()
    required = set(session.exec(select(Response.id).where(Response.recommendation_id == one.id, Response.required)))
    assert required
    checked = review(session, doc, the_set(session))
    (row,) = checked.rows
    assert not row.found.addressees and row.found.deadline is None and not row.found.subs
    assert [f.key for f in row.fields if f.differs] == ["text"]
    assert [key for key, _ in row.offered] == ["text"]
    assert "Addressed to" not in "\n".join(describe(checked))
    apply_review(session, checked, admin)
    one = rec(session, "1")
    assert one.text == SPARSE_TEXT_1
    assert (one.addressees, one.deadline) == (["chief-constables"], dt.date(2025, 3, 27))
    assert [rec(session, n).text for n in ("1.1", "1.2")] == ["Use the new field.", "Until then use a workaround."]
    assert one.confirmed_fields == ["number", "text"]
    still = set(session.exec(select(Response.id).where(Response.recommendation_id == one.id, Response.required)))
    assert still == required
    # Nor when the admin ticks every field: what the document does not give is not the admin's to empty.
    every = Choice(SPARSE_TEXT_1, [], None, {})
    assert not apply_review(session, review(session, doc, the_set(session)), admin, choices={"1": every}).versions
    assert rec(session, "1").addressees == ["chief-constables"]


BAD = {
    "no recommendations": (
        b"<html><body><p>Fictional foreword with no numbered items.</p></body></html>",
        "x.html",
        "No numbered recommendation was found",
    ),
    "a number twice": (
        html_document([*CONTENT, ("H", "Recommendation 2: Fictional other wording for two.")]),
        "x.html",
        "Recommendation 2 is given twice with different wording",
    ),
    "beyond the count": (
        html_document([*CONTENT, ("H", "Recommendation 4: A fictional fourth one.")]),
        "x.html",
        "Recommendation 4 is beyond the 3 recommendations this set expects",
    ),
    "a sub-recommendation alone": (
        html_document([(CC, None), (CC, "Recommendation 3.1: A fictional part without its recommendation.")]),
        "x.html",
        "Sub-recommendation 3.1 has no recommendation 3 before it",
    ),
    "a scanned pdf": (pdf_document(with_text=False), "scan.pdf", "The PDF has no text"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_document_is_refused_with_a_clear_message_and_changes_nothing(session, admin, case):
    content, name, message = BAD[case]
    before = rec(session, "2").version
    with pytest.raises(ReportDocumentError) as refused:
        review(session, read_document(content, name), the_set(session))
    assert any(message in p for p in refused.value.problems), refused.value.problems
    assert rec(session, "2").version == before


def test_a_pdf_of_more_pages_than_any_report_is_refused_before_its_text_is_read(session, small_reference):
    many = pdf_document([(CC, None)] + [(CC, f"Fictional line {n}.") for n in range(1, 80)])
    assert read_document(many, "fine.pdf").paragraphs  # two pages: well within
    pages = io.BytesIO()
    pdf = canvas.Canvas(pages)
    for _ in range(report_text.REPORT_MAX_PAGES + 1):
        pdf.showPage()
    pdf.save()
    with pytest.raises(ReportDocumentError) as refused:
        read_document(pages.getvalue(), "bomb.pdf")
    assert refused.value.problems == ["The PDF has 501 pages, more than the 500 a report document may have"]


def test_a_pdf_whose_text_is_longer_than_any_report_is_refused(monkeypatch):
    monkeypatch.setattr(report_text, "REPORT_MAX_CHARS", 200)  # the fictional report's text is longer
    with pytest.raises(ReportDocumentError) as refused:
        read_document(pdf_document(), "long.pdf")
    assert "The PDF's text is longer than 200 characters" in refused.value.problems[0]


def test_a_document_over_the_report_limit_is_refused_by_its_size():
    with pytest.raises(ReportDocumentError) as refused:
        read_document(b"x" * (report_text.REPORT_MAX_BYTES + 1), "big.txt")
    assert refused.value.problems == ["The document is larger than 25 MB"]


def test_the_same_recommendation_in_the_summary_and_the_chapter_is_found_once(session, small_reference):
    doc = read_document(html_document([*CONTENT, ("Chapter 3", f"Recommendation 3: {TEXT_3}")]), "x.html")
    assert [f.number for f in find_recommendations(session, doc, the_set(session))] == ["1", "2", "3"]


def test_taking_only_the_wording_leaves_it_partly_confirmed_keeping_the_earlier_note_and_fields(session, admin):
    one = rec(session, "1")
    one.provenance_note = "Fictional earlier note: a public source confirms the addressees."
    session.add(one)
    session.commit()
    checked = review(session, read_document(html_document(), "report.html"), the_set(session))
    row = next(r for r in checked.rows if r.found.number == "1")
    only_wording = Choice(row.found.text, [], None, {}, accepted={"text"})
    apply_review(session, checked, admin, choices={"1": only_wording})
    one = rec(session, "1")
    assert one.text == TEXT_1 and one.provenance is Provenance.PARTIAL
    assert set(one.confirmed_fields) == {"number", "addressees", "text"}  # not the deadline it did not check
    assert one.provenance_note.startswith("Fictional earlier note: a public source confirms the addressees. ")
    assert f"Wording checked against the report document “{TITLE}”" in one.provenance_note
    assert "https://www.example.org/a" in one.provenance_sources
    assert "summary" not in one.provenance_summary() and "report's own wording" in one.provenance_summary()
    again = review(session, read_document(html_document(), "report.html"), the_set(session))
    assert not apply_review(session, again, admin, choices={"1": only_wording}).versions


def test_wording_confirmed_from_the_report_document_is_not_called_a_summary(session, admin):
    apply_review(session, review(session, read_document(html_document(), "report.html"), the_set(session)), admin)
    summary = rec(session, "2").provenance_summary()
    assert summary.startswith("Confirmed against the report") and "summary" not in summary
    assert "the text is the report's own wording" in summary


# Lines as a PDF lays them out (about 50 characters wide); pypdf gives no blank line between paragraphs.
ONE_BROKEN = [
    CC,
    "Recommendation 1: Chief constables should test the",
    "fictional widget in every station.",
    "1.1 Chief constables should make sure staff use the",
    "fictional widget for every report of a fictional kind.",
    "1.2 Until the widget works, staff should keep a",
    "fictional paper list that can be searched.",
]
THREE_BROKEN = [
    PCC,
    "Recommendation 3: Police and crime commissioners and",
    "the Home Office should fund the fictional helpline.",
]


def found_in_pdf(session, pages):
    return find_recommendations(session, read_document(pdf_of_lines(pages), "report.pdf"), the_set(session))


def test_a_date_that_a_line_break_puts_first_on_a_line_is_not_a_recommendation(session, small_reference):
    two = [
        "Recommendation 2: Every fictional force should paint its",
        "fictional shed green, as agreed on",
        "3 March 2024.",
    ]
    found = found_in_pdf(session, [[*ONE_BROKEN, *two], THREE_BROKEN])
    assert [f.number for f in found] == ["1", "2", "3"]
    assert found[1].text == "Every fictional force should paint its fictional shed green, as agreed on 3 March 2024."


def test_a_deadline_that_a_line_break_puts_first_on_a_line_is_still_the_deadline(session, small_reference):
    two = ["Recommendation 2: Every fictional force should paint its", "fictional shed green by", "27 March 2025."]
    found = found_in_pdf(session, [[*ONE_BROKEN, *two], THREE_BROKEN])
    assert found[1].text == "Every fictional force should paint its fictional shed green by 27 March 2025."
    assert found[1].deadline == dt.date(2025, 3, 27)


def test_a_sentence_that_starts_with_a_figure_under_a_recommendations_heading_is_not_one(session, small_reference):
    figure = ["43 Forces answered the fictional survey for this report, and", "every one of them said so."]
    found = found_in_pdf(session, [ONE_BROKEN, [*THREE_BROKEN, *figure]])
    assert [f.number for f in found] == ["1", "3"]
    assert found[1].text == TEXT_3


def test_a_cross_reference_that_a_line_break_puts_first_on_a_line_is_not_a_heading(session, small_reference):
    one = [
        CC,
        "Recommendation 1: Chief constables should test the",
        "fictional widget in every station, as",
        "Recommendation 3 of our fictional 2019 report also asked.",
    ]
    found = found_in_pdf(session, [one, THREE_BROKEN])
    assert [f.number for f in found] == ["1", "3"]
    assert found[0].text == (
        "Chief constables should test the fictional widget in every station, as "
        "Recommendation 3 of our fictional 2019 report also asked."
    )
    assert found[1].text == TEXT_3


def test_commentary_after_a_recommendation_is_not_its_wording_when_the_pdf_loses_the_gap(session, small_reference):
    commentary = [
        "This fictional commentary explains the recommendations",
        "above, and every fictional force is to reply by 1 June 2026.",
    ]
    found = found_in_pdf(session, [ONE_BROKEN, [*THREE_BROKEN, "", *commentary]])  # a gap, as between paragraphs
    assert found[1].text == TEXT_3 and found[1].deadline is None


def test_a_recommendations_number_alone_on_its_line_heads_the_wording_below_it(session, small_reference):
    one = [CC, "Recommendation 1", "Chief constables should test the", "fictional widget in every station."]
    found = found_in_pdf(
        session,
        [
            one,
            [
                "Recommendation 3 \u2013 Police and crime commissioners and",
                "the Home Office should fund the fictional helpline.",
            ],
        ],
    )
    assert [(f.number, f.text) for f in found] == [
        ("1", "Chief constables should test the fictional widget in every station."),
        ("3", TEXT_3),
    ]


def test_a_refused_document_lists_every_reason_and_locates_each_copy_of_a_number_given_twice(session, small_reference):
    """Outsider pass 7, finding 8: only "given twice" and "beyond" were listed; "Recommendation 0" and a bare orphan
    "12.1" went unmentioned, and the two copies were located as "(the document; the document)"."""
    pasted = "\n\n".join(
        [
            "Recommendation 4: A fictional fourth one.",
            "Recommendation 0: A fictional zeroth one.",
            f"Recommendation 2: {TEXT_2}",
            "Recommendation 2: Fictional other wording for two, which goes on for a while.",
            "3.1 Fictional orphan part.",
        ]
    )
    with pytest.raises(ReportDocumentError) as refused:
        review(session, read_document(pasted.encode(), "pasted text"), the_set(session))
    assert sorted(refused.value.problems) == sorted(
        [
            "Recommendation 4 is beyond the 3 recommendations this set expects",
            "Recommendation 0 is not in the set Test report: its recommendations are numbered from 1",
            "Recommendation 2 is given twice with different wording: “Every fictional force should paint its "
            "fictional shed green by …” (paragraph 3 of the document) and “Fictional other wording for two, which "
            "goes on for a …” (paragraph 4 of the document)",
            "Sub-recommendation 3.1 has no recommendation 3 before it",
        ]
    )


def test_each_copy_of_a_number_given_twice_is_located_by_its_page_and_heading(session, small_reference):
    twice = pdf_of_lines([ONE_BROKEN, [*THREE_BROKEN, "", PCC, "Recommendation 3: Fictional other wording."]])
    with pytest.raises(ReportDocumentError) as refused:
        find_recommendations(session, read_document(twice, "report.pdf"), the_set(session))
    (problem,) = refused.value.problems
    assert problem.endswith(
        f"(page 2, under “{PCC}”, paragraph 6 of the document) and “Fictional other wording.” "
        f"(page 2, under “{PCC}”, paragraph 8 of the document)"
    ), problem


# The small report with an apostrophe in recommendation 3's wording: straight, then as typesetting gives it (a
# curly apostrophe, a no-break space, the "fi" ligature).
STRAIGHT = [(h, p and p.replace("fund the fictional", "fund the force's fictional")) for h, p in CONTENT]
TYPESET = [(h, p and p.replace("fund the fictional", "fund the force\u2019s \u00a0\ufb01ctional")) for h, p in CONTENT]


def test_another_rendering_of_the_report_applied_changes_nothing_where_no_field_differs(session, admin):
    """Outsider pass 8, finding 12: the PDF loaded after its HTML page was applied would have written a new version
    of every recommendation, changing only the note that names the document."""
    apply_review(
        session, review(session, read_document(html_document(STRAIGHT), "report.html"), the_set(session)), admin
    )
    three = rec(session, "3")
    held = (three.version, three.text, three.provenance_note)
    assert "the force's fictional helpline" in three.text and "report.html" in three.provenance_note
    events = len(session.exec(select(AuditEvent)).all())
    for content, name in [
        (pdf_document(STRAIGHT), "report.pdf"),
        (pasted_text(STRAIGHT).encode(), "pasted text"),
        (html_document(TYPESET), "report-typeset.html"),
    ]:
        again = review(session, read_document(content, name), the_set(session))
        assert not again.changes, name
        assert not any(f.differs for row in again.rows for f in row.fields), name
        assert "would change" in describe(again)[0] and "0 would change" in describe(again)[0]
        assert not apply_review(session, again, admin).versions
    three = rec(session, "3")
    assert (three.version, three.text, three.provenance_note) == held
    assert len(session.exec(select(AuditEvent)).all()) == events


def test_a_document_confirming_more_fields_than_before_still_applies(session, admin):
    apply_review(
        session, review(session, read_document(html_document(SPARSE_CONTENT), "r.html"), the_set(session)), admin
    )
    assert rec(session, "1").confirmed_fields == ["number", "text"]
    full = [
        (h, p and p.replace(TEXT_1, SPARSE_TEXT_1 + " By 27 March 2025, chief constables should act."))
        for h, p in CONTENT
    ]
    changed = review(session, read_document(html_document(full), "report.html"), the_set(session))
    assert "1" in {r.found.number for r in changed.changes}


def test_the_review_counts_in_the_singular_and_plural(session, admin):
    """Outsider pass 8, finding 12: "1 recommendations found"."""
    one = review(session, read_document(html_document(SPARSE_CONTENT), "report.html"), the_set(session))
    assert "1 recommendation found, 1 would change." in describe(one)[0]
    three = review(session, read_document(html_document(), "report.html"), the_set(session))
    assert "3 recommendations found, 3 would change." in describe(three)[0]
    assert ObligationChanges(added=[(1, 1)]).summary() == "1 new obligation, 0 no longer required, 0 required again"
    settled = ObligationChanges(added=[(1, 1), (1, 2)], declarations_settled=[(1, 1)])
    assert settled.summary() == (
        "2 new obligations, 0 no longer required, 0 required again, 1 declared response settled by the addressees"
    )
