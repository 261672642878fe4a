"""The Welsh the demo's bilingual organisations write: for some of their responses every public text in Welsh too,
for the others English only, so a demonstration shows both the Welsh and the fallback to English.

Every other response of each bilingual organisation (in the order of the responses) has its Welsh; the choice draws
nothing from the demo's random numbers, so the rest of the demo is the same with or without it. The Welsh is short,
plain and generic (it says what the text is about, not a translation of every word), and marked synthetic like the
English (``DEMO_MARKER_CY``).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from tracker.demo.responses import ResponsePlan
from tracker.demo.texts import NOT_APPLICABLE_DECISION
from tracker.organisations.models import Organisation
from tracker.vocabulary import DEMO_MARKER_CY

MARK_CY = DEMO_MARKER_CY
# The verb an English demo action opens with (tracker.demo.texts.VERBS), as the Welsh says what is done.
VERBS_CY = {
    "Agree": "Cytuno ar y gwaith",
    "Pilot": "Treialu'r gwaith",
    "Deliver": "Cyflwyno'r gwaith",
    "Embed": "Ymgorffori'r gwaith",
    "Evaluate": "Gwerthuso'r gwaith",
    "Review": "Adolygu'r gwaith",
    "Update": "Diweddaru'r gwaith",
    "Audit": "Archwilio'r gwaith",
}
DECISION_CY = f"Cofnodi'r penderfyniad nad yw'r argymhelliad hwn yn berthnasol i'r sefydliad ({MARK_CY.lower()})."


def summary_cy(number: str) -> str:
    return f"{MARK_CY}: crynodeb o ddull y sefydliad o ymateb i argymhelliad {number}."


def blocked_reason_cy() -> str:
    return f"Yn aros am benderfyniad neu waith gan eraill ({MARK_CY.lower()})."


def action_cy(description: str, number: str) -> str:
    if description == NOT_APPLICABLE_DECISION:
        return DECISION_CY
    verb = VERBS_CY.get(description.split(" ", 1)[0], "Bwrw ymlaen â'r gwaith")
    return f"{verb} ar argymhelliad {number} ({MARK_CY.lower()})."


def update_cy(number: str) -> str:
    return f"Diweddariad ar y gwaith ar argymhelliad {number}. {MARK_CY}."


def evidence_title_cy(n: int, number: str) -> str:
    return f"{MARK_CY}: tystiolaeth {n} ar gyfer argymhelliad {number}"


def write_welsh(session: Session, plans: list[ResponsePlan]) -> None:
    """Give every other response of each bilingual organisation its Welsh: summary, blocked reason, actions,
    updates and evidence titles (before any is written, so every round and publication holds it)."""
    bilingual = set(session.exec(select(Organisation.id).where(col(Organisation.bilingual).is_(True))))
    seen: dict[int, int] = {}
    for plan in plans:
        organisation = plan.response.organisation_id
        if organisation not in bilingual:
            continue
        seen[organisation] = seen.get(organisation, 0) + 1
        if seen[organisation] % 2 == 0:
            continue  # English only: the Welsh pages show it with a note
        plan.response.summary_cy = summary_cy(plan.number)
        if plan.blocked_reason:
            plan.blocked_reason_cy = blocked_reason_cy()
        for item in plan.actions:
            item.values["description_cy"] = action_cy(item.values["description"], plan.number)
        for _round, update in plan.updates:
            update["text_cy"] = update_cy(plan.number)
        for n, (_round, evidence) in enumerate(plan.evidence, start=1):
            evidence["title_cy"] = evidence_title_cy(n, plan.number)
