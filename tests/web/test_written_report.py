"""The written progress report (issue 18): analysts write commentary on a frozen period's figures, choose examples,
have it reviewed by a second person and publish it as HTML and PDF that never change."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlmodel import select

from tests.support.plans import pdf_text
from tests.support.written_reports import PUBLIC_UPDATE, SECRET_UPDATE, as_, post, url
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor
from tracker.organisations.services import get_by_slug
from tracker.plans.models import ProgressUpdate
from tracker.plans.publication import publish_plan
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.recommendations.models import Recommendation
from tracker.reports.narrative.document import frozen_report
from tracker.reports.narrative.models import PublishedReport, ReportDraft, ReportExample
from tracker.reports.narrative.publication import FIGURE_HEADINGS
from tracker.reports.narrative.services import report_set
from tracker.reports.services import PeriodError, freeze_period, open_period, unfreeze_period
from tracker.vocabulary import PracticeStatus, ReportStatus, ResponseStatus, Role


def version(session, period) -> str:
    draft = session.exec(select(ReportDraft).where(ReportDraft.period_id == period.id)).first()
    session.refresh(draft)
    return str(draft.version)


def rec_id(session, number: str) -> int:
    return session.exec(select(Recommendation.id).where(Recommendation.number == number)).one()


def test_write_review_and_publish_a_report(client, session, period, people):
    as_(client, people["writer"])
    assert client.get(url(period)).status_code == 200
    text = {"version": "0", "summary": "**{complete}** responses are complete; {overdue:1} overdue on rec 1."}
    text[f"commentary-{rec_id(session, '1')}"] = (
        "- Kent is {complete:1} of {responses:1}\n- see [the plan](https://example.org/p)"
    )
    assert post(client, url(period), **text).status_code == 303
    page = client.get(url(period)).text
    example = re.search(r'value="(\d+:update:\d+)"', page).group(1)
    assert (
        post(
            client,
            url(period, "/examples"),
            version=version(session, period),
            example=example,
            lead_in="Kent shows how",
        ).status_code
        == 303
    )
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    # The author cannot approve it, even as admin would (here a coordinator): someone else must.
    refused = post(client, url(period, "/approve"), version=version(session, period))
    assert refused.status_code == 422 and "someone else must approve it" in refused.text
    as_(client, people["reviewer"])
    assert (
        post(client, url(period, "/return"), version=version(session, period), review_comment="Say more").status_code
        == 303
    )
    as_(client, people["writer"])
    text["version"] = version(session, period)
    text["next_steps"] = "The next report follows in the summer."
    assert post(client, url(period), **text).status_code == 303
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    as_(client, people["reviewer"])
    assert post(client, url(period, "/approve"), version=version(session, period)).status_code == 303
    assert post(client, url(period, "/publish"), version=version(session, period)).status_code == 303
    stored = session.exec(select(PublishedReport)).one()
    client.cookies.clear()
    html = client.get(f"/reports/test-report/{period.id}")
    assert html.status_code == 200 and html.content == stored.html
    assert hashlib.sha256(html.content).hexdigest() == stored.html_sha256
    complete = re.search(r'data-testid="totals".*?data-status="complete"[^>]*>(\d+)<', html.text, re.S).group(1)
    assert f'<strong><span data-figure="complete">{complete}</span></strong> responses are complete' in html.text
    assert '<a class="govuk-link" href="https://example.org/p">the plan</a>' in html.text
    assert PUBLIC_UPDATE in html.text and "Kent shows how" in html.text
    assert SECRET_UPDATE not in html.text and "Say more" not in html.text
    pdf = client.get(f"/reports/test-report/{period.id}/pdf")
    assert pdf.content == stored.pdf and PUBLIC_UPDATE in pdf_text(pdf.content)
    assert SECRET_UPDATE not in pdf_text(pdf.content)
    assert (
        client.get(f"/reports/test-report/{period.id}", headers={"if-none-match": html.headers["etag"]}).status_code
        == 304
    )
    assert f"/reports/test-report/{period.id}" in client.get("/reports").text
    figures = client.get(f"/reports/test-report/{period.id}/figures.csv")
    assert figures.content == stored.figures_csv and f"/reports/test-report/{period.id}/figures.csv" in html.text
    national = figures.content.decode("utf-8-sig").splitlines()[1].split(",")
    assert (
        national[:2] == ["test-report", "all"] and national[3] == complete
    )  # the columns: set, rec, responses, complete
    feed = client.get("/open-data/publications.atom").text
    assert f"Progress report published: {period.name}" in feed and f"/reports/test-report/{period.id}" in feed
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "report_draft")).all()
    assert [e.action for e in events][-1] == "update" and any(e.action == "publish" for e in events)


def test_an_unknown_figure_is_refused_beside_its_field(client, session, period, people):
    as_(client, people["writer"])
    answer = post(client, url(period), version="0", summary="We have {complet} and {overdue:9}")
    assert answer.status_code == 422
    assert "There is no figure {complet}, {overdue:9}" in answer.text
    assert session.exec(select(ReportDraft)).first() is None
    assert "We have {complet} and {overdue:9}" in answer.text, "nothing typed is lost"


def test_a_form_sent_back_with_errors_keeps_the_version_it_was_loaded_from(client, session, period, people):
    """Loaded at version 1; someone saves version 2; this person's save has an error: the form sent back still says
    version 1, so their corrected save is a conflict (409), never a silent overwrite of version 2."""
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="First").status_code == 303
    assert post(client, url(period), version="1", summary="Someone else's").status_code == 303
    answer = post(client, url(period), version="1", summary="{wrong}")
    assert answer.status_code == 422
    again = re.search(r'name="version" value="(\d+)"', answer.text).group(1)
    assert again == "1"
    assert post(client, url(period), version=again, summary="Mine, corrected").status_code == 409


def test_a_stale_save_answers_409_with_both_texts(client, session, period, people):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="First words").status_code == 303
    assert post(client, url(period), version="1", summary="Second words").status_code == 303
    answer = post(client, url(period), version="1", summary="My late words")
    assert answer.status_code == 409
    assert "Second words" in answer.text and "My late words" in answer.text
    history = client.get(url(period)).text.split('data-testid="report-history"', 1)[1]
    assert "<del>First words</del> <ins>Second words</ins>" in history, "every save is a version with its diff"


def test_a_period_with_a_published_report_cannot_be_unfrozen(session, period, people):
    draft = ReportDraft(period_id=period.id, set_id=1, status=ReportStatus.PUBLISHED)
    session.add(draft)
    session.flush()
    session.add(
        PublishedReport.of(
            draft, period, people["admin"], html=b"x", pdf=b"y", figures_csv=b"z", set_slug="test-report", title="t"
        )
    )
    session.flush()
    with pytest.raises(PeriodError, match="published report"):
        unfreeze_period(session, period, Actor("t"))


def test_an_example_made_internal_is_flagged_and_blocks_publication(client, session, period, people):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    example = re.search(r'value="(\d+:update:(\d+))"', client.get(url(period)).text)
    assert post(client, url(period, "/examples"), version="1", example=example.group(1), lead_in="").status_code == 303
    update = session.get(ProgressUpdate, int(example.group(2)))
    update.visibility = "internal"
    session.commit()
    assert "no longer public" in client.get(url(period)).text


def publish(client, session, period, people, summary="Summary {complete}", lead_in="", **text) -> PublishedReport:
    text = {f"commentary-{rec_id(session, '1')}": "Commentary on {complete:1}"} | text
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary=summary, **text).status_code == 303
    example = re.search(r'value="(\d+:update:\d+)"', client.get(url(period)).text).group(1)
    assert post(client, url(period, "/examples"), version="1", example=example, lead_in=lead_in).status_code == 303
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    as_(client, people["reviewer"])
    assert post(client, url(period, "/approve"), version=version(session, period)).status_code == 303
    assert post(client, url(period, "/publish"), version=version(session, period)).status_code == 303
    client.cookies.clear()
    return session.exec(select(PublishedReport)).one()


def test_published_bytes_never_change_whatever_changes_after(client, session, period, people):
    stored = publish(client, session, period, people)
    first = (
        client.get(f"/reports/test-report/{period.id}").content,
        client.get(f"/reports/test-report/{period.id}/pdf").content,
    )
    # The example's source, the recommendation's wording and the draft's state all change afterwards.
    update = session.exec(select(ProgressUpdate).where(ProgressUpdate.text == PUBLIC_UPDATE)).one()
    update.text = "Rewritten later"
    session.get(Recommendation, rec_id(session, "1")).text = "Reworded later"
    session.commit()
    as_(client, people["writer"])
    refused = post(client, url(period), version=version(session, period), summary="A later edit")
    assert refused.status_code == 422 and "can no longer change" in refused.text
    client.cookies.clear()
    again = (
        client.get(f"/reports/test-report/{period.id}").content,
        client.get(f"/reports/test-report/{period.id}/pdf").content,
    )
    assert again == first == (stored.html, stored.pdf)
    head = client.head(f"/reports/test-report/{period.id}/pdf")
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == f'"{stored.pdf_sha256[:32]}"'
    assert PUBLIC_UPDATE in first[0].decode() and "Rewritten later" not in first[0].decode()


def test_the_same_report_renders_the_same_bytes(session, period, people):
    """Rendering is deterministic: the same draft on the same frozen figures gives the same HTML and PDF bytes."""
    from tracker.reports.narrative.publication import Links, Publisher
    from tracker.reports.narrative.services import report_set

    rec_set = report_set(session, period)
    draft = ReportDraft(period_id=period.id, set_id=rec_set.id, summary="**{complete}** complete", author_ids=[1])
    session.add(draft)
    session.flush()
    publisher = Publisher(session, period, rec_set, Links("/", "/reports", "/pdf", "/open-data"), 90)
    day = dt.date(2026, 12, 1)
    first = publisher.written(draft, [], day)
    from tracker.reports.narrative import pdf as written_pdf
    from tracker.reports.narrative.publication import render_html

    html = render_html(first, publisher.links, demo_mode=False)
    assert html == render_html(publisher.written(draft, [], day), publisher.links, demo_mode=False)
    assert written_pdf.render(first) == written_pdf.render(publisher.written(draft, [], day))
    assert "Published 1 December 2026" in pdf_text(written_pdf.render(first))
    # Its creation date is the day of publication (midnight in London), not the period's freeze.
    assert b"/CreationDate (D:20261201000000+00'00')" in written_pdf.render(first)


def test_who_may_do_what(client, session, period, people, make_user):
    """Inspectors and editors never see a draft; the reviewer cannot approve a report they wrote part of."""
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    inspector = make_user(Role.INSPECTOR)
    as_(client, inspector)
    assert client.get(url(period)).status_code == 403
    as_(client, people["admin"])
    assert post(client, url(period), version="1", summary="Words, amended by an admin").status_code == 303
    assert post(client, url(period, "/submit"), version="2").status_code == 303
    refused = post(client, url(period, "/approve"), version="3")
    assert refused.status_code == 422 and "someone else must approve it" in refused.text
    as_(client, people["reviewer"])
    assert post(client, url(period, "/approve"), version="3").status_code == 303


XSS = '<script>alert("x")</script> <img src=x onerror=alert(1)> =HYPERLINK("https://evil.example","x")'


def test_xss_and_formula_payloads_are_inert_in_the_published_html_and_pdf(client, session, period, people):
    commentary = {f"commentary-{rec_id(session, '1')}": f"- {XSS}\n- **{XSS}**"}
    stored = publish(client, session, period, people, summary=f"{XSS} {{complete}}", lead_in=XSS, **commentary)
    html = client.get(f"/reports/test-report/{period.id}").text
    assert "<script" not in html and "<img" not in html
    assert (
        html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
        + html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;")
        >= 4
    ), "shown as text: summary, two commentary items, lead-in"
    text = pdf_text(stored.pdf)
    assert text.count('<script>alert("x")</script>') >= 2 and "=HYPERLINK" in text


def test_unfreezing_sends_an_approved_report_back_to_draft_and_warns_first(client, session, period, people):
    """The figures under an approved report can change once its period is reopened: the approval does not survive
    it, the report's history says why, and the unfreeze form warns before it happens."""
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="{complete} complete").status_code == 303
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    as_(client, people["reviewer"])
    assert post(client, url(period, "/approve"), version=version(session, period)).status_code == 303
    as_(client, people["admin"])
    page = client.get(f"/oversight/periods/{period.id}").text
    assert 'data-testid="unfreeze-report-warning"' in page and "is approved. Unfreezing sends it back to draft" in page
    answer = post(client, f"/oversight/periods/{period.id}/unfreeze", confirm_unfreeze="yes")
    assert answer.status_code == 303
    draft = session.exec(select(ReportDraft).where(ReportDraft.period_id == period.id)).one()
    session.refresh(draft)
    assert draft.status is ReportStatus.DRAFT
    events = session.exec(
        select(AuditEvent).where(AuditEvent.entity_type == "report_draft", AuditEvent.entity_id == draft.id)
    ).all()
    assert events[-1].summary == "Report returned to draft: the period was unfrozen"


