"""Every status vocabulary of the tracker, in one place.

Values are stored as short strings; labels are what users read. Keep them in users' words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tracker.web.i18n import N_

DEMO_MARKER = "Synthetic demo data"
"""The words every demo text carries so no reader takes it for real (``tracker.demo`` writes them; the report's
themes leave them out). Kept here, not in the demo, so that nothing reading the data depends on the demo."""


class LabelledEnum(StrEnum):
    """A string enum whose members carry a human label."""

    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " ").capitalize())

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class OrganisationKind(LabelledEnum):
    FORCE = "force"
    POLICING_BODY = "policing_body"
    NATIONAL_BODY = "national_body"
    INSPECTORATE = "inspectorate"

    @property
    def plural_label(self) -> str:
        """The heading of a group of organisations of this kind (English plurals are not label + "s"); marked for
        translation, so a template shows it through ``_()``."""
        return _PLURAL_LABELS[self]


class Provenance(LabelledEnum):
    """How far a recommendation's data has been confirmed against the report."""

    CONFIRMED = "confirmed"
    QUOTED = "quoted"  # as quoted in organisations' plans (plan imports), not checked against the report
    PARTIAL = "partial"
    TO_BE_CONFIRMED = "to_be_confirmed"


class ResponseStatus(LabelledEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    COMPLETE = "complete"
    NOT_APPLICABLE = "not_applicable"


class Rag(LabelledEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class ActionStatus(LabelledEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    COMPLETE = "complete"


class EvidenceKind(LabelledEnum):
    FILE = "file"
    LINK = "link"
    NOTE = "note"


class Visibility(LabelledEnum):
    INTERNAL = "internal"
    INSPECTORATE = "inspectorate"
    PUBLIC = "public"


class AssessmentRating(LabelledEnum):
    NOT_YET_ASSESSED = "not_yet_assessed"
    NOT_MET = "not_met"
    PARTIALLY_MET = "partially_met"
    MET = "met"


class PracticeStage(LabelledEnum):
    EMERGING = "emerging"
    PROMISING = "promising"
    EVALUATED = "evaluated"


class PracticeStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


class ReportStatus(LabelledEnum):
    """Where a period's written progress report stands (``tracker.reports.narrative``)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"


class PeriodStatus(LabelledEnum):
    OPEN = "open"
    FROZEN = "frozen"


class Role(LabelledEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    INSPECTOR = "inspector"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def needs_organisation(self) -> bool:
        return self in (Role.EDITOR, Role.VIEWER)

    def may_belong_to(self, kind: OrganisationKind, slug: str) -> bool:
        """May someone in this role belong to the organisation of ``kind`` and ``slug``? National readers only to
        the bodies their role is for (``NATIONAL_HOMES``); editors, viewers and admins to any organisation."""
        home = NATIONAL_HOMES.get(self)
        return home is None or kind in home.kinds or slug in home.slugs

    @property
    def belongs_to(self) -> str | None:
        """The organisations this role is for, in words (None: any)."""
        home = NATIONAL_HOMES.get(self)
        return home.in_words if home else None


@dataclass(frozen=True)
class NationalHome:
    """The organisations a national reader's role is for: any of ``kinds``, or one of ``slugs``."""

    kinds: frozenset[OrganisationKind]
    slugs: frozenset[str]
    in_words: str


# README's role table: coordinators work for the NPCC (a national body), inspectors for an inspectorate (HMICFRS,
# the IOPC) or the College of Policing, which wrote the report with them. A national reader at a force would
# read every plan as if it were a national body's, so the accounts' forms and `tracker users create` refuse it.
NATIONAL_HOMES: dict[Role, NationalHome] = {
    Role.COORDINATOR: NationalHome(
        frozenset({OrganisationKind.NATIONAL_BODY}), frozenset(), "the NPCC or another national body"
    ),
    Role.INSPECTOR: NationalHome(
        frozenset({OrganisationKind.INSPECTORATE}),
        frozenset({"college-of-policing"}),
        "HMICFRS, the IOPC or the College of Policing",
    ),
}


_LABELS: dict[StrEnum, str] = {
    OrganisationKind.POLICING_BODY: "Police and crime commissioner or equivalent",
    OrganisationKind.NATIONAL_BODY: "National body",
    Provenance.CONFIRMED: "Confirmed against the report",
    Provenance.QUOTED: "As quoted in organisations' plans, not yet checked against the report",
    Provenance.PARTIAL: "Partly confirmed",
    Provenance.TO_BE_CONFIRMED: "Wording to be confirmed against the report",
    Rag.RED: "Red",
    Rag.AMBER: "Amber",
    Rag.GREEN: "Green",
    AssessmentRating.PARTIALLY_MET: "Partially met",
    AssessmentRating.NOT_MET: "Not met",
    AssessmentRating.NOT_YET_ASSESSED: "Not yet assessed",
    Role.COORDINATOR: "NPCC coordinator",
}

_PLURAL_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.FORCE: N_("Police forces"),
    OrganisationKind.POLICING_BODY: N_("Police and crime commissioners or equivalent"),
    OrganisationKind.NATIONAL_BODY: N_("National bodies"),
    OrganisationKind.INSPECTORATE: N_("Inspectorates"),
}
