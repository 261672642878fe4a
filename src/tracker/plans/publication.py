"""Publishing an organisation's plan, and the one place that decides what of a plan is public.

The public pages show only what ``public_plan`` put into a publication: responses, actions, updates marked
public and evidence marked public. Internal and inspectorate-only evidence, internal updates, assessments,
comments, people's names and email addresses never go in. Edits made after publishing stay private until
the organisation publishes again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, and_, exists, func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.services import plain, record
from tracker.db import insert_rows, saved_id
from tracker.evidence.models import Evidence
from tracker.organisations.bilingual import ENGLISH, WELSH, bilingual_fields, welsh_of
from tracker.organisations.models import Organisation
from tracker.plans.models import Action, PlanPublication, ProgressUpdate, PublishedResponse, Response
from tracker.plans.obligations import must_answer_ids, obligations_of
from tracker.plans.services import actor_for
from tracker.timeutil import uk_date, utc_now
from tracker.vocabulary import ActionStatus, EvidenceKind, Rag, ResponseStatus, Visibility
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _

FORMAT = 1


class NothingToPublish(Exception):
    """Publishing refused: nothing is addressed to the organisation and it never published, so there is no plan."""


def public_plan(session: Session, organisation: Organisation) -> dict[str, Any]:
    """The public view of an organisation's plan as it stands now (plain JSON-ready values)."""
    return public_plans(session, [organisation])[saved_id(organisation)]


def public_plans(session: Session, organisations: list[Organisation]) -> dict[int, dict[str, Any]]:
    """The public view of each organisation's plan as it stands now (``public_plan``), by organisation id: read with
    one query for each kind of record, whatever the number of organisations."""
    obligations = obligations_of(session, [saved_id(o) for o in organisations])
    ids = [saved_id(response) for found in obligations.values() for response, _, _ in found]
    actions: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for action in session.execute(
        _columns(Action, "owner_role", "target_date", "status", "completed_on")
        .where(col(Action.response_id).in_(ids))
        .order_by(col(Action.position), col(Action.id))
    ):
        actions[action.response_id].append(
            {
                **_texts(action, Action),
                "owner_role": action.owner_role,
                "target_date": plain(action.target_date),
                "status": action.status.value,
                "completed_on": plain(action.completed_on),
            }
        )
    updates: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for update in session.execute(
        _columns(ProgressUpdate, "update_on")
        .where(col(ProgressUpdate.response_id).in_(ids), col(ProgressUpdate.visibility) == Visibility.PUBLIC)
        .order_by(col(ProgressUpdate.update_on).desc(), col(ProgressUpdate.id).desc())
    ):
        updates[update.response_id].append({"date": plain(update.update_on), **_texts(update, ProgressUpdate)})
    evidence: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for item in session.execute(
        _columns(Evidence, *_EVIDENCE_COLUMNS)
        .where(col(Evidence.response_id).in_(ids), col(Evidence.visibility) == Visibility.PUBLIC)
        .order_by(col(Evidence.created_at), col(Evidence.id))
    ):
        evidence[item.response_id].append(_public_evidence(item))
    return {
        saved_id(organisation): {
            "format": FORMAT,
            "organisation": organisation.slug,
            "responses": [
                {
                    "set": rec_set.slug,
                    "recommendation": rec.number,
                    "recommendation_id": rec.id,
                    "status": response.status.value,
                    "rag": response.rag.value if response.rag else None,
                    "lead_role": response.lead_role,
                    **_texts(response, Response),
                    "not_applicable_reason": response.not_applicable_reason,
                    "completed_at": plain(response.completed_at),
                    "actions": actions[saved_id(response)],
                    "updates": updates[saved_id(response)],
                    "evidence": evidence[saved_id(response)],
                }
                # only when declared, so publications made before declarations existed read the same
                | ({"declared": True} if response.declared else {})
                for response, rec, rec_set in obligations[saved_id(organisation)]
            ],
        }
        for organisation in organisations
    }


_EVIDENCE_COLUMNS = ("id", "kind", "url", "note", "original_name", "content_type", "size_bytes", "sha256")