def test_a_published_report_hides_the_unfreeze_form(client, session, period, people):
    publish(client, session, period, people)
    as_(client, people["admin"])
    page = client.get(f"/oversight/periods/{period.id}").text
    assert "Unfreeze this period" not in page


@pytest.mark.parametrize(
    ("lead_in", "message"),
    [
        ("{foo} lead", "There is no figure {foo}"),
        ("Lone { brace", "Use { and } only around a figure"),
        ("{complete:99} lead", "There is no figure {complete:99}"),
        ("see [x](javascript:alert(1))", "Links must be to an address starting http:// or https://"),
    ],
)
def test_a_lead_in_gets_the_sections_checks_beside_its_field(client, session, period, people, lead_in, message):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    example = re.search(r'value="(\d+:update:\d+)"', client.get(url(period)).text).group(1)
    answer = post(client, url(period, "/examples"), version="1", example=example, lead_in=lead_in)
    assert answer.status_code == 422
    beside = answer.text.split('id="lead_in-error"', 1)[1][:400]
    assert message in beside.replace("&#123;", "{").replace("&#125;", "}")
    assert session.exec(select(ReportExample)).first() is None


def test_a_bad_lead_in_saved_before_the_check_blocks_submit_and_approve(client, session, period, people):
    """A lead-in stored before lead-ins were checked (or written straight to the database) is caught at review."""
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    example = re.search(r'value="(\d+:update:\d+)"', client.get(url(period)).text).group(1)
    assert post(client, url(period, "/examples"), version="1", example=example, lead_in="ok").status_code == 303
    stored = session.exec(select(ReportExample)).one()
    stored.lead_in = "{foo} lead"
    session.commit()
    refused = post(client, url(period, "/submit"), version=version(session, period))
    assert (
        refused.status_code == 422
        and "Correct the placeholders or links in: the lead-in of the example" in refused.text
    )


