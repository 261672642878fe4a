"""Maintaining a recommendation set from the admin screens: edit, confirm, version, and keep obligations right.

Every save of a numbered recommendation (with its sub-recommendations) is one new version: the version number
goes up by one, the audit history records the fields that changed (before and after), and the whole
recommendation as it now stands is kept in ``RecommendationVersion`` so every earlier version stays viewable.
A save made on a stale version raises ``StaleRecord`` (nothing is overwritten). Changing addressees brings the
obligations in line through ``tracker.plans.obligations.sync_obligations``: nothing recorded is deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor, changed, plain, record
from tracker.db import StaleRecord, next_version, saved_id
from tracker.inputs import InputError, list_problem
from tracker.organisations.services import addressee_codes, addressee_names
from tracker.plans.obligations import EDITED, ObligationChanges, sync_obligations
from tracker.recommendations.models import Recommendation, RecommendationSet, RecommendationVersion
from tracker.recommendations.welsh import WelshEdit, welsh_entry
from tracker.timeutil import DateParseError, parse_uk_date, uk_date, utc_now
from tracker.vocabulary import Provenance, WelshWordingSource
from tracker.web.i18n import N_, Interface
from tracker.web.i18n import gettext as _

CONFIRMABLE = ("number", "text", "addressees", "deadline", "theme", "sub_recommendations")
FIELD_LABELS = {
    "text": N_("Wording (our summary)"),
    "text_cy": N_("Welsh wording"),
    "text_cy_source": N_("Where the Welsh wording comes from"),
    "text_cy_citation": N_("Where the Welsh wording was published"),
    "addressees": N_("Addressed to"),
    "deadline": N_("Deadline"),
    "theme": N_("Theme"),
    "sub_recommendations": N_("Sub-recommendations"),
    "provenance": N_("How far it is confirmed"),
    "confirmed_fields": N_("Fields confirmed"),
    "provenance_sources": N_("Sources"),
    "provenance_note": N_("Note on what is confirmed"),
    "confirmed_by_label": N_("Confirmed by"),
    "confirmed_at": N_("Confirmed on"),
}
MAX_TEXT = 10_000
NEW_SUB_ROWS = 2  # blank rows for new sub-recommendations on the form (works without JavaScript)


EditError = InputError  # the one input error (tracker.inputs), under the name this module's callers use


def subs_of(session: Session, rec: Recommendation, *, include_removed: bool = False) -> list[Recommendation]:
    query = select(Recommendation).where(Recommendation.parent_id == rec.id)
    if not include_removed:
        query = query.where(col(Recommendation.removed_at).is_(None))
    return list(session.exec(query.order_by(col(Recommendation.position), col(Recommendation.id))))


def snapshot(rec: Recommendation, subs: list[Recommendation]) -> dict[str, Any]:
    """A numbered recommendation as it stands, as plain values (what a version keeps and the diff compares)."""
    return {
        "number": rec.number,
        "text": rec.text,
        "text_cy": rec.text_cy,
        "text_cy_source": rec.text_cy_source.value if rec.text_cy_source else None,
        "text_cy_citation": rec.text_cy_citation,
        "addressees": list(rec.addressees),
        "deadline": plain(rec.deadline),
        "theme": rec.theme,
        "sub_recommendations": [
            {
                "number": s.number,
                "text": s.text,
                **welsh_entry(s),
                **({"addressees": list(s.addressees)} if s.addressees != rec.addressees else {}),
                **({"deadline": plain(s.deadline)} if s.deadline != rec.deadline else {}),
            }
            for s in subs
        ],
        "provenance": rec.provenance.value,
        "confirmed_fields": list(rec.confirmed_fields),
        "provenance_sources": list(rec.provenance_sources),
        "provenance_note": rec.provenance_note,
        "confirmed_by_label": rec.confirmed_by_label,
        "confirmed_at": plain(rec.confirmed_at),
    }


def keep_version(
    session: Session, rec: Recommendation, content: dict[str, Any], actor_label: str, *, version: int | None = None
) -> None:
    """Store ``content`` as version ``version`` (default ``rec.version``) unless that version is already kept."""
    version = rec.version if version is None else version
    exists = session.exec(
        select(RecommendationVersion.id).where(
            RecommendationVersion.recommendation_id == rec.id, RecommendationVersion.version == version
        )
    ).first()
    if exists is None:
        session.add(
            RecommendationVersion(
                recommendation_id=saved_id(rec), version=version, content=content, actor_label=actor_label[:200]
            )
        )
        session.flush()


def versions(session: Session, rec: Recommendation) -> list[RecommendationVersion]:
    """Every kept version of a numbered recommendation, newest first (the current one included)."""
    subs = subs_of(session, rec)  # always read, so the page's queries do not depend on the history
    kept = list(
        session.exec(
            select(RecommendationVersion)
            .where(RecommendationVersion.recommendation_id == rec.id)
            .order_by(col(RecommendationVersion.version).desc())
        )
    )
    if not kept or kept[0].version != rec.version:
        # Not yet edited since versions began to be kept: the current state is the latest version.
        kept.insert(
            0,
            RecommendationVersion(
                recommendation_id=saved_id(rec),
                version=rec.version,
                content=snapshot(rec, subs),
                actor_label="",
                recorded_at=rec.updated_at,
            ),
        )
    return kept


def history_events(session: Session, rec: Recommendation) -> list[AuditEvent]:
    """The audit events of a recommendation and its sub-recommendations, newest first."""
    ids = [rec.id] + [s.id for s in subs_of(session, rec, include_removed=True)]
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "recommendation", col(AuditEvent.entity_id).in_(ids))
            .order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
        )
    )


# --- the edit form ---------------------------------------------------------------------------------------


def form_values(session: Session, rec: Recommendation) -> dict[str, Any]:
    """The edit form filled in from the stored recommendation."""
    values: dict[str, Any] = {
        "version": str(rec.version),
        "text": rec.text or "",
        "text_cy": rec.text_cy or "",
        "text_cy_source": rec.text_cy_source.value if rec.text_cy_source else "",
        "text_cy_citation": rec.text_cy_citation or "",
        "addressees": list(rec.addressees),
        "deadline": rec.deadline.strftime("%d/%m/%Y") if rec.deadline else "",
        "theme": rec.theme or "",
        "provenance": rec.provenance.value,
        "confirmed_fields": list(rec.confirmed_fields),
        "provenance_sources": "\n".join(rec.provenance_sources),
        "provenance_note": rec.provenance_note or "",
    }
    for sub in subs_of(session, rec):
        values[f"sub-{sub.id}-text"] = sub.text or ""
    return values


def readable(content: dict[str, Any], names: dict[str, str]) -> dict[str, str]:
    """A version's fields as people read them (for the conflict panel and the history page)."""
    out = {}
    for key, label in FIELD_LABELS.items():
        out[label] = show_value(key, content.get(key), names)
    return out