def _columns(model: type[Any], *names: str) -> Select[Any]:
    """A query of ``model``'s response, bilingual texts and ``names``: the plan reads its records' values as rows,
    never as records (a publication reads every record of the plan, and a record costs several times a row)."""
    texts = [name for field in bilingual_fields(model) for name in (field, welsh_of(field))]
    return sa.select(*(getattr(model, name) for name in ("response_id", *texts, *names)))


def _texts(record: Any, model: type[Any]) -> dict[str, Any]:
    """A record's bilingual texts (``tracker.organisations.bilingual``), each English beside its Welsh, for every
    organisation: the Welsh is None when not written (``""`` too, so an emptied box publishes nothing). ``record``
    is one of ``model``'s records, or a row of its columns."""
    texts: dict[str, Any] = {}
    for field in bilingual_fields(model):
        texts[field] = getattr(record, field)
        texts[welsh_of(field)] = getattr(record, welsh_of(field)) or None
    return texts


def with_welsh(content: dict[str, Any]) -> dict[str, Any]:
    """``content`` as ``public_plan`` builds it now: a publication made before plans carried Welsh has no ``_cy``
    keys, which reads as no Welsh written (None), so publishing it again unchanged is no change."""
    models = {"actions": Action, "updates": ProgressUpdate, "evidence": Evidence}

    def filled(item: dict[str, Any], model: type[Any]) -> dict[str, Any]:
        welsh = {welsh_of(f): None for f in bilingual_fields(model) if f in item}
        return welsh | item

    responses = [
        filled(response, Response)
        | {key: [filled(item, model) for item in response[key]] for key, model in models.items() if key in response}
        for response in content.get("responses", [])
    ]
    return content | {"responses": responses} if "responses" in content else content


def _public_evidence(item: Any) -> dict[str, Any]:
    """What a publication holds of a public evidence item (a record, or a row of ``_EVIDENCE_COLUMNS``): the link,
    the note, or the file's name and hash."""
    entry: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind.value,
        **_texts(item, Evidence),
    }
    if item.kind is EvidenceKind.LINK:
        entry["url"] = item.url
    elif item.kind is EvidenceKind.NOTE:
        entry["note"] = item.note
    else:
        entry.update(
            file_name=item.original_name,
            content_type=item.content_type,
            size_bytes=item.size_bytes,
            sha256=item.sha256,
        )
    return entry


def add_publication(
    session: Session,
    organisation: Organisation,
    user: User | None = None,
    *,
    content: dict[str, Any] | None = None,
    published_at: dt.datetime | None = None,
) -> PlanPublication:
    """Record the plan as it stands (``content``, if already built by ``public_plan``) as published, with the status
    and summary of each response alongside (``PublishedResponse``) for the national pages. The caller commits.

    ``published_at`` is now unless given (the demo publishes along a past timeline)."""
    publication = PlanPublication(
        organisation_id=saved_id(organisation),
        published_by_id=user.id if user else None,
        published_at=published_at or utc_now(),
        content=public_plan(session, organisation) if content is None else content,
    )
    session.add(publication)
    session.flush()
    session.add_all(published_responses(publication))
    return publication


def add_publications(
    session: Session, publishing: list[tuple[Organisation, User | None, dt.datetime]]
) -> list[PlanPublication]:
    """``add_publication`` for each (organisation, user, moment) at once, in that order, each organisation once: the
    plans read with one query for each kind of record (``public_plans``), the publications written with one flush
    and their responses as rows (``tracker.db.insert_rows``). The demo publishes hundreds of plans along its
    timeline so."""
    contents = public_plans(session, [organisation for organisation, _, _ in publishing])
    publications = [
        PlanPublication(
            organisation_id=saved_id(organisation),
            published_by_id=user.id if user else None,
            published_at=published_at,
            content=contents[saved_id(organisation)],
        )
        for organisation, user, published_at in publishing
    ]
    session.add_all(publications)
    session.flush()
    insert_rows(
        session, PublishedResponse, [row for publication in publications for row in _published_rows(publication)]
    )
    return publications


def published_responses(publication: PlanPublication) -> list[PublishedResponse]:
    """The status, summary and declared mark of each response in a publication, for counting and listing without
    the content."""
    return [PublishedResponse(**row) for row in _published_rows(publication)]