def test_the_published_pdf_carries_the_reports_key_sentences(client, session, period, people):
    """The overdue count and what the figures cover are in the published PDF, as in its HTML and the generated PDF."""
    from tracker.reports.narrative.document import frozen_report
    from tracker.reports.narrative.services import report_set
    from tracker.reports.pdf import key_sentences

    stored = publish(client, session, period, people)
    data = frozen_report(session, period, report_set(session, period), 90)
    sentences = key_sentences(data)
    assert any("responses are overdue" in s for s in sentences)
    assert data.coverage.note and data.coverage.note in sentences, "the fixture's set awaits some wording"
    text = " ".join(pdf_text(stored.pdf).split())
    for sentence in sentences:
        assert " ".join(sentence.split()) in text


def test_an_example_is_judged_by_the_organisations_published_plan_not_its_live_edits(
    client, session, period, people, make_user
):
    """An edit the organisation has not republished changes nothing the public sees: no flag, and the report
    publishes the words chosen. Once republished, the chosen words are no longer what the organisation says: the
    example is flagged and approving (so publishing) is refused until it is removed."""
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    choice = re.search(r'value="(\d+:update:(\d+))"', client.get(url(period)).text)
    assert post(client, url(period, "/examples"), version="1", example=choice.group(1), lead_in="").status_code == 303
    update = session.get(ProgressUpdate, int(choice.group(2)))
    assert update.text == PUBLIC_UPDATE
    update.text = "EDITED-NOT-REPUBLISHED"
    session.commit()
    assert "no longer public" not in client.get(url(period)).text, "the published plan still holds the chosen words"

    publish_plan(session, get_by_slug(session, "kent"), make_user(Role.EDITOR, "kent", email="kent2@example.org"))
    session.commit()
    assert "no longer public" in client.get(url(period)).text
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    as_(client, people["reviewer"])
    refused = post(client, url(period, "/approve"), version=version(session, period))
    assert refused.status_code == 422 and "no longer public" in refused.text


