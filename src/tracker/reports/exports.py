"""Data exports of the national picture: CSV (responses), XLSX (a sheet per table, and the headline figures) and
JSON.

The response rows come from the same computation as the dashboard and the report, so the numbers agree.
Every cell goes through the one neutraliser, ``tracker.cells.neutralise`` (formulas, characters XLSX refuses).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.assessments.models import Assessment
from tracker.audit.services import plain
from tracker.cells import csv_bytes, neutralise
from tracker.db import saved_id
from tracker.organisations.models import Organisation
from tracker.permissions import national_levels
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.figures import Headline, select_columns
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.reports.progress_report import ReportData
from tracker.timeutil import LONDON

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font


def response_rows(data: ReportData) -> list[dict[str, Any]]:
    """One row per response in the report (the figures of the dashboard and the report)."""
    orgs = {o.id: o for o in data.organisations}
    recs = {r.id: r for r in data.recommendations}
    rows = []
    for (org_id, rec_id), row in sorted(
        data.rows.items(), key=lambda kv: (orgs[kv[0][0]].name, recs[kv[0][1]].position)
    ):
        rows.append(
            {
                "organisation": orgs[org_id].name,
                "organisation_slug": orgs[org_id].slug,
                "organisation_type": orgs[org_id].kind.value,
                "organisation_published": org_id in data.published_ids,
                "recommendation": recs[rec_id].number,
                "recommendation_provenance": recs[rec_id].provenance.value,
                "status": row.status.value,
                "overdue": row.overdue,
                "declared": row.declared,  # declared by the organisation: the addressees are not yet known
                "latest_update_on": plain(row.latest_update_on),
                "latest_update": row.latest_update_text,
                "as_of": data.as_of.isoformat(),
                "statuses_as_at": data.figures_as_at.isoformat(),
                "period": data.period_name,
            }
        )
    return rows


def tables(session: Session, data: ReportData, period: ReportingPeriod | None) -> dict[str, list[dict[str, Any]]]:
    """Every table of the export: responses, actions, updates, assessments, snapshots, recommendations and
    organisations. A frozen ``period``'s hold what its snapshots count: the actions recorded and the updates dated
    by its cut-off, and the assessments recorded by its freeze."""
    scope = _Scope.of(session, data)
    return {
        "responses": response_rows(data),
        "actions": _actions(session, scope, period),
        "updates": _updates(session, scope, period),
        "assessments": _assessments(session, scope, period),
        "snapshots": _snapshots(session, scope, period),
        "recommendations": _recommendations(session, scope),
        "organisations": organisation_rows(data),
    }


@dataclass
class _Scope:
    """What the tables cover: the report's recommendation set, and each required response's organisation
    (named as the responses table names it: its name, then its slug) and recommendation number."""

    names: dict[int, dict[str, str]]
    recommendations: list[Recommendation]
    numbers: dict[int, str]
    in_scope: set[int]
    where: dict[int, tuple[dict[str, str], str]]

    @classmethod
    def of(cls, session: Session, data: ReportData) -> _Scope:
        names = {
            saved_id(o): {"organisation": o.name, "organisation_slug": o.slug}
            for o in session.exec(select(Organisation))
        }
        recs = list(
            session.exec(select(Recommendation).order_by(col(Recommendation.set_id), col(Recommendation.position)))
        )
        numbers = {saved_id(r): r.number for r in recs}
        in_scope = {saved_id(r) for r in recs if data.set_id is None or r.set_id == data.set_id}
        where = {
            saved_id(r): (names[r.organisation_id], numbers[r.recommendation_id])
            for r in session.exec(select(Response).where(col(Response.required).is_(True)))
            if r.recommendation_id in in_scope
        }
        return cls(names, recs, numbers, in_scope, where)

    def who(self, response_id: int) -> dict[str, str]:
        """The organisation and recommendation columns of a row about response ``response_id``."""
        names, number = self.where[response_id]
        return {**names, "recommendation": number}


def _actions(session: Session, scope: _Scope, period: ReportingPeriod | None) -> list[dict[str, Any]]:
    # Plain columns rather than ORM objects: tens of thousands of rows at national scale.
    query = select_columns(
        Action.response_id,
        Action.description,
        Action.owner_role,
        Action.target_date,
        Action.status,
        Action.completed_on,
    ).order_by(col(Action.response_id), col(Action.position), col(Action.id))
    if period is not None:  # those its snapshots count (tracker.reports.services.freeze_period)
        query = query.where(col(Action.created_at) < period.recorded_by)
    rows = session.exec(query)
    # Numbered from 1 within each response's list, as open data numbers them (tracker.public.opendata).
    return [
        {
            **scope.who(response_id),
            "position": position,
            "description": description,
            "owner_role": owner_role,
            "target_date": plain(target_date),
            "status": status.value,
            "completed_on": plain(completed_on),
        }
        for response_id, actions in groupby(rows, key=itemgetter(0))
        if response_id in scope.where
        for position, (_, description, owner_role, target_date, status, completed_on) in enumerate(actions, start=1)
    ]


def _updates(session: Session, scope: _Scope, period: ReportingPeriod | None) -> list[dict[str, Any]]:
    dated = col(ProgressUpdate.update_on) <= period.cut_off if period is not None else sa.true()
    return [
        {**scope.who(response_id), "date": plain(update_on), "text": text, "visibility": visibility.value}
        for response_id, update_on, text, visibility in session.exec(
            select(
                ProgressUpdate.response_id,
                col(ProgressUpdate.update_on),
                col(ProgressUpdate.text),
                col(ProgressUpdate.visibility),
            )
            .where(col(ProgressUpdate.visibility).in_(national_levels()), dated)
            .order_by(col(ProgressUpdate.response_id), col(ProgressUpdate.update_on), col(ProgressUpdate.id))
        )
        if response_id in scope.where
    ]


def _assessments(session: Session, scope: _Scope, period: ReportingPeriod | None) -> list[dict[str, Any]]:
    recorded = col(Assessment.created_at) <= period.fixed_at if period is not None else sa.true()
    return [
        {
            **scope.who(a.response_id),
            "rating": a.rating.value,
            "rationale": a.rationale,
            "released": a.released,
            "assessed_on": plain(a.created_at.date()),
        }
        for a in session.exec(
            select(Assessment).where(recorded).order_by(col(Assessment.response_id), col(Assessment.id))
        )
        if a.response_id in scope.where
    ]


def _snapshots(session: Session, scope: _Scope, period: ReportingPeriod | None) -> list[dict[str, Any]]:
    rows = []
    periods = [period] if period else list(session.exec(select(ReportingPeriod).order_by(col(ReportingPeriod.cut_off))))
    for p in periods:
        for s in session.exec(select(Snapshot).where(col(Snapshot.period_id) == p.id).order_by(col(Snapshot.id))):
            if s.recommendation_id not in scope.in_scope:
                continue
            rows.append(
                {
                    "period": p.name,
                    "cut_off": p.cut_off.isoformat(),
                    "statuses_as_at": p.statuses_as_at.isoformat(),
                    **scope.names[s.organisation_id],
                    "recommendation": scope.numbers[s.recommendation_id],
                    "status": s.status.value,
                    "rag": s.rag.value if s.rag else None,
                    "actions_total": s.actions_total,
                    "actions_complete": s.actions_complete,
                    "evidence_count": s.evidence_count,
                    "latest_update_on": plain(s.latest_update_on),
                }
            )
    return rows


def _recommendations(session: Session, scope: _Scope) -> list[dict[str, Any]]:
    sets = {s.id: s.slug for s in session.exec(select(RecommendationSet))}
    return [
        {
            "set": sets.get(r.set_id),
            "recommendation": r.number,
            "text": r.text,
            "provenance": r.provenance.value,
            "provenance_label": r.provenance.label,
            "provenance_summary": r.provenance_summary(),
            "confirmed_fields": ", ".join(r.confirmed_fields),
            "sources": " ".join(r.provenance_sources),
            "confirmed_by": r.confirmed_by_label,
            "confirmed_on": plain(r.confirmed_at.date()) if r.confirmed_at else None,
            "deadline": plain(r.deadline),
        }
        for r in scope.recommendations
        if r.id in scope.in_scope and r.removed_at is None
    ]


def organisation_rows(data: ReportData) -> list[dict[str, Any]]:
    """One row per organisation in the report: whether it has published, and its responses' headline figures."""
    rows = []
    for org in sorted(data.organisations, key=lambda o: o.name):
        own = [row for (org_id, _), row in data.rows.items() if org_id == org.id]
        figures = Headline.count(((r.organisation_id, r.status, r.overdue) for r in own), data.published_ids)
        rows.append(
            {
                "organisation": org.name,
                "organisation_slug": org.slug,
                "organisation_type": org.kind.value,
                "published": org.id in data.published_ids,
                "responses": figures.responses,
                "complete": figures.complete,
                "blocked": figures.blocked,
                "overdue": figures.overdue,
                "no_recent_update": sum(r.stale for r in own),
            }
        )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    if not rows:
        return "".encode("utf-8-sig")
    columns = list(rows[0])
    return csv_bytes(columns, ([row.get(column) for column in columns] for row in rows))


