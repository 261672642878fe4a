"""The bundled data files: the 43 forces and the 29 recommendations, exactly as the sources confirm."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import yaml
from sqlmodel import Session, select

from tracker.organisations.models import Organisation
from tracker.plans.obligations import organisations_answering
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.settings import PROJECT_ROOT
from tracker.vocabulary import OrganisationKind, Provenance

SHARED_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "recommendations.yaml"


@pytest.fixture
def recs(session: Session, reference_data) -> dict[str, Recommendation]:
    return {r.number: r for r in session.exec(select(Recommendation))}


def test_there_are_29_numbered_recommendations(recs):
    top = sorted((r for r in recs.values() if r.parent_id is None), key=lambda r: r.position)
    assert [r.number for r in top] == [str(n) for n in range(1, 30)]


def test_the_set_is_the_2024_report(session, reference_data):
    rec_set = session.exec(select(RecommendationSet)).one()
    assert rec_set.published_on == dt.date(2024, 9, 27)
    assert rec_set.authors == ["HMICFRS", "College of Policing", "IOPC"]
    assert rec_set.source_url.startswith("https://hmicfrs.justiceinspectorates.gov.uk/")


def test_what_the_sources_confirm_is_recorded(recs):
    assert recs["7"].addressees == ["chief-constables"] and recs["7"].deadline == dt.date(2025, 3, 27)
    assert [r.number for r in recs.values() if r.parent_id == recs["7"].id] == ["7.1", "7.2"]
    assert recs["15"].addressees == ["pccs"]
    assert set(recs["16"].addressees) == {"pccs", "chief-constables"}
    assert set(recs["25"].addressees) == {"pccs", "chief-constables"} and recs["25"].deadline is None


def test_nothing_unconfirmed_is_presented_as_confirmed(recs):
    for rec in recs.values():
        assert rec.provenance is not Provenance.CONFIRMED, "nobody has checked the report itself yet"
        if rec.provenance is Provenance.TO_BE_CONFIRMED:
            assert rec.text is None and rec.addressees == [] and rec.deadline is None, rec.number


def test_there_are_43_forces_each_with_its_policing_body(session, reference_data):
    orgs = list(session.exec(select(Organisation)))
    forces = [o for o in orgs if o.kind is OrganisationKind.FORCE]
    assert len(forces) == 43
    assert Counter(f.country for f in forces) == {"England": 39, "Wales": 4}
    assert all(f.region_code for f in forces)
    bodies = [o for o in orgs if o.kind is OrganisationKind.POLICING_BODY]
    assert sorted(b.force_id for b in bodies) == sorted(f.id for f in forces)
    national = {o.slug for o in orgs if o.kind is OrganisationKind.NATIONAL_BODY}
    assert {"npcc", "apcc", "home-office", "ministry-of-justice", "cps", "college-of-policing"} <= national


def test_every_force_answers_each_chief_constable_recommendation(session, recs):
    for number in ("7", "7.1", "7.2", "10", "16", "25"):
        forces = [o for o in organisations_answering(session, recs[number].id) if o.kind is OrganisationKind.FORCE]
        assert len(forces) == 43, number


def test_every_policing_body_answers_the_pcc_recommendations(session, recs):
    for number in ("15", "16", "25"):
        bodies = [
            o for o in organisations_answering(session, recs[number].id) if o.kind is OrganisationKind.POLICING_BODY
        ]
        assert len(bodies) == 43, number


@pytest.mark.skipif(not SHARED_REFERENCE.exists(), reason="the shared reference folder is not beside the project")
def test_addressees_and_deadlines_match_the_shared_reference(recs):
    reference = yaml.safe_load(SHARED_REFERENCE.read_text())["recommendations"]
    assert len(reference) == 29
    for item in reference:
        rec = recs[str(item["number"])]
        expected = {a.replace("_", "-") for a in item["addressees"]}
        if item["data_status"] == "missing":
            assert rec.provenance is Provenance.TO_BE_CONFIRMED, rec.number
            continue
        if expected and rec.number != "27":  # 27's addressee is only an inference in the reference (see its note)
            assert set(rec.addressees) == expected, rec.number
        assert rec.deadline == item["deadline"], rec.number


ORGANISATIONS_YAML = PROJECT_ROOT / "recommendations" / "organisations.yaml"


def test_durhams_policing_body_has_the_name_it_uses_with_the_old_one_as_an_alias(session, reference_data):
    durham = session.exec(select(Organisation).where(Organisation.slug == "durham-pcc")).one()
    assert durham.name == "Durham Police and Crime Commissioner"
    assert durham.aliases == ["Durham Police, Crime and Victims' Commissioner"]
    assert "https://durham-pcc.gov.uk" in (durham.note or "")


def test_the_organisations_file_cites_public_sources_and_names_its_region_scheme():
    text = ORGANISATIONS_YAML.read_text(encoding="utf-8")
    header = text[: text.index("\nregions:")]
    assert "/work/" not in text and "shared/reference" not in text, "no local machine path: cite public sources"
    assert "https://wikimili.com/en/List_of_police_forces_of_the_United_Kingdom" in header
    assert "https://policeconduct.gov.uk/" in header and "https://durham-pcc.gov.uk" in header
    flat = " ".join(line.lstrip("# ").strip() for line in header.splitlines())
    assert "follows the Office for National Statistics' regions" in flat
    assert "It is NOT from a published NPCC list" in flat
    assert "NPCC regions" not in flat and "used by the NPCC" not in text


def test_the_four_welsh_forces_and_their_commissioners_are_bilingual_and_no_one_else(reference_data, session):
    bilingual = sorted(o.slug for o in session.exec(select(Organisation).where(Organisation.bilingual == True)))  # noqa: E712
    assert bilingual == [
        "dyfed-powys",
        "dyfed-powys-pcc",
        "gwent",
        "gwent-pcc",
        "north-wales",
        "north-wales-pcc",
        "south-wales",
        "south-wales-pcc",
    ]
    welsh = sorted(o.slug for o in session.exec(select(Organisation).where(Organisation.country == "Wales")))
    assert welsh == bilingual


def test_the_welsh_forces_and_commissioners_have_their_official_welsh_names(session, reference_data):
    welsh = session.exec(select(Organisation).where(Organisation.country == "Wales")).all()
    names = {organisation.slug: organisation.name_cy for organisation in welsh}
    assert names == {
        "dyfed-powys": "Heddlu Dyfed-Powys",
        "gwent": "Heddlu Gwent",
        "north-wales": "Heddlu Gogledd Cymru",
        "south-wales": "Heddlu De Cymru",
        "dyfed-powys-pcc": "Comisiynydd Heddlu a Throseddu Dyfed-Powys",
        "gwent-pcc": "Comisiynydd Heddlu a Throseddu Gwent",
        "north-wales-pcc": "Comisiynydd Heddlu a Throseddu Gogledd Cymru",
        "south-wales-pcc": "Comisiynydd Heddlu a Throseddu De Cymru",
    }
