"""Recommendations organisations declare they answer while the report's addressees for them are not known.

A plan import with rows on such a recommendation records the organisation's response as declared
(``Response.declared``; ``tracker.plans.spreadsheet``). Coordinators and admins see them here, one entry per
recommendation with the organisations declaring it; an admin can make those organisations its addressees, which
saves a new version of the recommendation (``save_recommendation``) and reconciles the declarations
(``sync_obligations``): each becomes an ordinary obligation.

An editor can also declare one from the workspace ("a recommendation we are answering", ``declare_recommendation``):
the same declared responses an import makes, through the same step (``obligations.declare_response``). A mistaken
declaration is withdrawn from the response's page (``withdraw_declaration``): the responses stay, with all that was
recorded on them, no longer required and no longer declared.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.audit.services import record
from tracker.db import check_version, next_version, saved_id
from tracker.inputs import Input, InputError
from tracker.organisations.models import Organisation
from tracker.plans.models import Response
from tracker.plans.obligations import DECLARATIONS, declare_response
from tracker.plans.publication import publicly_required
from tracker.plans.services import ResponseContext, actor_for
from tracker.plans.spreadsheet.common import canonical
from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import EditResult, form_values, save_recommendation
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.timeutil import utc_now
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _


@dataclass
class DeclaredRecommendation:
    """A numbered recommendation with the organisations that declared they answer it (or one of its parts), and
    those of them whose latest publication holds the declaration (``published``): only those may become its
    addressees, since a declaration is public only once its organisation publishes it."""

    recommendation: Recommendation
    recommendation_set: RecommendationSet
    organisations: list[Organisation] = field(default_factory=list)
    published: list[Organisation] = field(default_factory=list)

    @property
    def unpublished(self) -> list[Organisation]:
        return [o for o in self.organisations if o not in self.published]

    @property
    def published_ids(self) -> str:
        """The organisations adopting would make its addressees, as the form carries them ("3,7")."""
        return ",".join(str(saved_id(o)) for o in self.published)


def declared_recommendations(session: Session) -> list[DeclaredRecommendation]:
    """Every numbered recommendation with declared responses, in report order, with who declared it and whose
    declaration is published (``tracker.plans.publication.publicly_required``)."""
    query = (
        select(Recommendation, Organisation)
        .join(Response, col(Response.recommendation_id) == Recommendation.id)
        .join(Organisation, col(Organisation.id) == Response.organisation_id)
        .where(col(Response.declared).is_(True), col(Response.required).is_(True))
    )
    sets = {s.id: s for s in session.exec(select(RecommendationSet))}
    rows = list(session.exec(query))
    published = set(
        session.exec(
            select(Response.organisation_id, Response.recommendation_id).where(
                col(Response.declared).is_(True), publicly_required()
            )
        )
    )
    # The parents of declared sub-recommendations, read in one query rather than one lookup per row.
    parent_ids = {rec.parent_id for rec, _ in rows if rec.parent_id}
    parents = {p.id: p for p in session.exec(select(Recommendation).where(col(Recommendation.id).in_(parent_ids)))}
    found: dict[int, DeclaredRecommendation] = {}
    for rec, organisation in rows:
        top = parents.get(rec.parent_id) if rec.parent_id else rec
        assert top is not None and top.id is not None
        entry = found.setdefault(top.id, DeclaredRecommendation(top, sets[top.set_id]))
        if organisation not in entry.organisations:
            entry.organisations.append(organisation)
        if (organisation.id, rec.id) in published and organisation not in entry.published:
            entry.published.append(organisation)
    for entry in found.values():
        entry.organisations.sort(key=lambda o: o.name)
        entry.published.sort(key=lambda o: o.name)
    return sorted(found.values(), key=lambda e: (e.recommendation.set_id, e.recommendation.position))


NO_SUCH_RECOMMENDATION = N_("There is no recommendation %(number)s")
DECLARE_THE_WHOLE = N_(
    "%(number)s is part of recommendation %(whole)s: declare recommendation %(whole)s, and its parts come with it"
)
ADOPT_STALE = N_(
    "Someone changed recommendation %(number)s since you opened the page: nothing was changed. Check its "
    "declarations below, then make them its addressees again if they are right"
)


class CannotAdopt(Exception):
    """Adopting refused, nothing changed: the declarations are not those the admin was shown (``entry`` is how they
    stand now, None when none is left), the recommendation changed, or no declaration of it is published."""

    def __init__(self, message: str, entry: DeclaredRecommendation | None) -> None:
        super().__init__(message)
        self.entry = entry


def adopt_declarations(
    session: Session, rec: Recommendation, user: User, *, seen: list[int] | None = None, version: int | None = None
) -> EditResult:
    """Make the organisations whose published declarations of ``rec`` stand its addressees (a new version, its
    provenance note saying where they came from), then reconcile: their declarations become ordinary obligations,
    and an unpublished declaration, no longer needed once the addressees are known, is kept, marked no longer
    required. Commits.

    ``seen`` and ``version`` are the organisations and the version of ``rec`` the admin was shown: if either
    changed meanwhile, ``CannotAdopt`` says how they stand now (as it does when no declaration is published)."""
    entry = next((e for e in declared_recommendations(session) if e.recommendation.id == rec.id), None)
    _check_adoptable(rec, entry, seen, version)
    assert entry is not None
    slugs = [o.slug for o in entry.published]
    who = (
        "the 1 organisation that declared it answers it in its published plan"
        if len(slugs) == 1
        else f"the {len(slugs)} organisations that declared they answer it in their published plans"
    )
    note = f"Addressees taken from {who}, not checked against the report."
    values = form_values(session, rec)
    values["addressees"] = slugs
    values["provenance_note"] = " ".join(filter(None, [values["provenance_note"], note]))
    return save_recommendation(session, rec, recommendation_edit(values), user, cause=DECLARATIONS)


def _check_adoptable(
    rec: Recommendation, entry: DeclaredRecommendation | None, seen: list[int] | None, version: int | None
) -> None:
    """Refuse (``CannotAdopt``) unless ``entry``'s published declarations can become ``rec``'s addressees as shown."""
    if rec.addressees_known:
        raise CannotAdopt(
            _("Recommendation %(number)s has its addressees now: nothing was changed", number=rec.number), entry
        )
    if entry is None:
        raise CannotAdopt(
            _("No organisation declares recommendation %(number)s now: nothing was changed", number=rec.number), None
        )
    if version is not None and version != rec.version:
        raise CannotAdopt(_(ADOPT_STALE, number=rec.number), entry)
    if seen is not None and sorted(seen) != sorted(saved_id(o) for o in entry.published):
        now = ", ".join(o.name for o in entry.published) or _("none")
        raise CannotAdopt(
            _(
                "The organisations whose published declarations of recommendation %(number)s would become its "
                "addressees changed since you opened the page (now: %(now)s): nothing was changed. Check them "
                "below, then make them its addressees again if they are right",
                number=rec.number,
                now=now,
            ),
            entry,
        )
    if not entry.published:
        raise CannotAdopt(
            _(
                "No organisation has published its declaration of recommendation %(number)s yet: only published "
                "declarations can become its addressees, so nothing was changed",
                number=rec.number,
            ),
            entry,
        )


# The sentence ``adopt_declarations`` adds to the provenance note, and the one accepting quoted addressees adds
# (``tracker.recommendations.candidates``): the later of the two says where the addressees now come from.
_ADOPTED = re.compile(r"Addressees taken from the (\d+) organisations? that declared")
_QUOTED_ADDRESSEES = re.compile(r"Addressees as quoted in")


def adopted_from(rec: Recommendation, parent: Recommendation | None = None) -> int | None:
    """How many organisations' declarations ``rec``'s addressees were taken from (``adopt_declarations``), or None
    when they come from elsewhere: confirmed since, quoted from plans since, or changed since (no longer that
    many). A sub-recommendation (``parent`` given) holding its parent's addressees says what its parent says."""
    source = parent if parent is not None and rec.addressees == parent.addressees else rec
    note = source.provenance_note or ""
    adopted = list(_ADOPTED.finditer(note))
    if not adopted or "addressees" in source.confirmed_fields:
        return None
    last = adopted[-1]
    if any(quoted.start() > last.start() for quoted in _QUOTED_ADDRESSEES.finditer(note)):
        return None
    count = int(last.group(1))
    return count if len(source.addressees) == count else None


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeclarationInput(Input):
    """A recommendation an organisation says it answers: its number, and its set's slug when several sets have it."""

    number: str = ""
    set: str = ""


