"""The admin page "Load from the report document": review field by field, correct, apply; bad documents."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re

import pytest
from sqlmodel import select

from tests.support.accounts import sign_in
from tests.support.html_checks import form_submission
from tests.support.report_documents import (
    CC,
    SPARSE_CONTENT,
    SPARSE_TEXT_1,
    TEXT_2,
    TITLE,
    html_document,
    pasted_text,
    pdf_document,
)
from tests.support.web import csrf_headers
from tracker.recommendations import report_apply
from tracker.recommendations.models import Recommendation, RecommendationSet, ReportDocumentUpload
from tracker.recommendations.report_text import REPORT_MAX_BYTES
from tracker.vocabulary import Provenance, Role


@pytest.fixture
def admin(small_reference, make_user):
    return make_user(Role.ADMIN)


def rec(session, number):
    session.rollback()
    the_set = session.exec(select(RecommendationSet).where(RecommendationSet.slug == "test-report")).one()
    return session.exec(
        select(Recommendation).where(Recommendation.set_id == the_set.id, Recommendation.number == number)
    ).one()


AS_MULTIPART = {"none": ("", b"", "application/octet-stream")}  # the review form posts multipart, as the browser does


def upload(client, file):
    """Post the first step (the review) with ``file`` as (name, content, type) for the small set."""
    return client.post(
        "/admin/recommendations/report/",
        data={"set": "test-report"},
        files={"file": file},
        headers=csrf_headers(client),
    )


def apply(client, data):
    return client.post(
        "/admin/recommendations/report/apply", data=data, files=AS_MULTIPART, headers=csrf_headers(client)
    )


def carried(check, number=None):
    """What the review form carries back (for recommendation ``number``): the set, the document kept on the server
    (its id and sha256, never the document itself), the version reviewed."""
    return {
        "set": "test-report",
        "upload": hidden(check, "upload"),
        "upload_sha256": hidden(check, "upload_sha256"),
        **({f"r{number}-version": hidden(check, f"r{number}-version")} if number else {}),
    }


def hidden(page, name):
    return page.text.split(f'name="{name}" value="')[1].split('"')[0]


def test_the_admin_reviews_a_pdf_corrects_an_addressee_and_applies(client, session, admin):
    sign_in(client, admin.email)
    assert "Load from the report document" in client.get("/admin/recommendations/").text
    check = upload(client, ("report.pdf", pdf_document(), "application/pdf"))
    assert check.status_code == 200, check.text
    assert "3 recommendations found, 3 would change" in check.text
    assert 'data-testid="field-2-text"' in check.text and TEXT_2 in check.text
    assert "page 2, under “Recommendations for chief constables”" in check.text
    assert rec(session, "2").text is None  # nothing saved by the review
    data = {
        **form_submission(check.text, "/report/apply"),  # as the review fills it in (every field ticked) ...
        **{f"r{n}-accept": ["text", "addressees", "deadline", "sub_recommendations"] for n in "123"},  # ... and:
        "r1-text": rec(session, "1").text or "",
        "r2-text": TEXT_2,
        "r3-text": "Fictional corrected wording for three.",
        "r1-addressees": "chief-constables",
        "r2-addressees": "chief-constables",
        "r3-addressees": "pccs",  # corrected: the document also named the Home Office
        "r2-deadline": "27/03/2025",
    }
    applied = apply(client, data)
    assert applied.status_code == 200, applied.text
    assert "3 recommendations have a new version" in applied.text
    three = rec(session, "3")
    assert three.addressees == ["pccs"] and three.text == "Fictional corrected wording for three."
    assert three.provenance is Provenance.CONFIRMED and three.confirmed_by_label == admin.display_name
    assert "report.pdf" in three.provenance_note


def test_a_field_the_document_does_not_give_is_not_offered_and_ticking_it_keeps_the_set_s(client, session, admin):
    sign_in(client, admin.email)
    check = upload(client, ("report.html", html_document(SPARSE_CONTENT), "text/html"))
    assert check.status_code == 200, check.text
    assert "1 recommendation found, 1 would change" in check.text
    assert 'value="text"' in check.text
    for key in ("addressees", "deadline", "sub_recommendations"):
        assert f'value="{key}"' not in check.text  # not offered
    assert "not given in the document" in check.text
    data = {
        **carried(check, "1"),
        # A form from before, or one made by hand, ticking every field with nothing in it.
        "r1-accept": ["text", "addressees", "deadline", "sub_recommendations"],
        "r1-text": SPARSE_TEXT_1,
        "r1-addressees": "",
        "r1-deadline": "",
    }
    applied = apply(client, data)
    assert applied.status_code == 200, applied.text
    one = rec(session, "1")
    assert (one.text, one.addressees, one.deadline) == (SPARSE_TEXT_1, ["chief-constables"], dt.date(2025, 3, 27))
    assert one.confirmed_fields == ["number", "text"]


def test_a_recommendation_saved_while_the_admin_reviews_refuses_applying_with_409_and_saves_nothing(
    client, session, admin
):
    sign_in(client, admin.email)
    check = upload(client, ("report.pdf", pdf_document(), "application/pdf"))
    assert check.status_code == 200, check.text
    data = {
        **carried(check),
        **{f"r{n}-version": hidden(check, f"r{n}-version") for n in "123"},
        **{f"r{n}-accept": ["text"] for n in "123"},
        **{f"r{n}-text": f"Fictional reviewed wording {n}." for n in "123"},
    }
    # Meanwhile, recommendation 3 (the last one applying would save) is saved on its edit screen.
    three = rec(session, "3")
    edited = client.post(
        f"/admin/recommendations/{three.id}",
        data={
            "version": str(three.version),
            "text": "Fictional wording saved meanwhile.",
            "provenance": "to_be_confirmed",
        },
        headers=csrf_headers(client),
    )
    assert edited.status_code in (200, 303), edited.text
    saved = {n: (rec(session, n).version, rec(session, n).text) for n in "123"}
    refused = apply(client, data)
    assert refused.status_code == 409
    # Outsider pass 7, finding 9: the page said the document could not be used and asked to correct it.
    assert "Nothing was saved: someone changed this set while you checked" in refused.text
    assert "Check the document again" in refused.text
    assert "cannot be used" not in refused.text and "Correct the document" not in refused.text
    again = client.post(  # "Check the document again": the document kept, reviewed against the set as it is now
        "/admin/recommendations/report/",
        data=form_submission(refused.text, "/admin/recommendations/report"),
        files=AS_MULTIPART,
        headers=csrf_headers(client),
    )
    assert again.status_code == 200 and "3 recommendations found" in again.text
    assert "Fictional wording saved meanwhile." in again.text
    assert {n: (rec(session, n).version, rec(session, n).text) for n in "123"} == saved  # 1 and 2 not saved either
    assert saved["3"][1] == "Fictional wording saved meanwhile."


def test_a_section_s_addressees_are_set_at_once(client, session, admin):
    sign_in(client, admin.email)
    check = client.post(
        "/admin/recommendations/report/",
        data={"set": "test-report", "pasted": pasted_text()},
        files=AS_MULTIPART,
        headers=csrf_headers(client),
    )
    assert check.status_code == 200, check.text
    data = {
        **carried(check),
        "section-0-addressees": "chief-constables, home-office",
        **{f"r{n}-accept": ["addressees"] for n in "13"},
        "r2-accept": ["addressees", "text"],  # 2 has no wording yet: confirming it needs the document's
        "r2-text": TEXT_2,
        "r3-addressees": "pccs",
    }
    applied = apply(client, data)
    assert applied.status_code == 200, applied.text
    assert rec(session, "1").addressees == rec(session, "2").addressees == ["chief-constables", "home-office"]
    assert rec(session, "3").addressees == ["pccs"]


def test_a_wrong_correction_is_shown_beside_its_field_and_saves_nothing(client, session, admin):
    sign_in(client, admin.email)
    check = upload(client, ("report.html", html_document(), "text/html"))
    data = {
        **carried(check),
        "r2-accept": "deadline",
        "r2-deadline": "45/03/2025",
        "r2-addressees": "narnia",
    }
    refused = apply(client, data)
    assert refused.status_code == 422
    assert "The deadline must be a real date" in refused.text and "narnia is not an addressee code" in refused.text
    assert rec(session, "2").version == 1


def test_a_report_larger_than_the_spreadsheet_limit_is_reviewed_and_applied(client, session, admin):
    sign_in(client, admin.email)
    assert "up to 25 MB" in client.get("/admin/recommendations/report/").text
    # Over 2 MB (the spreadsheets' limit), as a real report's PDF is; the padding barely compresses.
    padding = f"<script>{os.urandom(1536 * 1024).hex()}</script>".encode()
    large = html_document().replace(b"<main>", padding + b"<main>")
    assert len(large) > 3 * 1024 * 1024
    check = upload(client, ("report.html", large, "text/html"))
    assert check.status_code == 200, check.text[:2000]
    assert "3 recommendations found" in check.text
    data = {
        **carried(check, "2"),
        "r2-accept": ["text"],
        "r2-text": TEXT_2,
    }
    applied = apply(client, data)
    assert applied.status_code == 200, applied.text[:2000]
    assert rec(session, "2").text == TEXT_2


def test_a_document_over_the_report_limit_is_refused_beside_its_field(client, session, admin):
    sign_in(client, admin.email)
    too_large = b"%PDF-1.4\n" + b"0" * (REPORT_MAX_BYTES + 1)
    refused = upload(client, ("report.pdf", too_large, "application/pdf"))
    assert refused.status_code == 422  # the form again, not the server's bare "too large"
    assert "The document is larger than 25 MB" in refused.text and 'id="file-error"' in refused.text
    assert rec(session, "2").version == 1


def test_a_scanned_pdf_is_refused_with_a_clear_message(client, session, admin):
    sign_in(client, admin.email)
    refused = upload(client, ("scan.pdf", pdf_document(with_text=False), "application/pdf"))
    assert refused.status_code == 422 and "The PDF has no text" in refused.text


def review_of(client, content, name="report.html"):
    check = upload(client, (name, content, "text/html"))
    assert check.status_code == 200, check.text[:3000]
    return check


def test_direction_overrides_in_the_title_headings_and_wording_are_removed_so_the_document_applies(
    client, session, admin
):
    """Outsider pass 7, finding 6: a U+202E in the <title> made the provenance note unstorable (an error linked to a
    field not on the page), and one in the wording sent the admin back to the empty upload form. The document is
    read as an import reads a cell: each text loses the invisible characters its field would refuse."""
    sign_in(client, admin.email)
    wording = "Every fictional force should paint its \u202efictional shed green by 27/03/25."
    content = [("Recommendations for chief \u2066constables\u2069", None), (CC, f"Recommendation 2: {wording}")]
    hostile = html_document(content).replace(
        f"<title>{TITLE}".encode(), "<title>Fictional \u202etxt.exe report".encode()
    )
    check = review_of(client, hostile, "fictional\u202etxt.html")
    assert "\u202e" not in check.text and "\u2066" not in check.text  # no live override on the review page
    assert "Fictional txt.exe report" in check.text and "Recommendations for chief constables" in check.text
    applied = apply(client, form_submission(check.text, "/report/apply"))
    assert applied.status_code == 200, applied.text[:3000]
    two = rec(session, "2")
    assert two.text == TEXT_2 and two.provenance is Provenance.CONFIRMED
    assert "\u202e" not in two.provenance_note and "“Fictional txt.exe report” (file fictionaltxt.html" in (
        two.provenance_note
    )


def test_an_override_typed_into_a_correction_is_refused_beside_it_and_the_review_stays(client, session, admin):
    sign_in(client, admin.email)
    check = review_of(client, html_document())
    fields = form_submission(check.text, "/report/apply")
    refused = apply(client, {**fields, "r2-text": "Every fictional force should paint its \u202eshed."})
    assert refused.status_code == 422
    assert 'data-testid="review-2"' in refused.text  # the review, not the empty upload form
    assert "Recommendation 2, wording: Remove the invisible character" in refused.text
    assert 'href="#r2-text"' in refused.text and 'id="r2-text-error"' in refused.text
    assert rec(session, "2").version == 1


def test_a_refusal_of_a_field_not_on_the_review_names_the_recommendation_beside_its_ticks(
    client, session, admin, monkeypatch
):
    """Whatever the save still refuses is shown on the review, beside a field there, naming the recommendation."""
    sign_in(client, admin.email)
    check = review_of(client, html_document())
    monkeypatch.setattr(report_apply, "provenance_note", lambda doc, found: "A note with \u202e in it.")
    refused = apply(client, form_submission(check.text, "/report/apply"))
    assert refused.status_code == 422
    assert 'data-testid="review-1"' in refused.text
    assert "Recommendation 1, provenance note: Remove the invisible character" in refused.text
    assert 'href="#r1-accept"' in refused.text and 'id="r1-accept-error"' in refused.text
    assert rec(session, "1").version == 1


def test_a_sub_recommendation_s_wording_cleared_in_its_box_is_refused_beside_it(client, session, admin):
    """Outsider pass 7, finding 7: emptying the box of 7.2 saved it blank and counted it as confirmed."""
    sign_in(client, admin.email)
    check = review_of(client, html_document())
    refused = apply(client, {**form_submission(check.text, "/report/apply"), "s1.2-text": "  "})
    assert refused.status_code == 422
    assert 'data-testid="review-1"' in refused.text
    assert "Recommendation 1: Enter the wording of sub-recommendation 1.2" in refused.text
    assert 'href="#s1.2-text"' in refused.text and 'id="s1.2-text-error"' in refused.text
    assert rec(session, "1").version == 1 and rec(session, "1.2").text == "Until then use a workaround."


# --- the document kept on the server between the review and applying it --------------------------------------------


def padded(megabytes):
    """The fictional report with ``megabytes`` of random padding in a script (skipped by the reader): a document
    as large as a real report's PDF that says the same."""
    padding = f"<script>{os.urandom(megabytes * 512 * 1024).hex()}</script>".encode()
    return html_document().replace(b"<main>", padding + b"<main>")


