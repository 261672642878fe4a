"""The promising-practice library: submitting, reviewing and finding practice.

Use cases (``create_practice``, ``update_practice``, ``approve``, ``return_for_changes``) check the rules,
write the audit history and commit; queries return plain views for pages. Only approved practice is public.

Editing approved practice: saving changes to an approved practice takes it out of the public library and back
to review (as a draft, or submitted if the person submits it); the form says so before anyone saves. We chose
this over keeping the approved version public, so the public library never shows words nobody reviewed and
there is one copy of each practice, not two.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.services import Actor, changed, record
from tracker.db import Duplicate, check_version, next_version, saved_id
from tracker.inputs import InputError, clean_text, parse_id
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, can, require
from tracker.practice import search
from tracker.practice.forms import MAX_TEXT, THEMES, PracticeInput, clean, text_field, theme_choices, theme_name
from tracker.practice.models import TEXTS, WELSH_TEXTS, Practice, PracticeRecommendation
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.timeutil import utc_now
from tracker.vocabulary import PracticeStage, PracticeStatus, Role
from tracker.web.i18n import N_
from tracker.web.urls import organisation_url, practice_url, recommendation_url

AUDITED = (
    "title",
    "organisation",
    "attribution_note",
    *TEXTS,
    *WELSH_TEXTS,
    "stage",
    "themes",
    "contact_role",
    "links",
    "recommendations",
    "status",
    "review_comment",
)
RESERVED_SLUGS = {"submissions", "review", "new"}
ENTITY = "practice"


PracticeError = InputError  # the former name, still imported by the tests


@dataclass
class LinkedRecommendation:
    recommendation: Recommendation
    recommendation_set: RecommendationSet

    @property
    def url(self) -> str:
        return recommendation_url(self.recommendation_set.slug, self.recommendation.number)


@dataclass
class PracticeView:
    """A practice with its organisation and the recommendations it addresses."""

    practice: Practice
    organisation: Organisation | None
    recommendations: list[LinkedRecommendation] = field(default_factory=list)

    @property
    def theme_names(self) -> list[str]:
        return [theme_name(code) for code in self.practice.themes]

    @property
    def url(self) -> str:
        return practice_url(self.practice.slug)

    @property
    def organisation_url(self) -> str | None:
        return organisation_url(self.organisation.slug) if self.organisation else None


# --- who may do what (decided by tracker.permissions) ------------------------------------------------------


def can_review(user: User | None) -> bool:
    return can(user, Permission.REVIEW_PRACTICE)


def can_edit(user: User | None, practice: Practice) -> bool:
    """Its organisation's editors and admins (practice with no organisation: admins only)."""
    if user is not None and user.role is Role.ADMIN:
        return can(user, Permission.SUBMIT_PRACTICE)
    return practice.organisation_id is not None and can(user, Permission.SUBMIT_PRACTICE, practice.organisation_id)


def can_see(user: User | None, practice: Practice) -> bool:
    """Unpublished states, review comments and history: its editors and the reviewers."""
    return can_review(user) or can_edit(user, practice)


def load_for_edit(session: Session, user: User | None, practice_id: int) -> Practice:
    """The practice if ``user`` may change it: 404 if they may not even see it, 403 if they may only see it."""
    practice = session.get(Practice, practice_id)
    if practice is None or (user is not None and not can_see(user, practice)):
        raise NotFoundException()
    if not can_edit(user, practice):
        require(user, Permission.SUBMIT_PRACTICE, -1)  # 401 for the public, else 403
    return practice


def load_for_review(session: Session, user: User | None, practice_id: int) -> Practice:
    require(user, Permission.REVIEW_PRACTICE)
    practice = session.get(Practice, practice_id)
    if practice is None:
        raise NotFoundException()
    return practice


