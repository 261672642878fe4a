"""Data exports of the national picture: CSV (responses), XLSX (a sheet per table) and JSON.

The response rows come from the same computation as the dashboard and the report, so the numbers agree.
Every cell goes through the one neutraliser, ``tracker.cells.neutralise`` (formulas, characters XLSX refuses).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlmodel import Session, col, select

from tracker.assessments.models import Assessment
from tracker.audit.services import plain
from tracker.cells import csv_bytes, neutralise
from tracker.organisations.models import Organisation
from tracker.permissions import national_levels
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.reports.progress_report import ReportData


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
                "recommendation": recs[rec_id].number,
                "recommendation_provenance": recs[rec_id].provenance.value,
                "status": row.status.value,
                "overdue": row.overdue,
                "latest_update_on": plain(row.latest_update_on),
                "latest_update": row.latest_update_text,
                "as_of": data.as_of.isoformat(),
                "period": data.period_name,
            }
        )
    return rows


def tables(session: Session, data: ReportData, period: ReportingPeriod | None) -> dict[str, list[dict[str, Any]]]:
    """Every table of the export: responses, actions, updates, assessments and snapshots."""
    # Every table names the organisation as the responses table does: its name, then its slug.
    names = {o.id: {"organisation": o.name, "organisation_slug": o.slug} for o in session.exec(select(Organisation))}
    recs = list(session.exec(select(Recommendation).order_by(col(Recommendation.set_id), col(Recommendation.position))))
    numbers = {r.id: r.number for r in recs}
    in_scope = {r.id for r in recs if data.set_id is None or r.set_id == data.set_id}
    where = {
        r.id: (names[r.organisation_id], numbers[r.recommendation_id])
        for r in session.exec(select(Response).where(col(Response.required).is_(True)))
        if r.recommendation_id in in_scope
    }
    # Plain columns rather than ORM objects: tens of thousands of rows at national scale.
    actions = [
        {
            **where[response_id][0],
            "recommendation": where[response_id][1],
            "position": position,
            "description": description,
            "owner_role": owner_role,
            "target_date": plain(target_date),
            "status": status.value,
            "completed_on": plain(completed_on),
        }
        for response_id, position, description, owner_role, target_date, status, completed_on in session.exec(
            select(
                Action.response_id,
                Action.position,
                Action.description,
                Action.owner_role,
                Action.target_date,
                Action.status,
                Action.completed_on,
            ).order_by(Action.response_id, Action.position, Action.id)
        )
        if response_id in where
    ]
    updates = [
        {
            **where[response_id][0],
            "recommendation": where[response_id][1],
            "date": plain(update_on),
            "text": text,
            "visibility": visibility.value,
        }
        for response_id, update_on, text, visibility in session.exec(
            select(
                ProgressUpdate.response_id,
                col(ProgressUpdate.update_on),
                col(ProgressUpdate.text),
                col(ProgressUpdate.visibility),
            )
            .where(col(ProgressUpdate.visibility).in_(national_levels()))
            .order_by(col(ProgressUpdate.response_id), col(ProgressUpdate.update_on), col(ProgressUpdate.id))
        )
        if response_id in where
    ]
    assessments = [
        {
            **where[a.response_id][0],
            "recommendation": where[a.response_id][1],
            "rating": a.rating.value,
            "rationale": a.rationale,
            "released": a.released,
            "assessed_on": plain(a.created_at.date()),
        }
        for a in session.exec(select(Assessment).order_by(col(Assessment.response_id), col(Assessment.id)))
        if a.response_id in where
    ]
    snapshots = []
    periods = [period] if period else list(session.exec(select(ReportingPeriod).order_by(col(ReportingPeriod.cut_off))))
    for p in periods:
        for s in session.exec(select(Snapshot).where(col(Snapshot.period_id) == p.id).order_by(col(Snapshot.id))):
            if s.recommendation_id not in in_scope:
                continue
            snapshots.append(
                {
                    "period": p.name,
                    "cut_off": p.cut_off.isoformat(),
                    **names[s.organisation_id],
                    "recommendation": numbers[s.recommendation_id],
                    "status": s.status.value,
                    "rag": s.rag.value if s.rag else None,
                    "actions_total": s.actions_total,
                    "actions_complete": s.actions_complete,
                    "evidence_count": s.evidence_count,
                    "latest_update_on": plain(s.latest_update_on),
                }
            )
    sets = {s.id: s.slug for s in session.exec(select(RecommendationSet))}
    recommendations = [
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
        for r in recs
        if r.id in in_scope and r.removed_at is None
    ]
    return {
        "responses": response_rows(data),
        "actions": actions,
        "updates": updates,
        "assessments": assessments,
        "snapshots": snapshots,
        "recommendations": recommendations,
    }


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    if not rows:
        return "".encode("utf-8-sig")
    columns = list(rows[0])
    return csv_bytes(columns, ([row.get(column) for column in columns] for row in rows))


def to_xlsx(all_tables: dict[str, list[dict[str, Any]]]) -> bytes:
    """A workbook with a sheet per table: a bold header row of the column names, then one row per record.

    Written in openpyxl's streaming (write-only) mode straight from the rows: going through a DataFrame and
    pandas' cell-by-cell writer took several seconds for a national export.
    """
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
    return buffer.getvalue()


def _header_cell(sheet: Any, text: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = font
    return cell


def to_json(data: ReportData, all_tables: dict[str, list[dict[str, Any]]]) -> bytes:
    document = {
        "title": data.title,
        "period": data.period_name,
        "as_of": data.as_of.isoformat(),
        "generated": dt.date.today().isoformat(),
        # The headline figures as the dashboard and the report show them (tracker.reports.figures.Headline).
        "headline": data.headline.as_dict(),
        **all_tables,
    }
    return json.dumps(document, ensure_ascii=False, indent=1, default=str).encode()