def _published_rows(publication: PlanPublication) -> list[dict[str, Any]]:
    """``published_responses`` as rows of their table."""
    assert publication.id is not None
    return [
        {
            "publication_id": publication.id,
            "recommendation_id": response["recommendation_id"],
            "status": response["status"],
            "summary": response.get("summary"),
            "summary_cy": response.get(welsh_of("summary")),
            "declared": bool(response.get("declared")),
        }
        for response in publication.content.get("responses", [])
        if response.get("recommendation_id") is not None
    ]


def publish_plan(session: Session, organisation: Organisation, user: User) -> PlanPublication:
    """Publish the plan as it stands: from now on the public pages show this version.

    Publishing what the latest publication already holds makes no new one (nor a feed entry): it is returned.
    Publishes of one organisation take turns (its row is locked first; SQLite's write lock already serialises
    them), so two people pressing Publish at once make one publication, not two of the same content.
    Raises ``NothingToPublish`` for a plan with nothing in it that was never published (a public page and a feed
    entry for nothing); a plan emptied since it was published may still be published, which takes it away.
    """
    session.exec(select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()).one()
    latest = latest_publication(session, saved_id(organisation))  # read after the lock: a parallel publish is seen
    content = public_plan(session, organisation)
    if latest is None and not content["responses"]:
        session.rollback()
        raise NothingToPublish(organisation.slug)
    if latest is not None and with_welsh(latest.content) == content:
        session.commit()
        return latest
    publication = add_publication(session, organisation, user, content=content)
    record(
        session,
        actor=actor_for(user),
        action="publish",
        entity_type="plan_publication",
        entity_id=publication.id,
        organisation_id=organisation.id,
        summary=f"{organisation.name} published its plan ({len(publication.content['responses'])} responses)",
    )
    session.commit()
    return publication


def latest_publication(session: Session, organisation_id: int) -> PlanPublication | None:
    return session.exec(
        select(PlanPublication)
        .where(PlanPublication.organisation_id == organisation_id)
        .order_by(col(PlanPublication.published_at).desc(), col(PlanPublication.id).desc())
        .limit(1)
    ).first()


def latest_publication_ids(organisation_ids: Iterable[int] | None = None) -> Select[Any]:
    """A subquery: the id of the latest publication of every organisation that has published (or of those given)."""
    ranked = select(
        PlanPublication.id,
        func.row_number()
        .over(
            partition_by=col(PlanPublication.organisation_id),
            order_by=(col(PlanPublication.published_at).desc(), col(PlanPublication.id).desc()),
        )
        .label("rank"),
    )
    if organisation_ids is not None:
        ranked = ranked.where(col(PlanPublication.organisation_id).in_(list(organisation_ids)))
    latest = ranked.subquery()
    return select(latest.c.id).where(latest.c.rank == 1)


def publicly_required() -> ColumnElement[bool]:
    """The responses the public counts as asked of their organisations: required ones, except a declaration its
    organisation has not published (a declaration is the organisation's own word, public only once its latest
    publication answers the recommendation). The one rule the overview, the recommendation pages and the list of
    organisations that must answer share, so they count alike (outsider pass 7, finding 4)."""
    published = (
        select(PublishedResponse.id)
        .join(PlanPublication, col(PlanPublication.id) == PublishedResponse.publication_id)
        .where(
            col(PlanPublication.id).in_(latest_publication_ids()),
            PlanPublication.organisation_id == Response.organisation_id,
            PublishedResponse.recommendation_id == Response.recommendation_id,
        )
    )
    return col(Response.required).is_(True) & (col(Response.declared).is_(False) | exists(published))


def public_answers(recommendation_ids: Iterable[int] | None = None) -> Select[Any]:
    """A query: each response the public counts as asked of its organisation (``publicly_required``: what an
    organisation must answer, as the public sees it), with the organisation's latest published answer to it
    (organisation id, recommendation id, status, summary, its Welsh and whether the plan marks it declared; the
    last four None when its latest publication does not answer it, or it never published). Of the recommendations
    given, or of all.

    The one query the public overview and each recommendation's page count from, so they agree: an organisation
    no longer addressed keeps its published answer in its own plan, but neither counts it (outsider pass 8,
    finding 3)."""
    latest = and_(
        col(PlanPublication.organisation_id) == col(Response.organisation_id),
        col(PlanPublication.id).in_(latest_publication_ids()),
    )
    answered = and_(
        col(PublishedResponse.publication_id) == col(PlanPublication.id),
        col(PublishedResponse.recommendation_id) == col(Response.recommendation_id),
    )
    which = [publicly_required()]
    if recommendation_ids is not None:
        which.append(col(Response.recommendation_id).in_(list(recommendation_ids)))
    answer = (
        PublishedResponse.status,
        PublishedResponse.summary,
        PublishedResponse.summary_cy,
        PublishedResponse.declared,
    )
    return (
        select(*map(col, (Response.organisation_id, Response.recommendation_id, *answer)))
        .select_from(Response)
        .outerjoin(PlanPublication, latest)
        .outerjoin(PublishedResponse, answered)
        .where(*which)
    )