def to_xlsx(all_tables: dict[str, list[dict[str, Any]]], *, fixed_at: dt.datetime | None = None) -> bytes:
    """A workbook with a sheet per table: a bold header row of the column names, then one row per record.

    Written in openpyxl's streaming (write-only) mode straight from the rows: going through a DataFrame and
    pandas' cell-by-cell writer took several seconds for a national export. With ``fixed_at`` (a frozen period's
    export) every time inside the file is that moment, so the same tables always give the same bytes.
    """
    # openpyxl is imported only when a workbook is written: most requests and commands never need it.
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for name, rows in all_tables.items():
        sheet = workbook.create_sheet(title=name)
        if not rows:
            continue
        columns = list(dict.fromkeys(key for row in rows for key in row))
        sheet.append([_header_cell(sheet, neutralise(column), bold) for column in columns])
        for row in rows:
            sheet.append([neutralise(row.get(column)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue() if fixed_at is None else _at(buffer.getvalue(), fixed_at)


def _at(content: bytes, moment: dt.datetime) -> bytes:
    """The workbook ``content`` with its creation and modification times, and its parts' times, set to ``moment``
    (openpyxl stamps the time of saving on each)."""
    moment = moment.astimezone(dt.UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                part = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<3>", part
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            target.writestr(fixed, part, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _header_cell(sheet: Any, text: str, font: Font) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell  # see to_xlsx

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = font
    return cell


TABLES = ("responses", "actions", "updates", "assessments", "snapshots", "recommendations", "organisations")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def document(session: Session, data: ReportData, period: ReportingPeriod | None) -> dict[str, Any]:
    """The whole export as one document: the JSON format, from which the CSV and XLSX are rendered."""
    return {
        "title": data.title,
        "period": data.period_name,
        "as_of": data.as_of.isoformat(),
        # A frozen period's statuses are as at the day it was frozen (ReportingPeriod.statuses_as_at).
        "statuses_as_at": data.figures_as_at.isoformat(),
        "generated": data.created_at.astimezone(LONDON).date().isoformat(),
        # The headline figures as the dashboard and the report show them (tracker.reports.figures.Headline).
        "headline": data.headline.as_dict(),
        # How many of the recommendations the figures can cover (tracker.recommendations.coverage).
        "coverage": data.coverage.as_dict(),
        # The approved promising practice each recommendation's section lists, by recommendation id: a frozen
        # period's report reads it from here, so later approvals or withdrawals never change it.
        "practice": {str(s.recommendation.id): s.practice for s in data.sections},
        **tables(session, data, period),
    }


def render(doc: dict[str, Any], fmt: str, *, fixed_at: dt.datetime | None = None) -> tuple[bytes, str, str]:
    """An export ``document`` in ``fmt`` (csv: its responses, each with the coverage note, empty when every
    recommendation is known; xlsx: a sheet per table, the headline figures and any note and coverage note first;
    json: all of it): the file's bytes, media type and name."""
    name = f"progress-{doc['as_of']}"
    # A period's export stored before coverage was kept has none to state.
    coverage = (doc.get("coverage") or {}).get("note")
    if fmt == "csv":
        rows = [row | {"coverage": coverage or ""} for row in doc["responses"]]
        return to_csv(rows), "text/csv; charset=utf-8", f"{name}-responses.csv"
    if fmt == "xlsx":
        sheets = {"note": [{"note": doc["note"]}]} if "note" in doc else {}
        sheets |= {"coverage": [{"coverage": coverage}]} if coverage else {}
        sheets |= {table: doc[table] for table in TABLES}
        sheets["headline_figures"] = [{"figure": figure, "value": value} for figure, value in doc["headline"].items()]
        return to_xlsx(sheets, fixed_at=fixed_at), XLSX, f"{name}.xlsx"
    return to_json(doc), "application/json", f"{name}.json"


def to_json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str).encode()