def test_the_review_page_carries_the_document_s_id_not_the_document(client, session, admin):
    """A 25 MB PDF made a 33 MB review page posted back whole on apply; the review now carries only the id and
    sha256 of the document kept on the server."""
    sign_in(client, admin.email)
    small = review_of(client, html_document())
    content = padded(3)
    large = review_of(client, content)
    assert abs(len(large.text) - len(small.text)) < 100 and len(large.text) < 100_000
    assert 'name="file_data"' not in large.text
    assert hidden(large, "upload_sha256") == hashlib.sha256(content).hexdigest()
    kept = session.get(ReportDocumentUpload, int(hidden(large, "upload")))
    assert kept is not None and len(kept.content) > 3 * 1024 * 1024 and kept.file_name == "report.html"
    assert kept.created_by_id == admin.id and kept.set_id == rec(session, "2").set_id


def test_apply_accepts_no_body_as_large_as_a_document(client, admin):
    from tracker.recommendations.report_controllers import APPLY_BODY_LIMIT, REVIEW_BODY_LIMIT

    assert APPLY_BODY_LIMIT <= 2 * 1024 * 1024 < REPORT_MAX_BYTES < REVIEW_BODY_LIMIT
    sign_in(client, admin.email)
    refused = client.post(
        "/admin/recommendations/report/apply",
        data={"set": "test-report"},
        files={"file": ("report.html", padded(3), "text/html")},
        headers=csrf_headers(client),
    )
    assert refused.status_code == 413