def show_value(key: str, value: Any, names: dict[str, str]) -> str:
    """One field's value in words: what was written as it is, the rest (none, dates, the provenance) in the
    reader's language (``Interface``)."""
    if value in (None, "", []):
        return Interface(_("none"))
    if key == "addressees":
        return ", ".join(names.get(code, code) for code in value)
    if key in ("deadline",):
        return Interface(uk_date(dt.date.fromisoformat(value))) if isinstance(value, str) else str(value)
    if key == "confirmed_at":
        return Interface(uk_date(dt.datetime.fromisoformat(value))) if isinstance(value, str) else str(value)
    if key == "provenance":
        return Interface(Provenance(value).label)
    if key == "text_cy_source":
        return Interface(WelshWordingSource(value).label) if value in set(WelshWordingSource) else str(value)
    if key == "sub_recommendations":
        parts = []
        for sub in value:
            extra = ""
            if "addressees" in sub:
                extra += " (to " + (", ".join(names.get(c, c) for c in sub["addressees"]) or "none") + ")"
            if sub.get("deadline"):
                extra += f" (by {uk_date(dt.date.fromisoformat(sub['deadline']))})"
            parts.append(f"{sub['number']}: {sub.get('text') or 'wording to be confirmed'}{extra}")
        return "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class SubRecommendationEdit:
    """A sub-recommendation on the edit form: an existing one (``id``: its new wording, or ``remove``) or a new one
    (``number`` and wording). ``field`` is the form field a problem with a new one's number is reported on."""

    id: int | None = None
    number: str = ""
    text: str | None = None
    remove: bool = False
    field: str = ""


