"""Tables of the written progress report: one draft per frozen period and set, its chosen examples, and the files
stored when it was published."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import Versioned, created_at_field, enum_field, json_field, saved_id, text_field, timestamp_field
from tracker.timeutil import utc_now
from tracker.vocabulary import ReportStatus

if TYPE_CHECKING:
    from tracker.accounts.models import User
    from tracker.reports.models import ReportingPeriod

# The written sections other than the commentary on each recommendation, in the report's order.
SECTIONS = ("foreword", "summary", "next_steps")
# Their Welsh versions (``tracker.organisations.bilingual``: the Welsh of X is X_cy), and the commentary's.
WELSH_SECTIONS = ("foreword_cy", "summary_cy", "next_steps_cy")


class ReportDraft(SQLModel, Versioned, table=True):
    """What analysts write for a frozen period's report on one recommendation set, and where its review stands.

    ``commentary`` maps a numbered recommendation's id (as text, JSON keys) to its national commentary.
    ``author_ids`` are everyone who has saved its text: none of them may approve it.
    """

    __tablename__ = "report_draft"
    __table_args__ = (sa.UniqueConstraint("period_id", "set_id", name="uq_report_draft_period_id_set_id"),)
    conflict_fields: ClassVar[tuple[str, ...]] = (*SECTIONS, "commentary", *WELSH_SECTIONS, "commentary_cy", "status")

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="reporting_period.id", index=True)
    set_id: int = Field(foreign_key="recommendation_set.id")
    status: ReportStatus = enum_field(ReportStatus, default=ReportStatus.DRAFT)
    foreword: str = text_field(default="", nullable=False)
    summary: str = text_field(default="", nullable=False)
    next_steps: str = text_field(default="", nullable=False)
    commentary: dict[str, str] = json_field(default_factory=dict)
    # The Welsh of each written section (empty: the Welsh report shows the English, saying so).
    foreword_cy: str = text_field(default="", nullable=False)
    summary_cy: str = text_field(default="", nullable=False)
    next_steps_cy: str = text_field(default="", nullable=False)
    commentary_cy: dict[str, str] = json_field(default_factory=dict)
    author_ids: list[int] = json_field()
    review_comment: str | None = text_field()
    submitted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    reviewed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class ReportExample(SQLModel, table=True):
    """An example featured under a recommendation: a public progress update or approved promising practice,
    attributed to its organisation, with the analyst's optional lead-in. ``text`` is the source's words as they
    were when it was chosen (and, once published, as they were published)."""

    __tablename__ = "report_example"
    __table_args__ = (
        sa.UniqueConstraint("draft_id", "source_kind", "source_id", name="uq_report_example_draft_id_source_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="report_draft.id", index=True)
    recommendation_id: int = Field(foreign_key="recommendation.id")
    source_kind: str = Field(max_length=20, description="update or practice")
    source_id: int
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    organisation_name: str = Field(max_length=300)
    source_on: dt.date | None = None
    title: str | None = Field(default=None, max_length=300)
    text: str = text_field(default="", nullable=False)
    lead_in: str | None = text_field()
    created_at: dt.datetime = created_at_field()


class PublishedReport(SQLModel, table=True):
    """A published report: its HTML page and PDF as rendered once at publication, served byte for byte for ever."""

    __tablename__ = "published_report"
    __table_args__ = (sa.UniqueConstraint("period_id", "set_id", name="uq_published_report_period_id_set_id"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="report_draft.id", unique=True)
    period_id: int = Field(foreign_key="reporting_period.id", index=True)
    set_id: int = Field(foreign_key="recommendation_set.id")
    set_slug: str = Field(max_length=80)
    title: str = Field(max_length=300)
    period_name: str = Field(max_length=200)
    html: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    pdf: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    figures_csv: bytes = Field(sa_type=sa.LargeBinary, nullable=False, description="its figures, as open data")
    html_sha256: str = Field(max_length=64)
    pdf_sha256: str = Field(max_length=64)
    # The Welsh report, rendered at the same moment from the same figures (None: published before it existed).
    html_cy: bytes | None = Field(default=None, sa_type=sa.LargeBinary, nullable=True)
    pdf_cy: bytes | None = Field(default=None, sa_type=sa.LargeBinary, nullable=True)
    html_cy_sha256: str | None = Field(default=None, max_length=64)
    pdf_cy_sha256: str | None = Field(default=None, max_length=64)
    published_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    published_at: dt.datetime = timestamp_field(nullable=False)

    @classmethod
    def of(
        cls,
        draft: ReportDraft,
        period: ReportingPeriod,
        user: User,
        *,
        html: bytes,
        pdf: bytes,
        figures_csv: bytes,
        set_slug: str,
        title: str,
        html_cy: bytes | None = None,
        pdf_cy: bytes | None = None,
    ) -> PublishedReport:
        """The published files of ``draft``, with their SHA-256 digests (their ETags for ever)."""
        return cls(
            draft_id=saved_id(draft),
            period_id=draft.period_id,
            set_id=draft.set_id,
            set_slug=set_slug,
            title=title,
            period_name=period.name,
            html=html,
            pdf=pdf,
            figures_csv=figures_csv,
            html_sha256=hashlib.sha256(html).hexdigest(),
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            html_cy=html_cy,
            pdf_cy=pdf_cy,
            html_cy_sha256=hashlib.sha256(html_cy).hexdigest() if html_cy is not None else None,
            pdf_cy_sha256=hashlib.sha256(pdf_cy).hexdigest() if pdf_cy is not None else None,
            published_by_id=user.id,
            published_at=utc_now(),
        )