def test_another_admin_s_document_is_refused_beside_the_file_field(client, session, admin, make_user):
    sign_in(client, admin.email)
    check = review_of(client, html_document())
    data = form_submission(check.text, "/report/apply")
    other = make_user(Role.ADMIN, email="other-admin@example.org")
    sign_in(client, other.email)
    refused = apply(client, data)
    assert refused.status_code == 422
    assert "Only the admin who uploaded a document can apply it" in refused.text and 'id="file-error"' in refused.text
    assert rec(session, "2").version == 1


@pytest.mark.parametrize("kept", ["missing", "another sha256", "expired"])
def test_a_document_no_longer_kept_is_refused_beside_the_file_field(client, session, admin, kept):
    sign_in(client, admin.email)
    check = review_of(client, html_document())
    data = form_submission(check.text, "/report/apply")
    upload = session.get(ReportDocumentUpload, int(data["upload"]))
    if kept == "missing":
        data["upload"] = str(upload.id + 1000)
    elif kept == "another sha256":
        data["upload_sha256"] = "0" * 64
    else:
        upload.created_at -= dt.timedelta(days=1, minutes=1)
        session.add(upload)
        session.commit()
    refused = apply(client, data)
    assert refused.status_code == 422
    assert "is no longer kept: check it again" in refused.text and 'id="file-error"' in refused.text
    assert rec(session, "2").version == 1