def test_a_report_publishes_the_chosen_words_while_the_edit_is_unpublished(client, session, period, people):
    as_(client, people["writer"])
    commentary = {f"commentary-{rec_id(session, '1')}": "Commentary"}
    assert post(client, url(period), version="0", summary="Words", **commentary).status_code == 303
    choice = re.search(r'value="(\d+:update:(\d+))"', client.get(url(period)).text)
    assert post(client, url(period, "/examples"), version="1", example=choice.group(1), lead_in="").status_code == 303
    session.get(ProgressUpdate, int(choice.group(2))).text = "EDITED-NOT-REPUBLISHED"
    session.commit()
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    as_(client, people["reviewer"])
    assert post(client, url(period, "/approve"), version=version(session, period)).status_code == 303
    assert post(client, url(period, "/publish"), version=version(session, period)).status_code == 303
    html = session.exec(select(PublishedReport)).one().html.decode()
    assert PUBLIC_UPDATE in html and "EDITED-NOT-REPUBLISHED" not in html


def _practice(session, title: str, rec: int, reviewed_at: dt.datetime) -> Practice:
    practice = Practice(
        slug=title.lower().replace(" ", "-"),
        title=title,
        summary="Invented practice for a test",
        status=PracticeStatus.APPROVED,
        reviewed_at=reviewed_at,
    )
    session.add(practice)
    session.flush()
    session.add(PracticeRecommendation(practice_id=practice.id, recommendation_id=rec))
    session.commit()
    return practice