@dataclass(frozen=True)
class RecommendationEdit:
    """What an admin asks to save for a numbered recommendation, as typed (checked by ``save_recommendation``).

    ``version`` is the version the person edited (None: not given); ``deadline`` and ``provenance`` are the text
    as entered; ``subs`` the wording (or removal) of every current sub-recommendation, as the form holds them all
    (one left out has no wording), ``new_subs`` the ones to add; ``welsh`` its Welsh wording and where it comes
    from (None: kept as stored, for a change that does not show it). ``tracker.recommendations.edit_form`` builds it.
    """

    version: int | None = None
    text: str | None = None
    welsh: WelshEdit | None = None
    addressees: list[str] = field(default_factory=list)
    deadline: str | None = None
    theme: str | None = None
    provenance: str = ""
    confirmed_fields: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    note: str | None = None
    subs: list[SubRecommendationEdit] = field(default_factory=list)
    new_subs: list[SubRecommendationEdit] = field(default_factory=list)


@dataclass
class EditResult:
    changed: list[str] = field(default_factory=list)
    obligations: ObligationChanges = field(default_factory=ObligationChanges)


@dataclass
class _Checked:
    """The edit's own fields once checked, as they will be stored."""

    text: str | None
    addressees: list[str]
    deadline: dt.date | None
    theme: str | None
    status: Provenance
    confirmed_fields: list[str]
    sources: list[str]
    note: str | None
    welsh: WelshEdit = field(default_factory=WelshEdit)


@dataclass
class _SubChanges:
    """What the edit does to the sub-recommendations, once checked."""

    subs: list[Recommendation]  # the current ones
    removed_subs: list[Recommendation]  # every one, removed ones included
    texts: dict[int | None, str | None]
    to_remove: list[Recommendation] = field(default_factory=list)
    new: list[tuple[str, str | None]] = field(default_factory=list)
    revived: list[tuple[Recommendation, str | None]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.to_remove or self.new or self.revived) or any(self.texts[s.id] != s.text for s in self.subs)


def save_recommendation(
    session: Session,
    rec: Recommendation,
    edit: RecommendationEdit,
    user: User,
    *,
    now: dt.datetime | None = None,
    cause: str = EDITED,
) -> EditResult:
    """Save an edit of a numbered recommendation as a new version; commits. ``cause`` says why, to the changes to
    obligations it makes (``tracker.plans.obligations.sync_obligations``): an edit unless said otherwise.

    Raises ``EditError`` (form field -> message) for bad input and ``StaleRecord`` when someone saved first.
    """
    result = write_version(session, rec, edit, user, now=now)
    if not result.changed:
        session.rollback()
        return result
    why = {"kind": cause, "recommendation": rec.number}
    result.obligations = sync_obligations(session, Actor(user.display_name, user.id), set_id=rec.set_id, cause=why)
    session.commit()
    return result


def write_version(
    session: Session, rec: Recommendation, edit: RecommendationEdit, user: User, *, now: dt.datetime | None = None
) -> EditResult:
    """An edit as a new version, flushed but neither committed nor synced with obligations (the caller does both,
    once for several recommendations); raises as ``save_recommendation``. Nothing changed: roll back."""
    if rec.parent_id is not None:
        raise EditError({"text": N_("Edit a sub-recommendation from its recommendation")})
    rec_set = session.get(RecommendationSet, rec.set_id)
    assert rec_set is not None
    errors: dict[str, str] = {}
    checked = _check_fields(session, rec, rec_set, edit, errors)
    sub_changes = _check_subs(session, rec, edit, errors)
    if errors:
        raise EditError(errors)
    current = snapshot(rec, sub_changes.subs)
    if (edit.version or -1) != rec.version:
        raise StaleRecord(rec, current)
    actor = Actor(user.display_name, user.id)
    now = now or utc_now()
    keep_version(session, rec, current, actor.label)  # the version before this save stays viewable
    kept_subs, created = _write(session, rec, checked, sub_changes, user, now)
    after = snapshot(rec, kept_subs)
    diff = changed(current, after)
    result = EditResult(changed=list(diff))
    if not diff:
        return result
    _new_version(session, rec, [s for s in kept_subs + sub_changes.to_remove if s not in created], created, now)
    record(
        session,
        actor=actor,
        action="update",
        entity_type="recommendation",
        entity_id=rec.id,
        summary=f"Recommendation {rec.number} of {rec_set.short_title} changed (version {rec.version}): "
        + ", ".join(FIELD_LABELS.get(k, k).lower() for k in diff),
        before={k: current[k] for k in diff},
        after={k: after[k] for k in diff},
    )
    keep_version(session, rec, after, actor.label)
    return result


