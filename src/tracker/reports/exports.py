"""Data exports of the national picture: CSV (responses), XLSX (a sheet per table) and JSON.

The response rows come from the same computation as the dashboard and the report, so the numbers agree.
Text that a spreadsheet would treat as a formula (starting with =, +, -, @) is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from tracker.assessments.models import Assessment
from tracker.audit.services import plain
from tracker.organisations.models import Organisation
from tracker.plans.models import Action, ProgressUpdate, Response
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.reports.progress_report import ReportData
from tracker.vocabulary import Visibility

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Stop a spreadsheet from running a cell as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
    names = {o.id: o.slug for o in session.exec(select(Organisation))}
    recs = list(session.exec(select(Recommendation).order_by(Recommendation.set_id, Recommendation.position)))
    numbers = {r.id: r.number for r in recs}
    in_scope = {r.id for r in recs if data.set_id is None or r.set_id == data.set_id}
    where = {
        r.id: (names[r.organisation_id], numbers[r.recommendation_id])
        for r in session.exec(select(Response).where(col(Response.required).is_(True)))
        if r.recommendation_id in in_scope
    }
    actions = [
        {
            "organisation": where[a.response_id][0],
            "recommendation": where[a.response_id][1],
            "position": a.position,
            "description": a.description,
            "owner_role": a.owner_role,
            "target_date": plain(a.target_date),
            "status": a.status.value,
            "completed_on": plain(a.completed_on),
        }
        for a in session.exec(select(Action).order_by(Action.response_id, Action.position, Action.id))
        if a.response_id in where
    ]
    updates = [
        {
            "organisation": where[u.response_id][0],
            "recommendation": where[u.response_id][1],
            "date": plain(u.update_on),
            "text": u.text,
            "visibility": u.visibility.value,
        }
        for u in session.exec(
            select(ProgressUpdate)
            .where(ProgressUpdate.visibility != Visibility.INTERNAL)
            .order_by(ProgressUpdate.response_id, ProgressUpdate.update_on, ProgressUpdate.id)
        )
        if u.response_id in where
    ]
    assessments = [
        {
            "organisation": where[a.response_id][0],
            "recommendation": where[a.response_id][1],
            "rating": a.rating.value,
            "rationale": a.rationale,
            "released": a.released,
            "assessed_on": plain(a.created_at.date()),
        }
        for a in session.exec(select(Assessment).order_by(Assessment.response_id, Assessment.id))
        if a.response_id in where
    ]
    snapshots = []
    periods = [period] if period else list(session.exec(select(ReportingPeriod).order_by(ReportingPeriod.cut_off)))
    for p in periods:
        for s in session.exec(select(Snapshot).where(Snapshot.period_id == p.id).order_by(Snapshot.id)):
            if s.recommendation_id not in in_scope:
                continue
            snapshots.append(
                {
                    "period": p.name,
                    "cut_off": p.cut_off.isoformat(),
                    "organisation": names[s.organisation_id],
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
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralise(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(all_tables: dict[str, list[dict[str, Any]]]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, rows in all_tables.items():
            frame = pd.DataFrame([{k: neutralise(v) for k, v in row.items()} for row in rows])
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def to_json(data: ReportData, all_tables: dict[str, list[dict[str, Any]]]) -> bytes:
    document = {
        "title": data.title,
        "period": data.period_name,
        "as_of": data.as_of.isoformat(),
        "generated": dt.date.today().isoformat(),
        **all_tables,
    }
    return json.dumps(document, ensure_ascii=False, indent=1, default=str).encode()
