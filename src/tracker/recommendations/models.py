"""Tables for recommendation sets and recommendations."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.db import Versioned, created_at_field, enum_field, json_field, text_field, timestamp_field
from tracker.timeutil import uk_date
from tracker.vocabulary import Provenance, WelshWordingSource
from tracker.web.i18n import N_, gettext

_ = gettext

FIELD_WORDS = {  # English, as stored notes say them; gettext() them to show them
    "number": N_("number"),
    "text": N_("wording"),
    "addressees": N_("addressees"),
    "deadline": N_("deadline"),
    "theme": N_("theme"),
    "sub_recommendations": N_("sub-recommendations"),
}


class RecommendationSet(SQLModel, Versioned, table=True):
    """A published report whose numbered recommendations organisations must answer."""

    __tablename__ = "recommendation_set"
    conflict_fields: ClassVar[tuple[str, ...]] = ("title", "short_title", "published_on", "description")

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(sa_type=sa.Text)
    short_title: str = Field(max_length=200)
    published_on: dt.date | None = None
    authors: list[str] = json_field()
    source_url: str | None = Field(default=None, max_length=500)
    other_sources: list[str] = json_field()
    licence_note: str | None = text_field()
    description: str | None = text_field()
    expected_recommendations: int | None = None
    themes: list[dict[str, str]] = json_field()
    unplaced_requirements: list[dict[str, object]] = json_field()
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()

    def theme_name(self, code: str | None) -> str | None:
        """The readable name of one of this set's theme codes."""
        if code is None:
            return None
        return next((t["name"] for t in self.themes if t.get("code") == code), code)


