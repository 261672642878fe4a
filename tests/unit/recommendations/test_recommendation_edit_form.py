"""The admin's recommendation form is read into a typed edit (``recommendation_edit``), and the service takes that
edit, not form keys: what the form names ``new-1-number`` or ``sub-7-remove`` is known only to the form reader."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from tracker.recommendations.edit_form import recommendation_edit
from tracker.recommendations.editing import (
    EditError,
    RecommendationEdit,
    SubRecommendationEdit,
    save_recommendation,
    subs_of,
)
from tracker.recommendations.models import Recommendation, RecommendationSet
from tracker.recommendations.welsh import WelshEdit
from tracker.vocabulary import Role


def test_the_form_is_read_into_a_typed_edit():
    edit = recommendation_edit(
        {
            "version": "3",
            "text": "  Some wording. ",
            "text_cy": " Prawf. ",
            "text_cy_source": "project_translation",
            "text_cy_citation": "",
            "addressees": ["chief-constables", " "],
            "deadline": "27/03/2025",
            "theme": "",
            "provenance": "partial",
            "confirmed_fields": "addressees",
            "provenance_sources": "https://www.example.org/a\n\n https://www.example.org/b ",
            "provenance_note": "",
            "sub-12-text": " Changed. ",
            "sub-13-remove": "yes",
            "sub-x-text": "not a sub-recommendation's field",
            "new-1-number": "",
            "new-1-text": "",
            "new-2-number": " 1.4 ",
            "new-2-text": "Added.",
        }
    )
    assert edit == RecommendationEdit(
        version=3,
        text="Some wording.",
        welsh=WelshEdit("Prawf.", "project_translation", None),
        addressees=["chief-constables"],
        deadline="27/03/2025",
        theme=None,
        provenance="partial",
        confirmed_fields=["addressees"],
        sources=["https://www.example.org/a", "https://www.example.org/b"],
        note=None,
        subs=[SubRecommendationEdit(id=12, text="Changed."), SubRecommendationEdit(id=13, remove=True)],
        new_subs=[SubRecommendationEdit(number="1.4", text="Added.", field="new-2-number")],
    )
    assert recommendation_edit({"version": "not a number"}).version is None


def _rec(session, number):
    return session.exec(
        select(Recommendation)
        .join(RecommendationSet, RecommendationSet.id == Recommendation.set_id)
        .where(Recommendation.number == number, RecommendationSet.slug == "test-report")
    ).one()


def test_the_service_saves_a_typed_edit_and_reports_problems_on_the_field_it_names(session, small_reference, make_user):
    admin = make_user(Role.ADMIN)
    r = _rec(session, "1")
    subs = [SubRecommendationEdit(id=s.id, text=s.text) for s in subs_of(session, r)]
    base = RecommendationEdit(
        version=r.version,
        text=r.text,
        addressees=list(r.addressees),
        deadline=r.deadline.strftime("%d/%m/%Y") if r.deadline else None,
        theme=r.theme,
        provenance=r.provenance.value,
        confirmed_fields=list(r.confirmed_fields),
        sources=list(r.provenance_sources),
        note=r.provenance_note,
        subs=subs,
    )
    with pytest.raises(EditError) as exc:
        save_recommendation(
            session, r, replace(base, new_subs=[SubRecommendationEdit(number="2.1", field="row-a")]), admin
        )
    assert exc.value.errors == {"row-a": "A sub-recommendation of 1 is numbered 1.1, 1.2 …"}
    session.rollback()
    r = _rec(session, "1")
    result = save_recommendation(
        session, r, replace(base, new_subs=[SubRecommendationEdit(number="1.9", text="New.")]), admin
    )
    assert result.changed == ["sub_recommendations"]
    assert _rec(session, "1.9").text == "New."
    assert [s.text for s in subs_of(session, r)][: len(subs)] == [s.text for s in subs]