def test_documents_older_than_a_day_are_deleted_when_another_is_kept(client, session, admin):
    sign_in(client, admin.email)
    first = int(hidden(review_of(client, html_document()), "upload"))
    upload = session.get(ReportDocumentUpload, first)
    upload.created_at -= dt.timedelta(days=2)
    session.add(upload)
    session.commit()
    review_of(client, padded(0))
    session.rollback()
    kept = session.exec(select(ReportDocumentUpload.sha256)).all()
    assert kept == [hashlib.sha256(padded(0)).hexdigest()]  # the day-old one is gone (SQLite may reuse its id)


def test_pasted_text_holding_an_override_is_read_as_a_document_not_refused_as_a_typed_field(client, session, admin):
    sign_in(client, admin.email)
    check = client.post(
        "/admin/recommendations/report/",
        data={"set": "test-report", "pasted": pasted_text().replace("paint its", "paint \u202eits")},
        files=AS_MULTIPART,
        headers=csrf_headers(client),
    )
    assert check.status_code == 200, check.text[:3000]
    assert "\u202e" not in check.text and TEXT_2 in check.text


@pytest.mark.parametrize("hidden_field", ["r2-version", "upload"])
def test_a_hidden_field_refused_is_reported_beside_a_field_on_the_page(client, session, admin, hidden_field):
    sign_in(client, admin.email)
    check = review_of(client, html_document())
    fields = form_submission(check.text, "/report/apply")
    refused = apply(client, {**fields, hidden_field: f"\u202e{fields[hidden_field]}"})
    assert refused.status_code == 422
    summary = refused.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets and all(f'id="{t}"' in refused.text and f'id="{t}-error"' in refused.text for t in targets)
    assert rec(session, "2").version == 1


