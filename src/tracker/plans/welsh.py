"""Which of a bilingual organisation's public texts still lack their Welsh, before it publishes.

Publishing warns with the list (recommendation, which text, a link to where it is written), and an organisation
that chose ``welsh_required_to_publish`` cannot publish until the list is empty (``require_welsh``). The texts are
what publishing now would make public, chosen as ``tracker.plans.publication.public_plan`` chooses them (every
response the organisation must answer, its actions, its public updates and evidence); which fields have a Welsh
twin and which lack it is ``tracker.organisations.bilingual``'s rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from tracker.db import saved_id
from tracker.evidence.models import Evidence
from tracker.organisations.bilingual import bilingual_fields, missing_welsh
from tracker.organisations.models import Organisation
from tracker.plans.conflicts import CONFLICT_LABELS
from tracker.plans.models import Action, ProgressUpdate
from tracker.plans.obligations import obligations_for
from tracker.vocabulary import Visibility
from tracker.web.i18n import N_

# What each kind of record is called in the list, and the page (route name, its id parameter, anchor) to fix it.
KINDS: dict[str, tuple[str, str, str, str]] = {
    "response": (N_("Response"), "plans:response", "response_id", "#response"),
    "action": (N_("Action"), "plans:edit-action-form", "action_id", "#actions"),
    "progress_update": (N_("Progress update"), "plans:edit-update-form", "update_id", "#updates"),
    "evidence": (N_("Evidence"), "evidence:edit-form", "evidence_id", ""),
}
EXCERPT = 80


@dataclass(frozen=True)
class MissingWelsh:
    """One public text written in English only: its recommendation, what it is (``kind`` and the text's label,
    both source English for the page to translate), the start of its English, and where to write its Welsh."""

    recommendation: str
    kind: str
    label: str
    excerpt: str
    route: str
    parameters: dict[str, int]
    anchor: str


class WelshMissing(Exception):
    """Publishing refused: the organisation publishes only with every public text in Welsh, and these lack it."""

    def __init__(self, missing: list[MissingWelsh]) -> None:
        super().__init__(f"{len(missing)} public texts lack their Welsh")
        self.missing = missing


def _entries(number: str, record: Any) -> list[MissingWelsh]:
    table = type(record).__tablename__
    kind, route, parameter, anchor = KINDS[table]
    entries = []
    for field in missing_welsh(record, bilingual_fields(type(record))):
        text = " ".join(str(getattr(record, field)).split())
        excerpt = text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"
        label = CONFLICT_LABELS[table][field]
        entries.append(MissingWelsh(number, kind, label, excerpt, route, {parameter: saved_id(record)}, anchor))
    return entries


def missing_public_welsh(session: Session, organisation: Organisation) -> list[MissingWelsh]:
    """Every text publishing now would make public that has its English but not its Welsh, in report order; none
    for an organisation that does not write in Welsh."""
    if not organisation.bilingual:
        return []
    obligations = obligations_for(session, saved_id(organisation))
    numbers = {saved_id(response): rec.number for response, rec, _ in obligations}
    ids = list(numbers)
    items: dict[int, list[Any]] = {i: [] for i in ids}
    queries: Iterable[Any] = (
        select(Action).where(col(Action.response_id).in_(ids)).order_by(col(Action.position), col(Action.id)),
        select(ProgressUpdate)
        .where(col(ProgressUpdate.response_id).in_(ids), ProgressUpdate.visibility == Visibility.PUBLIC)
        .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc()),
        select(Evidence)
        .where(col(Evidence.response_id).in_(ids), Evidence.visibility == Visibility.PUBLIC)
        .order_by(col(Evidence.created_at), col(Evidence.id)),
    )
    for query in queries:
        for item in session.exec(query):
            items[item.response_id].append(item)
    missing: list[MissingWelsh] = []
    for response, rec, _ in obligations:
        for record in (response, *items[saved_id(response)]):
            missing += _entries(rec.number, record)
    return missing


def require_welsh(session: Session, organisation: Organisation) -> None:
    """Refuse (``WelshMissing``) to publish the plan of an organisation that publishes only in both languages
    while a public text lacks its Welsh; nothing is changed."""
    if organisation.welsh_required_to_publish and (missing := missing_public_welsh(session, organisation)):
        raise WelshMissing(missing)