def test_practice_approved_after_the_freeze_is_neither_offered_nor_listed(client, session, period, people):
    later = _practice(session, "Later clinic", rec_id(session, "1"), period.fixed_at + dt.timedelta(days=1))
    as_(client, people["writer"])
    assert f":practice:{later.id}" not in client.get(url(period)).text
    data = frozen_report(session, period, report_set(session, period), 90)
    assert all("Later clinic" not in section.practice for section in data.sections)


def test_withdrawing_practice_later_leaves_a_frozen_periods_report_unchanged(client, session, small_reference, people):
    rec = rec_id(session, "1")
    practice = _practice(session, "Weekly clinic", rec, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    frozen = open_period(session, name="Winter 2025", cut_off=dt.date(2025, 3, 31), actor=Actor("t"))
    freeze_period(session, frozen, Actor("t"))
    session.commit()
    as_(client, people["admin"])
    before = client.get(f"/oversight/report/pdf?period={frozen.id}").content
    assert "Weekly clinic" in pdf_text(before)
    practice.status = PracticeStatus.DRAFT
    session.commit()
    after = client.get(f"/oversight/report/pdf?period={frozen.id}").content
    assert after == before
    data = frozen_report(session, frozen, report_set(session, frozen), 90)
    assert any("Weekly clinic" in section.practice for section in data.sections)


def test_figures_csv_holds_every_national_figure_the_report_shows(client, session, period, people):
    """Every placeholder's value, under its name, and the national responses by status (the report's table)."""
    stored = publish(client, session, period, people)
    lines = stored.figures_csv.decode("utf-8-sig").splitlines()
    national = dict(zip(lines[0].split(","), lines[1].split(","), strict=True))
    data = frozen_report(session, period, report_set(session, period), 90)
    for name in ("organisations_must_answer", "organisations_published", "no_recent_update", "overdue"):
        assert national[name] != "", name
    assert national["organisations_must_answer"] == str(data.headline.organisations)
    assert national["no_recent_update"] == str(data.headline.no_recent_update or 0)
    for status in ResponseStatus:
        assert national[status.value] == str(data.total_counts[status]), status


def test_the_author_sees_no_approve_button_and_the_history_shows_status_labels(client, session, period, people):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    page = client.get(url(period)).text
    assert 'data-testid="author-cannot-approve"' in page and "report-draft:approve" not in page
    assert f"/oversight/periods/{period.id}/report/approve" not in page
    history = page.split('data-testid="report-history"', 1)[1]
    assert "<del>Draft</del> <ins>Submitted</ins>" in history
    as_(client, people["reviewer"])
    assert f"/oversight/periods/{period.id}/report/approve" in client.get(url(period)).text


def test_the_history_marks_each_text_in_its_language_and_the_figure_counts_follow_the_plural_rule(
    client, session, period, people
):
    """Welsh text in the history was marked lang="en", and so were the status's interface words; the figure list
    said "178 ymatebion" where every other Welsh count keeps the noun singular after its number."""
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="A word", summary_cy="Gair").status_code == 303
    assert post(client, url(period), version="1", summary="Words", summary_cy="Geiriau’r ŵyr").status_code == 303  # noqa: RUF001
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    english = client.get(url(period)).text.split('data-testid="report-history"', 1)[1]
    assert '<ins lang="cy">Geiriau’r ŵyr</ins>' in english and "<ins>Words</ins>" in english  # noqa: RUF001
    page = client.get(url(period, "?lang=cy")).text
    welsh = page.split('data-testid="report-history"', 1)[1]
    assert '<ins lang="en">Words</ins>' in welsh and "<ins>Geiriau’r ŵyr</ins>" in welsh  # noqa: RUF001
    statuses = re.findall(r"<del([^>]*)>[^<]*</del> <ins([^>]*)>Wedi", welsh)
    assert statuses and all(attributes == ("", "") for attributes in statuses), statuses
    figures = page.split("app-figure-list", 1)[1].split("</dl>", 1)[0]
    assert re.search(r">\d+ ymateb agored heb ddiweddariad diweddar<", figures), figures
    assert "ymatebion" not in figures and "sefydliadau" not in figures