def test_the_review_lists_what_the_reading_guessed_beside_each_recommendation(client, session, admin):
    """Outsider pass 8, finding 1: a page header left out of a pasted wording was not flagged on the review; the
    "Check: …" notes were printed by the command line only."""
    sign_in(client, admin.email)
    pasted = "\n".join(
        [
            "Fictional report on widgets (not a real report)",
            "Recommendations for chief constables",
            "Recommendation 2",
            "Every fictional force should paint its fictional shed green by 27/03/25, and should improve-",
            "Fictional report: a test header",
            "Page 1 of 2",
            "ment the fictional fence it stands behind before the fictional winter comes, as it said it would.",
            "Recommendation 3",
            "Police and crime commissioners and the Home Office should fund the fictional helpline, a line",
            "Fictional report: a test header",
            "Page 2 of 2",
        ]
    )
    check = client.post(
        "/admin/recommendations/report/",
        data={"set": "test-report", "pasted": pasted},
        files=AS_MULTIPART,
        headers=csrf_headers(client),
    )
    assert check.status_code == 200, check.text
    notes = check.text.split('data-testid="guesses-2"')[1].split("</div>")[0]
    assert "Check before saving:" in notes
    assert "a page break falls inside the wording: “Fictional report: a test header” was left out" in notes
    assert "“improve-” and “ment” at a line break are read as one word, “improvement”" in notes
    assert "the deadline is read from the words “by 27/03/25” in the wording" in notes
    assert "every fictional force should paint" not in notes.lower()


def test_the_review_and_applying_count_one_recommendation_in_the_singular(client, session, admin):
    """Outsider pass 8, finding 12: "1 recommendations found", "1 recommendations have a new version"."""
    sign_in(client, admin.email)
    check = upload(client, ("report.html", html_document(SPARSE_CONTENT), "text/html"))
    assert "1 recommendation found, 1 would change" in check.text
    applied = apply(client, {**carried(check, "1"), "r1-accept": ["text"], "r1-text": SPARSE_TEXT_1})
    assert applied.status_code == 200, applied.text
    assert "1 recommendation has a new version, confirmed against the report. 0 new obligations" in applied.text