def slug_for(session: Session, title: str) -> str:
    """A readable, unique address for a new practice, from its title."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:100].strip("-") or "practice"
    if base in RESERVED_SLUGS:
        base = f"{base}-practice"
    taken = set(session.exec(select(Practice.slug).where(col(Practice.slug).startswith(base))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- use cases -----------------------------------------------------------------------------------------------


def _insert_with_free_slug(session: Session, practice: Practice) -> None:
    """Insert ``practice``; if another request took its slug meanwhile (the same title at the same moment), take
    the next free one, as a later submission of the same title would: titles need not be unique, addresses must."""
    for _ in range(10):
        try:
            with session.begin_nested():
                session.add(practice)
                session.flush()
            return
        except IntegrityError as exc:
            duplicate = Duplicate.of(exc)
            if duplicate is None or duplicate.columns != ("slug",):
                raise
            practice.slug = slug_for(session, practice.title)
    raise InputError({"title": N_("Too many practices with this title are being saved at once. Try again.")})


def actor_for(user: User) -> Actor:
    return Actor(user.display_name, user.id)


def snapshot(session: Session, practice: Practice) -> dict[str, Any]:
    """The audited fields of a practice, naming its organisation and its recommendations (as people read them)."""
    data: dict[str, Any] = {}
    for name in AUDITED:
        if name in ("recommendations", "organisation"):
            continue
        value = getattr(practice, name)
        data[name] = value.value if hasattr(value, "value") else value
    organisation = session.get(Organisation, practice.organisation_id) if practice.organisation_id else None
    data["organisation"] = organisation.name if organisation else None
    if practice.id is not None:
        rows = session.exec(
            select(RecommendationSet.slug, Recommendation.number)
            .join(Recommendation, col(Recommendation.set_id) == RecommendationSet.id)
            .join(PracticeRecommendation, col(PracticeRecommendation.recommendation_id) == Recommendation.id)
            .where(PracticeRecommendation.practice_id == practice.id)
            .order_by(RecommendationSet.slug, col(Recommendation.position))
        )
        data["recommendations"] = [f"{s} {n}" for s, n in rows]
    else:
        data["recommendations"] = []
    return data


def set_recommendations(session: Session, practice: Practice, ids: Iterable[int]) -> None:
    """Link ``practice`` to exactly the recommendations ``ids``."""
    wanted = set(ids)
    current = {
        link.recommendation_id: link
        for link in session.exec(
            select(PracticeRecommendation).where(PracticeRecommendation.practice_id == practice.id)
        )
    }
    for rec_id, link in current.items():
        if rec_id not in wanted:
            session.delete(link)
    for rec_id in wanted - set(current):
        session.add(PracticeRecommendation(practice_id=saved_id(practice), recommendation_id=rec_id))


def _audit(session: Session, practice: Practice, user: User, action: str, summary: str, before: dict[str, Any]) -> None:
    audit_practice(session, practice, actor_for(user), action, summary, before, snapshot(session, practice))


def audit_practice(
    session: Session,
    practice: Practice,
    actor: Actor,
    action: str,
    summary: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Record a change to ``practice``: the before and after ``snapshot`` of just the fields that changed."""
    diff = changed(before, after)
    record(
        session,
        actor=actor,
        action=action,
        entity_type=ENTITY,
        entity_id=practice.id,
        organisation_id=practice.organisation_id,
        summary=summary,
        before={k: before[k] for k in diff},
        after={k: after[k] for k in diff},
    )


def create_practice(
    session: Session, user: User, given: PracticeInput | Mapping[str, Any], *, submit: bool
) -> Practice:
    """A new practice from ``user``'s organisation (admins: any), saved as a draft or submitted for review."""
    require(user, Permission.SUBMIT_PRACTICE)
    if user.role is not Role.ADMIN and user.organisation_id is None:
        raise InputError({"title": "Your account is not linked to an organisation"})
    cleaned = clean(session, user, given, submitting=submit, practice=None)
    now = utc_now()
    practice = Practice(
        slug=slug_for(session, cleaned.fields["title"]),
        **cleaned.fields,
        status=PracticeStatus.SUBMITTED if submit else PracticeStatus.DRAFT,
        submitted_by_id=user.id,
        submitted_at=now if submit else None,
        created_at=now,
        updated_at=now,
    )
    _insert_with_free_slug(session, practice)
    set_recommendations(session, practice, cleaned.recommendation_ids)
    session.flush()
    empty: dict[str, Any] = {name: None for name in AUDITED} | {"themes": [], "links": [], "recommendations": []}
    verb = "submitted for review" if submit else "saved as a draft"
    _audit(session, practice, user, "submit" if submit else "create", f"Practice {verb}: {practice.title}", empty)
    session.commit()
    return practice


def update_practice(
    session: Session, practice: Practice, user: User, given: PracticeInput | Mapping[str, Any], *, submit: bool
) -> Practice:
    """Save changes, as a draft or submitted for review, to the version of ``practice`` the person loaded
    (``given.version``): changes to an older one are refused (``StaleRecord``, once the input is correct), so two
    editors never overwrite each other.

    Approved practice leaves the public library until it is approved again (see the module docstring).
    """
    if not can_edit(user, practice):
        require(user, Permission.SUBMIT_PRACTICE, -1)
    given = PracticeInput.of(given)
    cleaned = clean(session, user, given, submitting=submit, practice=practice)
    check_version(practice, given.version, Practice.conflict_fields)
    before = snapshot(session, practice)
    was_approved = practice.status is PracticeStatus.APPROVED
    for name, value in cleaned.fields.items():
        setattr(practice, name, value)
    set_recommendations(session, practice, cleaned.recommendation_ids)
    now = utc_now()
    practice.status = PracticeStatus.SUBMITTED if submit else PracticeStatus.DRAFT
    if submit:
        practice.submitted_by_id, practice.submitted_at = user.id, now
    next_version(practice)
    practice.updated_at = now
    session.flush()
    if submit:
        summary = f"Practice {'changed and ' if was_approved else ''}submitted for review"
    else:
        summary = "Practice edited" + (": taken out of the public library until approved again" if was_approved else "")
    _audit(session, practice, user, "submit" if submit else "edit", summary, before)
    session.commit()
    return practice


