"""Open data: the published plans as tables (CSV and JSON), each column described in ``TABLES``.

Rows come only from each organisation's latest publication. CSV cells that a spreadsheet would run as a
formula are neutralised as the other exports do (``tracker.cells.neutralise``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from tracker.audit.services import plain
from tracker.cells import csv_bytes
from tracker.evidence.models import Evidence
from tracker.organisations.bilingual import WELSH_SUFFIX, bilingual_fields, welsh_of
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.public.data import PublishedPlan, public_organisations, published_plans
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.web.i18n import N_, NC_, pgettext
from tracker.web.i18n import gettext as _

COLUMN = "open-data column"  # the context of a column's name in the catalogue: its heading in a Welsh CSV file


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    welsh: bool = False  # the Welsh twin of the column before it (``tracker.organisations.bilingual``)

    def heading(self) -> str:
        """The column's heading in the reader's language; a Welsh twin's is its English column's heading and
        ``_cy``, in either language, so it stays recognisable beside it."""
        if self.welsh:
            return welsh_of(pgettext(COLUMN, self.name.removesuffix(WELSH_SUFFIX)))
        return pgettext(COLUMN, self.name)


WELSH_TWIN = N_("The column before it in Welsh, as the organisation wrote it; empty when it has not written it.")


def _twinned(model: type[SQLModel], *columns: Column) -> tuple[Column, ...]:
    """``columns`` with a Welsh column after each that holds a bilingual text of ``model`` (``summary_cy`` after
    ``summary``), for every organisation."""
    bilingual = bilingual_fields(model)
    twinned: list[Column] = []
    for column in columns:
        twinned.append(column)
        if column.name in bilingual:
            twinned.append(Column(welsh_of(column.name), WELSH_TWIN, welsh=True))
    return tuple(twinned)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]


_WHO = (
    Column(NC_("open-data column", "organisation"), N_("The organisation's name.")),
    Column(
        NC_("open-data column", "organisation_slug"),
        N_("A short, stable identifier of the organisation (used in its page's address)."),
    ),
    Column(
        NC_("open-data column", "organisation_type"),
        N_("force, policing_body (police and crime commissioner or equivalent) or national_body."),
    ),
    Column(
        NC_("open-data column", "recommendation_set"),
        N_("A short, stable identifier of the report the recommendation comes from."),
    ),
    Column(
        NC_("open-data column", "recommendation"),
        N_("The recommendation's number in the report (for example 7 or 7.1)."),
    ),
)
_WHEN = (
    Column(
        NC_("open-data column", "published_at"),
        N_("When the organisation published the plan this row comes from (UTC, ISO 8601)."),
    ),
)

# The table that lists published files: a withdrawal must leave it at once, whatever caches stand between.
EVIDENCE_TABLE = "evidence"
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "responses",
            N_("Responses"),
            N_("One row per recommendation an organisation must answer, as it last published it."),
            _twinned(
                Response,
                *_WHO,
                Column(
                    NC_("open-data column", "status"),
                    N_("not_started, in_progress, blocked, complete or not_applicable."),
                ),
                Column(
                    NC_("open-data column", "rag"),
                    N_("The organisation's own red, amber or green rating; empty if it gave none."),
                ),
                Column(NC_("open-data column", "lead_role"), N_("The role (never a person) leading the work.")),
                Column(NC_("open-data column", "summary"), N_("The organisation's summary of its response.")),
                Column(NC_("open-data column", "blocked_reason"), N_("What a blocked response is waiting for.")),
                Column(
                    NC_("open-data column", "not_applicable_reason"),
                    N_("Why the organisation says the recommendation does not apply to it."),
                ),
                Column(
                    NC_("open-data column", "completed_at"),
                    N_("When the organisation marked the response complete (UTC, ISO 8601)."),
                ),
                Column(
                    NC_("open-data column", "declared"),
                    N_(
                        "true when the organisation declared it answers the recommendation itself, because who the"
                        " report addresses it to is not yet known; false for an obligation from the known addressees."
                    ),
                ),
                Column(
                    NC_("open-data column", "actions"),
                    N_("How many actions the published plan lists for this response."),
                ),
                Column(NC_("open-data column", "public_updates"), N_("How many public progress updates it lists.")),
                Column(NC_("open-data column", "public_evidence"), N_("How many public evidence items it lists.")),
                *_WHEN,
            ),
        ),
        Table(
            "actions",
            N_("Actions"),
            N_("One row per action in a published plan."),
            _twinned(
                Action,
                *_WHO,
                Column(
                    NC_("open-data column", "position"),
                    N_("The action's place in the organisation's list for this recommendation (from 1)."),
                ),
                Column(NC_("open-data column", "description"), N_("What will be done.")),
                Column(NC_("open-data column", "owner_role"), N_("The role (never a person) responsible.")),
                Column(NC_("open-data column", "target_date"), N_("When it is due (ISO 8601 date).")),
                Column(NC_("open-data column", "status"), N_("not_started, in_progress, blocked or complete.")),
                Column(NC_("open-data column", "completed_on"), N_("When it was completed (ISO 8601 date).")),
                *_WHEN,
            ),
        ),
        Table(
            "updates",
            N_("Progress updates"),
            N_("One row per public progress update in a published plan."),
            _twinned(
                ProgressUpdate,
                *_WHO,
                Column(NC_("open-data column", "date"), N_("The date the update describes (ISO 8601 date).")),
                Column(NC_("open-data column", "text"), N_("The update.")),
                *_WHEN,
            ),
        ),
        Table(
            EVIDENCE_TABLE,
            N_("Evidence"),
            N_("One row per public evidence item in a published plan: its description and where to find it."),
            _twinned(
                Evidence,
                *_WHO,
                Column(NC_("open-data column", "evidence_id"), N_("A stable number identifying the item.")),
                Column(NC_("open-data column", "kind"), N_("file, link or note.")),
                Column(NC_("open-data column", "title"), N_("The item's title.")),
                Column(NC_("open-data column", "description"), N_("What the item shows.")),
                Column(
                    NC_("open-data column", "url"),
                    N_("For a link, its address; for a file, the address to download it from."),
                ),
                Column(NC_("open-data column", "note"), N_("For a note, its text.")),
                Column(NC_("open-data column", "file_name"), N_("For a file, its name.")),
                Column(
                    NC_("open-data column", "content_type"),
                    N_("For a file, its media type (for example application/pdf)."),
                ),
                Column(NC_("open-data column", "size_bytes"), N_("For a file, its size in bytes.")),
                Column(
                    NC_("open-data column", "sha256"),
                    N_("For a file, its SHA-256 checksum, to check a downloaded copy."),
                ),
                *_WHEN,
            ),
        ),
    )
}
RECOMMENDATIONS = Table(
    "recommendations",
    N_("Recommendations"),
    N_("One row per recommendation and sub-recommendation of each report, with how far its wording is confirmed."),
    (
        _WHO[3],
        _WHO[4],
        Column(
            NC_("open-data column", "text"),
            N_("What it asks, as the tracker holds it (see provenance); empty when its wording is not yet known."),
        ),
        Column(
            welsh_of("text"),
            N_("Its wording in Welsh; empty when there is none. No Welsh version of the report is known to us."),
            welsh=True,
        ),
        Column(
            NC_("open-data column", "text_cy_source"),
            N_(
                "Where the Welsh wording comes from: source (published in Welsh, see text_cy_citation) or "
                "project_translation (the project's own translation, awaiting review by a Welsh speaker)."
            ),
        ),
        Column(
            NC_("open-data column", "text_cy_citation"),
            N_("Where a Welsh wording from a source was published."),
        ),
        Column(
            NC_("open-data column", "provenance"),
            N_("confirmed, quoted, partial or to_be_confirmed: how far it is confirmed against the report."),
        ),
        Column(
            NC_("open-data column", "deadline"), N_("The date written into it (ISO 8601); empty when none is known.")
        ),
    ),
)
TABLES[RECOMMENDATIONS.name] = RECOMMENDATIONS
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def evidence_download_path(organisation_slug: str, evidence_id: Any) -> str:
    return f"/organisations/{organisation_slug}/evidence/{evidence_id}"


def _rows_of(plan: PublishedPlan, public_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    organisation = plan.organisation
    published_at = plain(plan.publication.published_at) if plan.publication else None
    for response in plan.responses:
        who = {
            "organisation": organisation.name,
            "organisation_slug": organisation.slug,
            "organisation_type": organisation.kind.value,
            "recommendation_set": response.get("set"),
            "recommendation": response.get("recommendation"),
        }
        actions, updates, evidence = (response.get(k) or [] for k in ("actions", "updates", "evidence"))
        yield (
            "responses",
            {
                **who,
                **{k: response.get(k) for k in ("status", "rag", "lead_role")},
                **_texts(response, Response),
                "not_applicable_reason": response.get("not_applicable_reason"),
                "completed_at": response.get("completed_at"),
                "declared": bool(response.get("declared")),  # public_plan writes it only when true
                "actions": len(actions),
                "public_updates": len(updates),
                "public_evidence": len(evidence),
                "published_at": published_at,
            },
        )
        for position, action in enumerate(actions, start=1):
            yield (
                "actions",
                {
                    **who,
                    "position": position,
                    **_texts(action, Action),
                    **{k: action.get(k) for k in ("owner_role", "target_date", "status")},
                    "completed_on": action.get("completed_on"),
                    "published_at": published_at,
                },
            )
        for update in updates:
            yield (
                "updates",
                {**who, "date": update.get("date"), **_texts(update, ProgressUpdate), "published_at": published_at},
            )
        for item in evidence:
            file_url = public_url + evidence_download_path(organisation.slug, item.get("id"))
            yield "evidence", {**who, **_evidence_columns(item, file_url), "published_at": published_at}


def _evidence_columns(item: dict[str, Any], file_url: str) -> dict[str, Any]:
    """An evidence row's own columns: a file's ``url`` is where the public downloads it (``file_url``)."""
    return {
        "evidence_id": item.get("id"),
        "kind": item.get("kind"),
        **_texts(item, Evidence),
        "url": file_url if item.get("kind") == "file" else item.get("url"),
        **{k: item.get(k) for k in ("note", "file_name", "content_type", "size_bytes", "sha256")},
    }


def _texts(item: dict[str, Any], model: type[SQLModel]) -> dict[str, Any]:
    """A published item's bilingual texts and their Welsh (None when not written, or published before plans
    carried Welsh)."""
    return {key: item.get(key) for field in bilingual_fields(model) for key in (field, welsh_of(field))}


def table_rows(session: Session, table: str, public_url: str) -> list[dict[str, Any]]:
    """The rows of one open-data table, organisations by name, in report order within each."""
    columns = [c.name for c in TABLES[table].columns]
    if table == RECOMMENDATIONS.name:
        return [{c: row.get(c) for c in columns} for row in recommendation_rows(session)]
    rows = []
    for plan in published_plans(session, public_organisations(session)):
        for name, row in _rows_of(plan, public_url):
            if name == table:
                rows.append({c: row.get(c) for c in columns})
    return rows


def recommendation_rows(session: Session) -> list[dict[str, Any]]:
    """Every recommendation of every set (not those taken out of it), sets by date, in the report's order."""
    sets = {s.id: s for s in session.exec(select(RecommendationSet))}
    recs = session.exec(
        select(Recommendation)
        .where(col(Recommendation.removed_at).is_(None))
        .order_by(col(Recommendation.set_id), col(Recommendation.position), col(Recommendation.id))
    )
    return [
        {
            "recommendation_set": sets[r.set_id].slug,
            "recommendation": r.number,
            "text": r.text,
            "text_cy": r.text_cy,
            "text_cy_source": r.text_cy_source.value if r.text_cy_source else None,
            "text_cy_citation": r.text_cy_citation,
            "provenance": r.provenance.value,
            "deadline": plain(r.deadline),
        }
        for r in recs
    ]


def to_csv(table: str, rows: list[dict[str, Any]]) -> bytes:
    """CSV with a header row even when there are no rows; formula-like cells neutralised."""
    columns = [c.name for c in TABLES[table].columns]
    headings = [column.heading() for column in TABLES[table].columns]  # in the reader's language (?lang=cy)
    return csv_bytes(headings, ([row.get(column) for column in columns] for row in rows))


def to_json(table: str, rows: list[dict[str, Any]], as_of: str | None) -> bytes:
    document = {"table": table, "title": _(TABLES[table].title), "data_as_of": as_of, "rows": rows}
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def render_table(session: Session, table: str, extension: str, public_url: str) -> bytes:
    """One open-data file, ``{table}.{extension}`` (csv or json), as its bytes."""
    rows = table_rows(session, table, public_url)
    if extension == "csv":
        return to_csv(table, rows)
    as_of = max((r["published_at"] for r in rows if r.get("published_at")), default=None)
    return to_json(table, rows, as_of)