def test_approval_is_refused_while_an_example_is_no_longer_public(client, session, period, people):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    example = re.search(r'value="(\d+:update:(\d+))"', client.get(url(period)).text)
    assert post(client, url(period, "/examples"), version="1", example=example.group(1), lead_in="").status_code == 303
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    session.get(ProgressUpdate, int(example.group(2))).visibility = "internal"
    session.commit()
    as_(client, people["reviewer"])
    refused = post(client, url(period, "/approve"), version=version(session, period))
    assert refused.status_code == 422 and "no longer public" in refused.text


def test_a_report_with_no_commentary_cannot_be_published(client, session, period, people):
    as_(client, people["writer"])
    assert post(client, url(period), version="0", summary="Words").status_code == 303
    assert post(client, url(period, "/submit"), version=version(session, period)).status_code == 303
    as_(client, people["reviewer"])
    assert post(client, url(period, "/approve"), version=version(session, period)).status_code == 303
    refused = post(client, url(period, "/publish"), version=version(session, period))
    assert refused.status_code == 422 and "Write the national commentary" in refused.text
    assert session.exec(select(PublishedReport)).first() is None


# --- the written report in Welsh (issue 20, part 3) -------------------------------------------------------------

ENGLISH_ONLY = "Mae’r adran hon ar gael yn Saesneg yn unig."  # noqa: RUF001


def test_the_welsh_sections_are_published_beside_the_english_with_the_same_figures_and_a_noted_fallback(
    client, session, period, people
):
    """The Welsh summary is published in the Welsh report with its placeholder valued as in the English one; the
    commentary, written only in English, is shown in English in the Welsh report with a note, never silently; the
    Welsh files are stored with their SHA-256 and served byte for byte at the same address with ?lang=cy."""
    stored = publish(client, session, period, people, summary="Summary {complete}", summary_cy="Crynodeb {complete}")
    assert stored.html_cy and stored.pdf_cy
    assert stored.html_cy_sha256 == hashlib.sha256(stored.html_cy).hexdigest()
    assert stored.pdf_cy_sha256 == hashlib.sha256(stored.pdf_cy).hexdigest()
    english = client.get(f"/reports/test-report/{period.id}")
    welsh = client.get(f"/reports/test-report/{period.id}?lang=cy")
    assert english.content == stored.html and welsh.content == stored.html_cy
    assert welsh.headers["etag"] == f'"{stored.html_cy_sha256[:32]}"' != english.headers["etag"]
    complete = re.search(r'Summary <span data-figure="complete">(\d+)</span>', english.text).group(1)
    assert f'Crynodeb <span data-figure="complete">{complete}</span>' in welsh.text
    assert '<html lang="cy"' in welsh.text
    commentary = welsh.text.split('data-testid="written-commentary-1"', 1)
    assert ENGLISH_ONLY in commentary[0].rsplit("<h3", 1)[1], "the note sits above the English commentary"
    assert commentary[1].startswith(' lang="en">') and "Commentary on" in commentary[1]
    assert ENGLISH_ONLY not in english.text
    pdf = client.get(f"/reports/test-report/{period.id}/pdf?lang=cy")
    assert pdf.content == stored.pdf_cy
    text = pdf_text(pdf.content)
    assert f"Crynodeb {complete}" in text and ENGLISH_ONLY in text and "Yr argymhellion" in text


