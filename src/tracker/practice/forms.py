"""The practice write-up as a person sends it: the submission form's input and the checks it must pass.

``clean`` turns a ``PracticeInput`` into the fields a practice stores; a draft needs only a title, a submission
needs everything a reader needs. Every problem is reported at once, by field, as an ``InputError``.
``form_values`` is a practice as its edit form shows it, ``in_words`` a form's values as the conflict panel of a
stale save shows them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.inputs import FieldText, Input, InputError, length_message, parse_id, text_problem
from tracker.organisations.bilingual import bilingual_fields, welsh_of
from tracker.organisations.bilingual_input import welsh_values
from tracker.organisations.models import Organisation
from tracker.practice.models import Practice, PracticeRecommendation
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.vocabulary import PracticeStage, PracticeStatus, Role
from tracker.web.i18n import N_, gettext

# The library's themes: broad areas of the police response to stalking, in our own words. A fixed vocabulary of the
# interface: stored and searched by these English names, shown in the reader's language (``theme_name``).
THEMES: dict[str, str] = {
    "identification-and-recording": N_("Identifying and recording stalking"),
    "risk-and-safeguarding": N_("Risk assessment and safeguarding"),
    "investigation": N_("Investigation"),
    "victim-support": N_("Support for victims"),
    "early-intervention": N_("Early intervention"),
    "multi-agency-working": N_("Working with partner agencies"),
    "technology": N_("Technology and digital tools"),
    "training": N_("Training and learning"),
}
MAX_TEXT = 10_000


def theme_name(code: str) -> str:
    """A theme's name in the reader's language (a code no longer in the list, as it is)."""
    return gettext(THEMES[code]) if code in THEMES else code


def theme_choices() -> list[tuple[str, str]]:
    """Every theme as (code, name in the reader's language), for a filter or the form's checkboxes."""
    return [(code, theme_name(code)) for code in THEMES]


MAX_LINKS = 10

Repeated = list[str] | str | None  # a field that may be sent several times (checkboxes)


@dataclass(frozen=True, kw_only=True)
class PracticeInput(Input):
    """A write-up as the submission form sends it (``clean`` checks it); ``organisation`` is a slug (admins only)."""

    title: str | None = None
    title_cy: str | None = None  # the Welsh twins (bilingual organisations); None leaves the stored Welsh
    summary_cy: str | None = None
    what_was_done_cy: str | None = None
    outcomes_cy: str | None = None
    evaluation_cy: str | None = None
    organisation: str | None = None
    attribution_note: str | None = None
    summary: str | None = None
    what_was_done: str | None = None
    outcomes: str | None = None
    evaluation: str | None = None
    stage: str | None = None
    themes: Repeated = None
    recommendations: Repeated = None
    contact_role: str | None = None
    links: str | None = None
    version: str | int | None = None  # the version of the practice the person loaded (editing only)


def values_list(values: Mapping[str, Any], name: str) -> list[str]:
    """A field that may be sent several times (checkboxes), as a list of non-empty strings."""
    return repeated(values.get(name))


def repeated(raw: Repeated) -> list[str]:
    """A repeated field's values, non-empty and stripped."""
    items = raw if isinstance(raw, list) else [raw]
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def text_field(errors: dict[str, str], value: Any, name: str, *, required: bool, limit: int) -> str:
    """A text field stripped, with an error under ``name`` (its messages: ``TEXTS[name]``) if it is missing (when
    ``required``) or too long."""
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        errors[name] = TEXTS[name].missing
    elif len(value) > limit:
        errors[name] = length_message(TEXTS[name].too_long, limit)
    return value


def parse_links(text: str) -> tuple[list[str], str | None]:
    """Web addresses, one per line: each must be a full http or https address."""
    links = [line.strip() for line in text.splitlines() if line.strip()]
    if len(links) > MAX_LINKS:
        return links, gettext("Give no more than %(limit)s links", limit=MAX_LINKS)
    for number, link in enumerate(links, start=1):
        if problem := text_problem(link, short=True):  # a link is one line: no direction control (tracker.inputs)
            return links, problem
        try:
            parts = urlsplit(link)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in link
        except ValueError:
            ok = False
        if not ok or len(link) > 500:
            return links, gettext(
                "Link %(number)s must be a full web address starting with https:// or http://", number=number
            )
    return list(dict.fromkeys(links)), None


# What the write-up's forms say of each text (and of its Welsh twin), whole sentences for the catalogue.
TEXTS = {
    "title": FieldText(
        N_("Enter a title"),
        N_("A title must be %(limit)s characters or fewer"),
        N_("The title in Welsh must be %(limit)s characters or fewer"),
    ),
    "summary": FieldText(
        N_("Enter a summary"),
        N_("A summary must be %(limit)s characters or fewer"),
        N_("A summary in Welsh must be %(limit)s characters or fewer"),
    ),
    "what_was_done": FieldText(
        N_("Enter what was done"),
        N_("What was done must be %(limit)s characters or fewer"),
        N_("What was done in Welsh must be %(limit)s characters or fewer"),
    ),
    "outcomes": FieldText(
        N_("Enter the outcomes"),
        N_("The outcomes must be %(limit)s characters or fewer"),
        N_("The outcomes in Welsh must be %(limit)s characters or fewer"),
    ),
    "evaluation": FieldText(
        "",
        N_("The evaluation must be %(limit)s characters or fewer"),
        N_("The evaluation in Welsh must be %(limit)s characters or fewer"),
    ),
    "contact_role": FieldText(N_("Enter a contact role"), N_("A contact role must be %(limit)s characters or fewer")),
    "attribution_note": FieldText("", N_("Who runs it must be %(limit)s characters or fewer")),
    "review_comment": FieldText(
        N_("Enter what needs to change"), N_("What needs to change must be %(limit)s characters or fewer")
    ),
}

_CONTACT_DETAILS = re.compile(r"@|\d[\d\s]{6,}")


def _without_nul(value: Any) -> Any:
    """NUL characters cannot be stored in PostgreSQL text; they never mean anything in a form."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


@dataclass
class CleanInput:
    """The checked write-up: the practice's own fields and the recommendations it addresses."""

    fields: dict[str, Any]
    recommendation_ids: list[int]


def clean(
    session: Session,
    user: User,
    given: PracticeInput | Mapping[str, Any],
    *,
    submitting: bool,
    practice: Practice | None,
) -> CleanInput:
    """Check a submission form; a draft needs only a title, a submission needs everything a reader needs."""
    given = PracticeInput(
        **{key: _without_nul(value) for key, value in dataclasses.asdict(PracticeInput.of(given)).items()}
    )
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    fields["title"] = text_field(errors, given.title, "title", required=True, limit=300)
    if user.role is Role.ADMIN:
        fields |= _attribution(session, errors, given, submitting=submitting)
    else:
        fields["organisation_id"] = practice.organisation_id if practice else user.organisation_id
    written_up = ("summary", "what_was_done", "outcomes", "evaluation")
    for name, required in zip(written_up, (submitting, submitting, submitting, False), strict=True):
        value = text_field(errors, getattr(given, name), name, required=required, limit=MAX_TEXT)
        fields[name] = value or None
    fields |= welsh_values(errors, given, Practice, TEXTS)
    fields |= _stage_and_themes(errors, given, submitting=submitting)
    recommendation_ids = _recommendation_ids(session, errors, given, submitting=submitting)
    contact = text_field(errors, given.contact_role, "contact_role", required=submitting, limit=200)
    if contact and _CONTACT_DETAILS.search(contact) and "contact_role" not in errors:
        errors["contact_role"] = N_("Give a role, such as Stalking coordinator, not an e-mail address or phone number")
    fields["contact_role"] = contact or None
    links_text = given.links
    links, problem = parse_links(links_text if isinstance(links_text, str) else "")
    if problem:
        errors["links"] = problem
    fields["links"] = links
    if errors:
        raise InputError(errors)
    return CleanInput(fields, recommendation_ids)


def _attribution(session: Session, errors: dict[str, str], given: PracticeInput, *, submitting: bool) -> dict[str, Any]:
    """Who runs it, as an admin gives it: an organisation from the list, or a note (a submission needs one)."""
    slug = given.organisation or ""
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first() if slug else None
    if slug and organisation is None:
        errors["organisation"] = N_("Select an organisation from the list")
    note = text_field(errors, given.attribution_note, "attribution_note", required=False, limit=1000) or None
    if submitting and organisation is None and not note and "organisation" not in errors:
        errors["organisation"] = N_("Select the organisation that runs it, or say who runs it in the attribution note")
    return {"organisation_id": organisation.id if organisation else None, "attribution_note": note}


def _stage_and_themes(errors: dict[str, str], given: PracticeInput, *, submitting: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    stage = given.stage or ""
    if stage in {s.value for s in PracticeStage}:
        fields["stage"] = PracticeStage(stage)
    elif stage:
        errors["stage"] = N_("Select a stage from the list")
    elif submitting:
        errors["stage"] = N_("Select how far the practice has got")
    themes = repeated(given.themes)
    if any(t not in THEMES for t in themes):
        errors["themes"] = N_("Select themes from the list")
    elif submitting and not themes:
        errors["themes"] = N_("Select at least one theme")
    fields["themes"] = [code for code in THEMES if code in themes]
    return fields


def _recommendation_ids(
    session: Session, errors: dict[str, str], given: PracticeInput, *, submitting: bool
) -> list[int]:
    """The ticked recommendations, each of which must exist (a submission needs at least one)."""
    raw_ids = repeated(given.recommendations)
    if not raw_ids:
        if submitting:
            errors["recommendations"] = N_("Select at least one recommendation the practice addresses")
        return []
    wanted = {n for n in map(parse_id, raw_ids) if n is not None}
    known: set[int] = (
        {
            rec_id
            for rec_id in session.exec(select(Recommendation.id).where(col(Recommendation.id).in_(wanted)))
            if rec_id is not None
        }
        if wanted
        else set()
    )
    if len(known) != len(set(raw_ids)):
        errors["recommendations"] = N_("Select recommendations from the list")
    return sorted(known)


def form_values(session: Session, practice: Practice) -> dict[str, Any]:
    """The practice as its edit form shows it, with the version it is at (the form sends that back)."""
    organisation = session.get(Organisation, practice.organisation_id) if practice.organisation_id else None
    linked = session.exec(
        select(PracticeRecommendation.recommendation_id).where(PracticeRecommendation.practice_id == practice.id)
    )
    return {  # the repeated fields (checkboxes) hold lists, as Form.of keeps them
        "title": practice.title,
        "organisation": organisation.slug if organisation else "",
        "attribution_note": practice.attribution_note or "",
        "summary": practice.summary or "",
        "what_was_done": practice.what_was_done or "",
        "outcomes": practice.outcomes or "",
        "evaluation": practice.evaluation or "",
        **{welsh_of(name): getattr(practice, welsh_of(name)) or "" for name in bilingual_fields(Practice)},
        "stage": practice.stage.value,
        "themes": list(practice.themes),
        "recommendations": [str(rec_id) for rec_id in linked],
        "contact_role": practice.contact_role or "",
        "links": "\n".join(practice.links),
        "version": str(practice.version),
    }


_TEXTS = (
    ("summary", "Summary"),
    ("what_was_done", "What was done"),
    ("outcomes", "Outcomes"),
    ("evaluation", "Evaluation"),
)


def in_words(
    session: Session, values: Mapping[str, Any], status: PracticeStatus, *, is_admin: bool, welsh: bool = False
) -> dict[str, str]:
    """A write-up's form ``values`` as people read them, by the form's labels, for the conflict panel of a stale
    save; ``status`` is the one it has (or would have had). Who runs it only for admins: only they choose it; the
    Welsh texts only when the form has them (``welsh``: a bilingual organisation's)."""

    def text(name: str) -> str:
        value = values.get(name)
        return value if isinstance(value, str) else ""

    words = {"Title": text("title")}
    if is_admin:
        slug = text("organisation")
        organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first() if slug else None
        words["Organisation that runs it"] = organisation.name if organisation else "None"
        words["Attribution note"] = text("attribution_note")
    words |= {label: text(name) for name, label in _TEXTS}
    if welsh:
        words |= {f"{label} in Welsh": text(welsh_of(name)) for name, label in (("title", "Title"), *_TEXTS)}
    stage = text("stage")
    words["Stage"] = PracticeStage(stage).label if stage in {s.value for s in PracticeStage} else stage
    themes = values_list(values, "themes")
    words["Themes"] = "; ".join(name for code, name in THEMES.items() if code in themes)
    words["Recommendations it addresses"] = _recommendations_in_words(session, values_list(values, "recommendations"))
    words["Contact role"] = text("contact_role")
    words["Links"] = " ".join(text("links").split())
    words["Status"] = status.label
    return words


def _recommendations_in_words(session: Session, raw_ids: list[str]) -> str:
    """Ticked recommendations by their report and number, in the report's order."""
    wanted = {n for n in map(parse_id, raw_ids) if n is not None}
    if not wanted:
        return ""
    rows = session.exec(
        select(RecommendationSet.short_title, Recommendation.number)
        .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
        .where(col(Recommendation.id).in_(wanted))
        .order_by(col(RecommendationSet.published_on).desc(), col(RecommendationSet.id), col(Recommendation.position))
    )
    return "; ".join(f"{short_title}: recommendation {number}" for short_title, number in rows)