def _check_fields(
    session: Session, rec: Recommendation, rec_set: RecommendationSet, edit: RecommendationEdit, errors: dict[str, str]
) -> _Checked:
    """The recommendation's own fields checked; problems go into ``errors`` by form field."""
    text = edit.text
    if text and len(text) > MAX_TEXT:
        errors["text"] = _("The wording must be %(limit)s characters or fewer", limit=f"{MAX_TEXT:,}")
    known = addressee_codes(session)
    unknown = [a for a in edit.addressees if a not in known]
    if unknown:
        errors["addressees"] = _("Choose addressees from the list (%(codes)s is not one)", codes=", ".join(unknown))
    addressees = sorted(set(edit.addressees), key=edit.addressees.index)
    try:
        deadline = parse_uk_date(edit.deadline or None)
    except DateParseError:
        errors["deadline"] = N_("The deadline must be a real date, like 27/03/2025")
        deadline = None
    if edit.theme is not None and edit.theme not in {t.get("code") for t in rec_set.themes}:
        errors["theme"] = N_("Choose a theme from the list")
    try:
        status = Provenance(edit.provenance or "")
    except ValueError:
        errors["provenance"] = N_("Choose how far this recommendation is confirmed")
        status = rec.provenance
    welsh = (edit.welsh or WelshEdit.of(rec)).checked(text, MAX_TEXT, errors)
    checked = _Checked(text, addressees, deadline, edit.theme, status, [], edit.sources, edit.note, welsh)
    checked.confirmed_fields = _check_provenance(checked, edit, errors)
    return checked


def _check_provenance(checked: _Checked, edit: RecommendationEdit, errors: dict[str, str]) -> list[str]:
    """The sources and confirmed fields checked against the provenance chosen; returns the confirmed fields."""
    confirmed_fields = [f for f in CONFIRMABLE if f in edit.confirmed_fields]
    bad = [s for s in checked.sources if not s.startswith(("http://", "https://"))]
    if problem := list_problem(checked.sources):  # a control or direction character, as in every field
        errors["provenance_sources"] = problem
    elif bad:
        errors["provenance_sources"] = _(
            "Give each source as a web address starting https:// (%(source)s is not one)", source=bad[0]
        )
    if checked.status is Provenance.CONFIRMED:
        if not checked.text:
            errors["text"] = N_("Enter the wording before marking the recommendation confirmed against the report")
        if not checked.sources and "provenance_sources" not in errors:
            errors["provenance_sources"] = N_("Name the source you checked it against (the report's web address)")
        if not set(confirmed_fields) - {"number"}:
            # Confirmed against the report with nothing ticked: what the report fixes has been checked.
            confirmed_fields = [f for f in CONFIRMABLE if f != "theme"]
    elif checked.status is Provenance.QUOTED and not (checked.text or checked.addressees):
        errors["text"] = N_("Enter the wording (or addressees) organisations' plans quote before marking it as quoted")
    elif checked.status is Provenance.PARTIAL and not [f for f in confirmed_fields if f != "number"]:
        errors["confirmed_fields"] = N_("Tick the fields that public sources confirm")
    if "number" not in confirmed_fields:
        confirmed_fields.insert(0, "number")
    return confirmed_fields


