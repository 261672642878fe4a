"""Every status vocabulary of the tracker, in one place.

Values are stored as short strings; labels are what users read. Keep them in users' words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tracker.web.i18n import N_, gettext

DEMO_MARKER = "Synthetic demo data"
"""The words every demo text carries so no reader takes it for real (``tracker.demo`` writes them; the report's
themes leave them out). Kept here, not in the demo, so that nothing reading the data depends on the demo."""
DEMO_MARKER_CY = "Data demo synthetig"
"""The same words in Welsh, which every Welsh demo text carries (the demo's bilingual organisations)."""


class LabelledEnum(StrEnum):
    """A string enum whose members carry a human label."""

    @property
    def label(self) -> str:
        """What readers see, in their language."""
        return gettext(self.english_label)

    @property
    def english_label(self) -> str:
        """The label in English, as files written by people and by this service's English exports carry it."""
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


class WelshWordingSource(LabelledEnum):
    """Where a recommendation's Welsh wording comes from: never invented, so either a published source (named by its
    citation) or the project's own translation, which awaits review by a Welsh speaker."""

    SOURCE = "source"
    PROJECT_TRANSLATION = "project_translation"


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
        """The organisations this role is for, in words in the reader's language (None: any)."""
        home = NATIONAL_HOMES.get(self)
        return gettext(home.in_words) if home else None


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
        frozenset({OrganisationKind.NATIONAL_BODY}), frozenset(), N_("the NPCC or another national body")
    ),
    Role.INSPECTOR: NationalHome(
        frozenset({OrganisationKind.INSPECTORATE}),
        frozenset({"college-of-policing"}),
        N_("HMICFRS, the IOPC or the College of Policing"),
    ),
}


# Every label is marked for translation (N_): ``label`` shows it in the reader's language.
_LABELS: dict[StrEnum, str] = {
    OrganisationKind.FORCE: N_("Force"),
    OrganisationKind.POLICING_BODY: N_("Police and crime commissioner or equivalent"),
    OrganisationKind.NATIONAL_BODY: N_("National body"),
    OrganisationKind.INSPECTORATE: N_("Inspectorate"),
    Provenance.CONFIRMED: N_("Confirmed against the report"),
    Provenance.QUOTED: N_("As quoted in organisations' plans, not yet checked against the report"),
    Provenance.PARTIAL: N_("Partly confirmed"),
    Provenance.TO_BE_CONFIRMED: N_("Wording to be confirmed against the report"),
    WelshWordingSource.SOURCE: N_("Published Welsh wording (say where it was published)"),
    WelshWordingSource.PROJECT_TRANSLATION: N_("The project's own translation, awaiting review by a Welsh speaker"),
    ResponseStatus.NOT_STARTED: N_("Not started"),
    ResponseStatus.IN_PROGRESS: N_("In progress"),
    ResponseStatus.BLOCKED: N_("Blocked"),
    ResponseStatus.COMPLETE: N_("Complete"),
    ResponseStatus.NOT_APPLICABLE: N_("Not applicable"),
    ActionStatus.NOT_STARTED: N_("Not started"),
    ActionStatus.IN_PROGRESS: N_("In progress"),
    ActionStatus.BLOCKED: N_("Blocked"),
    ActionStatus.COMPLETE: N_("Complete"),
    Rag.RED: N_("Red"),
    Rag.AMBER: N_("Amber"),
    Rag.GREEN: N_("Green"),
    EvidenceKind.FILE: N_("File"),
    EvidenceKind.LINK: N_("Link"),
    EvidenceKind.NOTE: N_("Note"),
    Visibility.INTERNAL: N_("Internal"),
    Visibility.INSPECTORATE: N_("Inspectorate"),
    Visibility.PUBLIC: N_("Public"),
    AssessmentRating.NOT_YET_ASSESSED: N_("Not yet assessed"),
    AssessmentRating.NOT_MET: N_("Not met"),
    AssessmentRating.PARTIALLY_MET: N_("Partially met"),
    AssessmentRating.MET: N_("Met"),
    PracticeStage.EMERGING: N_("Emerging"),
    PracticeStage.PROMISING: N_("Promising"),
    PracticeStage.EVALUATED: N_("Evaluated"),
    PracticeStatus.DRAFT: N_("Draft"),
    PracticeStatus.SUBMITTED: N_("Submitted"),
    PracticeStatus.RETURNED: N_("Returned"),
    PracticeStatus.APPROVED: N_("Approved"),
    PeriodStatus.OPEN: N_("Open"),
    PeriodStatus.FROZEN: N_("Frozen"),
    Role.ADMIN: N_("Admin"),
    Role.COORDINATOR: N_("NPCC coordinator"),
    Role.INSPECTOR: N_("Inspector"),
    Role.EDITOR: N_("Editor"),
    Role.VIEWER: N_("Viewer"),
}

_PLURAL_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.FORCE: N_("Police forces"),
    OrganisationKind.POLICING_BODY: N_("Police and crime commissioners or equivalent"),
    OrganisationKind.NATIONAL_BODY: N_("National bodies"),
    OrganisationKind.INSPECTORATE: N_("Inspectorates"),
}