def public_must_answer_ids() -> Select[Any]:
    """A subquery: the organisations the public sees as having to answer (``publicly_required``)."""
    return select(Response.organisation_id).where(publicly_required()).distinct()


def latest_publications(
    session: Session, organisation_ids: Iterable[int] | None = None, *, with_content: bool = True
) -> dict[int, PlanPublication]:
    """The latest publication of every organisation that has published (or of those given), in one query.

    ``with_content=False`` leaves the content unread (reading it then raises), for lists of who published when.
    """
    query = select(PlanPublication).where(col(PlanPublication.id).in_(latest_publication_ids(organisation_ids)))
    if not with_content:
        query = query.options(defer(PlanPublication.content, raiseload=True))  # type: ignore[arg-type]
    return {p.organisation_id: p for p in session.exec(query)}


def has_unpublished_changes(session: Session, organisation_id: int, publication: PlanPublication | None) -> bool:
    """True when the plan differs from what was last published (or was never published and is not empty: an
    organisation with nothing addressed to it has no plan to publish)."""
    if publication is None:
        return has_a_plan(session, organisation_id)
    organisation = session.get(Organisation, organisation_id)
    assert organisation is not None
    return public_plan(session, organisation)["responses"] != with_welsh(publication.content).get("responses")


def has_a_plan(session: Session, organisation_id: int) -> bool:
    """Whether the organisation must answer anything (``must_answer_ids``): else its plan is empty."""
    found = select(Organisation.id).where(
        Organisation.id == organisation_id, col(Organisation.id).in_(must_answer_ids())
    )
    return session.exec(found).first() is not None


# --- before publishing: what would change, in words ----------------------------------------------------------


@dataclass(frozen=True)
class PublicChange:
    """One difference between what the public sees now and what it would see after publishing.

    ``seen`` is what the public will see that it does not see now, ``unseen`` what it will stop seeing (either
    may be None: something added, or something taken away)."""

    recommendation: str
    what: str  # in the reader's language
    seen: str | None
    unseen: str | None
    language: str = ""  # what ``seen`` and ``unseen`` are written in ("": the interface's words, a status or date)


_RESPONSE_WORDS = {
    "status": N_("Status"),
    "rag": N_("RAG rating"),
    "lead_role": N_("Lead"),
    "lead_role_cy": N_("Lead in Welsh"),
    "summary": N_("Summary"),
    "summary_cy": N_("Summary in Welsh"),
    "blocked_reason": N_("What it is waiting for"),
    "blocked_reason_cy": N_("What it is waiting for, in Welsh"),
    "not_applicable_reason": N_("Why it does not apply"),
    "not_applicable_reason_cy": N_("Why it does not apply, in Welsh"),
    "completed_at": N_("Completed"),
}
_EMPTY_RESPONSE: dict[str, Any] = {"actions": [], "updates": [], "evidence": []}
_ACTION_WORDS = {
    "description_cy": N_("Welsh"),
    "owner_role": N_("owner"),
    "owner_role_cy": N_("owner in Welsh"),
    "target_date": N_("target date"),
    "status": N_("status"),
    "completed_on": N_("completed"),
}
_KINDS = {"Action": N_("Action"), "Update": N_("Update"), "Evidence": N_("Evidence")}  # what a list holds
_INTERFACE_WORDS = {"status", "rag", "target_date", "completed_on", "completed_at", "date"}  # not written text


def _language(name: str) -> str:
    """What a published field is written in ("" for a status or date: the interface's words)."""
    if name.endswith("_cy"):
        return WELSH
    return "" if name in _INTERFACE_WORDS else ENGLISH


