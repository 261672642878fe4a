"""Who must answer what follows from the addressees, is stored, and never loses what was recorded."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.support.factories import SMALL_ORGANISATIONS, SMALL_SET, write
from tracker.audit.services import Actor
from tracker.loading import load_file
from tracker.organisations.services import get_by_slug
from tracker.plans.models import Response
from tracker.plans.obligations import obligations_for, organisations_answering, sync_obligations
from tracker.recommendations.models import Recommendation
from tracker.vocabulary import ResponseStatus

ACTOR = Actor("test")


@pytest.fixture
def loaded(session: Session, tmp_path) -> None:
    load_file(session, write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), ACTOR)
    load_file(session, write(tmp_path, "set.yaml", SMALL_SET), ACTOR)


def numbers(session: Session, slug: str, **kwargs) -> list[str]:
    org = get_by_slug(session, slug)
    return [rec.number for _, rec, _ in obligations_for(session, org.id, **kwargs)]


def test_each_organisation_answers_what_is_addressed_to_it(session, loaded):
    assert numbers(session, "kent") == ["1", "1.1", "1.2"]
    assert numbers(session, "gwent") == ["1", "1.1", "1.2"]
    assert numbers(session, "kent-pcc") == ["3"]
    assert numbers(session, "home-office") == ["3"]


def test_a_recommendation_with_no_known_addressee_creates_no_obligation(session, loaded):
    rec = session.exec(select(Recommendation).where(Recommendation.number == "2")).one()
    assert organisations_answering(session, rec.id) == []


def test_organisations_answering_a_recommendation(session, loaded):
    rec = session.exec(select(Recommendation).where(Recommendation.number == "3")).one()
    assert [o.slug for o in organisations_answering(session, rec.id)] == ["gwent-pcc", "home-office", "kent-pcc"]


def test_removing_an_addressee_keeps_the_record_but_marks_it_not_required(session, loaded, tmp_path):
    kent = get_by_slug(session, "kent")
    response = session.exec(select(Response).where(Response.organisation_id == kent.id)).first()
    response.status, response.summary = ResponseStatus.IN_PROGRESS, "Work recorded before the change"
    session.commit()

    moved = SMALL_SET.replace("addressees: [chief-constables]", "addressees: [home-office]")
    result = load_file(session, write(tmp_path, "set2.yaml", moved), ACTOR)
    assert any("no longer required" in note for note in result.notes)
    assert numbers(session, "kent") == []
    kept = session.get(Response, response.id)
    assert kept is not None and not kept.required and kept.required_changed_at is not None
    assert kept.summary == "Work recorded before the change"
    assert numbers(session, "kent", include_not_required=True) == ["1", "1.1", "1.2"]
    assert numbers(session, "home-office") == ["1", "1.1", "1.2", "3"]

    load_file(session, write(tmp_path, "set3.yaml", SMALL_SET), ACTOR)
    assert numbers(session, "kent") == ["1", "1.1", "1.2"], "addressed again: required again, same record"
    assert session.get(Response, response.id).required


def test_a_new_organisation_gets_its_obligations(session, loaded, tmp_path):
    more = SMALL_ORGANISATIONS + "  - {slug: dorset, name: Dorset Police, kind: force, country: England}\n"
    load_file(session, write(tmp_path, "orgs2.yaml", more), ACTOR)
    assert numbers(session, "dorset") == ["1", "1.1", "1.2"]


def test_syncing_twice_changes_nothing(session, loaded):
    assert not sync_obligations(session, ACTOR).any
