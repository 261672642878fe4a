"""Tables for reporting periods and their frozen snapshots."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import Versioned, created_at_field, enum_field, text_field, timestamp_field
from tracker.timeutil import LONDON, UTC, uk_date
from tracker.vocabulary import PeriodStatus, Rag, ResponseStatus


class ReportingPeriod(SQLModel, Versioned, table=True):
    """A reporting round (e.g. "Summer 2025 NPCC update") with a cut-off date."""

    __tablename__ = "reporting_period"
    # One period per name whatever its case ("Q1 2025" and "q1 2025"). On SQLite lower() folds ASCII letters
    # only, so there "É" and "é" still differ; tracker.reports.services.name_in_use compares the same way.
    __table_args__ = (
        sa.Index(
            "uq_reporting_period_lower_name", sa.func.lower(sa.text("name")), unique=True, info={"columns": ("name",)}
        ),
    )
    conflict_fields: ClassVar[tuple[str, ...]] = ("name", "cut_off", "status")

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    set_id: int | None = Field(default=None, foreign_key="recommendation_set.id")
    cut_off: dt.date
    status: PeriodStatus = enum_field(PeriodStatus, default=PeriodStatus.OPEN)
    opened_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    frozen_at: dt.datetime | None = timestamp_field(default=None)
    frozen_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    version: int = 1
    created_at: dt.datetime = created_at_field()

    @property
    def frozen_on(self) -> dt.date | None:
        """The day (UK time) the period was frozen, or None while it is open."""
        if self.frozen_at is None:
            return None
        frozen_at = self.frozen_at if self.frozen_at.tzinfo else self.frozen_at.replace(tzinfo=UTC)  # stored UTC
        return frozen_at.astimezone(LONDON).date()

    @property
    def statuses_as_at(self) -> dt.date:
        """The one rule for the day a period's statuses are as at. A snapshot records each status when the period
        is frozen, so a frozen period's statuses are as at the day it was frozen, whether that came before, on or
        after its cut-off day; an open period's (and one frozen before the freeze time was kept), its cut-off."""
        return self.frozen_on or self.cut_off

    @property
    def as_at_freeze_day(self) -> bool:
        """Its statuses are as at another day than its cut-off (``statuses_as_at``): wherever it is shown, say so."""
        return self.statuses_as_at != self.cut_off

    @property
    def label(self) -> str:
        """Its name, marked when its statuses are not as at its cut-off (for a chart that lists the periods)."""
        if not self.as_at_freeze_day:
            return self.name
        return f"{self.name} (statuses as at {uk_date(self.statuses_as_at)}, when it was frozen)"

    @property
    def recorded_by(self) -> dt.datetime:
        """The end of its cut-off day (UTC): actions and evidence recorded before it are counted in its figures."""
        return dt.datetime.combine(self.cut_off + dt.timedelta(days=1), dt.time(), UTC)

    @property
    def fixed_at(self) -> dt.datetime:
        """When its content was fixed, in UTC: its freeze time (the end of its cut-off day for a period frozen
        before the freeze time was kept)."""
        frozen = self.frozen_at or dt.datetime.combine(self.cut_off, dt.time(23, 59), UTC)
        return frozen.replace(tzinfo=UTC) if frozen.tzinfo is None else frozen.astimezone(UTC)


class Snapshot(SQLModel, table=True):
    """One response as it stood when a period was frozen. Never changes afterwards."""

    __tablename__ = "snapshot"
    __table_args__ = (
        sa.UniqueConstraint("period_id", "response_id", name="uq_snapshot_period_id_response_id"),
        # Each period's responses by status, counted from the index alone (the dashboard's progress across
        # periods, tracker.reports.figures.period_progress), never reading the snapshots' texts.
        sa.Index("ix_snapshot_period_id_status", "period_id", "status", "recommendation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="reporting_period.id")
    response_id: int = Field(foreign_key="response.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    recommendation_id: int = Field(foreign_key="recommendation.id")
    status: ResponseStatus = enum_field(ResponseStatus)
    rag: Rag | None = enum_field(Rag, default=None, nullable=True)
    actions_total: int = 0
    actions_complete: int = 0
    evidence_count: int = 0
    latest_update_on: dt.date | None = None
    latest_update_text: str | None = text_field()
    declared: bool = False  # answered on the organisation's own declaration then (``Response.declared``)
    captured_at: dt.datetime = created_at_field()


class PeriodExport(SQLModel, table=True):
    """What a frozen period's data exports hold, stored when it is frozen (one for every recommendation set
    together, and one per set), so every format is rendered from it and never changes; unfreezing discards it."""

    __tablename__ = "period_export"

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="reporting_period.id", index=True)
    set_id: int | None = Field(default=None, foreign_key="recommendation_set.id")  # None: every set
    document: str = text_field()  # the JSON export, the other formats' source
    # When it was stored: the freeze time, or (``late``) the first export of a period frozen before exports were kept.
    stored_at: dt.datetime = created_at_field()
    late: bool = False


class ReminderSent(SQLModel, table=True):
    """One reminder e-mail sent, so a daily run never sends the same one twice on a day."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        sa.UniqueConstraint("recipient", "kind", "sent_on", name="uq_reminder_sent_recipient_kind_sent_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=320)
    kind: str = Field(max_length=40, description="organisation digest, or coordinator summary")
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    sent_on: dt.date = Field(index=True)
    created_at: dt.datetime = created_at_field()