class Recommendation(SQLModel, Versioned, table=True):
    """One numbered recommendation, or a sub-recommendation (e.g. 7.1) under its parent."""

    __tablename__ = "recommendation"
    conflict_fields: ClassVar[tuple[str, ...]] = (
        "number",
        "text",
        "text_cy",
        "text_cy_source",
        "text_cy_citation",
        "addressees",
        "deadline",
        "theme",
    )
    __table_args__ = (sa.UniqueConstraint("set_id", "number", name="uq_recommendation_set_id_number"),)

    id: int | None = Field(default=None, primary_key=True)
    set_id: int = Field(foreign_key="recommendation_set.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="recommendation.id", index=True)
    number: str = Field(max_length=20)
    position: int = Field(default=0, description="Sort key within the set")
    text: str | None = text_field(description="What it asks, in our own words; None when not yet known")
    text_cy: str | None = text_field(description="Its wording in Welsh, from a source or the project's translation")
    text_cy_source: WelshWordingSource | None = enum_field(
        WelshWordingSource, default=None, description="Where the Welsh wording comes from; set whenever text_cy is"
    )
    text_cy_citation: str | None = text_field(description="Where the Welsh wording was published (a source's)")
    addressees: list[str] = json_field(description="Addressee group codes or organisation slugs")
    deadline: dt.date | None = None
    theme: str | None = Field(default=None, max_length=80)
    provenance: Provenance = enum_field(Provenance, default=Provenance.TO_BE_CONFIRMED)
    confirmed_fields: list[str] = json_field()
    provenance_sources: list[str] = json_field()
    provenance_note: str | None = text_field()
    confirmed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    confirmed_by_label: str | None = Field(
        default=None, max_length=200, description="Who checked it against the report, as shown on pages"
    )
    confirmed_at: dt.datetime | None = timestamp_field(default=None)
    removed_at: dt.datetime | None = timestamp_field(
        default=None, description="Taken out of the set by an admin; kept so what was recorded against it stays"
    )
    version: int = 1
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()

    @property
    def wording_known(self) -> bool:
        return bool(self.text)

    @property
    def removed(self) -> bool:
        return self.removed_at is not None

    @property
    def addressees_known(self) -> bool:
        """Whether who must answer it is known: it has addressees, or its provenance confirms it has none.
        An organisation may declare it answers a recommendation whose addressees are not known (and in the set)."""
        return bool(self.addressees) or "addressees" in self.confirmed_fields

    @property
    def wording_source(self) -> str | None:
        """Where its text comes from: "report" (copied from the report document, its wording confirmed against it),
        "quoted" (the report's wording as organisations' plans quote it), "summary" (our own words, what the edit
        screen and the set's data file hold), or None when it has no text. The one rule for saying what a text is
        (``text_source``, and the home page's count of each)."""
        if not self.text:
            return None
        note = self.provenance_note or ""
        if "text" in self.confirmed_fields and _FROM_DOCUMENT.search(note):
            return "report"
        if self.provenance is Provenance.QUOTED or "Wording as quoted in" in note:
            return "quoted"
        return "summary"

    @property
    def text_source(self) -> str:
        """Where its text comes from, as the summary says it (``wording_source``), in the reader's language."""
        return gettext(_TEXT_SOURCES[self.wording_source or "summary"])

    def provenance_summary(self) -> str:
        """How far it is confirmed, in one sentence in the reader's language (the progress report and the data
        exports); the note and the names in it are as people wrote them."""
        if self.provenance is Provenance.CONFIRMED:
            when = _(" on %(day)s", day=uk_date(self.confirmed_at)) if self.confirmed_at else ""
            who = _(" by %(name)s", name=self.confirmed_by_label) if self.confirmed_by_label else ""
            sources = ", ".join(self.provenance_sources)
            source = _(" (source: %(sources)s)", sources=sources) if self.provenance_sources else ""
            return _(
                "Confirmed against the report%(when)s%(who)s%(source)s; %(text)s.",
                when=when,
                who=who,
                source=source,
                text=self.text_source,
            )
        if self.provenance is Provenance.QUOTED:
            # the note says how many organisations' plans quote it (tracker.recommendations.candidates)
            note = f" {self.provenance_note}" if self.provenance_note else ""
            return _("As quoted in organisations' plans, not yet checked against the report.") + note
        if self.provenance is Provenance.PARTIAL:
            fields = ", ".join(gettext(FIELD_WORDS.get(f, f)) for f in self.confirmed_fields) or _("no field")
            text = self.text_source if self.text else _("no wording yet")
            if "against the report document" in (note := self.provenance_note or ""):  # it names what was checked
                return _(
                    "Partly confirmed (%(fields)s confirmed; %(note)s): %(text)s.",
                    fields=fields,
                    note=note.rstrip("."),
                    text=text,
                )
            return _(
                "Partly confirmed (%(fields)s confirmed by public sources, not yet against the report): %(text)s.",
                fields=fields,
                text=text,
            )
        if self.text:
            return _("Wording to be confirmed against the report: the text is a summary, not the report's wording.")
        return _("Wording to be confirmed against the report.")


_TEXT_SOURCES = {
    "report": N_("the text is the report's own wording, copied from the report document"),
    "quoted": N_("the text is the report's wording as organisations' plans quote it"),
    "summary": N_("the text is a summary in our own words"),
}
# How tracker.recommendations.report_apply notes the wording was checked against the report document
_FROM_DOCUMENT = re.compile(r"(^|\. )(Confirmed|Wording[^.]*? checked) against the report document")


class RecommendationVersion(SQLModel, table=True):
    """A numbered recommendation (with its sub-recommendations) as it stood at one version.

    Written whenever a recommendation changes (admin screen or ``tracker load``), so every earlier version
    stays viewable; the audit history holds the field-by-field differences.
    """

    __tablename__ = "recommendation_version"
    __table_args__ = (
        sa.UniqueConstraint("recommendation_id", "version", name="uq_recommendation_version_recommendation_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    version: int
    content: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    actor_label: str = Field(max_length=200)
    recorded_at: dt.datetime = created_at_field()


class RecommendationCandidate(SQLModel, table=True):
    """A wording or an addressee for a recommendation as an organisation's own plan quotes it (a plan import's
    "Recommendation" or "Rec. Owner" column): kept for an admin to accept, never applied by itself.

    One row per recommendation, organisation, kind and normalised text (``key``): importing the same text again
    adds nothing. ``tracker.recommendations.candidates`` groups and accepts them.
    """

    __tablename__ = "recommendation_candidate"
    __table_args__ = (
        sa.UniqueConstraint(
            "recommendation_id", "organisation_id", "kind", "key", name="uq_recommendation_candidate_quote"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=20, description="text (a wording) or addressees (who it is addressed to)")
    text: str = Field(sa_type=sa.Text, description="As quoted, cleaned as imports clean text, spacing collapsed")
    key: str = Field(max_length=64, description="sha256 of the text with spacing, quotes and case normalised")
    file_name: str | None = Field(default=None, max_length=255)
    imported_on: dt.date
    imported_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: dt.datetime = created_at_field()


class ReportDocumentUpload(SQLModel, table=True):
    """A report document an admin uploaded (or pasted) to check a set against, kept between the review and applying
    it, so the review page carries only its id and sha256, never the document (a report's PDF runs to 25 MB). In
    the database, not in the process: the app keeps no state in memory, and several instances share one database.

    Only the admin who uploaded it may apply it, to the set it was checked against; one older than a day is deleted
    when another is kept (``tracker.recommendations.report_uploads``)."""

    __tablename__ = "report_document_upload"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64)
    file_name: str = Field(max_length=255, description="As the document was read: without invisible characters")
    content: bytes = Field(sa_type=sa.LargeBinary)
    set_id: int = Field(foreign_key="recommendation_set.id", index=True)
    created_by_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: dt.datetime = created_at_field()
