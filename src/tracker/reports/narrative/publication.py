"""Rendering a written report's published files once: a standalone HTML page and a PDF, stored as bytes.

The page holds nothing that differs per request (no script, no form, no sign-in state) so the stored bytes are
what every visitor gets, for ever; it links the site's stylesheet and the addresses it is given (``Links``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass
from gettext import NullTranslations

from sqlmodel import Session

from tracker.cells import csv_bytes
from tracker.organisations.bilingual import ENGLISH, WELSH
from tracker.recommendations.models import RecommendationSet
from tracker.reports.models import ReportingPeriod
from tracker.reports.narrative.document import WrittenReport, frozen_report, written_report
from tracker.reports.narrative.figures import NATIONAL, PER_RECOMMENDATION
from tracker.reports.narrative.models import ReportDraft, ReportExample
from tracker.reports.narrative.services import Rendered
from tracker.timeutil import LONDON, utc_now
from tracker.vocabulary import ResponseStatus
from tracker.web.i18n import (
    NC_,
    current_locale,
    html_lang,
    in_english,
    localise_url,
    pgettext,
    project_translations,
    translations_in_use,
)
from tracker.web.templating import build_environment, footer_links, static_url


@dataclass(frozen=True)
class Links:
    """The addresses a published page links to (the app's routes, reversed by the caller)."""

    home: str
    reports: str
    pdf: str
    open_data: str
    figures: str = ""  # the report's figures as CSV
    page: str = ""  # the report's own page (its other language is linked from each)
    stylesheet: str = static_url("govuk/govuk-frontend.min.css")


def render_html(report: WrittenReport, links: Links, *, demo_mode: bool) -> bytes:
    """The standalone page in the language of the translations in use (published once, for everyone): its links
    stay in that language."""
    template = build_environment().get_template("reports/written_report.html")
    locale = current_locale()
    return template.render(
        r=report,
        statuses=list(ResponseStatus),
        links={name: localise_url(url, locale) for name, url in asdict(links).items()},
        footer_links=footer_links(),
        demo_mode=demo_mode,
        html_lang=html_lang(locale),
        other_language=localise_url(links.page, ENGLISH if locale == WELSH else WELSH) if links.page else "",
    ).encode("utf-8")


def welsh_translations() -> NullTranslations:
    """The Welsh catalogue the Welsh report is drawn in (English when there is none)."""
    return project_translations(WELSH)


@dataclass
class Publisher:
    """What publishing needs besides the draft: the session, the period and set, the links and the demo flag."""

    session: Session
    period: ReportingPeriod
    rec_set: RecommendationSet
    links: Links
    stale_days: int
    demo_mode: bool = False

    def written(
        self, draft: ReportDraft, examples: list[ReportExample], published_on: dt.date, locale: str = ENGLISH
    ) -> WrittenReport:
        data = frozen_report(self.session, self.period, self.rec_set, self.stale_days)
        return written_report(data, self.rec_set, draft, examples, published_on=published_on, locale=locale)

    def render(self, draft: ReportDraft, examples: list[ReportExample]) -> Rendered:
        """The HTML page and the PDF of ``draft`` published today, in English and in Welsh from the same frozen
        figures, and the figures (CSV) (``services.publish`` stores them)."""
        from tracker.reports.narrative import pdf as written_pdf  # reportlab: only publishing needs it

        today = utc_now().astimezone(LONDON).date()
        with in_english():
            report = self.written(draft, examples, today)
            html, pdf = render_html(report, self.links, demo_mode=self.demo_mode), written_pdf.render(report)
            csv = figures_csv(report)
        with translations_in_use(welsh_translations()):
            welsh = self.written(draft, examples, today, WELSH)
            html_cy, pdf_cy = render_html(welsh, self.links, demo_mode=self.demo_mode), written_pdf.render(welsh)
        return Rendered(html, pdf, csv, html_cy, pdf_cy)


def figures_csv(report: WrittenReport) -> bytes:
    """The report's figures as open data: the national ones, then each recommendation's, as its placeholders
    name them (``figures.ReportFigures``, the frozen figures), every cell neutralised (``tracker.cells``)."""
    names = list(dict.fromkeys([*PER_RECOMMENDATION, *NATIONAL]))
    # Nationally: every national placeholder's value, and the responses by status as the report's table counts them.
    totals = report.data.total_counts
    national: dict[str, object] = {status.value: totals[status] for status in ResponseStatus}
    national |= report.figures.national
    rows = [[report.rec_set.slug, "all", *(national.get(name, "") for name in names)]]
    for number, figures in report.figures.by_recommendation.items():
        rows.append([report.rec_set.slug, number, *(figures.get(name, "") for name in names)])
    return csv_bytes(["set", "recommendation", *names], rows)


# The figures file's headings: its own two columns and each figure's name, catalogued as open-data columns so that
# a Welsh reader gets Welsh headings, as in every Welsh open-data file; the values are numbers and codes in both.
FIGURE_HEADINGS = (
    NC_("open-data column", "set"),
    NC_("open-data column", "recommendation"),
    NC_("open-data column", "responses"),
    NC_("open-data column", "complete"),
    NC_("open-data column", "in_progress"),
    NC_("open-data column", "not_started"),
    NC_("open-data column", "blocked"),
    NC_("open-data column", "not_applicable"),
    NC_("open-data column", "overdue"),
    NC_("open-data column", "no_published_plan"),
    NC_("open-data column", "organisations_must_answer"),
    NC_("open-data column", "organisations_published"),
    NC_("open-data column", "no_recent_update"),
)


def figures_in_language(stored: bytes) -> bytes:
    """The stored figures file (``figures_csv``) with its headings in the current language: the same bytes for
    the same file and language, every time."""
    head, newline, rest = stored.decode("utf-8-sig").partition("\r\n")
    out = io.StringIO()
    csv.writer(out).writerow([pgettext("open-data column", name) for name in next(csv.reader([head]))])
    return (out.getvalue() + rest).encode("utf-8-sig") if newline else out.getvalue().encode("utf-8-sig")