def content_key(content: dict[str, Any]) -> str:
    """A short fingerprint of a plan's public content: the confirm form carries the one the person saw, so a plan
    that changed in between is shown again rather than published unseen."""
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def public_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[PublicChange]:
    """What publishing ``after`` would change for the public, who now sees ``before`` (None: nothing yet), each
    change named in the reader's language."""
    old = {(r["set"], r["recommendation"]): r for r in (before or {}).get("responses", [])}
    new = {(r["set"], r["recommendation"]): r for r in after.get("responses", [])}
    changes: list[PublicChange] = []
    for key in [*new, *(k for k in old if k not in new)]:
        number = key[1]
        was, now = old.get(key), new.get(key)
        if was is None or now is None:  # a response shown, or taken away, as a whole: then everything in it
            shown = _value("status", (now or was or {}).get("status"))
            what = (
                _("The recommendation and its plan (declared by the organisation)")
                if (now or was or {}).get("declared")
                else _("The recommendation and its plan")
            )
            changes.append(PublicChange(number, what, shown if now else None, shown if was else None))
            was, now = was or _EMPTY_RESPONSE, now or _EMPTY_RESPONSE
        for name, label in _RESPONSE_WORDS.items():
            whole = _EMPTY_RESPONSE in (was, now)  # the status is on the line above
            if was.get(name) != now.get(name) and not (name == "status" and whole):
                seen, unseen = _value(name, now.get(name)), _value(name, was.get(name))
                changes.append(PublicChange(number, _(label), seen, unseen, _language(name)))
        changes.extend(_list_changes(number, "Action", was["actions"], now["actions"], "description", _ACTION_WORDS))
        changes.extend(_list_changes(number, "Update", was["updates"], now["updates"], None, {}))
        changes.extend(_list_changes(number, "Evidence", was["evidence"], now["evidence"], "id", {}))
    return changes


def _list_changes(
    number: str,
    kind: str,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    key: str | None,
    fields: dict[str, str],
) -> list[PublicChange]:
    """Items added, taken away, or (when they have a ``key``) changed field by field."""

    def key_of(item: dict[str, Any]) -> Any:
        return item[key] if key else json.dumps(item, sort_keys=True, default=str)

    old = {key_of(i): i for i in before}
    new = {key_of(i): i for i in after}
    changes = []
    named = _(_KINDS[kind])
    for k, item in new.items():
        if k not in old:
            changes.append(PublicChange(number, named, _item_words(kind, item), None, ENGLISH))
        else:
            for name, label in fields.items():
                if old[k].get(name) != item.get(name):
                    what = f"{named} {_short(_item_words(kind, item))}: {_(label)}"
                    seen, unseen = _value(name, item.get(name)), _value(name, old[k].get(name))
                    changes.append(PublicChange(number, what, seen, unseen, _language(name)))
    gone = [item for k, item in old.items() if k not in new]
    return changes + [PublicChange(number, named, None, _item_words(kind, item), ENGLISH) for item in gone]


def _item_words(kind: str, item: dict[str, Any]) -> str:
    if kind == "Action":
        return str(item["description"])
    if kind == "Update":
        return f"{_value('date', item.get('date')) or ''}: {item.get('text')}"
    return str(item.get("title") or item.get("file_name") or item.get("url") or "")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(name: str, value: Any) -> str | None:
    """A published value in words (None when empty); dates and statuses as the public pages show them."""
    if value in (None, ""):
        return None
    if name == "status":
        for enum in (ResponseStatus, ActionStatus):
            try:
                return enum(value).label
            except ValueError:
                continue
    if name == "rag":
        return Rag(value).label
    if name in ("target_date", "completed_on", "completed_at", "date"):
        try:
            return uk_date(dt.date.fromisoformat(str(value)[:10]))
        except ValueError:
            return str(value)
    return str(value)


def preview_publication(session: Session, organisation: Organisation) -> tuple[PlanPublication, list[PublicChange]]:
    """The publication that publishing now would make (not saved) and how it differs from the latest one."""
    latest = latest_publication(session, saved_id(organisation))
    content = public_plan(session, organisation)
    draft = PlanPublication(organisation_id=saved_id(organisation), published_at=utc_now(), content=content)
    return draft, public_changes(with_welsh(latest.content) if latest else None, content)