def _check_subs(session: Session, rec: Recommendation, edit: RecommendationEdit, errors: dict[str, str]) -> _SubChanges:
    """The sub-recommendations to edit, remove, add or bring back; problems go into ``errors`` by form field."""
    subs = subs_of(session, rec)
    asked = {s.id: s for s in edit.subs}
    changes = _SubChanges(subs, subs_of(session, rec, include_removed=True), {})
    for sub in subs:
        mine = asked.get(sub.id, SubRecommendationEdit(id=sub.id))
        changes.texts[sub.id] = mine.text
        if mine.remove:
            changes.to_remove.append(sub)
    numbers_in_set = set(session.exec(select(Recommendation.number).where(Recommendation.set_id == rec.set_id)))
    for new in edit.new_subs:
        problem = _new_number_problem(rec, new, numbers_in_set, changes)
        if problem:
            errors[new.field] = problem
            continue
        if new.number in numbers_in_set:
            earlier = next(s for s in changes.removed_subs if s.number == new.number and s.removed)
            changes.revived.append((earlier, new.text))
        else:
            changes.new.append((new.number, new.text))
    return changes


def _new_number_problem(
    rec: Recommendation, new: SubRecommendationEdit, numbers_in_set: set[str], changes: _SubChanges
) -> str | None:
    """What is wrong with a new sub-recommendation's number, if anything (a removed one's number brings it back)."""
    number = new.number
    if not number:
        return N_("Enter the sub-recommendation's number, like 7.3")
    if not number.startswith(rec.number + ".") or not number[len(rec.number) + 1 :].replace(".", "").isalnum():
        return _("A sub-recommendation of %(number)s is numbered %(number)s.1, %(number)s.2 …", number=rec.number)
    if number in numbers_in_set:
        if not any(s.number == number and s.removed for s in changes.removed_subs):
            return _("%(number)s is already in this set", number=number)
        return None
    if number in {n for n, _ in changes.new}:
        return _("%(number)s is entered twice", number=number)
    return None


def _write(
    session: Session, rec: Recommendation, checked: _Checked, changes: _SubChanges, user: User, now: dt.datetime
) -> tuple[list[Recommendation], list[Recommendation]]:
    """Lay the checked edit over the recommendation and its sub-recommendations (flushed, not committed);
    returns the sub-recommendations it now has, in order, and those created."""
    old_addressees, old_deadline = list(rec.addressees), rec.deadline
    content = (checked.text, checked.addressees, checked.deadline, checked.theme)
    content_changed = content != (rec.text, rec.addressees, rec.deadline, rec.theme)
    rec.text, rec.addressees, rec.deadline, rec.theme = content
    checked.welsh.store(rec)
    rec.confirmed_fields, rec.provenance_sources, rec.provenance_note = (
        checked.confirmed_fields,
        checked.sources,
        checked.note,
    )
    if checked.status is Provenance.CONFIRMED:
        if rec.provenance is not Provenance.CONFIRMED or content_changed or changes.any:
            rec.confirmed_by_id, rec.confirmed_by_label, rec.confirmed_at = user.id, user.display_name, now
    else:
        rec.confirmed_by_id, rec.confirmed_by_label, rec.confirmed_at = None, None, None
    rec.provenance = checked.status
    kept_subs, created = _write_subs(session, rec, changes, now)
    revived = [s for s, _ in changes.revived]
    for sub in kept_subs:
        # A sub-recommendation follows its parent's addressees and deadline unless it had its own.
        if sub.addressees == old_addressees or sub in created or sub in revived:
            sub.addressees = list(checked.addressees)
        if sub.deadline == old_deadline or sub in created:
            sub.deadline = checked.deadline
        _copy_provenance(rec, sub)
    session.flush()
    kept_subs.sort(key=lambda s: (s.position, s.id or 0))
    return kept_subs, created


def _write_subs(
    session: Session, rec: Recommendation, changes: _SubChanges, now: dt.datetime
) -> tuple[list[Recommendation], list[Recommendation]]:
    """Edit, bring back, remove and add sub-recommendations; returns those kept (unordered) and those created."""
    position = max([s.position for s in changes.removed_subs] + [rec.position])
    kept_subs = [s for s in changes.subs if s not in changes.to_remove]
    for sub in kept_subs:
        sub.text = changes.texts[sub.id]
    for sub, sub_text in changes.revived:
        sub.removed_at, sub.text = None, sub_text
        kept_subs.append(sub)
    for sub in changes.to_remove:
        sub.removed_at = now
    created: list[Recommendation] = []
    for number, new_text in changes.new:
        position += 1
        sub = Recommendation(set_id=rec.set_id, parent_id=rec.id, number=number, position=position, text=new_text)
        session.add(sub)
        kept_subs.append(sub)
        created.append(sub)
    return kept_subs, created


