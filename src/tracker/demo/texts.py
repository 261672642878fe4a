"""What the demo's synthetic records say: action texts, owners, update openings and blockers.

The texts speak of a recommendation's theme in general terms only, never the report's wording, and each carries
``MARK`` so no reader takes it for real.
"""

from __future__ import annotations

from tracker.vocabulary import DEMO_MARKER, ResponseStatus

MARK = DEMO_MARKER
# The steps of work on one subject, in the order an organisation takes them (``responses`` keeps a plan's steps in
# this order); the other verbs stand alone.
STEPS = ["Agree", "Pilot", "Deliver", "Embed", "Evaluate"]
VERBS = ["Review", "Update", "Audit", *STEPS]
THEME_OBJECTS: dict[str | None, list[str]] = {
    "identification-and-recording": [
        "guidance for staff on recording stalking",
        "data quality checks on stalking crime records",
        "the records system's settings for stalking",
        "a dip sample of recent crime records for missed stalking",
        "supervisor checks of how stalking is recorded",
    ],
    "training": [
        "the training needs analysis for stalking",
        "stalking learning for call handlers",
        "refresher learning on stalking for investigators",
        "the record of who has completed stalking learning",
        "feedback from staff on the stalking learning",
    ],
    "victim-support": [
        "referral routes to specialist support services",
        "the map of support available to victims of stalking",
        "arrangements for keeping victims informed",
        "funding arrangements for specialist support",
        "victims' feedback on the support offered",
    ],
    # Working together with partner agencies (recommendation 25); commissioning is victim support (recommendation 16).
    "multi-agency-working": [
        "joint case review meetings with partner agencies",
        "the information-sharing agreement with partners",
        "the multi-agency response to high-risk stalking cases",
        "a shared referral pathway with partner agencies",
        "the partnership's review of joint working",
    ],
    None: [
        "the organisation's plan for this recommendation",
        "governance of the work on this recommendation",
        "performance reporting on this recommendation",
        "the lead's briefing to the senior leadership team",
        "the evidence gathered for this recommendation",
    ],
}
OWNERS = [
    "Head of Public Protection",
    "Crime Registrar",
    "Learning and Development lead",
    "Head of Criminal Justice",
    "Commissioning manager",
    "Detective Superintendent, Safeguarding",
    "Performance and Insight lead",
]
# What an update says, by the response's status in its round.
UPDATE_OPENINGS = {
    ResponseStatus.NOT_STARTED: ["Work is planned but has not started on", "A lead has been named to take forward"],
    ResponseStatus.IN_PROGRESS: [
        "Work continued on",
        "A task-and-finish group met to progress",
        "Draft proposals were agreed for",
        "Partners were consulted on",
        "Delivery has slipped for",
    ],
    ResponseStatus.BLOCKED: ["Progress is paused, waiting on others, for"],
    ResponseStatus.COMPLETE: ["Work has been completed and signed off on", "Assurance checks were completed for"],
    ResponseStatus.NOT_APPLICABLE: [
        "The organisation recorded why it does not need to act on",
        "The organisation's review confirmed it does not need to act on",
    ],
}
# A response that does not apply records the decision as its one action, and gives one of these reasons (invented,
# naming no real organisation, person, place or case).
NOT_APPLICABLE_DECISION = (
    f"Record the decision that this recommendation does not apply to the organisation ({MARK.lower()})."
)
NOT_APPLICABLE_REASONS = [
    "the work asked for is led nationally, and the organisation follows the national approach rather than its own",
    "the service concerned is commissioned from partner agencies, which report on it in their own plans",
    "a collaboration of neighbouring organisations carries out this function on the organisation's behalf",
    "the organisation does not carry out the function this recommendation is about",
]
BLOCKERS = [
    "a change to a records management system shared with other forces, with no delivery date yet",
    "national guidance that has not yet been published",
    "a funding decision by the commissioning partnership",
]


def objects(theme: str | None) -> list[str]:
    """What the actions and updates of a recommendation of this theme (or of none) may be about."""
    return THEME_OBJECTS.get(theme, THEME_OBJECTS[None])


def phase(number: int) -> str:
    """What tells a text of a later phase from the same words earlier ("" for the first phase)."""
    return f", phase {number}" if number > 1 else ""


def action_text(verb: str, thing: str, phase_number: int = 1) -> str:
    """An action's description: a verb, what it is done to and (after the first) its phase."""
    return f"{verb} {thing}{phase(phase_number)} ({MARK.lower()})."


def update_text(opening: str, thing: str, phase_number: int = 1) -> str:
    """A progress update's text: an opening that fits the status, what it is about and (after the first) its phase."""
    return f"{opening} {thing}{phase(phase_number)}. {MARK}."


def blocked_reason(blocker: str) -> str:
    """Why a response is Blocked: what it waits for (a parent quotes it after its sub-recommendation's number)."""
    return f"Waiting for {blocker} ({MARK.lower()})."


def not_applicable_reason(reason: str) -> str:
    """Why a response does not apply, marked synthetic."""
    return f"{MARK}: {reason}."


def action_texts_for(theme: str | None, scale: int = 1) -> set[str]:
    """Every action text the demo may write at ``scale`` for a recommendation of this theme (or of none), the record
    of a decision that it does not apply included. A response has at most 8 times ``scale`` actions and a phase has 40
    texts, so no response goes past phase ``scale``."""
    texts = {action_text(verb, thing, n) for verb in VERBS for thing in objects(theme) for n in range(1, scale + 1)}
    return texts | {NOT_APPLICABLE_DECISION}