def declarable(session: Session, organisation_id: int) -> list[Recommendation]:
    """The numbered recommendations the organisation may declare: their addressees are not known and it does not
    answer them yet (the workspace's form names them)."""
    answered = select(Response.recommendation_id).where(
        Response.organisation_id == organisation_id, col(Response.required).is_(True)
    )
    query = (
        select(Recommendation)
        .where(col(Recommendation.parent_id).is_(None), col(Recommendation.removed_at).is_(None))
        .where(col(Recommendation.id).not_in(answered))
        .order_by(col(Recommendation.set_id), col(Recommendation.position))
    )
    return [r for r in session.exec(query) if not r.addressees_known]


def _chosen(session: Session, data: DeclarationInput) -> Recommendation:
    """The numbered recommendation ``data`` names, or the ``InputError`` saying why none is."""
    number = canonical(data.number)
    if not number:
        raise InputError({"number": N_("Enter the number of the recommendation your organisation is answering")})
    query = (
        select(Recommendation, RecommendationSet)
        .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
        .where(Recommendation.number == number, col(Recommendation.parent_id).is_(None))
        .where(col(Recommendation.removed_at).is_(None))
    )
    found = [(r, s) for r, s in session.exec(query) if not data.set or s.slug == data.set]
    if not found:
        if "." in number and _part_exists(session, number):  # pass 12, F11: a part is declared with its recommendation
            whole = number.split(".", 1)[0]
            raise InputError({"number": _(DECLARE_THE_WHOLE, number=number, whole=whole)})
        missing = N_("There is no recommendation %(number)s in that report") if data.set else NO_SUCH_RECOMMENDATION
        raise InputError({"number": _(missing, number=number)})
    if len(found) > 1:
        raise InputError({"set": _("Choose the report: more than one has a recommendation %(number)s", number=number)})
    return found[0][0]