def _copy_provenance(rec: Recommendation, sub: Recommendation) -> None:
    """A sub-recommendation shares its recommendation's theme and how far it is confirmed."""
    sub.theme = rec.theme
    sub.provenance, sub.confirmed_fields = rec.provenance, list(rec.confirmed_fields)
    sub.provenance_sources, sub.provenance_note = list(rec.provenance_sources), rec.provenance_note
    sub.confirmed_by_id, sub.confirmed_by_label = rec.confirmed_by_id, rec.confirmed_by_label
    sub.confirmed_at = rec.confirmed_at


def _new_version(
    session: Session,
    rec: Recommendation,
    changed_subs: list[Recommendation],
    created: list[Recommendation],
    now: dt.datetime,
) -> None:
    """Every record the save touched moves to its next version (a created one starts at 1)."""
    for sub in changed_subs:
        next_version(sub)
        sub.updated_at = now
    for sub in created:
        sub.updated_at = now
    next_version(rec)
    rec.updated_at = now


def conflict_values(session: Session, current: dict[str, Any], mine: RecommendationEdit) -> dict[str, dict[str, str]]:
    """The saved values and the person's own, field by field in words, for the 409 page."""
    names = addressee_names(session)
    theirs = readable(current, names)
    own_content = {
        "text": mine.text,
        **({"text_cy": mine.welsh.text, "text_cy_source": mine.welsh.source} if mine.welsh else {}),
        **({"text_cy_citation": mine.welsh.citation} if mine.welsh else {}),
        "addressees": list(mine.addressees),
        "deadline": None,
        "theme": mine.theme,
        "provenance": mine.provenance or None,
        "confirmed_fields": list(mine.confirmed_fields),
        "provenance_sources": list(mine.sources),
        "provenance_note": mine.note,
    }
    try:
        day = parse_uk_date(mine.deadline or None)
        own_content["deadline"] = day.isoformat() if day else None
    except DateParseError:
        own_content["deadline"] = mine.deadline
    own = {label: show_value(key, own_content.get(key), names) for key, label in FIELD_LABELS.items()}
    for key in ("sub_recommendations", "confirmed_by_label", "confirmed_at"):
        own[FIELD_LABELS[key]] = ""
    return {"current": theirs, "mine": own}


# --- counts and lists --------------------------------------------------------------------------------------


@dataclass
class SetSummary:
    recommendation_set: RecommendationSet
    total: int
    confirmed: int
    quoted: int
    partial: int
    to_be_confirmed: int


def set_summaries(session: Session) -> list[SetSummary]:
    """Every set with how many of its numbered recommendations are confirmed, quoted, partly, or to be confirmed."""
    sets = list(session.exec(select(RecommendationSet).order_by(col(RecommendationSet.published_on).desc())))
    counts: dict[int, dict[Provenance, int]] = {saved_id(s): dict.fromkeys(Provenance, 0) for s in sets}
    for set_id, provenance in session.exec(
        select(Recommendation.set_id, col(Recommendation.provenance)).where(
            col(Recommendation.parent_id).is_(None), col(Recommendation.removed_at).is_(None)
        )
    ):
        counts.setdefault(set_id, dict.fromkeys(Provenance, 0))[provenance] += 1
    return [
        SetSummary(
            s,
            sum(counts[saved_id(s)].values()),
            counts[saved_id(s)][Provenance.CONFIRMED],
            counts[saved_id(s)][Provenance.QUOTED],
            counts[saved_id(s)][Provenance.PARTIAL],
            counts[saved_id(s)][Provenance.TO_BE_CONFIRMED],
        )
        for s in sets
    ]


def set_by_slug(session: Session, slug: str | None) -> RecommendationSet | None:
    if not slug:
        return None
    return session.exec(select(RecommendationSet).where(RecommendationSet.slug == slug)).first()
