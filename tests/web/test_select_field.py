"""A select from our field layer (templates/macros/fields.html) is GOV.UK Frontend's ``govukSelect`` byte for byte:
drawn in Python for the plain case (``tracker.web.select_field.plain_select``), by the macro itself otherwise."""

from __future__ import annotations

import gettext
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracker.web.fields import Content, choice_items, field_params
from tracker.web.i18n import translations_in_use
from tracker.web.select_field import plain_select
from tracker.web.templating import build_environment

GOVUK = '{% from "govuk_frontend_jinja/components/select/macro.html" import govukSelect %}{{ govukSelect(params) }}'
OURS = '{% from "macros/fields.html" import select %}{{ select(name, label, choices, value, errors, **extra) }}'


class Welsh(gettext.NullTranslations):
    locale_code = "cy"


def govuk_select(params: dict[str, Any]) -> str:
    return build_environment().from_string(GOVUK).render(params=params)


def our_select(name: str, label: Any, choices: Any, value: Any = None, errors: Any = None, **extra: Any) -> str:
    return (
        build_environment()
        .from_string(OURS)
        .render(name=name, label=label, choices=choices, value=value, errors=errors, extra=extra)
    )


# Text with what HTML escapes, what ``{{ … }}`` drops (control characters), Welsh letters and spaces at the ends.
TEXT = st.text(alphabet=st.sampled_from(list("aZ w<>&\"'\x01\x0b\x7fŵŷ-_")), max_size=8)
VALUE = st.one_of(TEXT, st.integers(-3, 300), st.booleans(), st.none())
ITEM = st.fixed_dictionaries(
    {"value": VALUE, "text": TEXT},
    optional={
        "selected": st.one_of(st.booleans(), st.none(), TEXT),
        "attributes": st.dictionaries(st.sampled_from(["lang", "data-x"]), TEXT, max_size=2),
        "id": TEXT,
    },
)
PARAMS = st.fixed_dictionaries(
    {"name": TEXT, "items": st.lists(st.one_of(ITEM, st.just({})), max_size=4)},
    optional={
        "id": st.one_of(TEXT, st.none()),
        "label": st.fixed_dictionaries({"text": TEXT}, optional={"classes": st.one_of(TEXT, st.none())}),
        "formGroup": st.fixed_dictionaries({}, optional={"classes": st.one_of(TEXT, st.none())}),
        "classes": st.one_of(TEXT, st.none()),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PARAMS)
@example(
    {
        "name": "region",
        "id": "region",
        "label": {"text": "Region"},
        "formGroup": {"classes": "govuk-grid-column-one-quarter"},
        "items": [{"value": "", "text": "All regions", "selected": True}, {"value": "wales", "text": "Wales"}],
    }
)
def test_a_plain_select_drawn_in_python_is_govuk_s_own_html(params: dict[str, Any]) -> None:
    drawn = plain_select(params)
    if drawn is not None:
        assert str(drawn) == govuk_select(params)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"formGroup": {"classes": "govuk-grid-column-one-quarter"}},
        {"classes": "govuk-!-width-one-third", "label_classes": "govuk-label--s"},
        {"id": "pick-one"},
    ],
)
def test_the_field_layer_s_plain_selects_are_drawn_in_python(extra: dict[str, Any]) -> None:
    """What the dashboard's filters pass takes the fast path (a test that fails if it silently stops applying)."""
    choices = [("", "All"), ("a<b", "A & B"), ("2", Content("Gwent"))]
    params = field_params("pick", "Pick one", None, items=choice_items(choices, "2", select=True), **extra)
    assert plain_select(params) is not None
    assert our_select("pick", "Pick one", choices, "2", **extra) == govuk_select(params)


def test_a_welsh_page_s_select_marks_english_content_and_is_still_drawn_in_python() -> None:
    choices = [("", "Pob rhanbarth"), ("wales", Content("Wales"))]
    with translations_in_use(Welsh()):
        params = field_params("region", "Rhanbarth", None, items=choice_items(choices, "", select=True))
        assert plain_select(params) is not None
        html = our_select("region", "Rhanbarth", choices, "")
        assert html == govuk_select(params)
    assert '<option value="wales" lang="en">Wales</option>' in html


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ({"hint": "Choose one"}, None),
        ({}, {"pick": "Choose a value"}),
        ({"attributes": {"data-module": "x"}}, None),
        ({"disabled": True}, None),
    ],
)
def test_any_other_select_is_left_to_govuk_s_macro(extra: dict[str, Any], errors: Any) -> None:
    choices = [("", "All"), ("b", "B")]
    params = field_params("pick", "Pick one", errors, items=choice_items(choices, "b", select=True), **extra)
    assert plain_select(params) is None
    assert our_select("pick", "Pick one", choices, "b", errors, **extra) == govuk_select(params)


def test_an_item_govuk_s_macro_would_draw_otherwise_is_left_to_it() -> None:
    """A disabled option, one without a value, an attribute that is not text, a label given as HTML: not plain."""
    base = {"name": "n", "label": {"text": "N"}}
    assert plain_select({"name": "n", "label": {"html": "<b>N</b>"}, "items": []}) is None
    assert plain_select({**base, "items": [{"value": "a", "text": "A", "disabled": True}]}) is None
    assert plain_select({**base, "items": [{"text": "A"}]}) is None
    assert plain_select({**base, "items": [{"value": "a", "text": "A", "attributes": {"x": True}}]}) is None