def approve(session: Session, practice: Practice, user: User, *, version: object) -> Practice:
    """Publish a submitted practice in the public library, as the reviewer read it: ``version`` is the one they
    opened, and a practice changed since is refused (``StaleRecord``), so the public never reads unreviewed words."""
    require(user, Permission.REVIEW_PRACTICE)
    check_version(practice, version, Practice.conflict_fields)
    if practice.status is not PracticeStatus.SUBMITTED:
        raise InputError({"decision": N_("Only practice submitted for review can be approved")})
    _decide(session, practice, user, PracticeStatus.APPROVED, None, "approve")
    return practice


def return_for_changes(session: Session, practice: Practice, user: User, comment: str, *, version: object) -> Practice:
    """Send a submitted practice back to its organisation with the reviewer's comments on the ``version`` they
    read (``StaleRecord`` if it changed since: the comments may no longer fit)."""
    require(user, Permission.REVIEW_PRACTICE)
    check_version(practice, version, Practice.conflict_fields)
    errors: dict[str, str] = {}
    comment = text_field(errors, comment, "review_comment", required=True, limit=MAX_TEXT)
    if practice.status is not PracticeStatus.SUBMITTED:
        errors["review_comment"] = N_("Only practice submitted for review can be returned")
    if errors:
        raise InputError(errors)
    _decide(session, practice, user, PracticeStatus.RETURNED, comment, "return")
    return practice


_DECISIONS = {
    "approve": "Practice approved and published in the library",
    "return": "Practice returned with comments",
}


def _decide(
    session: Session, practice: Practice, user: User, status: PracticeStatus, comment: str | None, action: str
) -> None:
    """Record a reviewer's decision on a submitted practice, audit it and commit."""
    before = snapshot(session, practice)
    now = utc_now()
    practice.status = status
    practice.reviewed_by_id, practice.reviewed_at, practice.review_comment = user.id, now, comment
    next_version(practice)
    practice.updated_at = now
    session.flush()
    _audit(session, practice, user, action, _DECISIONS[action], before)
    session.commit()


# --- queries -------------------------------------------------------------------------------------------------


def practice_for(session: Session, recommendation_id: int, approved_by: dt.datetime | None = None) -> list[Practice]:
    """Approved practice linked to a recommendation, by title; with ``approved_by``, only that approved by then."""
    query = (
        select(Practice)
        .join(PracticeRecommendation, col(PracticeRecommendation.practice_id) == Practice.id)
        .where(
            PracticeRecommendation.recommendation_id == recommendation_id,
            Practice.status == PracticeStatus.APPROVED,
        )
    )
    if approved_by is not None:
        query = query.where(col(Practice.reviewed_at) <= approved_by)
    return list(session.exec(query.order_by(Practice.title)))


def _views(session: Session, rows: list[tuple[Practice, Organisation | None]]) -> list[PracticeView]:
    """Attach recommendations to practices in one query."""
    views = [PracticeView(p, o) for p, o in rows]
    by_id = {v.practice.id: v for v in views}
    if by_id:
        links = session.exec(
            select(PracticeRecommendation.practice_id, Recommendation, RecommendationSet)
            .join(Recommendation, col(Recommendation.id) == PracticeRecommendation.recommendation_id)
            .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
            .where(col(PracticeRecommendation.practice_id).in_(list(by_id)))
            .order_by(RecommendationSet.slug, col(Recommendation.position))
        )
        for practice_id, rec, rec_set in links:
            by_id[practice_id].recommendations.append(LinkedRecommendation(rec, rec_set))
    return views


def _with_organisation() -> Any:
    return select(Practice, Organisation).outerjoin(Organisation, col(Organisation.id) == Practice.organisation_id)


def view_by_slug(session: Session, slug: str) -> PracticeView | None:
    row = session.exec(_with_organisation().where(Practice.slug == slug)).first()
    return _views(session, [tuple(row)])[0] if row else None


def view_by_id(session: Session, practice_id: int) -> PracticeView | None:
    row = session.exec(_with_organisation().where(Practice.id == practice_id)).first()
    return _views(session, [tuple(row)])[0] if row else None