def _part_exists(session: Session, number: str) -> bool:
    query = select(Recommendation.id).where(
        Recommendation.number == number,
        col(Recommendation.parent_id).is_not(None),
        col(Recommendation.removed_at).is_(None),
    )
    return session.exec(query).first() is not None


def declare_recommendation(
    session: Session, organisation: Organisation, data: DeclarationInput, user: User
) -> Recommendation:
    """Record that ``organisation`` answers a recommendation whose addressees are not known, as a plan import row
    on it would: a declared response for it and each of its sub-recommendations. Refused (``InputError``) for a
    recommendation whose addressees are known, or one the organisation answers already. Commits."""
    rec = _chosen(session, data)
    family = [rec, *session.exec(select(Recommendation).where(Recommendation.parent_id == rec.id))]
    family = [r for r in family if not r.removed]
    ids = [saved_id(r) for r in family]
    responses = {
        r.recommendation_id: r
        for r in session.exec(
            select(Response).where(
                Response.organisation_id == organisation.id, col(Response.recommendation_id).in_(ids)
            )
        )
    }
    answered = responses.get(saved_id(rec))
    if answered is not None and answered.required:
        raise InputError(
            {"number": _("Your organisation already answers recommendation %(number)s", number=rec.number)}
        )
    if rec.addressees_known:
        raise InputError(
            {
                "number": _(
                    "Recommendation %(number)s is addressed to others, not to %(organisation)s: only a "
                    "recommendation whose addressees are not yet known can be declared",
                    number=rec.number,
                    organisation=organisation.name,
                )
            }
        )
    actor, organisation_id = actor_for(user), saved_id(organisation)
    for member in family:
        response = responses.get(saved_id(member))
        if response is None or not response.required:
            declare_response(session, actor, organisation_id, member, response, "in its workspace")
    session.commit()
    return rec


class NotDeclared(Exception):
    """Withdrawing refused: the response is not one its organisation declared (or was withdrawn already)."""

    def __init__(self, ctx: ResponseContext) -> None:
        response, number = ctx.response, ctx.recommendation.number
        if response.declared_at is not None and not response.required and not ctx.recommendation.addressees_known:
            message = _("The declaration of recommendation %(number)s is withdrawn already", number=number)
        else:
            message = _(
                "The response of %(organisation)s to recommendation %(number)s is not a declaration: only a "
                "recommendation the organisation declared it answers, while its addressees are not known, can be "
                "withdrawn this way",
                organisation=ctx.organisation.name,
                number=number,
            )
        super().__init__(message)


def withdraw_declaration(session: Session, ctx: ResponseContext, user: User, version: object) -> list[Response]:
    """Withdraw the organisation's declaration of ``ctx``'s recommendation (all of it: the numbered recommendation
    and its sub-recommendations, as it was declared): each declared response becomes neither required nor declared,
    keeps its actions, updates and evidence (``declared_at`` says how it began), gets its next version and an event
    in its history. Obligations recomputed later never revive it: only declared, required responses answer a
    recommendation whose addressees are not known (``sync_obligations``). The published plan is left as it is
    until the organisation next publishes. Commits.

    Raises ``NotDeclared`` for a response that is not declared, and ``StaleRecord`` when it changed since the
    person loaded ``version`` of it."""
    if not (ctx.response.declared and ctx.response.required):
        raise NotDeclared(ctx)
    check_version(ctx.response, version, Response.conflict_fields)
    top_id = ctx.recommendation.parent_id or saved_id(ctx.recommendation)
    family = select(Recommendation.id).where((Recommendation.id == top_id) | (Recommendation.parent_id == top_id))
    declared = session.exec(
        select(Response, Recommendation)
        .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
        .where(Response.organisation_id == ctx.organisation_id, col(Response.recommendation_id).in_(family))
        .where(col(Response.declared).is_(True), col(Response.required).is_(True))
        .order_by(col(Recommendation.position))
    ).all()
    now, actor = utc_now(), actor_for(user)
    for response, rec in declared:
        response.declared = response.required = False
        response.required_changed_at = response.updated_at = now
        next_version(response)
        record(
            session,
            actor=actor,
            action="withdraw_declaration",
            entity_type="response",
            entity_id=saved_id(response),
            organisation_id=ctx.organisation_id,
            response_id=saved_id(response),
            summary=f"Declaration of recommendation {rec.number} withdrawn: the organisation does not answer it "
            "(what was recorded on it is kept)",
            before={"declared": True, "required": True},
            after={"declared": False, "required": False},
        )
    session.commit()
    return [response for response, _ in declared]
