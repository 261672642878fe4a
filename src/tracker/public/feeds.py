"""An Atom feed (RFC 4287) of published changes: one entry per plan publication and per published progress report,
newest first. A bilingual organisation's publication that holds Welsh text has a second entry, in Welsh
(``xml:lang="cy"``, its own id, linking to the Welsh page); the English entry reads as it always has.

Entries say which organisation published and what its published plan now holds (or which report was published);
never who pressed the button.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections import Counter
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from sqlmodel import Session, col, select

from tracker.db import not_none
from tracker.organisations.bilingual import WELSH, WELSH_SUFFIX
from tracker.organisations.models import Organisation
from tracker.plans.models import PlanPublication
from tracker.public.data import STATUS_ORDER, status_of
from tracker.recommendations.models import Recommendation
from tracker.reports.narrative.services import published_reports
from tracker.timeutil import UTC
from tracker.web import i18n
from tracker.web.i18n import gettext as _
from tracker.web.i18n import ngettext

ATOM = "http://www.w3.org/2005/Atom"
FEED_PATH = "/open-data/publications.atom"
FEED_TITLE = "Published action plans: stalking recommendations tracker"
MAX_ENTRIES = 100
_EPOCH = dt.datetime(2024, 9, 27, tzinfo=UTC)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _iso(value: dt.datetime) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _tag_authority(public_url: str) -> str:
    return urlsplit(public_url).hostname or "localhost"


def _status_counts(content: dict, sub_recommendations: frozenset[int]) -> Counter:
    """How many responses of the published plan have each status, counted as the headline figures count them
    (``figures.Headline``): one per numbered recommendation, never a sub-recommendation (ids in
    ``sub_recommendations``) on its own."""
    counts: Counter = Counter()
    for response in content.get("responses", []):
        if response.get("recommendation_id") in sub_recommendations:
            continue
        status = status_of(response.get("status"))
        if status is not None:
            counts[status] += 1
    return counts


def entry_summary(content: dict, sub_recommendations: frozenset[int] = frozenset()) -> str:
    """What the published plan holds (``_status_counts``), in English."""
    counts = _status_counts(content, sub_recommendations)
    parts = [f"{counts[s]} {s.english_label.lower()}" for s in STATUS_ORDER if counts[s]]
    total = sum(counts.values())
    return f"{total} responses" + (f": {', '.join(parts)}." if parts else ".")


def has_welsh(content: dict) -> bool:
    """Whether a published plan holds any text in Welsh (a publication made before plans carried Welsh holds none)."""

    def welsh_in(item: dict) -> bool:
        return any(key.endswith(WELSH_SUFFIX) and value for key, value in item.items())

    return any(
        welsh_in(response)
        or any(welsh_in(item) for key in ("actions", "updates", "evidence") for item in response[key])
        for response in content.get("responses", [])
    )


def _welsh_entry_texts(name: str, content: dict, sub_recommendations: frozenset[int]) -> tuple[str, str]:
    """The title and summary of a publication's Welsh entry, in the language of the translations in use."""
    counts = _status_counts(content, sub_recommendations)
    parts = [f"{counts[s]} {s.label.lower()}" for s in STATUS_ORDER if counts[s]]
    total = ngettext("%(num)s response", "%(num)s responses", sum(counts.values()))
    return _("%(name)s published its action plan", name=name), total + (f": {', '.join(parts)}." if parts else ".")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _entry(feed: ET.Element, entry_id: str, title: str, when: str, href: str, summary: str, lang: str = "") -> None:
    """One entry; ``lang``: its language when it is not the feed's (``xml:lang``, and its page's ``hreflang``)."""
    entry = _sub(feed, "entry", **({XML_LANG: lang} if lang else {}))
    _sub(entry, "id", entry_id)
    _sub(entry, "title", title)
    _sub(entry, "updated", when)
    _sub(entry, "published", when)
    _sub(entry, "link", rel="alternate", type="text/html", href=href, **({"hreflang": lang} if lang else {}))
    _sub(entry, "summary", summary)


def atom_feed(session: Session, public_url: str, welsh: gettext.NullTranslations | None = None) -> bytes:
    """The feed document (UTF-8 XML); ``welsh``: the Welsh catalogue, for the Welsh entries (none without it)."""
    rows = list(
        session.exec(
            select(PlanPublication, Organisation)
            .join(Organisation, col(Organisation.id) == PlanPublication.organisation_id)
            .order_by(col(PlanPublication.published_at).desc(), col(PlanPublication.id).desc())
            .limit(MAX_ENTRIES)
        )
    )
    subs = frozenset(
        not_none(i) for i in session.exec(select(Recommendation.id).where(col(Recommendation.parent_id).is_not(None)))
    )
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    tag = f"tag:{_tag_authority(public_url)},2024"
    _sub(feed, "id", f"{tag}:publications")
    _sub(feed, "title", FEED_TITLE)
    _sub(feed, "subtitle", "Each entry is an organisation publishing its action plan.")
    reports = published_reports(session)[:MAX_ENTRIES]
    newest = max([p.published_at for p, _ in rows[:1]] + [r.published_at for r in reports[:1]], default=_EPOCH)
    _sub(feed, "updated", _iso(newest))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=public_url + FEED_PATH)
    _sub(feed, "link", rel="alternate", type="text/html", href=public_url + "/organisations")
    author = _sub(feed, "author")
    _sub(author, "name", "Stalking recommendations tracker")
    for publication, organisation in rows:
        when, page = _iso(publication.published_at), f"/organisations/{organisation.slug}"
        title = f"{organisation.name} published its action plan"
        entry_id = f"{tag}:publication-{publication.id}"
        _entry(feed, entry_id, title, when, public_url + page, entry_summary(publication.content, subs))
        if welsh is not None and organisation.bilingual and has_welsh(publication.content):
            with i18n.translations_in_use(welsh):
                title, summary = _welsh_entry_texts(
                    organisation.name_cy or organisation.name, publication.content, subs
                )
            href = public_url + i18n.localise_url(page, WELSH)
            _entry(feed, f"{entry_id}-{WELSH}", title, when, href, summary, lang=WELSH)
    for report in reports:  # after the plans' entries; readers order entries by their dates
        _entry(
            feed,
            f"{tag}:progress-report-{report.id}",
            f"Progress report published: {report.period_name}",
            _iso(report.published_at),
            f"{public_url}/reports/{report.set_slug}/{report.period_id}",
            f"The national progress report for {report.period_name}, as published.",
        )
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