@dataclass
class Filters:
    """What a reader chose on the public library page (unknown values are ignored, never an error)."""

    q: str = ""
    theme: str = ""
    recommendation: int | None = None
    organisation: str = ""
    stage: str = ""

    @classmethod
    def of(
        cls, q: Any = None, theme: Any = None, recommendation: Any = None, organisation: Any = None, stage: Any = None
    ) -> Filters:
        def text(value: Any, limit: int = 200) -> str:
            # Control characters (NUL above all) cannot be compared in PostgreSQL text: drop them rather than fail.
            return clean_text(value).strip()[:limit] if isinstance(value, str) else ""

        rec = text(recommendation, 12)
        return cls(
            q=text(q),
            theme=text(theme) if text(theme) in THEMES else "",
            recommendation=parse_id(rec),
            organisation=text(organisation, 80) if re.fullmatch(r"[a-z0-9-]{1,80}", text(organisation, 80)) else "",
            stage=text(stage) if text(stage) in {s.value for s in PracticeStage} else "",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.theme or self.recommendation or self.organisation or self.stage)


def browse(session: Session, filters: Filters) -> list[PracticeView]:
    """Approved practice matching the filters and the search, best match first (else by title). Two queries."""
    stmt = _with_organisation().where(Practice.status == PracticeStatus.APPROVED)
    if filters.stage:
        stmt = stmt.where(Practice.stage == PracticeStage(filters.stage))
    if filters.organisation:
        stmt = stmt.where(Organisation.slug == filters.organisation)
    if filters.recommendation is not None:
        linked = select(PracticeRecommendation.practice_id).where(
            PracticeRecommendation.recommendation_id == filters.recommendation
        )
        stmt = stmt.where(col(Practice.id).in_(linked))
    if filters.q:
        stmt = search.restrict(stmt, session.get_bind().dialect.name, filters.q)
    stmt = stmt.order_by(Practice.title, Practice.id)
    rows = [tuple(r) for r in session.exec(stmt)]
    if filters.theme:
        # Themes are a short JSON list; filtering here keeps one query that works the same on both databases.
        rows = [r for r in rows if filters.theme in (r[0].themes or [])]
    return _views(session, rows)


@dataclass
class FilterOptions:
    themes: list[tuple[str, str]]
    stages: list[PracticeStage]
    organisations: list[Organisation]
    recommendations: list[LinkedRecommendation]


def filter_options(session: Session) -> FilterOptions:
    """The choices worth offering: organisations and recommendations that have approved practice. Two queries."""
    approved = select(Practice.id).where(Practice.status == PracticeStatus.APPROVED)
    organisations = list(
        session.exec(
            select(Organisation)
            .where(col(Organisation.id).in_(select(Practice.organisation_id).where(col(Practice.id).in_(approved))))
            .order_by(Organisation.name)
        )
    )
    recommendations = [
        LinkedRecommendation(rec, rec_set)
        for rec, rec_set in session.exec(
            select(Recommendation, RecommendationSet)
            .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
            .where(
                col(Recommendation.id).in_(
                    select(PracticeRecommendation.recommendation_id).where(
                        col(PracticeRecommendation.practice_id).in_(approved)
                    )
                )
            )
            .order_by(RecommendationSet.slug, col(Recommendation.position))
        )
    ]
    return FilterOptions(theme_choices(), list(PracticeStage), organisations, recommendations)


def review_queue(session: Session) -> list[PracticeView]:
    """Practice waiting for review, oldest submission first."""
    rows = session.exec(
        _with_organisation()
        .where(Practice.status == PracticeStatus.SUBMITTED)
        .order_by(Practice.submitted_at, Practice.id)
    )
    return _views(session, [tuple(r) for r in rows])


def submissions_of(session: Session, user: User) -> list[PracticeView]:
    """What ``user`` may edit: their organisation's practice (admins: all of it), most recently changed first."""
    stmt = _with_organisation().order_by(col(Practice.updated_at).desc(), col(Practice.id).desc())
    if user.role is not Role.ADMIN:
        stmt = stmt.where(Practice.organisation_id == (user.organisation_id or -1))
    return _views(session, [tuple(r) for r in session.exec(stmt)])


def recommendation_choices(session: Session) -> list[tuple[RecommendationSet, list[Recommendation]]]:
    """Every loaded recommendation, by set, for the form."""
    sets: dict[int, tuple[RecommendationSet, list[Recommendation]]] = {}
    for rec, rec_set in session.exec(
        select(Recommendation, RecommendationSet)
        .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
        .order_by(col(RecommendationSet.published_on).desc(), col(RecommendationSet.id), col(Recommendation.position))
    ):
        sets.setdefault(rec_set.id or 0, (rec_set, []))[1].append(rec)
    return list(sets.values())


def organisation_choices(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.kind, Organisation.name)))
