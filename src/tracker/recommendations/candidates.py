"""Candidate wordings and addressees: what organisations' own plans quote of a recommendation (issue 17, part 2).

A plan import keeps each row's "Recommendation" wording and "Rec. Owner" addressee as a candidate
(``RecommendationCandidate``; ``tracker.plans.spreadsheet.candidates``), never applied by itself. Admins see them
grouped by identical normalised text (owners by the addressees they name, however spelt: "Chief constables and
PCCs" and "chief constables & pccs" are one candidate) with the organisations quoting each, and can accept one:
that saves a new
version (``save_recommendation``) with provenance "as quoted in organisations' plans, not yet checked against the
report" (``Provenance.QUOTED``) and a public note counting only the plans published since they quoted it ("Wording
as quoted in 3 organisations' published plans"): a quote in a plan not yet published is not public.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from tracker.accounts.models import User
from tracker.db import saved_id
from tracker.inputs import BIDI_CONTROLS, InputError
from tracker.organisations.models import AddresseeGroup, Organisation
from tracker.plans.models import PlanPublication, PublishedResponse
from tracker.plans.obligations import CANDIDATE
from tracker.plans.publication import latest_publication_ids
from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import EditResult, form_values, save_recommendation
from tracker.recommendations.models import Recommendation, RecommendationCandidate, RecommendationSet
from tracker.vocabulary import Provenance
from tracker.web.i18n import N_
from tracker.web.i18n import gettext as _

TEXT, ADDRESSEES = "text", "addressees"

# curly, low, reversed and prime quote marks (and accents used as quotes) read as straight ones
_QUOTES = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201a\u201b\u2032`\u00b4", "'")
    | dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"')
)


def shown(text: str) -> str:
    """A quoted cell as kept: spacing collapsed, straight quotes, no direction controls (nobody sees them), no
    quotes round the whole of it."""
    text = " ".join(BIDI_CONTROLS.sub("", text).translate(_QUOTES).split())
    while len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    return text


def candidate_key(text: str) -> str:
    """Two quotes are the same candidate if they match ignoring spacing, kinds of quote marks and case."""
    return hashlib.sha256(shown(text).casefold().encode()).hexdigest()


def addressees_key(codes: list[str]) -> str:
    """Owners naming the same addressees, in whatever words or order, are the same candidate."""
    return hashlib.sha256(("addressees:" + ",".join(sorted(codes))).encode()).hexdigest()


@dataclass
class CandidateGroup:
    """One normalised text quoted for a recommendation (for an owner: the addressees it names), with the
    organisations quoting it, their files and, for owners, each spelling quoted (``texts``)."""

    recommendation: Recommendation
    kind: str
    key: str
    text: str
    organisations: list[Organisation] = field(default_factory=list)
    file_names: list[str] = field(default_factory=list)
    addressees: list[str] = field(default_factory=list)  # for an addressee: the codes it names ([] if unknown)
    current: bool = False  # what the recommendation holds now
    texts: list[str] = field(default_factory=list)  # every spelling quoted, the first as ``text``
    keys: set[str] = field(default_factory=set)  # the candidates' own keys (a form may name the group by one)
    # those organisations whose latest publication, made since they quoted it, answers the recommendation: the
    # public note counts only these (``quoted_in_published``)
    published: list[Organisation] = field(default_factory=list)

    def named_by(self, key: str) -> bool:
        return key == self.key or key in self.keys


def candidate_groups(session: Session, rec: Recommendation) -> list[CandidateGroup]:
    """The candidates of a numbered recommendation and its sub-recommendations, grouped by identical normalised
    text: by recommendation, kind, then most quoted first."""
    family = {saved_id(rec): rec} | {
        saved_id(s): s for s in session.exec(select(Recommendation).where(Recommendation.parent_id == rec.id))
    }
    rows = session.exec(
        select(RecommendationCandidate, Organisation)
        .join(Organisation, col(Organisation.id) == RecommendationCandidate.organisation_id)
        .where(col(RecommendationCandidate.recommendation_id).in_(list(family)))
        .order_by(col(RecommendationCandidate.id))
    )
    groups: dict[tuple[int, str, str], CandidateGroup] = {}
    matcher = AddresseeMatcher(session)
    published = _published_since(session, list(family))
    for candidate, organisation in rows:
        target = family[candidate.recommendation_id]
        codes = matcher.codes(candidate.text) if candidate.kind == ADDRESSEES else []
        key = addressees_key(codes) if codes else candidate.key
        group = groups.get((saved_id(target), candidate.kind, key))
        if group is None:
            group = CandidateGroup(target, candidate.kind, key, candidate.text, addressees=codes)
            if candidate.kind == ADDRESSEES:
                group.current = bool(codes) and sorted(codes) == sorted(target.addressees)
            else:
                group.current = candidate_key(target.text or "") == candidate.key
            groups[(saved_id(target), candidate.kind, key)] = group
        group.keys.add(candidate.key)
        if candidate.text not in group.texts:
            group.texts.append(candidate.text)
        if organisation not in group.organisations:
            group.organisations.append(organisation)
        when = published.get((candidate.organisation_id, candidate.recommendation_id))
        if when is not None and when >= _aware(candidate.created_at) and organisation not in group.published:
            group.published.append(organisation)
        if candidate.file_name and candidate.file_name not in group.file_names:
            group.file_names.append(candidate.file_name)
    for group in groups.values():
        group.organisations.sort(key=lambda o: o.name)
        group.published.sort(key=lambda o: o.name)
    order = {rid: i for i, rid in enumerate(sorted(family, key=lambda r: (family[r].position, r)))}
    return sorted(
        groups.values(),
        key=lambda g: (order[saved_id(g.recommendation)], g.kind != TEXT, -len(g.organisations), g.text),
    )


def _published_since(session: Session, recommendation_ids: list[int]) -> dict[tuple[int, int], dt.datetime]:
    """When each organisation's latest publication answering one of these recommendations was made, by
    (organisation, recommendation): a quote counts as published if that publication was made since it was quoted."""
    query = (
        select(PlanPublication.organisation_id, PublishedResponse.recommendation_id, PlanPublication.published_at)
        .join(PlanPublication, col(PlanPublication.id) == PublishedResponse.publication_id)
        .where(col(PublishedResponse.publication_id).in_(latest_publication_ids()))
        .where(col(PublishedResponse.recommendation_id).in_(recommendation_ids))
    )
    return {(org_id, rec_id): _aware(when) for org_id, rec_id, when in session.exec(query)}


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def recommendations_with_candidates(session: Session) -> list[tuple[Recommendation, RecommendationSet, int]]:
    """Every numbered recommendation with candidates (its own or its parts'), and how many organisations quote it."""
    parent = func.coalesce(Recommendation.parent_id, Recommendation.id)
    counts = session.exec(
        select(parent, func.count(func.distinct(RecommendationCandidate.organisation_id)))
        .join(Recommendation, col(Recommendation.id) == RecommendationCandidate.recommendation_id)
        .group_by(parent)
    )
    counted = dict(counts.all())
    # Read with their sets in one query, not one lookup per counted recommendation.
    found = [
        (rec, rec_set, counted[saved_id(rec)])
        for rec, rec_set in session.exec(
            select(Recommendation, RecommendationSet)
            .join(RecommendationSet, col(RecommendationSet.id) == Recommendation.set_id)
            .where(col(Recommendation.id).in_(counted))
        )
        if not rec.removed
    ]
    return sorted(found, key=lambda f: (f[0].set_id, f[0].position))


class AddresseeMatcher:
    """Reads an owner cell ("Chief Constables", "Chief constables and PCCs") as addressee codes, by the groups'
    and organisations' codes, names and aliases."""

    def __init__(self, session: Session) -> None:
        self.names: dict[str, str] = {}
        for group in session.exec(select(AddresseeGroup)):
            for name in (group.code, group.name):
                self.names[_words(name)] = group.code
        for organisation in session.exec(select(Organisation)):
            for name in (organisation.slug, organisation.name, *organisation.aliases):
                self.names.setdefault(_words(name), organisation.slug)

    def codes(self, text: str) -> list[str]:
        """The codes the cell names, in its order; [] unless every part of it names one."""
        whole = self.names.get(_words(text))
        if whole:
            return [whole]
        parts = [_words(p) for p in re.split(r",|;|/|&|\+|\band\b|\n", text, flags=re.IGNORECASE)]
        codes = [self.names.get(p) for p in parts if p]
        if not codes or None in codes:
            return []
        return list(dict.fromkeys(c for c in codes if c))


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", shown(text).casefold().replace("'", "")).split())


_ALREADY_CONFIRMED = N_(
    "Recommendation %(number)s is already confirmed against the report: a quote from a plan cannot replace what "
    "was checked against the report. If the report says otherwise, correct the recommendation on its edit screen"
)


def quoted_in_published(count: int) -> str:
    """The public note's words for a quote in ``count`` organisations' published plans (``CandidateGroup.published``):
    it never counts plans that are not published, whose quotes are not public (outsider pass 8, finding 7)."""
    if count == 0:
        return "as quoted in organisations' plans, not yet checked against the report."
    plans = "1 organisation's published plan" if count == 1 else f"{count} organisations' published plans"
    return f"as quoted in {plans}, not yet checked against the report."


def accept_candidate(
    session: Session, rec: Recommendation, target_id: int, kind: str, key: str, version: int | None, user: User
) -> EditResult:
    """Accept one candidate of ``rec`` (or of one of its sub-recommendations, ``target_id``): a new version with
    the quoted wording or addressees and provenance "as quoted in organisations' plans", its note counting the
    published plans that quote it ("as quoted in N organisations' published plans"). Commits.

    Raises ``InputError`` ("candidate") when the candidate is not there or its addressees are not ones we know,
    and ``StaleRecord`` when the recommendation changed since the page was shown. A candidate the recommendation
    already holds changes nothing; on a recommendation confirmed against the report every candidate is refused."""
    group = next(
        (
            g
            for g in candidate_groups(session, rec)
            if saved_id(g.recommendation) == target_id and g.kind == kind and g.named_by(key)
        ),
        None,
    )
    if group is None:
        raise InputError({"candidate": N_("Choose a candidate from the list")})
    if group.current:
        return EditResult()  # the recommendation holds it already: a quote of it adds nothing, not even a version
    if rec.provenance is Provenance.CONFIRMED:
        # Provenance is one status for the whole recommendation: a quote would lower the fields checked against
        # the report that it does not change, so a confirmed recommendation is corrected on its edit screen.
        raise InputError({"candidate": _(_ALREADY_CONFIRMED, number=rec.number)})
    values = form_values(session, rec)
    values["version"] = "" if version is None else str(version)
    what = "Wording" if target_id == rec.id else f"Wording of {group.recommendation.number}"
    if kind == ADDRESSEES:
        if not group.addressees:
            raise InputError(
                {"candidate": _("'%(quote)s' names no addressee group or organisation we know", quote=group.text)}
            )
        values["addressees"], what = group.addressees, "Addressees"
    elif target_id == rec.id:
        values["text"] = group.text
    else:
        values[f"sub-{target_id}-text"] = group.text
    if rec.provenance not in (Provenance.PARTIAL, Provenance.QUOTED):
        values["confirmed_fields"] = ["number"]  # nothing else is confirmed: a quote is not a check
    values["provenance"] = Provenance.QUOTED.value
    sentence = f"{what} {quoted_in_published(len(group.published))}"
    earlier = re.compile(
        rf"{re.escape(what)} as quoted in (?:\d+ )?organisations?'s? (?:published )?plans?, not yet checked "
        r"against the report\."
    )
    note = earlier.sub("", values["provenance_note"] or "").strip()
    values["provenance_note"] = " ".join(filter(None, [note, sentence]))
    return save_recommendation(session, rec, recommendation_edit(values), user, cause=CANDIDATE)