def test_the_welsh_figures_file_has_welsh_headings_over_the_same_values_every_time(client, session, period, people):
    """As the Welsh open-data files do: the Welsh report's figures.csv names its columns in Welsh; the values
    (numbers and codes) and the English file are as stored, and each language's file is the same bytes each time."""
    stored = publish(client, session, period, people, summary="Summary {complete}", summary_cy="Crynodeb")
    address = f"/reports/test-report/{period.id}/figures.csv"
    english, welsh = client.get(address), client.get(f"{address}?lang=cy")
    assert english.content == stored.figures_csv and client.get(f"{address}?lang=cy").content == welsh.content
    english_lines = english.content.decode("utf-8-sig").splitlines()
    welsh_lines = welsh.content.decode("utf-8-sig").splitlines()
    assert welsh_lines[1:] == english_lines[1:]
    english_headings, welsh_headings = english_lines[0].split(","), welsh_lines[0].split(",")
    assert set(english_headings) <= set(FIGURE_HEADINGS), "every figure's column is catalogued"
    assert welsh_headings[:3] == ["set_argymhellion", "argymhelliad", "ymatebion"]
    assert not set(english_headings) & set(welsh_headings), welsh_headings
    assert "figures-cy.csv" in welsh.headers["content-disposition"] and welsh.headers["etag"] != english.headers["etag"]


def welsh_save(client, period, **fields):
    """The first save of the report's text, on the Welsh page."""
    return post(client, url(period, "?lang=cy"), version="0", summary="Words", **fields)


def test_a_welsh_form_lists_every_fault_at_once_in_welsh(client, session, period, people):
    """A control character in one field, a bad link in another and an over-long commentary in a third: all three
    beside their fields and in the summary at once (only the control character was listed), each in Welsh."""
    as_(client, people["writer"])
    rec = rec_id(session, "1")
    answer = welsh_save(
        client,
        period,
        summary_cy="Crynodeb \x07",
        foreword_cy='Rhagair [dolen](https://example.org/") yma',
        **{f"commentary_cy-{rec}": "x" * 20_001},
    )
    assert answer.status_code == 422
    for field in ("summary_cy", "foreword_cy", f"commentary_cy-{rec}"):
        assert f'id="{field}-error"' in answer.text, field
        assert f'href="#{field}"' in answer.text, f"{field} is not in the summary"
    for english in ("Remove the invisible", "Links must", "characters or fewer", " or {complete"):
        assert english not in answer.text, english
    assert "20,000" in answer.text.split(f'id="commentary_cy-{rec}-error"', 1)[1].split("</p>", 1)[0]
    bidi = welsh_save(client, period, summary_cy="Crynodeb \u202e", foreword_cy="{nope}")
    assert bidi.status_code == 422 and 'id="foreword_cy-error"' in bidi.text and 'id="summary_cy-error"' in bidi.text
    assert "Remove the invisible" not in bidi.text and "There is no figure" not in bidi.text


def test_a_welsh_section_is_checked_like_the_english_versioned_and_in_the_conflict_panel(
    client, session, period, people
):
    as_(client, people["writer"])
    wrong = post(client, url(period), version="0", summary="Fine", summary_cy="{no_such_figure}")
    assert wrong.status_code == 422 and 'id="summary_cy-error"' in wrong.text
    assert 'id="summary-error"' not in wrong.text
    assert post(client, url(period), version="0", summary="Words", summary_cy="Geiriau").status_code == 303
    draft = session.exec(select(ReportDraft).where(ReportDraft.period_id == period.id)).one()
    assert (draft.summary_cy, draft.version) == ("Geiriau", 1)
    rec = rec_id(session, "1")
    assert (
        post(client, url(period), version="1", summary="Words", **{f"commentary_cy-{rec}": "Sylw"}).status_code == 303
    )
    session.refresh(draft)
    assert draft.commentary_cy == {str(rec): "Sylw"} and draft.summary_cy == "" and draft.version == 2
    saved = session.exec(
        select(AuditEvent).where(AuditEvent.entity_type == "report_draft").order_by(AuditEvent.id.desc())
    ).first()
    assert saved.before["summary_cy"] == "Geiriau" and saved.after["commentary_cy"] == {str(rec): "Sylw"}
    late = post(client, url(period), version="1", summary="Words", summary_cy="Fy ngeiriau hwyr")
    assert late.status_code == 409
    panel = late.text.split('data-testid="conflict"', 1)[1].split("</table>", 1)[0]
    assert "Summary in Welsh" in panel and "Fy ngeiriau hwyr" in panel
